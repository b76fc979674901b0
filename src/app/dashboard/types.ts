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
  /** Pause training at the next safe point (a rollout step or an iteration boundary; the `paused` event says when). */
  pause(): void;
  /** Resume a paused run. */
  resume(): void;
  /** Write a checkpoint (reason `manual`): at once while paused, else at the end of the iteration. */
  requestSave(): void;
  /** Save and stop: the trainer writes a checkpoint, then emits `done`. */
  requestStop(): void;
}

/** Something the plain log can write lines to (a stream, or a test buffer). */
export interface LineSink {
  write(chunk: string): unknown;
}
