/**
 * A grid cell: one episode of the network under one configuration and seed,
 * reduced to the small result a figure needs. Cells are pure functions of
 * their spec, so a result on disk can stand in for a computation (resume).
 *
 * Kinds:
 * - `slashing`: per-period active agents and cumulative rewards (Fig. 2);
 * - `network`: reward quantiles, reputations, task flows, load samples and
 *   tasks per coprocessor over time (Figs. 3-9);
 * - `summary`: end-of-episode numbers for the sweeps (welfare, integrity,
 *   activity, payments, load balance).
 */
import { makeBaselineSet } from '../../envs/network/baselines.ts';
import type { Scenario } from '../../src/sim/scenario.ts';
import { loadScenario } from '../../envs/scenarios/index.ts';
import { Rng } from '../../src/core/rng.ts';
import { runEpisode } from '../../src/sim/episode.ts';
import { logistic } from '../../src/sim/gas.ts';
import { Exec, type NetworkSim } from '../../src/sim/network.ts';
import type { PolicySet } from '../../src/sim/policy.ts';
import {
  type BinAccumulator,
  binAdd,
  binIndex,
  cv,
  gini,
  newBin,
  type QuantileBand,
  quantileBand,
  reservoirAdd,
} from './stats.ts';

export type CellKind = 'slashing' | 'network' | 'summary';

/** The population label of the fixed baseline; anything else is a learned population. */
export const BASELINE_POPULATION = 'paper-heuristic';

/** The population label of agents trained per cell (`experiment strategic`, experiments/strategic-cell.ts). */
export const LEARNED_POPULATION = 'learned';

export interface CellSpec {
  kind: CellKind;
  /** Built-in scenario name or scenario file. */
  scenario: string;
  /** Deep-partial scenario overrides (periods, slashing factor, load curve, mechanism). */
  overrides: Record<string, unknown>;
  seed: number;
  /** `paper-heuristic`, or `learned` for the policies of a run directory. */
  population: string;
  /** Run directory of the learned policies (learned populations only). */
  policies?: string;
}

/** Load bins of coprocessor load in [0, 1] for Figs. 6 and 9. */
export const LOAD_BINS = 10;
/** Points of (load, profit, alpha) kept per seed for the scatter plots. */
export const SCATTER_POINTS = 1500;
/** Values kept per load bin for its quantiles. */
export const BIN_SAMPLE = 400;
/** Period bins of the task heat map (Fig. 7). */
export const HEATMAP_BINS = 50;

export interface SlashingResult {
  nOps: number;
  nCops: number;
  active: number[];
  activeCoprocessors: number[];
  /** Cumulative operator profit (all operators) after each period. */
  cumOperator: number[];
  /** Cumulative coprocessor profit (all coprocessors) after each period. */
  cumCoprocessor: number[];
  tasks: number;
  undetectedShirks: number;
}

export interface NetworkResult {
  nOps: number;
  nCops: number;
  periods: number;
  /** Fig. 3: quantiles of the period profit across the operators active in that period. */
  opBands: QuantileBand[];
  /** Gini of the period profit across active operators (losses shifted, see core/stats gini). */
  opGini: number[];
  /** Gini of cumulative profit across all operators after each period. */
  opCumGini: number[];
  activeOperators: number[];
  /** Fig. 4: end-of-episode reputation logistic(f_i), its mean over the periods the operator was active, total profit, active flag, capacity. */
  opReputation: number[];
  opReputationMean: number[];
  opTotal: number[];
  opActive: number[];
  opCapacity: number[];
  /** Fig. 5: tasks from operator i to coprocessor k at [i * nCops + k]. */
  flows: number[];
  cpMalicious: number[];
  /** Figs. 6, 9: coprocessor-period samples binned by load, and a scatter sample. */
  loadBins: BinAccumulator[];
  points: { load: number; profit: number; alpha: number }[];
  /** Fig. 7: tasks won per coprocessor per period bin (nCops rows x bins). */
  heatBinSize: number;
  wins: number[][];
  cpActiveAtEnd: number[];
}

