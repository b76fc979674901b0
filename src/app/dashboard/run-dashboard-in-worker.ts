/**
 * `runDashboardInWorker`: the live dashboard drawn by a worker thread. The
 * training loop keeps its thread (and core) to itself; it only forwards its
 * events, and writes the finished frames to the terminal. Keys are read here
 * (raw mode) and handed to the dashboard; resizes too.
 */
import { Worker } from 'node:worker_threads';
import type { TrainerHandle } from './types.ts';
import type { FromMain, ToMain, WorkerInit } from './worker-protocol.ts';
import { workerEntry } from '../../core/worker-entry.ts';

export interface WorkerDashboardOptions {
  /** The terminal to draw on. @default process.stdout */
  stdout?: NodeJS.WriteStream;
  /** Where keys come from; read only when it is a TTY. @default process.stdin */
  stdin?: NodeJS.ReadStream;
  /** Called on a second q / Ctrl-C while a stop is pending. @default nothing */
  onForceQuit?: () => void;
  /**
   * Shortest time between two redraws, in milliseconds: at most 4 frames a
   * second, enough to watch and cheap for the training thread, which shares the machine.
   * @default 250
   */
  throttleMs?: number;
  /** Largest share of the worker's wall time drawing may take. @default 0.05 */
  maxRenderShare?: number;
}

/** Draw the dashboard for `handle` in a worker thread until the trainer is done or the user quits. */
export function runDashboardInWorker(
  handle: TrainerHandle,
  opts: WorkerDashboardOptions = {},
): Promise<void> {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  const keys = stdin.isTTY === true && typeof stdin.setRawMode === 'function';
  const init: WorkerInit = {
    columns: stdout.columns ?? 80,
    rows: stdout.rows ?? 24,
    keys,
    throttleMs: opts.throttleMs ?? 250,
    maxRenderShare: opts.maxRenderShare,
  };
  const worker = new Worker(workerEntry(import.meta.url, 'dashboard-worker'), { workerData: init });
  const post = (m: FromMain) => worker.postMessage(m);
  const sub = handle.events$.subscribe({
    next: (event) => post({ type: 'event', event }),
    complete: () => post({ type: 'end' }),
  });
  const onResize = () => post({ type: 'resize', columns: stdout.columns ?? 80, rows: stdout.rows ?? 24 });
  const onKey = (d: Buffer | string) => post({ type: 'stdin', data: d.toString() });
  stdout.on('resize', onResize);
  if (keys) {
    stdin.setRawMode(true);
    stdin.on('data', onKey);
    stdin.resume();
  }
  const cleanup = () => {
    sub.unsubscribe();
    stdout.off('resize', onResize);
    if (keys) {
      stdin.off('data', onKey);
      stdin.setRawMode(false);
      stdin.pause();
    }
  };
  return new Promise<void>((resolve, reject) => {
    worker.on('message', (m: ToMain) => {
      if (m.type === 'write') stdout.write(m.data);
      else if (m.type === 'control') handle[m.name]();
      else if (m.type === 'force-quit') opts.onForceQuit?.();
      else if (m.type === 'exit') {
        cleanup();
        resolve();
      } else if (m.type === 'error') {
        cleanup();
        reject(new Error(`dashboard: ${m.message}`));
      }
    });
    worker.on('error', (err) => {
      cleanup();
      reject(err);
    });
    worker.on('exit', () => {
      cleanup();
      resolve();
    });
  });
}
