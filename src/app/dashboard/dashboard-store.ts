/**
 * The dashboard's subscription to a trainer, outside React: events are folded
 * by `reduceDashboard` as they arrive (`scan`) and handed to the view at most
 * once per window (`audit`, which still delivers the last state when the
 * stream ends). The window adapts: it grows so that drawing takes at most
 * `maxRenderShare` of the time, whatever the terminal size and machine.
 * Components read the store with `useSyncExternalStore`.
 */
import { type Observable, audit, scan, timer } from 'rxjs';
import type { TrainerEvent } from '../../core/train-events.ts';
import { type DashboardState, initialDashboardState, reduceDashboard } from './dashboard-state.ts';

export interface DashboardStore {
  getState(): DashboardState;
  /** True once the event stream completed or failed. */
  isClosed(): boolean;
  /** The stream's error, if it failed. */
  error(): unknown;
  /** Call `listener` after every state change (and on close); returns an unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /**
   * Bracket one frame: the dashboard calls `frameBegin` when it starts
   * rendering and `frameDone` from a layout effect, once ink has written the
   * output; the time between is the frame's cost (React render, commit, ink).
   */
  frameBegin(): void;
  frameDone(): void;
  /**
   * Report ink's output time of a render (its `onRender` metrics). Renders
   * outside a `frameBegin`/`frameDone` bracket (ink's delayed renders, the
   * `<Static>` log's second pass) are added to the next frame's cost.
   */
  reportInkRender(ms: number): void;
  /** The current time between two view updates, in ms. */
  intervalMs(): number;
  /** Stop listening to the trainer. */
  dispose(): void;
}

export interface DashboardStoreOptions {
  /** Shortest time between two view updates, in milliseconds. @default 150 */
  throttleMs?: number;
  /** Longest time between two view updates however slow drawing is, in milliseconds. @default 1000 */
  maxIntervalMs?: number;
  /** Largest share of wall time drawing may take; the update interval grows to keep to it. @default 0.05 */
  maxRenderShare?: number;
  /** Called with the cost of every frame, in ms (benchmarks). @default undefined */
  onFrameCost?: (ms: number) => void;
}

export function createDashboardStore(
  events$: Observable<TrainerEvent>,
  { throttleMs = 150, maxIntervalMs = 1000, maxRenderShare = 0.05, onFrameCost }: DashboardStoreOptions = {},
): DashboardStore {
  let state = initialDashboardState;
  let closed = false;
  let failure: unknown;
  /** Smoothed cost of one frame, in ms. */
  let frameCost = 0;
  let frameStart: number | undefined;
  let unbracketed = 0;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of listeners) l();
  };
  const intervalMs = () => Math.min(maxIntervalMs, Math.max(throttleMs, frameCost / maxRenderShare));
  const sub = events$
    .pipe(
      scan(reduceDashboard, initialDashboardState),
      audit(() => timer(intervalMs())),
    )
    .subscribe({
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
    frameBegin() {
      frameStart ??= performance.now();
    },
    frameDone() {
      if (frameStart === undefined) return;
      const cost = performance.now() - frameStart + unbracketed;
      frameStart = undefined;
      unbracketed = 0;
      frameCost = frameCost === 0 ? cost : 0.7 * frameCost + 0.3 * cost;
      onFrameCost?.(cost);
    },
    reportInkRender(ms) {
      if (frameStart === undefined) unbracketed += ms;
    },
    intervalMs,
    dispose: () => sub.unsubscribe(),
  };
}