export interface SummaryResult {
  nOps: number;
  nCops: number;
  tasks: number;
  operatorProfit: number;
  coprocessorProfit: number;
  welfare: number;
  activeOperatorsEnd: number;
  activeCoprocessorsEnd: number;
  shirks: number;
  undetectedShirks: number;
  failures: number;
  dropped: number;
  delegated: number;
  /** Payments to coprocessors per unit of reward on delegated tasks (sum p / sum R). */
  paymentRatio: number;
  /** (tasks - dropped - failures) / tasks: results accepted as correct. */
  completion: number;
  /** Gini of the work each coprocessor did over the episode. */
  loadGini: number;
  /** Mean over periods of the CV of loads across coprocessors active in the period. */
  loadCv: number;
  meanLoad: number;
  /** Share of delegated tasks settled at a coprocessor load above L* (in the overload-risk zone). */
  overloadedShare: number;
  /** First period (1-based) with fewer than half of the operators active; 0 if never. */
  halfOperatorsGoneAt: number;
}

export type CellResult = SlashingResult | NetworkResult | SummaryResult;

/** The scenario of a cell. */
export function cellScenario(spec: CellSpec): Scenario {
  return loadScenario(spec.scenario, spec.overrides);
}

/** Compute a cell with the baseline population (what the workers run). */
export function computeBaselineCell(spec: CellSpec): CellResult {
  if (spec.population !== BASELINE_POPULATION) {
    throw new Error(
      `cell population '${spec.population}' is not a baseline: run it with its loaded policies`,
    );
  }
  const scenario = cellScenario(spec);
  return computeCell(spec, scenario, makeBaselineSet(BASELINE_POPULATION, { scenario, seed: spec.seed }));
}

/** Compute a cell with the given policies. */
export function computeCell(spec: CellSpec, scenario: Scenario, policies: PolicySet): CellResult {
  switch (spec.kind) {
    case 'slashing':
      return slashingCell(scenario, policies, spec.seed);
    case 'network':
      return networkCell(scenario, policies, spec.seed);
    case 'summary':
      return summaryCell(scenario, policies, spec.seed);
    default:
      throw new Error(
        `unknown cell kind '${(spec as CellSpec).kind}': expected slashing, network or summary`,
      );
  }
}

function slashingCell(scenario: Scenario, policies: PolicySet, seed: number): SlashingResult {
  const active: number[] = [];
  const activeCops: number[] = [];
  const cumOp: number[] = [];
  const cumCp: number[] = [];
  let op = 0;
  let cp = 0;
  const { summary, sim } = runEpisode(scenario, policies, seed, {
    onPeriod: (s) => {
      const m = s.metrics;
      op += m.operatorProfit;
      cp += m.coprocessorProfit;
      active.push(m.activeOperators);
      activeCops.push(m.activeCoprocessors);
      cumOp.push(op);
      cumCp.push(cp);
    },
  });
  return {
    nOps: sim.nOps,
    nCops: sim.nCops,
    active,
    activeCoprocessors: activeCops,
    cumOperator: cumOp,
    cumCoprocessor: cumCp,
    tasks: summary.tasks,
    undetectedShirks: summary.undetectedShirks,
  };
}

