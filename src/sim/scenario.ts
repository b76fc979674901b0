/**
 * Scenario configuration: every constant of the model (docs/MODEL.md) is a
 * field here, validated with zod. Unknown keys are rejected, so a typo in a
 * scenario file is an error that names the field, never a silent default.
 */
import { z } from 'zod';
import { isSeed, SEED_RULE } from '../core/validate.ts';

/**
 * Upper bounds on the sizes of a scenario, so that one simulator fits this
 * machine's memory (24 GB, shared) and one episode ends within hours: a huge
 * value is an error naming the field, not `Array buffer allocation failed` or
 * a run that never ends (docs/MODEL.md, "Limits of a scenario"). The built-ins are far below
 * (paper: 100 + 100 agents, about 1000 tasks per period, 1000 periods).
 */
export const SCENARIO_LIMITS = {
  /** Agents per role (`operators.count`, `coprocessors.count`). */
  agents: 100_000,
  /** `operators.count x coprocessors.count`: the delegation table (`flows`) holds 4 bytes a pair, 400 MB at most. */
  pairs: 100_000_000,
  /** `demand.meanTasks`: the task buffers hold about 114 bytes per mean task, about 114 MB at most. */
  meanTasks: 1_000_000,
  /** `periods`. */
  periods: 1_000_000,
  /**
   * `periods x (demand.meanTasks + operators.count + coprocessors.count)`: the work of one episode, at about a
   * microsecond per task and per agent in a period (the paper's episode: 1.25e6, about a second), 3 hours at most.
   */
  episodeWork: 1e10,
} as const;

/** Seconds per unit of `episodeWork` the limits' estimates assume (README, Performance: 0.7-1.4 us on this machine). */
const SECONDS_PER_WORK = 1e-6;

const prob = z.number().min(0).max(1);
const nonNeg = z.number().min(0);
const pos = z.number().positive();
const count = z
  .number()
  .int()
  .min(0)
  .max(SCENARIO_LIMITS.agents, {
    error: `at most ${SCENARIO_LIMITS.agents} agents per role (the simulator's arrays and each period's work grow with it; the paper has 100)`,
  });
/** A [lo, hi] uniform range with lo <= hi. */
const range = (inner: z.ZodNumber) =>
  z
    .tuple([inner, inner])
    .refine(([lo, hi]) => lo <= hi, { message: 'range must be [low, high] with low <= high' });

export const OperatorsSchema = z.strictObject({
  /** Number of operators. @default 100 @max 100000 (`SCENARIO_LIMITS.agents`; operators x coprocessors at most 1e8) */
  count: count.default(100),
  /** Capacity r_i in compute units per period: log-normal median and log-sd. @default {median: 60, sigma: 0.4} */
  capacity: z.strictObject({ median: pos, sigma: nonNeg }).default({ median: 60, sigma: 0.4 }),
  /** Capability a_i (hardware sophistication), uniform range. @default [0.1, 0.5] */
  capability: range(prob).default([0.1, 0.5]),
  /** Initial stake s_i. @default 400 */
  stake: pos.default(400),
  /** Ejection threshold: an operator whose stake falls below this leaves. @default 200 */
  minStake: nonNeg.default(200),
  /** Unit cost u_i of self-execution per compute unit, uniform range. @default [0.5, 0.8] */
  unitCost: range(nonNeg).default([0.5, 0.8]),
  /** Share of a period's positive profit restaked (added to the stake); the rest is paid out. Losses always hit the stake. @default 0.1 */
  restakeShare: prob.default(0.1),
  /** Weight multiplier on tasks in the operator's preferred complexity band. @default 2 */
  preferenceBoost: nonNeg.default(2),
});

