/** Messages between the training thread and the dashboard's worker thread. */
import type { TrainerEvent } from '../../core/train-events.ts';

export interface WorkerInit {
  columns: number;
  rows: number;
  /** The main thread reads keys (its stdin is a TTY in raw mode). */
  keys: boolean;
  /** Passed to `runDashboard` (see DashboardOptions). */
  throttleMs?: number;
  maxRenderShare?: number;
}

export type FromMain =
  | { type: 'event'; event: TrainerEvent }
  | { type: 'end' }
  | { type: 'stdin'; data: string }
  | { type: 'resize'; columns: number; rows: number };

export type ToMain =
  | { type: 'write'; data: string }
  | { type: 'control'; name: 'pause' | 'resume' | 'requestSave' | 'requestStop' }
  | { type: 'force-quit' }
  | { type: 'exit' }
  | { type: 'error'; message: string };
