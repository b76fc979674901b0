import { useSyncExternalStore } from 'react';
import type { DashboardState } from './dashboard-state.ts';
import type { DashboardStore } from './dashboard-store.ts';

/** The store's current state; re-renders on every (throttled) change. */
export function useDashboardState(store: DashboardStore): DashboardState {
  return useSyncExternalStore(store.subscribe, store.getState);
}

/** Whether the store's event stream has ended. */
export function useStoreClosed(store: DashboardStore): boolean {
  return useSyncExternalStore(store.subscribe, store.isClosed);
}
