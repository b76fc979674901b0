/**
 * One evaluation episode: `runEpisode` (the same numbers as `simulate`), plus
 * the per-role slash counts, from a listener set before the first period.
 */
import { isScoringMechanism, type Scenario } from '../../src/sim/scenario.ts';
import { runEpisode } from '../../src/sim/episode.ts';
import type { NetworkSim } from '../../src/sim/network.ts';
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
  /** The same per slot, averaged over the periods the slot was active (NaN if never): bid and shirk per coprocessor, eta and self-executed share per operator. */
  slots: { bid: Float64Array; shirk: Float64Array; eta: Float64Array; selfShare: Float64Array };
  /** Mean clearing price / R over the delegated tasks (`simulate`'s `meanPriceRatio`; 0 with none). */
  meanPriceRatio: number;
  /** Mean over the periods of the mean load of the coprocessors active in the period (`simulate`'s `meanCoprocessorLoad`). */
  meanLoad: number;
  /** Share of the active coprocessor-periods with a load above L* (`loadCurve.optimalLoad`; 0 with none). */
  overloadedShare: number;
}

export interface EvalEpisodeOptions {
  /** Called after every period, after this module's own bookkeeping (read the simulator; do not mutate it). */
  onPeriod?: (sim: NetworkSim) => void;
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
export function runEvalEpisode(
  scenario: Scenario,
  policies: PolicySet,
  seed: number,
  opts: EvalEpisodeOptions = {},
): EvalEpisode {
  const slashes: Record<Role, number> = { operator: 0, coprocessor: 0 };
  const scoring = isScoringMechanism(scenario.auction.mechanism);
  let bid = 0;
  let shirk = 0;
  let eta = 0;
  let periods = 0;
  const K = scenario.coprocessors.count;
  const N = scenario.operators.count;
  const slots = {
    bid: new Float64Array(K),
    shirk: new Float64Array(K),
    eta: new Float64Array(N),
    selfShare: new Float64Array(N),
  };
  const cpN = new Float64Array(K);
  const opN = new Float64Array(N);
  const optimalLoad = scenario.loadCurve.optimalLoad;
  let cpPeriods = 0;
  let overloaded = 0;
  const { summary, sim } = runEpisode(scenario, policies, seed, {
    onPeriod(s) {
      const m = s.metrics;
      for (let k = 0; k < K; k++) {
        if (!s.cpActive[k] && s.cpEjectedAt[k] !== s.t - 1) continue;
        slots.bid[k] += scoring ? s.cpMarkup[k] : s.cpPsi[k];
        slots.shirk[k] += s.cpShirk[k];
        cpN[k]++;
        cpPeriods++;
        if (s.cpLoad[k] > optimalLoad) overloaded++;
      }
      for (let i = 0; i < N; i++) {
        if (!s.opActive[i] && s.opEjectedAt[i] !== s.t - 1) continue;
        slots.eta[i] += s.opEta[i];
        slots.selfShare[i] += s.opTasks[i] > 0 ? s.opSelf[i] / s.opTasks[i] : 0;
        opN[i]++;
      }
      bid += scoring ? m.meanMarkup : m.meanPsi;
      shirk += m.meanShirk;
      eta += m.meanEta;
      periods++;
      opts.onPeriod?.(s);
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
    slots: {
      bid: slots.bid.map((v, k) => v / cpN[k]),
      shirk: slots.shirk.map((v, k) => v / cpN[k]),
      eta: slots.eta.map((v, i) => v / opN[i]),
      selfShare: slots.selfShare.map((v, i) => v / opN[i]),
    },
    choices: {
      bid: periods > 0 ? bid / periods : 0,
      shirk: periods > 0 ? shirk / periods : 0,
      eta: periods > 0 ? eta / periods : 0,
      selfShare: summary.shares.selfExecuted,
    },
    meanPriceRatio: summary.meanPriceRatio,
    meanLoad: summary.meanCoprocessorLoad,
    overloadedShare: cpPeriods > 0 ? overloaded / cpPeriods : 0,
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
