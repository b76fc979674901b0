/**
 * Evaluation of learned policies against the fixed baselines (README, "Evaluation")
 * on held-out seeds, with rliable-style aggregates and stratified-bootstrap
 * intervals (strata = scenarios, runs = seeds).
 *
 * - Per-role tables: for each role R, every population (the learned policy of
 *   R when given, then every baseline) plays R in the whole market while the
 *   other role plays the reference (or the learned policy of the other role).
 * - Mixed market: the learned policy of R holds half of R's slots and a
 *   baseline the other half, once with the learned half first and once
 *   swapped; the per-agent profits of each half are averaged over both runs.
 */
import type { Scenario } from '../../src/sim/scenario.ts';
import type { Policy, PolicySet, Role } from '../../src/sim/policy.ts';
import { ROLES } from '../../src/sim/policy.ts';
import { BASELINES, type BaselineName, makeBaseline } from '../../envs/network/baselines.ts';
import { type EvalEpisode, maskedMean, runEvalEpisode, total } from './episode.ts';
import { halfMask, mixPolicies } from './mix.ts';
import { assertHeldOut } from './seeds.ts';
import type { ExploitResult } from '../exploit.ts';
import {
  type BootstrapOptions,
  DEFAULT_BOOTSTRAP,
  type Interval,
  intervalsOverlap,
  type MetricSummary,
  summarize,
} from './stats.ts';

/** A per-episode metric of the per-role tables. */
export interface MetricDef {
  key: MetricKey;
  /** Column header. */
  label: string;
  /** Which direction is better (for marking the best row); `none` for a choice, not an outcome. */
  better: 'higher' | 'lower' | 'none';
  /** The role tables that show it. @default both */
  roles?: readonly Role[];
  /** `rate` prints as a percentage, `amount` as a number, `ratio` with three decimals. */
  kind: 'rate' | 'amount' | 'ratio';
  /** What it measures. */
  doc: string;
}

export type MetricKey =
  | 'profitPerAgent'
  | 'completionRate'
  | 'failureRate'
  | 'slashRate'
  | 'undetectedShirks'
  | 'activeAtEnd'
  | 'welfare'
  | 'bid'
  | 'shirk'
  | 'eta'
  | 'selfShare';

export const METRICS: readonly MetricDef[] = [
  {
    key: 'profitPerAgent',
    label: 'profit/agent',
    better: 'higher',
    kind: 'amount',
    doc: 'mean episode profit per agent of the role',
  },
  {
    key: 'completionRate',
    label: 'completed',
    better: 'higher',
    kind: 'rate',
    doc: 'tasks settled successfully / tasks, where successes = tasks - failures - dropped (undetected shirks count as settled: the network paid for them)',
  },
  {
    key: 'failureRate',
    label: 'failed',
    better: 'lower',
    kind: 'rate',
    doc: 'failed tasks / tasks (every failure is slashed)',
  },
  {
    key: 'slashRate',
    label: 'slashed (role)',
    better: 'lower',
    kind: 'rate',
    doc: 'slash events that took money from agents of the role (failures, shirks, liveness) / tasks',
  },
  {
    key: 'undetectedShirks',
    label: 'undetected shirks',
    better: 'lower',
    kind: 'amount',
    doc: 'shirked tasks the fishermen missed, per episode',
  },
  {
    key: 'activeAtEnd',
    label: 'active at end',
    better: 'higher',
    kind: 'amount',
    doc: 'agents of the role not ejected at the end of the episode',
  },
  {
    key: 'welfare',
    label: 'welfare',
    better: 'higher',
    kind: 'amount',
    doc: 'total episode profit of all operators and coprocessors',
  },
  {
    key: 'bid',
    label: 'bid',
    better: 'none',
    kind: 'ratio',
    roles: ['coprocessor'],
    doc: "coprocessors' mean first action: the bid markup over the break-even price under a scoring mechanism (0 is truthful), the reservation / ask ratio psi under qualified-dutch and reverse-dutch",
  },
  {
    key: 'shirk',
    label: 'shirk prob.',
    better: 'none',
    kind: 'rate',
    roles: ['coprocessor'],
    doc: "coprocessors' mean shirk probability (their choice; undetected shirks are the outcome)",
  },
  {
    key: 'eta',
    label: 'eta',
    better: 'none',
    kind: 'ratio',
    roles: ['operator'],
    doc: "operators' mean eta: the payment cap (scoring mechanisms) or start price, as a share of R",
  },
  {
    key: 'selfShare',
    label: 'self-executed',
    better: 'none',
    kind: 'rate',
    roles: ['operator'],
    doc: 'tasks the operators executed themselves / tasks',
  },
];