function networkCell(scenario: Scenario, policies: PolicySet, seed: number): NetworkResult {
  const N = scenario.operators.count;
  const K = scenario.coprocessors.count;
  const T = scenario.periods;
  const rng = new Rng(`experiments:network:${seed}`);
  const binSize = Math.max(1, Math.ceil(T / HEATMAP_BINS));
  const nb = Math.ceil(T / binSize);
  const wins = Array.from({ length: K }, () => new Array<number>(nb).fill(0));
  const bins = Array.from({ length: LOAD_BINS }, newBin);
  const points: NetworkResult['points'] = [];
  let seen = 0;
  const opBands: QuantileBand[] = [];
  const opGini: number[] = [];
  const opCumGini: number[] = [];
  const activeOps: number[] = [];
  const profits = new Float64Array(N);
  const repSum = new Float64Array(N);
  const repN = new Int32Array(N);
  const onPeriod = (sim: NetworkSim) => {
    const t = sim.t - 1;
    // Operators that were active during the period (ejected at its end included).
    let n = 0;
    for (let i = 0; i < N; i++) {
      if (sim.operatorInLastPeriod(i)) {
        profits[n++] = sim.opProfit[i];
        repSum[i] += logistic(sim.opRep[i]);
        repN[i]++;
      }
    }
    const live = profits.subarray(0, n);
    opBands.push(n > 0 ? quantileBand(live) : { p10: 0, p25: 0, p50: 0, p75: 0, p90: 0 });
    opGini.push(gini(live));
    opCumGini.push(gini(sim.opTotalProfit));
    activeOps.push(sim.metrics.activeOperators);
    const b = Math.floor(t / binSize);
    for (let k = 0; k < K; k++) {
      wins[k][b] += sim.cpWins[k];
      if (!sim.coprocessorInLastPeriod(k)) continue;
      const load = sim.cpLoad[k];
      const profit = sim.cpProfit[k];
      binAdd(bins[binIndex(load, LOAD_BINS)], profit, BIN_SAMPLE, rng);
      seen++;
      reservoirAdd(points, seen, { load, profit, alpha: sim.cpAlpha[k] }, SCATTER_POINTS, rng);
    }
  };
  const { sim } = runEpisode(scenario, policies, seed, { onPeriod });
  return {
    nOps: N,
    nCops: K,
    periods: T,
    opBands,
    opGini,
    opCumGini,
    activeOperators: activeOps,
    opReputation: Array.from(sim.opRep, (f) => logistic(f)),
    opReputationMean: Array.from(repSum, (x, i) => (repN[i] > 0 ? x / repN[i] : 0)),
    opTotal: Array.from(sim.opTotalProfit),
    opActive: Array.from(sim.opActive),
    opCapacity: Array.from(sim.opCap),
    flows: Array.from(sim.flows),
    cpMalicious: Array.from(sim.cpMalicious),
    loadBins: bins,
    points,
    heatBinSize: binSize,
    wins,
    cpActiveAtEnd: Array.from(sim.cpActive),
  };
}

function summaryCell(scenario: Scenario, policies: PolicySet, seed: number): SummaryResult {
  const K = scenario.coprocessors.count;
  const work = new Float64Array(K);
  const loads = new Float64Array(K);
  let sumP = 0;
  let sumR = 0;
  let cvSum = 0;
  let cvN = 0;
  let nDelegated = 0;
  let nOverloaded = 0;
  let halfGone = 0;
  const Ls = scenario.loadCurve.optimalLoad;
  const onPeriod = (sim: NetworkSim) => {
    for (let j = 0; j < sim.nTasks; j++) {
      if (sim.tExec[j] === Exec.Delegated) {
        const k = sim.tCop[j];
        sumP += sim.tPrice[j];
        sumR += sim.tR[j];
        nDelegated++;
        if (sim.cpUsed[k] * sim.cpInvCap[k] > Ls) nOverloaded++;
      }
    }
    if (halfGone === 0 && sim.metrics.activeOperators < sim.nOps / 2) halfGone = sim.t;
    let n = 0;
    for (let k = 0; k < K; k++) {
      // cpUsed is this period's accepted work (ejected coprocessors accept none).
      work[k] += sim.cpUsed[k];
      if (sim.coprocessorInLastPeriod(k)) loads[n++] = sim.cpUsed[k] * sim.cpInvCap[k];
    }
    if (n > 1) {
      cvSum += cv(loads.subarray(0, n));
      cvN++;
    }
  };
  const { summary: s } = runEpisode(scenario, policies, seed, { onPeriod });
  const tasks = s.tasks;
  const dropped = Math.round(s.shares.dropped * tasks);
  const delegated = Math.round(s.shares.delegated * tasks);
  return {
    nOps: scenario.operators.count,
    nCops: K,
    tasks,
    operatorProfit: s.totalReward.operator,
    coprocessorProfit: s.totalReward.coprocessor,
    welfare: s.totalReward.operator + s.totalReward.coprocessor,
    activeOperatorsEnd: s.activeAtEnd.operators,
    activeCoprocessorsEnd: s.activeAtEnd.coprocessors,
    shirks: s.shirks,
    undetectedShirks: s.undetectedShirks,
    failures: s.failures,
    dropped,
    delegated,
    paymentRatio: sumR > 0 ? sumP / sumR : 0,
    completion: tasks > 0 ? (tasks - dropped - s.failures) / tasks : 0,
    loadGini: gini(work),
    loadCv: cvN > 0 ? cvSum / cvN : 0,
    meanLoad: s.meanCoprocessorLoad,
    overloadedShare: nDelegated > 0 ? nOverloaded / nDelegated : 0,
    halfOperatorsGoneAt: halfGone,
  };
}
