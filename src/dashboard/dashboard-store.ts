/**
 * The dashboard's subscription to a trainer, outside React: events are folded
 * by `reduceDashboard` as they arrive (`scan`) and handed to the view at most
 * once per `throttleMs` (`auditTime`, which still delivers the last state when
 * the stream ends). Components read it with `useSyncExternalStore`.
 */
import { type Observable, auditTime, scan } from 'rxjs';
import type { TrainerEvent } from '../core/train-events.ts';
import { type DashboardState, initialDashboardState, reduceDashboard } from './dashboard-state.ts';

export interface DashboardStore {
  getState(): DashboardState;
  /** True once the event stream completed or failed. */
  isClosed(): boolean;
  /** The stream's error, if it failed. */
  error(): unknown;
  /** Call `listener` after every state change (and on close); returns an unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** Stop listening to the trainer. */
  dispose(): void;
}

export interface DashboardStoreOptions {
  /** Shortest time between two view updates, in milliseconds. @default 150 */
  throttleMs?: number;
}

export function createDashboardStore(
  events$: Observable<TrainerEvent>,
  { throttleMs = 150 }: DashboardStoreOptions = {},
): DashboardStore {
  let state = initialDashboardState;
  let closed = false;
  let failure: unknown;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of listeners) l();
  };
  const sub = events$.pipe(scan(reduceDashboard, initialDashboardState), auditTime(throttleMs)).subscribe({
    next: (s) => {
      state = s;
      notify();
    },
    error: (err: unknown) => {
      failure = err;
      closed = true;
      notify();
    },
    complete: () => {
      closed = true;
      notify();
    },
  });
  return {
    getState: () => state,
    isClosed: () => closed,
    error: () => failure,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose: () => sub.unsubscribe(),
  };
}
