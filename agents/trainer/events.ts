/**
 * The trainer's event stream (the `TrainerEvent`s of src/core/train-events.ts).
 * One method per event; each builds its payload only when someone listens
 * (`subject.observed`), so a trainer nobody watches spends nothing on events.
 */
import * as tf from '@tensorflow/tfjs';
import { type Observable, Subject } from 'rxjs';
import type { RoleSpec } from '../../src/core/batched.ts';
import type { TrainerEvent } from '../../src/core/train-events.ts';

type EventOf<T extends TrainerEvent['type']> = Extract<TrainerEvent, { type: T }>;
export type CheckpointReason = EventOf<'checkpoint'>['reason'];
export type DoneReason = EventOf<'done'>['reason'];

/** What the `start` event reports about a run (a Trainer has all of it). */
export interface RunHeader {
  readonly runName: string;
  readonly scenario: string;
  readonly config: { readonly seed: number; readonly totalTimesteps: number };
  /** Samples the run trains on: whole iterations (totalTimesteps rounded down); the event's totalTimesteps. */
  readonly budgetSamples?: number;
  readonly roles: readonly RoleSpec[];
}

export class TrainerEvents {
  private readonly subject = new Subject<TrainerEvent>();
  readonly events$: Observable<TrainerEvent> = this.subject.asObservable();

  start(run: RunHeader, baselineReturns: Record<string, number> | undefined): void {
    if (!this.subject.observed) return;
    this.subject.next({
      type: 'start',
      runName: run.runName,
      scenario: run.scenario,
      backend: tf.getBackend(),
      seed: run.config.seed,
      totalTimesteps: run.budgetSamples ?? run.config.totalTimesteps,
      roles: run.roles.map((r) => r.name),
      baselineReturns,
    });
  }

  iteration(
    iteration: number,
    globalStep: number,
    elapsedSec: number,
    metrics: Record<string, number>,
  ): void {
    if (this.subject.observed)
      this.subject.next({ type: 'iteration', iteration, globalStep, elapsedSec, metrics });
  }

  best(globalStep: number, role: string, value: number): void {
    if (this.subject.observed) this.subject.next({ type: 'best', globalStep, role, value });
  }

  checkpoint(globalStep: number, path: string, reason: CheckpointReason): void {
    if (this.subject.observed) this.subject.next({ type: 'checkpoint', globalStep, path, reason });
  }

  paused(paused: boolean): void {
    if (this.subject.observed) this.subject.next({ type: 'paused', paused });
  }

  log(level: 'info' | 'warn', message: string): void {
    if (this.subject.observed) this.subject.next({ type: 'log', level, message });
  }

  done(globalStep: number, reason: DoneReason): void {
    if (this.subject.observed) this.subject.next({ type: 'done', globalStep, reason });
  }

  /** End the stream (subscribers get `complete`). */
  complete(): void {
    this.subject.complete();
  }
}