/** One population playing a role. */
export interface PopulationRow {
  population: string;
  /** The learned policy (not a baseline). */
  learned: boolean;
  metrics: Record<MetricKey, MetricSummary>;
  /** Per-episode values, `[seed][scenario]`, per metric. */
  runs: Record<MetricKey, number[][]>;
  /**
   * What each slot of the role chose, averaged over the seeds (first scenario):
   * bid markup (or psi) and shirk probability per coprocessor, eta and
   * self-executed share per operator. Only for the learned population.
   */
  slots?: { first: number[]; second: number[] };
}

export interface RoleTable {
  role: Role;
  /** The policy of the other role in every episode of this table. */
  other: string;
  rows: PopulationRow[];
}

/** Learned half vs baseline half of one role, against one baseline. */
export interface MixedRow {
  role: Role;
  baseline: BaselineName;
  /** Profit per agent of the learned half. */
  learned: MetricSummary;
  /** Profit per agent of the baseline half. */
  baselineHalf: MetricSummary;
  /** Paired difference learned - baseline, per seed. */
  difference: MetricSummary;
  /** Do the 95% intervals of the two halves' means overlap? */
  overlap: boolean;
  runs: { learned: number[][]; baseline: number[][] };
}

/**
 * Does the learned policy of a role earn more per agent than every baseline, with
 * the intervals apart: as a population, and as a half of the mixed market?
 */
export interface Verdict {
  role: Role;
  /** Learned population's profit interval lies above every baseline population's. */
  populations: boolean;
  /** Baseline populations the learned one is not separate from (or below). */
  populationsNotBeaten: BaselineName[];
  /** Learned half above every baseline half, intervals apart (undefined without a mixed market). */
  mixed?: boolean;
  /** Baselines whose half the learned half does not beat with separate intervals. */
  mixedNotBeaten?: BaselineName[];
}

export interface EvaluationResult {
  scenarios: string[];
  seeds: number[];
  reference: BaselineName;
  /** What the other role plays: the reference baseline, or the learned policy. */
  other: 'reference' | 'learned';
  /** Name of the learned policy per role, when given. */
  learned: Partial<Record<Role, string>>;
  baselines: BaselineName[];
  bootstrap: Required<BootstrapOptions>;
  tables: RoleTable[];
  mixed: MixedRow[];
  /** Per learned role: does it beat every baseline, intervals apart? */
  verdicts: Verdict[];
  /** Free-form notes (e.g. deterministic / stochastic learned policies), in order. */
  notes: string[];
  /** The run's exploitability results (`copronet exploit`), when `eval --exploit` includes them. */
  exploit?: { scenario: string; seeds: number[]; results: ExploitResult[] };
}

export interface EvaluateOptions {
  /** Scenario(s) to evaluate on; several scenarios are the strata of the bootstrap. */
  scenario: Scenario | readonly Scenario[];
  /** Held-out episode seeds (the runs of the bootstrap). */
  seeds: readonly number[];
  /** Learned policies per role. @default {} (baselines only) */
  learned?: Partial<PolicySet>;
  /** Baseline the other role plays. @default 'paper-heuristic' */
  reference?: BaselineName;
  /** The other role plays the reference, or the learned policy of that role. @default 'reference' */
  other?: 'reference' | 'learned';
  /** Baseline populations. @default BASELINES */
  baselines?: readonly BaselineName[];
  /** Run the mixed market (only for roles with a learned policy). @default true */
  mixed?: boolean;
  /** Training seeds: an evaluation seed among them is an error. @default [] */
  trainSeeds?: readonly number[];
  /** Bootstrap settings. @default {reps: 2000, confidence: 0.95, seed: 0} */
  bootstrap?: BootstrapOptions;
  /** Notes copied into the result. @default [] */
  notes?: readonly string[];
  /** Called after every episode. */
  onProgress?: (done: number, total: number, label: string) => void;
}

/**
 * Seed of a baseline's own generator (only `random` draws): distinct per
 * episode and per use, and never equal to the episode seed the simulator uses.
 */
function policySeed(seed: number, use: number): number {
  return seed * 8 + use + 1;
}

