/**
 * A scripted stand-in for the trainer: a deterministic stream of plausible
 * events on timers, with working controls. Used by the dashboard's tests, its
 * benchmark and `test/fixtures/fake-train.tsx`, so none of them needs the real
 * trainer.
 */
import { Subject } from 'rxjs';
import type { MarketSnapshot, TrainerEvent } from '../../core/train-events.ts';
import type { TrainerHandle } from './types.ts';

export interface SyntheticTrainerOptions {
  /** Milliseconds between iteration events. @default 200 */
  iterationMs?: number;
  /** Milliseconds between market snapshots. @default 50 */
  marketMs?: number;
  /** Iterations before `done` (reason `budget`). @default 100 */
  iterations?: number;
  /** Env steps per iteration. @default 2048 */
  stepsPerIteration?: number;
  /** Coprocessor slots in the market snapshots. @default 48 */
  slots?: number;
  /** Write a periodic checkpoint every this many iterations. @default 10 */
  checkpointEvery?: number;
  /** Run name in the `start` event. @default 'fake-run' */
  runName?: string;
}

/** A trainer handle plus the names of the controls called on it, in order. */
export interface SyntheticTrainer extends TrainerHandle {
  calls: string[];
  /** Emit `start` and start the timers (call after subscribing). */
  begin(): void;
  /** Stop the timers without emitting `done`. */
  halt(): void;
}

const ROLES = ['operator', 'coprocessor'];

/** A deterministic pseudo-random number in [0, 1) for (i, j). */
function hash01(i: number, j: number): number {
  const x = Math.sin(i * 12.9898 + j * 78.233) * 43758.5453;
  return x - Math.floor(x);
}

export function syntheticStart(runName = 'fake-run', totalTimesteps = 204_800): TrainerEvent {
  return {
    type: 'start',
    runName,
    scenario: 'baseline-market',
    backend: 'wasm',
    seed: 7,
    totalTimesteps,
    roles: ROLES,
    baselineReturns: { operator: 40, coprocessor: 12 },
  };
}

export function syntheticIteration(i: number, stepsPerIteration = 2048, elapsedSec = i * 0.2): TrainerEvent {
  const t = i / 50;
  const noise = (j: number) => (hash01(i, j) - 0.5) * 2;
  return {
    type: 'iteration',
    iteration: i,
    globalStep: i * stepsPerIteration,
    elapsedSec,
    metrics: {
      'charts/SPS': 10_000 + 800 * noise(1),
      'charts/episodic_return/operator': 10 + 45 * (1 - Math.exp(-t)) + 3 * noise(2),
      'charts/episodic_return/coprocessor': -5 + 20 * (1 - Math.exp(-t * 0.7)) + 2 * noise(3),
      ...Object.fromEntries(
        ROLES.flatMap((r, k) => [
          [`losses/policy_loss/${r}`, -0.01 + 0.005 * noise(4 + k)],
          [`losses/value_loss/${r}`, 2 * Math.exp(-t) + 0.1],
          [`losses/entropy/${r}`, 1.6 - 0.4 * (1 - Math.exp(-t))],
          [`losses/approx_kl/${r}`, 0.008 + 0.004 * noise(6 + k)],
          [`losses/clipfrac/${r}`, 0.1 + 0.05 * noise(8 + k)],
          [`charts/learning_rate/${r}`, 2.5e-4 * (1 - i / 1000)],
        ]),
      ),
    },
  };
}

