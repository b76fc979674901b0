/**
 * Run one episode of the network with fixed policies and summarise it: what
 * `copronet simulate` prints, and what the experiments and benchmarks call.
 */
import type { Scenario } from './scenario.ts';
import { gini } from '../core/stats.ts';
import { COPROCESSOR_OBS_DIM, NetworkSim, OPERATOR_OBS_DIM, type SimListener } from './network.ts';
import type { PolicySet } from './policy.ts';

export interface EpisodeSummary {
  scenario: string;
  seed: number;
  policies: { operator: string; coprocessor: string };
  periods: number;
  tasks: number;
  shares: { delegated: number; selfExecuted: number; fallback: number; dropped: number };
  failures: number;
  /** Every slash (money taken from an agent: failures, detected shirks, dropped tasks); see `PeriodMetrics.slashes`. */
  slashes: number;
  /** Of `slashes`, the operators' liveness penalties for dropped tasks. */
  livenessSlashes: number;
  shirks: number;
  undetectedShirks: number;
  meanPriceRatio: number;
  meanCoprocessorLoad: number;
  activeAtEnd: { operators: number; coprocessors: number };
  totalReward: { operator: number; coprocessor: number };
  meanRewardPerAgent: { operator: number; coprocessor: number };
  giniOperatorReward: number;
  ledger: {
    rewards: number;
    incentives: number;
    burned: number;
    costs: number;
    withdrawn: number;
    paidOut: number;
    maxImbalance: number;
  };
}

export interface EpisodeOptions {
  /** Called after every period with the simulator (read its arrays; do not keep references to mutate). */
  onPeriod?: (sim: NetworkSim) => void;
  /** Stop after this many periods. @default scenario.periods */
  periods?: number;
  /** Observer of individual auctions, slashes and ejections, from the first period. @default none */
  listener?: SimListener;
}

/** Simulate one episode; the same scenario, policies and seed give a byte-identical summary. */
export function runEpisode(
  scenario: Scenario,
  policies: PolicySet,
  seed: number,
  opts: EpisodeOptions = {},
): {
  summary: EpisodeSummary;
  sim: NetworkSim;
} {
  const sim = new NetworkSim(scenario);
  sim.reset(seed);
  sim.listener = opts.listener ?? null;
  const N = sim.nOps;
  const K = sim.nCops;
  const opObs = new Float32Array(N * OPERATOR_OBS_DIM);
  const cpObs = new Float32Array(K * COPROCESSOR_OBS_DIM);
  const opAct = new Float32Array(N * 2);
  const cpAct = new Float32Array(K * sim.coprocessorActionDim);
  const T = opts.periods ?? scenario.periods;
  let tasks = 0;
  let delegated = 0;
  let selfEx = 0;
  let fallback = 0;
  let dropped = 0;
  let failures = 0;
  let slashes = 0;
  let liveness = 0;
  let shirks = 0;
  let undetected = 0;
  let priceSum = 0;
  let loadSum = 0;
  let maxImbalance = 0;
  for (let t = 0; t < T; t++) {
    sim.writeOperatorObs(opObs);
    sim.writeCoprocessorObs(cpObs);
    policies.operator.act(opObs, sim.opActive, N, opAct);
    policies.coprocessor.act(cpObs, sim.cpActive, K, cpAct);
    sim.step(opAct, cpAct);
    const m = sim.metrics;
    tasks += m.tasks;
    delegated += m.delegated;
    selfEx += m.selfExecuted;
    fallback += m.fallback;
    dropped += m.dropped;
    failures += m.failures;
    slashes += m.slashes;
    liveness += m.livenessSlashes;
    shirks += m.shirks;
    undetected += m.undetectedShirks;
    priceSum += m.priceRatioSum;
    loadSum += m.meanCoprocessorLoad;
    const imb = Math.abs(sim.ledger.imbalance());
    if (imb > maxImbalance) maxImbalance = imb;
    opts.onPeriod?.(sim);
  }
  let opTotal = 0;
  let cpTotal = 0;
  for (let i = 0; i < N; i++) opTotal += sim.opTotalProfit[i];
  for (let k = 0; k < K; k++) cpTotal += sim.cpTotalProfit[k];
  const share = (x: number) => (tasks > 0 ? x / tasks : 0);
  const lt = sim.ledger.totals;
  const summary: EpisodeSummary = {
    scenario: scenario.name,
    seed,
    policies: { operator: policies.operator.name, coprocessor: policies.coprocessor.name },
    periods: T,
    tasks,
    shares: {
      delegated: share(delegated),
      selfExecuted: share(selfEx),
      fallback: share(fallback),
      dropped: share(dropped),
    },
    failures,
    slashes,
    livenessSlashes: liveness,
    shirks,
    undetectedShirks: undetected,
    meanPriceRatio: delegated > 0 ? priceSum / delegated : 0,
    meanCoprocessorLoad: T > 0 ? loadSum / T : 0,
    activeAtEnd: { operators: sim.metrics.activeOperators, coprocessors: sim.metrics.activeCoprocessors },
    totalReward: { operator: opTotal, coprocessor: cpTotal },
    meanRewardPerAgent: { operator: N > 0 ? opTotal / N : 0, coprocessor: K > 0 ? cpTotal / K : 0 },
    giniOperatorReward: gini(sim.opTotalProfit),
    ledger: {
      rewards: lt.rewards,
      incentives: lt.incentives,
      burned: lt.burned,
      costs: lt.costs,
      withdrawn: lt.withdrawn,
      paidOut: lt.paidOut,
      maxImbalance,
    },
  };
  return { summary, sim };
}
