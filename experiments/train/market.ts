/**
 * The market of a network training run, as the dashboard and `copronet
 * watch` see it: snapshots of the simulator (what the agents chose, loads,
 * reputations) merged into the trainer's events and appended to
 * `<run>/market.jsonl`. Used by `copronet train` and by `train` jobs
 * (experiments/jobs/train-job.ts), so a job's run folder holds the files a
 * plain run writes.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  asyncScheduler,
  concat,
  defer,
  filter,
  map,
  merge,
  type Observable,
  of,
  share,
  Subject,
  throttleTime,
  type Subscription,
} from 'rxjs';
import { readJsonl, stepOf, truncateJsonl } from '../../agents/trainer/jsonl.ts';
import type { Trainer } from '../../agents/trainer/trainer.ts';
import { NetworkBatchedEnv } from '../../envs/network/index.ts';
import type { MarketSnapshot, TrainerEvent } from '../../src/core/train-events.ts';
import { logistic } from '../../src/sim/gas.ts';
import { isScoringMechanism } from '../../src/sim/scenario.ts';

/**
 * A market snapshot of the simulator now (copies its arrays): the last
 * period's outcome and what the agents chose in it.
 */
export function marketSnapshot(env: NetworkBatchedEnv): MarketSnapshot {
  const sim = env.sim;
  const m = sim.metrics;
  const mechanism = sim.scenario.auction.mechanism;
  const n = Math.max(1, m.tasks);
  const loads = new Float32Array(sim.nCops);
  const cpRep = new Float32Array(sim.nCops);
  const opRep = new Float32Array(sim.nOps);
  for (let k = 0; k < sim.nCops; k++) {
    loads[k] = sim.cpActive[k] ? sim.cpLoad[k] : Number.NaN;
    cpRep[k] = sim.cpActive[k] ? logistic(sim.cpRep[k]) : Number.NaN;
  }
  for (let i = 0; i < sim.nOps; i++) opRep[i] = sim.opActive[i] ? logistic(sim.opRep[i]) : Number.NaN;
  return {
    period: m.period,
    delegatedShare: m.delegated / n,
    selfExecutedShare: (m.selfExecuted + m.fallback) / n,
    droppedShare: m.dropped / n,
    meanPriceRatio: m.meanPriceRatio,
    mechanism,
    bidReading: isScoringMechanism(mechanism) ? 'markup' : 'psi',
    meanMarkup: m.meanMarkup,
    meanPsi: m.meanPsi,
    meanKappa: m.meanKappa,
    meanShirk: m.meanShirk,
    meanEta: m.meanEta,
    meanTheta: m.meanTheta,
    failures: m.failures,
    slashes: m.slashes,
    undetectedShirks: m.undetectedShirks,
    activeOperators: m.activeOperators,
    activeCoprocessors: m.activeCoprocessors,
    coprocessorLoads: loads,
    reputations: { operator: opRep, coprocessor: cpRep },
    optimalLoad: sim.scenario.loadCurve.optimalLoad,
  };
}

/** `market.jsonl` line of a snapshot (typed arrays as arrays, NaN as null, in them and in the scalars). */
export function marketLine(globalStep: number, s: MarketSnapshot): string {
  const arr = (a: Float32Array) => Array.from(a, (v) => (Number.isFinite(v) ? v : null));
  return `${JSON.stringify({
    global_step: globalStep,
    ...s,
    coprocessorLoads: arr(s.coprocessorLoads),
    reputations: Object.fromEntries(Object.entries(s.reputations).map(([k, v]) => [k, arr(v)])),
  })}\n`;
}

/**
 * Drop the rows of a run's `market.jsonl` that a resumed run will write again: those of the rollouts
 * from `globalStep` on (a row carries the trainer's step when it was taken, which during a rollout is
 * the step at its start), and a torn last line. Atomic, and only when something goes; returns the
 * warnings (a torn line dropped). Throws, naming the line, on a bad line before the last.
 */
export function truncateMarketLog(file: string, globalStep: number): string[] {
  const content = readJsonl(file);
  return truncateJsonl(file, (row, line) => stepOf(file, row, line, 'global_step') < globalStep, content);
}

/**
 * The event stream the dashboard sees: the trainer's events, the `start`
 * event replayed to a late subscriber (the dashboard mounts asynchronously;
 * after the run, `start`, its last iteration and `done`, then the end),
 * and for a network env its market and ejection events. Market snapshots are
 * also appended to `<run>/market.jsonl` (for `copronet watch`), at most one
 * every `everyMs`; the rows from the trainer's step on (left by a run killed
 * after its last checkpoint) are dropped first, as metrics.jsonl's are.
 */
export function attachMarket(
  trainer: Trainer,
  everyMs = 500,
): { events$: Observable<TrainerEvent>; dispose(): void } {
  const out = new Subject<TrainerEvent>();
  const subs: Subscription[] = [];
  // Replayed to a late subscriber: `start`, and once the run is over its last iteration and `done`
  // (a fast run can end before the dashboard has mounted, which leaves on `done`).
  let start: TrainerEvent | undefined;
  let last: TrainerEvent | undefined;
  let done: TrainerEvent | undefined;
  subs.push(
    trainer.events$.subscribe((e) => {
      if (e.type === 'start') start = e;
      else if (e.type === 'iteration') last = e;
      else if (e.type === 'done') done = e;
    }),
  );
  const env = trainer.env;
  if (env instanceof NetworkBatchedEnv) {
    const steps$ = env.periodEvents$.pipe(share());
    const file = trainer.runDir ? join(trainer.runDir.path, 'market.jsonl') : undefined;
    if (file) trainer.warnings.push(...truncateMarketLog(file, trainer.globalStep));
    subs.push(
      steps$
        .pipe(
          filter((e) => e.type === 'step'),
          // The first step at once (a run shorter than everyMs still shows its market), then the latest per window.
          throttleTime(everyMs, asyncScheduler, { leading: true, trailing: true }),
          // A step that ended the episode has already reset the simulator: nothing to show until the next one.
          filter(() => env.sim.t > 0),
          map(() => marketSnapshot(env)),
        )
        .subscribe((market) => {
          if (file) appendFileSync(file, marketLine(trainer.globalStep, market));
          out.next({ type: 'market', globalStep: trainer.globalStep, market });
        }),
    );
    subs.push(
      steps$.subscribe((e) => {
        if (e.type === 'ejection') {
          out.next({
            type: 'ejection',
            globalStep: trainer.globalStep,
            agent: `${e.role}_${e.index}`,
            period: e.period,
          });
        }
      }),
    );
  }
  const live$ = merge(trainer.events$, out);
  return {
    events$: defer(() => {
      if (done) return of(...[start, last, done].filter((e) => e !== undefined));
      return start ? concat(of(start), live$) : live$;
    }),
    dispose() {
      for (const s of subs) s.unsubscribe();
      out.complete();
    },
  };
}
