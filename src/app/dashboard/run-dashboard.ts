/** `runDashboard`: mount the ink dashboard on a trainer and wait until it ends. */
import { render } from 'ink';
import { createElement } from 'react';
import { Dashboard } from './Dashboard.tsx';
import { createDashboardStore } from './dashboard-store.ts';
import type { TrainerHandle } from './types.ts';

export interface DashboardOptions {
  /** Where the dashboard is drawn; its `columns`/`rows` and 'resize' events size the layout. @default process.stdout */
  stdout?: NodeJS.WriteStream;
  /** Where keys come from; keys are read only when it is a TTY (raw mode). @default process.stdin */
  stdin?: NodeJS.ReadStream;
  /** Shortest time between two redraws, in milliseconds. @default 150 */
  throttleMs?: number;
  /** Largest share of wall time drawing may take; redraws space out to keep to it. @default 0.05 */
  maxRenderShare?: number;
  /** Watching another process's run: p and s are off, q leaves at once. @default false */
  readOnly?: boolean;
  /** Leave when the trainer emits `done` (after drawing the last state). @default true */
  exitOnDone?: boolean;
  /** Treat SIGINT like `q` while the dashboard runs. @default true */
  handleSigint?: boolean;
  /** Called on a second q / Ctrl-C while a stop is pending. @default unmounts the dashboard and resolves */
  onForceQuit?: () => void;
  /** Called with the cost of every frame (React render, commit, ink output), in ms; for benchmarks. @default undefined */
  onFrameCost?: (ms: number) => void;
  /** Write every frame in full instead of redrawing in place (tests). @default false */
  debug?: boolean;
}

/**
 * Draw the live dashboard for `handle` until the trainer is done (or its
 * stream ends, or the user quits a read-only view). Resolves after the last
 * frame is drawn; rejects with the stream's error if the trainer fails.
 */
export async function runDashboard(handle: TrainerHandle, opts: DashboardOptions = {}): Promise<void> {
  const store = createDashboardStore(handle.events$, {
    throttleMs: opts.throttleMs ?? 150,
    maxRenderShare: opts.maxRenderShare ?? 0.05,
    onFrameCost: opts.onFrameCost,
  });
  const app = render(
    createElement(Dashboard, {
      store,
      controls: handle,
      readOnly: opts.readOnly ?? false,
      exitOnDone: opts.exitOnDone ?? true,
      handleSigint: opts.handleSigint ?? true,
      onForceQuit: opts.onForceQuit,
    }),
    {
      stdout: opts.stdout ?? process.stdout,
      stdin: opts.stdin ?? process.stdin,
      exitOnCtrlC: false,
      debug: opts.debug ?? false,
      onRender: ({ renderTime }) => store.reportInkRender(renderTime),
    },
  );
  try {
    await app.waitUntilExit();
  } finally {
    store.dispose();
  }
}
