/**
 * One evaluation episode: the loop of `runEpisode` (same order of calls, so
 * the same numbers), plus the per-role slash counts, which need a listener set
 * before the first period.
 */
import type { Scenario } from '../../src/config/scenario.ts';
import {
  COPROCESSOR_OBS_DIM,
  NetworkSim,
  OPERATOR_OBS_DIM,
  type SimListener,
} from '../../src/sim/network.ts';
import type { PolicySet, Role } from '../../src/sim/policy.ts';

/** What evaluation keeps of one episode. */
export interface EvalEpisode {
  tasks: number;
  failures: number;
  dropped: number;
  undetectedShirks: number;
  /** Slash events (money taken) borne by agents of each role, any reason. */
  slashes: Record<Role, number>;
  activeAtEnd: Record<Role, number>;
  /** Profit over the episode of every agent, by slot. */
  profit: { operator: Float64Array; coprocessor: Float64Array };
}

const noop = () => {};

/** Simulate one episode and collect what evaluation reports. */
export function runEvalEpisode(scenario: Scenario, policies: PolicySet, seed: number): EvalEpisode {
  const sim = new NetworkSim(scenario);
  const slashes: Record<Role, number> = { operator: 0, coprocessor: 0 };
  const listener: SimListener = {
    auction: noop,
    ejection: noop,
    slash(role) {
      slashes[role]++;
    },
  };
  sim.reset(seed);
  sim.listener = listener;
  const N = sim.nOps;
  const K = sim.nCops;
  const opObs = new Float32Array(N * OPERATOR_OBS_DIM);
  const cpObs = new Float32Array(K * COPROCESSOR_OBS_DIM);
  const opAct = new Float32Array(N * 2);
  const cpAct = new Float32Array(K * sim.coprocessorActionDim);
  let tasks = 0;
  let failures = 0;
  let dropped = 0;
  let undetected = 0;
  for (let t = 0; t < scenario.periods; t++) {
    sim.writeOperatorObs(opObs);
    sim.writeCoprocessorObs(cpObs);
    policies.operator.act(opObs, sim.opActive, N, opAct);
    policies.coprocessor.act(cpObs, sim.cpActive, K, cpAct);
    sim.step(opAct, cpAct);
    const m = sim.metrics;
    tasks += m.tasks;
    failures += m.failures;
    dropped += m.dropped;
    undetected += m.undetectedShirks;
  }
  return {
    tasks,
    failures,
    dropped,
    undetectedShirks: undetected,
    slashes,
    activeAtEnd: { operator: sim.metrics.activeOperators, coprocessor: sim.metrics.activeCoprocessors },
    profit: {
      operator: Float64Array.from(sim.opTotalProfit),
      coprocessor: Float64Array.from(sim.cpTotalProfit),
    },
  };
}

/** Mean of `values` over the slots where `mask` is set (all slots without a mask). */
export function maskedMean(values: ArrayLike<number>, mask?: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask && !mask[i]) continue;
    sum += values[i];
    n++;
  }
  return n > 0 ? sum / n : 0;
}

/** Sum of an array. */
export function total(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}
