/**
 * One cell of `experiment strategic` (experiments/strategic.ts), the work of a
 * `strategic` job (experiments/jobs/kinds.ts): the learned population trained
 * from scratch with PPO on the cell's setting and evaluated deterministically
 * on held-out seeds, or the fixed paper-heuristic population evaluated on the
 * same seeds. A pure function of its spec (the spec names the tfjs backend:
 * results differ across backends), so it runs in this thread, on a local
 * worker thread or on a `copronet worker`, to the same bits.
 */
import { Trainer } from '../agents/trainer/trainer.ts';
import { makeBaselineSet } from '../envs/network/baselines.ts';
import { NetworkBatchedEnv } from '../envs/network/batched.ts';
import { loadScenario } from '../envs/scenarios/index.ts';
import { gini } from '../src/core/stats.ts';
import type { Scenario } from '../src/sim/scenario.ts';
import type { PolicySet } from '../src/sim/policy.ts';
import { runEvalEpisode } from './eval/episode.ts';
import { BASELINE_POPULATION, LEARNED_POPULATION } from './lib/cells.ts';
import { trainedPolicy } from './lib/learned.ts';
import { windowMean } from './lib/stats.ts';
import { convergenceWindow } from './reward-distribution.ts';

export { LEARNED_POPULATION };

/** A cell: one population on one setting; the learned one also names its training. */
export interface StrategicSpec {
  kind: 'strategic';
  scenario: string;
  overrides: { slashing: { factor: number; detectionProbability: number }; loadCurve: { b: number } };
  /** Training seed (learned); 0 for the fixed population (nothing is trained). */
  seed: number;
  population: string;
  /** Held-out seeds of the evaluation episodes. */
  evalSeeds: number[];
  /**
   * Learned only: the trainer's budget and config, and the tfjs backend the cell trains on (`BackendInfo.name`:
   * results differ across backends, so a worker initialises this one).
   */
  train?: { timesteps: number; config: Record<string, unknown>; backend: 'tensorflow' | 'wasm' | 'cpu' };
}

/** What one evaluation episode gives (per-episode values; rates and shares in [0, 1]). */
export interface StrategicEpisode {
  evalSeed: number;
  tasks: number;
  undetectedShirks: number;
  /** Undetected shirks / tasks. */
  undetectedRate: number;
  /** Coprocessors' mean shirk probability (their choice). */
  shirk: number;
  /** Coprocessors' mean bid markup over break-even (scoring mechanisms; psi otherwise). */
  bid: number;
  /** Mean coprocessor load minus L*. */
  loadGap: number;
  /** Share of active coprocessor-periods above L*. */
  overloaded: number;
  /** Operators' self-executed tasks / tasks. */
  selfShare: number;
  /** Operators' mean eta (the payment cap, a share of R). */
  eta: number;
  /** Mean clearing price / R over delegated tasks. */
  price: number;
  /** Shares of the role active at the end. */
  activeOperators: number;
  activeCoprocessors: number;
  /** Episode profit per agent of each role, and the total of both roles. */
  profitOperator: number;
  profitCoprocessor: number;
  welfare: number;
  /** Mean per-period Gini of the period profit across active operators, early and late windows (Fig. 3). */
  giniEarly: number;
  giniLate: number;
}

export interface StrategicResult {
  nOps: number;
  nCops: number;
  periods: number;
  optimalLoad: number;
  /** Samples trained on (0 for the fixed population). */
  samples: number;
  /** Periods in each of the early and late Gini windows. */
  giniWindow: number;
  episodes: StrategicEpisode[];
}