export const CoprocessorsSchema = z.strictObject({
  /** Number of coprocessors. @default 100 @max 100000 (`SCENARIO_LIMITS.agents`; operators x coprocessors at most 1e8) */
  count: count.default(100),
  /** Capacity q_k in compute units per period: log-normal median and log-sd. @default {median: 90, sigma: 0.4} */
  capacity: z.strictObject({ median: pos, sigma: nonNeg }).default({ median: 90, sigma: 0.4 }),
  /** Capability b_k, uniform range. @default [0.5, 1] */
  capability: range(prob).default([0.5, 1]),
  /** Initial collateral c_k. @default 400 */
  collateral: pos.default(400),
  /** Ejection threshold on collateral. @default 200 */
  minCollateral: nonNeg.default(200),
  /** Unit cost u_k per compute unit, uniform range. @default [0.2, 0.45] */
  unitCost: range(nonNeg).default([0.2, 0.45]),
  /** Share of a period's positive profit added to the collateral; the rest is paid out. @default 0.1 */
  restakeShare: prob.default(0.1),
  /** Fraction of coprocessors that are malicious (shirk) in baseline populations. @default 0.1 */
  maliciousFraction: prob.default(0.1),
  /** Shirk probability of a malicious coprocessor under baseline policies. @default 0.5 */
  maliciousShirkRate: prob.default(0.5),
  /** May learned coprocessor policies shirk (adds the action e)? @default true */
  allowShirking: z.boolean().default(true),
});

export const DemandSchema = z.strictObject({
  /** Mean tasks per period lambda_0. @default 1000 @max 1000000 (`SCENARIO_LIMITS.meanTasks`) */
  meanTasks: nonNeg
    .max(SCENARIO_LIMITS.meanTasks, {
      error: `at most ${SCENARIO_LIMITS.meanTasks} tasks per period (the task buffers take about 114 bytes per mean task; the paper has about 1000)`,
    })
    .default(1000),
  /** Relative amplitude of the seasonal term. @default 0.2 */
  seasonalAmplitude: prob.default(0.2),
  /** Length of one season in periods. @default 100 */
  seasonalPeriod: pos.default(100),
  /** Relative sd of the AR(1) demand noise. @default 0.1 */
  noise: nonNeg.default(0.1),
  /** AR(1) persistence of the demand noise. @default 0.9 */
  noisePersistence: z.number().min(0).max(0.999).default(0.9),
});

export const TasksSchema = z.strictObject({
  /** Difficulty d_j ~ log-normal(log(median), sigma), in compute units. @default {median: 4, sigma: 0.6} */
  difficulty: z.strictObject({ median: pos, sigma: nonNeg }).default({ median: 4, sigma: 0.6 }),
  /** Complexity c_j ~ Beta(a, b) in [0,1]. @default {a: 2, b: 2} */
  complexity: z.strictObject({ a: pos, b: pos }).default({ a: 2, b: 2 }),
  /** Reward per compute unit of difficulty. @default 1 */
  rewardPerUnit: pos.default(1),
  /** Reward premium for complexity: R_j = rewardPerUnit * d_j * (1 + complexityPremium * c_j). @default 0.5 */
  complexityPremium: nonNeg.default(0.5),
  /** Slashing penalty per unit of reward: S_j = slashRatio * R_j * (1 + riskLoading * eps_j / eps_max). @default 1 */
  slashRatio: nonNeg.default(1),
  /** Extra penalty for risky tasks. @default 0.5 */
  riskLoading: nonNeg.default(0.5),
  /** Intrinsic failure probability eps_j, uniform range. @default [0, 0.06] */
  risk: range(prob).default([0, 0.06]),
  /** Complexity bands for the operators' preferences and the assignment tables. @default 4 */
  bands: z.number().int().min(1).max(32).default(4),
});

export const AssignmentSchema = z.strictObject({
  /** Exponent gamma on reputation in the AVS's assignment weight capacity x rho^gamma x preference. @default 2 */
  reputationExponent: nonNeg.default(2),
});