export function syntheticMarket(period: number, slots = 48): MarketSnapshot {
  const loads = new Float32Array(slots);
  const repOp = new Float32Array(slots / 2);
  const repCp = new Float32Array(slots);
  for (let k = 0; k < slots; k++) {
    loads[k] = k % 7 === 6 ? Number.NaN : 0.7 + 0.5 * (hash01(period, k) - 0.5) + 0.2 * (hash01(k, 1) - 0.5);
    repCp[k] = Math.min(1, 0.6 + 0.4 * hash01(k, period % 13));
  }
  for (let k = 0; k < repOp.length; k++) repOp[k] = Math.min(1, 0.7 + 0.3 * hash01(k + 100, period % 11));
  const delegated = 0.55 + 0.2 * hash01(period, 900);
  const self = (1 - delegated) * 0.8;
  // Choices that settle as the run goes on: markups and shirking fall, eta rises.
  const learnt = 1 - Math.exp(-period / 200);
  return {
    period,
    delegatedShare: delegated,
    selfExecutedShare: self,
    droppedShare: 1 - delegated - self,
    meanPriceRatio: 0.9 + 0.1 * hash01(period, 901),
    mechanism: 'scoring-dutch',
    bidReading: 'markup',
    meanMarkup: 0.8 - 0.6 * learnt + 0.05 * (hash01(period, 905) - 0.5),
    meanPsi: 0.65 - 0.3 * learnt,
    meanKappa: 0.7 + 0.1 * hash01(period, 906),
    meanShirk: 0.2 * (1 - learnt),
    meanEta: 0.6 + 0.3 * learnt,
    meanTheta: 0.1 + 0.1 * learnt,
    failures: Math.floor(5 * hash01(period, 902)),
    slashes: Math.floor(2 * hash01(period, 903)),
    undetectedShirks: Math.floor(3 * hash01(period, 904)),
    activeOperators: slots / 2,
    activeCoprocessors: slots - Math.floor(slots / 7),
    coprocessorLoads: loads,
    reputations: { operator: repOp, coprocessor: repCp },
    optimalLoad: 0.7,
  };
}

/** A timer-driven fake trainer whose controls behave like the real one's. */
export function createSyntheticTrainer(opts: SyntheticTrainerOptions = {}): SyntheticTrainer {
  const {
    iterationMs = 200,
    marketMs = 50,
    iterations = 100,
    stepsPerIteration = 2048,
    slots = 48,
    checkpointEvery = 10,
    runName = 'fake-run',
  } = opts;
  const subject = new Subject<TrainerEvent>();
  const calls: string[] = [];
  const timers: NodeJS.Timeout[] = [];
  let i = 0;
  let period = 0;
  let paused = false;
  let best = Number.NEGATIVE_INFINITY;
  const emit = (e: TrainerEvent) => {
    if (subject.observed) subject.next(e);
  };
  const ckptPath = (reason: string) => `runs/${runName}/checkpoints/${reason}-${i * stepsPerIteration}`;
  const halt = () => {
    for (const t of timers) clearInterval(t);
    timers.length = 0;
  };
  const finish = (reason: 'budget' | 'interrupt' | 'quit') => {
    halt();
    const globalStep = i * stepsPerIteration;
    emit({
      type: 'checkpoint',
      globalStep,
      path: ckptPath('final'),
      reason: reason === 'budget' ? 'final' : 'interrupt',
    });
    emit({ type: 'done', globalStep, reason });
    subject.complete();
  };
  const tick = () => {
    if (paused) return;
    i++;
    const it = syntheticIteration(i, stepsPerIteration, (i * iterationMs) / 1000);
    emit(it);
    const ret = it.type === 'iteration' ? it.metrics['charts/episodic_return/operator'] : 0;
    if (ret > best + 2) {
      best = ret;
      emit({ type: 'best', globalStep: i * stepsPerIteration, role: 'operator', value: ret });
    }
    if (i % checkpointEvery === 0) {
      emit({
        type: 'checkpoint',
        globalStep: i * stepsPerIteration,
        path: ckptPath('periodic'),
        reason: 'periodic',
      });
    }
    if (i % 7 === 3)
      emit({ type: 'ejection', globalStep: i * stepsPerIteration, agent: `coprocessor-${i % 48}`, period });
    if (i >= iterations) finish('budget');
  };
  return {
    events$: subject.asObservable(),
    calls,
    begin() {
      emit(syntheticStart(runName, iterations * stepsPerIteration));
      timers.push(setInterval(tick, iterationMs));
      timers.push(
        setInterval(() => {
          if (paused) return;
          period++;
          emit({ type: 'market', globalStep: i * stepsPerIteration, market: syntheticMarket(period, slots) });
        }, marketMs),
      );
    },
    halt,
    pause() {
      calls.push('pause');
      paused = true;
      emit({ type: 'paused', paused: true });
    },
    resume() {
      calls.push('resume');
      paused = false;
      emit({ type: 'paused', paused: false });
    },
    requestSave() {
      calls.push('requestSave');
      emit({
        type: 'checkpoint',
        globalStep: i * stepsPerIteration,
        path: ckptPath('manual'),
        reason: 'manual',
      });
    },
    requestStop() {
      calls.push('requestStop');
      setTimeout(() => finish('quit'), 0);
    },
  };
}