/** One evaluation episode reduced to what the report needs. */
export function strategicEpisode(scenario: Scenario, policies: PolicySet, seed: number): StrategicEpisode {
  const N = scenario.operators.count;
  const K = scenario.coprocessors.count;
  const profits = new Float64Array(N);
  const ginis: number[] = [];
  const ep = runEvalEpisode(scenario, policies, seed, {
    onPeriod(sim) {
      // The operators active during the period (ejected at its end included), as Fig. 3 counts them.
      let n = 0;
      for (let i = 0; i < N; i++) if (sim.operatorInLastPeriod(i)) profits[n++] = sim.opProfit[i];
      ginis.push(gini(profits.subarray(0, n)));
    },
  });
  const T = ginis.length;
  const w = convergenceWindow(T, scenario.demand.seasonalPeriod);
  let opTotal = 0;
  let cpTotal = 0;
  for (const p of ep.profit.operator) opTotal += p;
  for (const p of ep.profit.coprocessor) cpTotal += p;
  return {
    evalSeed: seed,
    tasks: ep.tasks,
    undetectedShirks: ep.undetectedShirks,
    undetectedRate: ep.tasks > 0 ? ep.undetectedShirks / ep.tasks : 0,
    shirk: ep.choices.shirk,
    bid: ep.choices.bid,
    loadGap: ep.meanLoad - scenario.loadCurve.optimalLoad,
    overloaded: ep.overloadedShare,
    selfShare: ep.choices.selfShare,
    eta: ep.choices.eta,
    price: ep.meanPriceRatio,
    activeOperators: ep.activeAtEnd.operator / N,
    activeCoprocessors: ep.activeAtEnd.coprocessor / K,
    profitOperator: opTotal / N,
    profitCoprocessor: cpTotal / K,
    welfare: opTotal + cpTotal,
    giniEarly: windowMean(ginis, 0, w),
    giniLate: windowMean(ginis, T - w, T),
  };
}

function resultShell(scenario: Scenario, samples: number, episodes: StrategicEpisode[]): StrategicResult {
  return {
    nOps: scenario.operators.count,
    nCops: scenario.coprocessors.count,
    periods: scenario.periods,
    optimalLoad: scenario.loadCurve.optimalLoad,
    samples,
    giniWindow: convergenceWindow(scenario.periods, scenario.demand.seasonalPeriod),
    episodes,
  };
}

/** The fixed population on a cell: paper-heuristic in both roles on the evaluation seeds. */
export function computeFixedCell(spec: StrategicSpec): StrategicResult {
  const scenario = loadScenario(spec.scenario, spec.overrides);
  const episodes = spec.evalSeeds.map((seed) =>
    strategicEpisode(scenario, makeBaselineSet(BASELINE_POPULATION, { scenario, seed }), seed),
  );
  return resultShell(scenario, 0, episodes);
}

/** Train both roles from scratch on the cell's scenario, then evaluate the policies deterministically. */
export async function computeLearnedCell(
  spec: StrategicSpec,
  log: (line: string) => void = () => {},
): Promise<StrategicResult> {
  if (!spec.train)
    throw new Error(`internal: learned cell without a training spec (${JSON.stringify(spec)})`);
  const scenario = loadScenario(spec.scenario, spec.overrides);
  const env = new NetworkBatchedEnv(scenario);
  const trainer = new Trainer({
    env,
    config: { ...spec.train.config, seed: spec.seed, totalTimesteps: spec.train.timesteps },
  });
  const label = `sigma=${spec.overrides.slashing.factor}, detection=${spec.overrides.slashing.detectionProbability}, b=${spec.overrides.loadCurve.b}, seed ${spec.seed}`;
  let last = 0;
  const sub = trainer.events$.subscribe((e) => {
    if (e.type === 'iteration' && e.elapsedSec - last >= 20) {
      last = e.elapsedSec;
      log(
        `  training ${label}: ${e.globalStep.toLocaleString('en-US')}/${trainer.budgetSamples.toLocaleString('en-US')} samples, ${e.elapsedSec.toFixed(0)} s`,
      );
    }
  });
  try {
    log(`  training ${label} (${trainer.budgetSamples.toLocaleString('en-US')} samples)`);
    await trainer.run();
    const policies: PolicySet = {
      operator: trainedPolicy(trainer, 'operator'),
      coprocessor: trainedPolicy(trainer, 'coprocessor'),
    };
    const episodes = spec.evalSeeds.map((seed) => strategicEpisode(scenario, policies, seed));
    return resultShell(scenario, trainer.budgetSamples, episodes);
  } finally {
    sub.unsubscribe();
    trainer.dispose();
    env.close();
  }
}
