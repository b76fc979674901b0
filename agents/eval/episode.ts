/**
 * One evaluation episode: `runEpisode` (the same numbers as `simulate`), plus
 * the per-role slash counts, from a listener set before the first period.
 */
import { SCORING_MECHANISMS, type Scenario } from '../../src/config/scenario.ts';
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
  /** What the agents chose, per-period means over the active agents, averaged over the periods. */
  choices: EpisodeChoices;
}

/** Episode means of the agents' choices (see `PeriodMetrics`). */
export interface EpisodeChoices {
  /** Coprocessors' first action: the bid markup under a scoring mechanism, the reservation ratio psi otherwise. */
  bid: number;
  shirk: number;
  eta: number;
  /** Self-executed tasks / tasks. */
  selfShare: number;
}

const noop = () => {};

/** Simulate one episode and collect what evaluation reports. */
export function runEvalEpisode(scenario: Scenario, policies: PolicySet, seed: number): EvalEpisode {
  const slashes: Record<Role, number> = { operator: 0, coprocessor: 0 };
  const scoring = SCORING_MECHANISMS.includes(scenario.auction.mechanism);
  let bid = 0;
  let shirk = 0;
  let eta = 0;
  let periods = 0;
  const { summary, sim } = runEpisode(scenario, policies, seed, {
    onPeriod(s) {
      const m = s.metrics;
      bid += scoring ? m.meanMarkup : m.meanPsi;
      shirk += m.meanShirk;
      eta += m.meanEta;
      periods++;
    },
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
    choices: {
      bid: periods > 0 ? bid / periods : 0,
      shirk: periods > 0 ? shirk / periods : 0,
      eta: periods > 0 ? eta / periods : 0,
      selfShare: summary.shares.selfExecuted,
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