/**
 * The auction mechanisms (docs/MODEL.md, "The auction"): three scoring auctions
 * on the operator's expected surplus V_kj - b_kj, and two readings of the
 * paper's clock kept for comparison.
 */
export const MECHANISMS = [
  'scoring-dutch',
  'first-price',
  'second-price',
  'qualified-dutch',
  'reverse-dutch',
] as const;

/** A mechanism's name (`auction.mechanism`): the one definition, `MECHANISMS`. */
export type Mechanism = (typeof MECHANISMS)[number];

/** Mechanisms where a coprocessor's first action is a bid markup over its own expected cost. */
export const SCORING_MECHANISMS = [
  'scoring-dutch',
  'first-price',
  'second-price',
] as const satisfies readonly Mechanism[];

export type ScoringMechanism = (typeof SCORING_MECHANISMS)[number];

/** Whether a coprocessor's first action is a bid markup under mechanism `m` (else a reservation / ask ratio psi). */
export function isScoringMechanism(m: string): m is ScoringMechanism {
  return (SCORING_MECHANISMS as readonly string[]).includes(m);
}

export const AuctionSchema = z.strictObject({
  /**
   * `scoring-dutch` (a descending clock on the operator's demanded surplus; the first acceptance wins and is paid
   * the offer), `first-price` / `second-price` (sealed-bid scoring auctions), `qualified-dutch` (the paper's clock
   * with reputation/capacity tiers, literal reading) or `reverse-dutch` (ascending payment, lowest ask wins).
   * @default 'scoring-dutch'
   */
  mechanism: z
    .enum(MECHANISMS, { error: () => `unknown mechanism: choose one of ${MECHANISMS.join(', ')}` })
    .default('scoring-dutch'),
  /** Clock steps M (scoring-dutch, qualified-dutch, reverse-dutch). @default 20 */
  steps: z.number().int().min(1).default(20),
  /** Collateral a coprocessor must lock per task, as a share chi of S_j. @default 1 */
  collateralRatio: nonNeg.default(1),
  /** Qualification Q_kj / R_j = base + (1 - base) * rho_k^repWeight * freeShare_k (qualified-dutch). @default 0.3 */
  qualificationBase: prob.default(0.3),
  /** Exponent on reputation in the qualification tier (qualified-dutch). @default 1 */
  qualificationReputationExponent: nonNeg.default(1),
  /** reverse-dutch: the payment starts at this share of R_j. @default 0.1 */
  reverseFloor: prob.default(0.1),
  /**
   * Scoring mechanisms: the coprocessor's first action x in [0, 1] is the markup mu = low + x (high - low) over
   * its own break-even price, so the bid is b = (1 + mu) * cost / P. It must contain 0 (the truthful bid, at
   * x = -low / (high - low)) and low must be above -1 (a bid must be positive). @default [-0.5, 1.5]
   */
  markupRange: z
    .tuple([z.number(), z.number()])
    .refine(([lo, hi]) => lo <= hi, { message: 'range must be [low, high] with low <= high' })
    .refine(([lo]) => lo > -1, {
      message: 'low must be above -1: a markup of -1 or less bids nothing or less',
    })
    .refine(([lo, hi]) => lo <= 0 && hi >= 0, {
      message: 'must contain 0 so that the truthful bid (markup 0) can be chosen',
    })
    .default([-0.5, 1.5]),
});

export const ExecutionSchema = z.strictObject({
  /** Maximum overload failure probability phi_max (reached at load 1). @default 0.5 */
  overloadRisk: prob.default(0.5),
  /** Failure weight w_cap per unit of complexity beyond an operator's capability. @default 1.5 */
  capabilityGapRisk: nonNeg.default(1.5),
  /** Operators' self-execution threshold theta in [0,1] maps to a risk threshold in [0, thetaMax]. @default 0.5 */
  thetaMax: prob.default(0.5),
});