/** Evaluate the populations; deterministic given the inputs (and deterministic learned policies). */
export function evaluate(opts: EvaluateOptions): EvaluationResult {
  const scenarios = Array.isArray(opts.scenario) ? [...opts.scenario] : [opts.scenario as Scenario];
  const seeds = [...opts.seeds];
  if (scenarios.length === 0) throw new Error('no scenario to evaluate on: pass at least one');
  if (seeds.length === 0) throw new Error('no evaluation seeds: pass at least one (e.g. --seeds 10)');
  if (new Set(seeds).size !== seeds.length)
    throw new Error(`evaluation seeds repeat: ${seeds.join(', ')}; pass distinct seeds`);
  assertHeldOut(seeds, opts.trainSeeds ?? []);
  const learned = opts.learned ?? {};
  const reference = opts.reference ?? 'paper-heuristic';
  const other = opts.other ?? 'reference';
  const baselines = [...(opts.baselines ?? BASELINES)];
  const bootstrap = { ...DEFAULT_BOOTSTRAP, ...opts.bootstrap };
  const doMixed = opts.mixed ?? true;
  if (other === 'learned') {
    for (const r of ROLES) {
      if (!learned[r]) {
        throw new Error(
          `--other learned needs a learned ${r} policy, but the run has none; use --other reference ` +
            'or evaluate a run that trained both roles',
        );
      }
    }
  }

  const learnedRoles = ROLES.filter((r) => learned[r]);
  const perRole = (r: Role) => (learned[r] ? 1 : 0) + baselines.length;
  const totalEpisodes =
    scenarios.length *
    seeds.length *
    (perRole('operator') +
      perRole('coprocessor') +
      (doMixed ? 2 * baselines.length * learnedRoles.length : 0));
  let done = 0;
  const tick = (label: string) => {
    done++;
    opts.onProgress?.(done, totalEpisodes, label);
  };

  const otherPolicy = (role: Role, scenario: Scenario, seed: number): Policy =>
    other === 'learned'
      ? learned[role]!
      : makeBaseline(reference, role, { scenario, seed: policySeed(seed, 0) });

  const tables: RoleTable[] = [];
  for (const role of ROLES) {
    const oRole: Role = role === 'operator' ? 'coprocessor' : 'operator';
    const populations: { name: string; learned: boolean; make: (s: Scenario, seed: number) => Policy }[] = [];
    if (learned[role]) populations.push({ name: 'learned', learned: true, make: () => learned[role]! });
    for (const b of baselines) {
      populations.push({
        name: b,
        learned: false,
        make: (s, seed) => makeBaseline(b, role, { scenario: s, seed: policySeed(seed, 1) }),
      });
    }
    const rows: PopulationRow[] = [];
    for (const pop of populations) {
      const runs = Object.fromEntries(METRICS.map((m) => [m.key, [] as number[][]])) as Record<
        MetricKey,
        number[][]
      >;
      const count = role === 'operator' ? scenarios[0].operators.count : scenarios[0].coprocessors.count;
      const slotSum = {
        first: new Float64Array(count),
        second: new Float64Array(count),
        n: new Float64Array(count),
      };
      for (const seed of seeds) {
        const perScenario = scenarios.map((scenario, si) => {
          const policies = {
            [role]: pop.make(scenario, seed),
            [oRole]: otherPolicy(oRole, scenario, seed),
          } as unknown as PolicySet;
          const ep = runEvalEpisode(scenario, policies, seed);
          tick(`${role} ${pop.name} ${scenario.name} seed ${seed}`);
          if (si === 0 && pop.learned) {
            const a = role === 'operator' ? ep.slots.eta : ep.slots.bid;
            const b = role === 'operator' ? ep.slots.selfShare : ep.slots.shirk;
            for (let k = 0; k < count; k++) {
              if (!Number.isFinite(a[k])) continue;
              slotSum.first[k] += a[k];
              slotSum.second[k] += b[k];
              slotSum.n[k]++;
            }
          }
          return episodeMetrics(ep, role);
        });
        for (const m of METRICS) runs[m.key].push(perScenario.map((v) => v[m.key]));
      }
      const metrics = Object.fromEntries(
        METRICS.map((m) => [m.key, summarize(runs[m.key], bootstrap)]),
      ) as Record<MetricKey, MetricSummary>;
      const slots = pop.learned
        ? {
            first: Array.from(slotSum.first, (v, k) => v / slotSum.n[k]),
            second: Array.from(slotSum.second, (v, k) => v / slotSum.n[k]),
          }
        : undefined;
      rows.push({ population: pop.name, learned: pop.learned, metrics, runs, ...(slots ? { slots } : {}) });
    }
    tables.push({ role, other: other === 'learned' ? 'learned' : reference, rows });
  }

  const mixed: MixedRow[] = [];
  if (doMixed) {
    for (const role of learnedRoles) {
      const oRole: Role = role === 'operator' ? 'coprocessor' : 'operator';
      for (const b of baselines) {
        const lRuns: number[][] = [];
        const bRuns: number[][] = [];
        const dRuns: number[][] = [];
        for (const seed of seeds) {
          const l: number[] = [];
          const bl: number[] = [];
          for (const scenario of scenarios) {
            const halves = mixedMarketHalves({
              scenario,
              role,
              seed,
              learned: learned[role]!,
              baseline: (firstHalf) =>
                makeBaseline(b, role, { scenario, seed: policySeed(seed, firstHalf ? 2 : 3) }),
              other: otherPolicy(oRole, scenario, seed),
              onEpisode: () => tick(`mixed ${role} learned vs ${b} ${scenario.name} seed ${seed}`),
            });
            l.push(halves.learned);
            bl.push(halves.baseline);
          }
          lRuns.push(l);
          bRuns.push(bl);
          dRuns.push(l.map((x, i) => x - bl[i]));
        }
        const ls = summarize(lRuns, bootstrap);
        const bs = summarize(bRuns, bootstrap);
        mixed.push({
          role,
          baseline: b,
          learned: ls,
          baselineHalf: bs,
          difference: summarize(dRuns, bootstrap),
          overlap: intervalsOverlap(ls.meanCi as Interval, bs.meanCi as Interval),
          runs: { learned: lRuns, baseline: bRuns },
        });
      }
    }
  }

  return {
    scenarios: scenarios.map((s) => s.name),
    seeds,
    reference,
    other,
    learned: Object.fromEntries(learnedRoles.map((r) => [r, learned[r]!.name])),
    baselines,
    bootstrap,
    tables,
    mixed,
    verdicts: verdicts(tables, mixed, learnedRoles),
    notes: [...(opts.notes ?? [])],
  };
}

