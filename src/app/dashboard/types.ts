/**
 * The surface the dashboard, the plain-log printer and `watch` need from a
 * trainer: its event stream and its four controls.
 */
import type { Observable } from 'rxjs';
import type { TrainerEvent } from '../../core/train-events.ts';

/** A running (or watched) training run, as the dashboard sees it. */
export interface TrainerHandle {
  /** Every event the trainer emits, from `start` to `done`. */
  events$: Observable<TrainerEvent>;
  /** Pause training after the current iteration. */
  pause(): void;
  /** Resume a paused run. */
  resume(): void;
  /** Write a checkpoint as soon as possible (reason `manual`). */
  requestSave(): void;
  /** Save and stop: the trainer writes a checkpoint, then emits `done`. */
  requestStop(): void;
}

/** Something the plain log can write lines to (a stream, or a test buffer). */
export interface LineSink {
  write(chunk: string): unknown;
}