export const SlashingSchema = z.strictObject({
  /** Slashing factor sigma (the paper's swept parameter). @default 1 */
  factor: nonNeg.default(1),
  /** Liveness penalty for a dropped task, as a share lambda_miss of S_j (times sigma). @default 0.5 */
  livenessPenalty: nonNeg.default(0.5),
  /** Probability that fishermen detect a shirked task. @default 0.3 */
  detectionProbability: prob.default(0.3),
  /** Share of a coprocessor's slashed collateral paid to the delegating operator (the rest is burned). @default 0.5 */
  operatorShare: prob.default(0.5),
});

export const ReputationGasSchema = z.strictObject({
  /** Score weight A. @default 0.15 */
  A: nonNeg.default(0.15),
  /** Persistence B (|B| < 1). @default 0.98 */
  B: z.number().min(0).max(0.9999).default(0.98),
  /** Prior mean success probability: the latent reverts to logit(priorMean). @default 0.9 */
  priorMean: z.number().gt(0).lt(1).default(0.9),
  /** Score scaling S_t = I_t^-d: 'identity' (d=0), 'inverse-sqrt' (d=1/2), 'inverse' (d=1). @default 'inverse-sqrt' */
  scaling: z.enum(['identity', 'inverse-sqrt', 'inverse']).default('inverse-sqrt'),
  /** Clip on the scaled score, |s_t| <= scoreClip (guards the inverse scaling near 0 and 1). @default 5 */
  scoreClip: pos.default(5),
});

export const LoadGasSchema = z.strictObject({
  /** Score weight A for the load parameter alpha. @default 0.3 */
  A: nonNeg.default(0.3),
  /** Persistence B. @default 0.9 */
  B: z.number().min(0).max(0.9999).default(0.9),
  /** Student-t degrees of freedom nu. @default 4 */
  nu: pos.default(4),
  /** Student-t scale phi. @default 0.15 */
  scale: pos.default(0.15),
});

export const LoadCurveSchema = z.strictObject({
  /** Optimal load L* (also where overload risk starts). @default 0.7 */
  optimalLoad: z.number().gt(0).lt(1).default(0.7),
  /** Bonus height a: Lambda(0) = a. @default 0.2 */
  a: nonNeg.default(0.2),
  /** Amplification height b: Lambda(1) = -b. @default 1 */
  b: nonNeg.default(1),
  /** Curvature c of the amplified-slashing piece. @default 2 */
  c: pos.default(2),
  /** The unloaded-uptime bonus paid per period is bonusScale * capacity * max(0, Lambda(alpha)). @default 0.02 */
  bonusScale: nonNeg.default(0.02),
});

const seedMessage = { error: `must be ${SEED_RULE}` };

