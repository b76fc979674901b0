/**
 * One evaluation episode: `runEpisode` (the same numbers as `simulate`), plus
 * the per-role slash counts, from a listener set before the first period.
 */
import type { Scenario } from '../../src/config/scenario.ts';
import { runEpisode } from '../../src/sim/episode.ts';
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
  const slashes: Record<Role, number> = { operator: 0, coprocessor: 0 };
  const { summary, sim } = runEpisode(scenario, policies, seed, {
    listener: {
      auction: noop,
      ejection: noop,
      slash(role) {
        slashes[role]++;
      },
    },
  });
  return {
    tasks: summary.tasks,
    failures: summary.failures,
    // The share is a ratio of two counts: rounding recovers the count exactly.
    dropped: Math.round(summary.shares.dropped * summary.tasks),
    undetectedShirks: summary.undetectedShirks,
    slashes,
    activeAtEnd: { operator: summary.activeAtEnd.operators, coprocessor: summary.activeAtEnd.coprocessors },
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