/**
 * One seed of the mixed market: `learned` in half of the role's slots and a
 * baseline in the other half, run twice (learned in slots 0..n/2-1, then in
 * the rest) so slot attributes favour neither side. Returns the two halves'
 * profit per agent, averaged over both assignments.
 */
export function mixedMarketHalves(opts: {
  scenario: Scenario;
  role: Role;
  seed: number;
  learned: Policy;
  /** The baseline half's policy for an assignment (a fresh one each, so its draws are its own). */
  baseline: (learnedInFirstHalf: boolean) => Policy;
  /** What the other role plays. */
  other: Policy;
  onEpisode?: () => void;
}): { learned: number; baseline: number } {
  const { scenario, role, seed } = opts;
  const oRole: Role = role === 'operator' ? 'coprocessor' : 'operator';
  const n = role === 'operator' ? scenario.operators.count : scenario.coprocessors.count;
  let lSum = 0;
  let bSum = 0;
  for (const firstHalf of [true, false]) {
    const mask = halfMask(n, firstHalf);
    const base = opts.baseline(firstHalf);
    const mix = mixPolicies(opts.learned, base, mask, { name: `${opts.learned.name}+${base.name}` });
    const policies = { [role]: mix, [oRole]: opts.other } as unknown as PolicySet;
    const ep = runEvalEpisode(scenario, policies, seed);
    opts.onEpisode?.();
    lSum += maskedMean(ep.profit[role], mask);
    bSum += maskedMean(
      ep.profit[role],
      mask.map((x) => 1 - x),
    );
  }
  return { learned: lSum / 2, baseline: bSum / 2 };
}

/** The verdict of each learned role, from its table and its mixed-market rows. */
export function verdicts(
  tables: readonly RoleTable[],
  mixed: readonly MixedRow[],
  roles: readonly Role[],
): Verdict[] {
  return roles.map((role) => {
    const t = tables.find((x) => x.role === role);
    const learned = t?.rows.find((r) => r.learned);
    const populationsNotBeaten: BaselineName[] = [];
    for (const r of t?.rows ?? []) {
      if (r.learned || !learned) continue;
      if (!(learned.metrics.profitPerAgent.meanCi[0] > r.metrics.profitPerAgent.meanCi[1])) {
        populationsNotBeaten.push(r.population as BaselineName);
      }
    }
    const v: Verdict = { role, populations: populationsNotBeaten.length === 0, populationsNotBeaten };
    const rows = mixed.filter((m) => m.role === role);
    if (rows.length > 0) {
      v.mixedNotBeaten = rows
        .filter((m) => m.overlap || !(m.learned.mean > m.baselineHalf.mean))
        .map((m) => m.baseline);
      v.mixed = v.mixedNotBeaten.length === 0;
    }
    return v;
  });
}

/** The per-role metrics of one episode. */
export function episodeMetrics(ep: EvalEpisode, role: Role): Record<MetricKey, number> {
  const rate = (x: number) => (ep.tasks > 0 ? x / ep.tasks : 0);
  return {
    profitPerAgent: maskedMean(ep.profit[role]),
    completionRate: rate(ep.tasks - ep.failures - ep.dropped),
    failureRate: rate(ep.failures),
    slashRate: rate(ep.slashes[role]),
    undetectedShirks: ep.undetectedShirks,
    activeAtEnd: ep.activeAtEnd[role],
    welfare: total(ep.profit.operator) + total(ep.profit.coprocessor),
    bid: ep.choices.bid,
    shirk: ep.choices.shirk,
    eta: ep.choices.eta,
    selfShare: ep.choices.selfShare,
  };
}