export const ScenarioSchema = z
  .strictObject({
    /** Scenario name (a scenario file without one is named after the file: `my-exp.json` is `my-exp`). */
    name: z.string().min(1),
    /** Free text shown in listings. @default '' */
    description: z.string().default(''),
    /**
     * Horizon T in periods. @default 1000 @max 1000000 (`SCENARIO_LIMITS.periods`; and
     * periods x (demand.meanTasks + operators.count + coprocessors.count) at most 1e10, `SCENARIO_LIMITS.episodeWork`)
     */
    periods: z
      .number()
      .int()
      .min(1)
      .max(SCENARIO_LIMITS.periods, {
        error: `at most ${SCENARIO_LIMITS.periods} periods (the paper has 1000)`,
      })
      .default(1000),
    /** Default seed: a non-negative safe integer, as every seed (`SEED_RULE`). @default 1 @max 9007199254740991 */
    seed: z.number(seedMessage).refine(isSeed, seedMessage).default(1),
    operators: OperatorsSchema.default(OperatorsSchema.parse({})),
    coprocessors: CoprocessorsSchema.default(CoprocessorsSchema.parse({})),
    demand: DemandSchema.default(DemandSchema.parse({})),
    tasks: TasksSchema.default(TasksSchema.parse({})),
    assignment: AssignmentSchema.default(AssignmentSchema.parse({})),
    auction: AuctionSchema.default(AuctionSchema.parse({})),
    execution: ExecutionSchema.default(ExecutionSchema.parse({})),
    slashing: SlashingSchema.default(SlashingSchema.parse({})),
    reputation: ReputationGasSchema.default(ReputationGasSchema.parse({})),
    loadGas: LoadGasSchema.default(LoadGasSchema.parse({})),
    loadCurve: LoadCurveSchema.default(LoadCurveSchema.parse({})),
    /** Reward scale: the RL reward is profit * rewardScale. @default 0.01 */
    rewardScale: pos.default(0.01),
  })
  .superRefine((s, ctx) => {
    // Only when each field is within its own bound (else that field's error says enough).
    const L = SCENARIO_LIMITS;
    const N = s.operators.count;
    const K = s.coprocessors.count;
    const T = s.periods;
    const lambda = s.demand.meanTasks;
    const within = (x: number, max: number) => Number.isFinite(x) && x <= max;
    if (!within(N, L.agents) || !within(K, L.agents)) return;
    if (N * K > L.pairs) {
      ctx.addIssue({
        code: 'custom',
        path: ['coprocessors', 'count'],
        message:
          `operators.count x coprocessors.count = ${N} x ${K} needs a ${bytes(4 * N * K)} delegation table ` +
          `(4 bytes per pair); at most ${sci(L.pairs)} pairs (${bytes(4 * L.pairs)})`,
      });
    }
    if (!within(T, L.periods) || !within(lambda, L.meanTasks)) return;
    const work = T * (lambda + N + K);
    if (work > L.episodeWork) {
      ctx.addIssue({
        code: 'custom',
        path: ['periods'],
        message:
          `periods x (demand.meanTasks + operators.count + coprocessors.count) = ${T} x ${lambda + N + K} = ` +
          `${sci(work)}: one episode would take about ${duration(work * SECONDS_PER_WORK)} (about a microsecond ` +
          `per task and per agent in a period); at most ${sci(L.episodeWork)} (about ${duration(L.episodeWork * SECONDS_PER_WORK)})`,
      });
    }
  });

/** `1.2e15`, `1e8`. */
const sci = (x: number) =>
  x
    .toExponential(2)
    .replace(/\.?0+e/, 'e')
    .replace('e+', 'e');

const bytes = (n: number) => (n >= 1e9 ? `${(n / 1e9).toPrecision(3)} GB` : `${Math.round(n / 1e6)} MB`);

/** A rough duration in the largest unit that fits: `3 hours`, `12 days`. */
function duration(seconds: number): string {
  const units: [string, number][] = [
    ['years', 365 * 86400],
    ['days', 86400],
    ['hours', 3600],
    ['minutes', 60],
  ];
  for (const [name, size] of units) if (seconds >= 2 * size) return `${Math.round(seconds / size)} ${name}`;
  return `${Math.round(seconds)} seconds`;
}

export type Scenario = z.output<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;

/** A scenario file or override that does not validate; the message names every bad field. */
export class ScenarioError extends Error {
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/**
 * Keys no scenario field has, refused wherever a scenario is read or merged (files, `--set`, `deepMerge`):
 * assigning to `__proto__` changes an object's prototype, so `--set __proto__.x=1` would give every object
 * in the process an `x`.
 */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const forbidden = (key: string) =>
  `'${key}' is not allowed as a key: it could change the prototype of every object (no scenario field has this name)`;

/** The dotted path of the first `__proto__`, `constructor` or `prototype` key in a JSON-like value, or undefined. */
export function findForbiddenKey(x: unknown, path = ''): string | undefined {
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const bad = findForbiddenKey(x[i], `${path}[${i}]`);
      if (bad !== undefined) return bad;
    }
  } else if (isPlain(x)) {
    for (const k of Object.keys(x)) {
      const at = path ? `${path}.${k}` : k;
      if (FORBIDDEN_KEYS.has(k)) return at;
      const bad = findForbiddenKey(x[k], at);
      if (bad !== undefined) return bad;
    }
  }
  return undefined;
}

/** Throw a ScenarioError naming the first forbidden key in `x` (see `findForbiddenKey`). */
function assertNoForbiddenKey(x: unknown, source: string): void {
  const bad = findForbiddenKey(x);
  if (bad === undefined) return;
  const key = bad.slice(bad.lastIndexOf('.') + 1);
  fail(`invalid ${source}:\n  - ${bad}: ${forbidden(key)}`, [{ path: bad, message: forbidden(key) }]);
}

/** Validate a parsed scenario object. `source` names it in errors (a file path or 'overrides'). */
export function parseScenario(input: unknown, source = 'scenario'): Scenario {
  assertNoForbiddenKey(input, source);
  const result = ScenarioSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => {
    const path = i.path.join('.');
    const keys = i.code === 'unrecognized_keys' ? (i as { keys: string[] }).keys : [];
    if (keys.length > 0) {
      const full = keys.map((k) => (path ? `${path}.${k}` : k));
      return {
        path: full.join(', '),
        message: `unknown field${keys.length > 1 ? 's' : ''}: remove or fix the spelling`,
      };
    }
    return { path: path || '(root)', message: i.message };
  });
  const lines = issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n');
  return fail(`invalid ${source}:\n${lines}`, issues);
}

function fail(message: string, issues: { path: string; message: string }[]): never {
  throw new ScenarioError(message, issues);
}

/**
 * Fields where two resolved scenarios differ, as `path: a -> b` (leaves only;
 * arrays compare whole). Empty when they are the same model.
 */
export function scenarioDifferences(a: Scenario, b: Scenario): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string) => {
    if (isPlain(x) && isPlain(y)) {
      for (const k of new Set([...Object.keys(x), ...Object.keys(y)]))
        walk(x[k], y[k], path ? `${path}.${k}` : k);
    } else if (JSON.stringify(x) !== JSON.stringify(y)) {
      out.push(`${path}: ${JSON.stringify(x)} -> ${JSON.stringify(y)}`);
    }
  };
  walk(a, b, '');
  return out;
}

/**
 * Deep merge of plain objects (arrays and scalars in `b` replace those in `a`). A `__proto__`,
 * `constructor` or `prototype` key in `b` is a ScenarioError naming it (see `findForbiddenKey`).
 */
export function deepMerge(a: unknown, b: unknown): unknown {
  assertNoForbiddenKey(b, 'overrides');
  return merge(a, b);
}

function merge(a: unknown, b: unknown): unknown {
  if (!isPlain(a) || !isPlain(b)) return b === undefined ? a : b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = merge(Object.hasOwn(a, k) ? a[k] : undefined, v);
  return out;
}

function isPlain(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Turn `['slashing.factor=2', 'periods=50']` into a nested override object (values parsed as JSON when they can be). */
export function parseOverrides(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new ScenarioError(`override '${pair}' must look like key.path=value, e.g. slashing.factor=2`);
    const keys = pair.slice(0, eq).split('.');
    const text = pair.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    const badKey = keys.find((k) => FORBIDDEN_KEYS.has(k));
    const badPath = badKey === undefined ? findForbiddenKey(value) : undefined;
    if (badKey !== undefined || badPath !== undefined) {
      const key = badKey ?? badPath!.slice(badPath!.lastIndexOf('.') + 1);
      throw new ScenarioError(`override '${pair}': ${forbidden(key)}`, [
        { path: pair.slice(0, eq), message: forbidden(key) },
      ]);
    }
    let node = out;
    for (let i = 0; i < keys.length - 1; i++) {
      node[keys[i]] = isPlain(node[keys[i]]) ? node[keys[i]] : {};
      node = node[keys[i]] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]] = value;
  }
  return out;
}
