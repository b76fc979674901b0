/**
 * The kinds of job (README "Sweeps on several machines"): a job is a pure
 * function of its spec, so its result is content-addressed by the spec (and
 * the code version, experiments/jobs/spec.ts) and a job may run anywhere, and
 * twice, without harm.
 *
 * Each kind has a zod schema for its spec (checked before a job is enqueued
 * and again by the worker that runs it) and a processor: spec in, a small
 * JSON-able result out. Implemented: `cell` (one simulator cell of a sweep,
 * experiments/lib/cells.ts), `exploit` (a best response against a baseline
 * population, experiments/exploit.ts; the scenario travels whole, so no file
 * is needed on the worker) and `strategic` (a cell of `experiment strategic`:
 * both roles trained with PPO and evaluated, or the fixed population
 * evaluated, experiments/strategic-cell.ts; the spec names the tfjs backend,
 * which the job initialises) and `train` (one training run, `copronet train
 * --seeds`, experiments/jobs/train-job.ts): a checkpoint is too large to
 * travel as a job result (`MAX_RESULT_BYTES`), so the run folder goes into a
 * folder every machine shares, checked by the worker before it trains, and
 * the result names the files; and `eval` (`copronet eval` of a network run,
 * experiments/jobs/eval-job.ts), which reads the run from that shared folder
 * and returns the evaluation, whose report the coordinator writes. An
 * `exploit` of a learned population would read its run the same way; it runs
 * on the coordinator today.
 */
import { z } from 'zod';
import { BASELINES } from '../../envs/network/baseline-names.ts';
import { parseScenario } from '../../src/sim/scenario.ts';
import type { ExploitResult } from '../exploit.ts';
import {
  BASELINE_POPULATION,
  type CellResult,
  type CellSpec,
  computeBaselineCell,
  LEARNED_POPULATION,
} from '../lib/cells.ts';
import type { StrategicResult, StrategicSpec } from '../strategic-cell.ts';
import type { EvalJobResult, EvalJobSpec } from './eval-job.ts';
import type { ExploitJobSpec } from './exploit-job.ts';
import type { TrainJobResult, TrainJobSpec } from './train-job.ts';

/** Every kind a job may have (each has its processor in `PROCESSORS`). */
export const JOB_KINDS = ['cell', 'train', 'eval', 'exploit', 'strategic'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** A job before it is given a code version: what to run. */
export interface JobInput<S = unknown> {
  kind: JobKind;
  spec: S;
}

/** A bad job (unknown kind, spec that does not validate, kind not implemented). */
export class JobSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobSpecError';
  }
}

interface JobProcessor<S, R> {
  /** What a valid spec looks like. */
  schema: z.ZodType<S>;
  /** A short human name of a spec, for progress and error lines. */
  describe: (spec: S) => string;
  /** Spec in, result out (may be CPU-heavy: it runs on a worker thread or a sandboxed process). */
  run: (spec: S) => R | Promise<R>;
}

const cellSchema: z.ZodType<CellSpec> = z
  .object({
    kind: z.enum(['slashing', 'network', 'summary']),
    scenario: z.string().min(1),
    overrides: z.record(z.string(), z.unknown()),
    seed: z.number().int(),
    population: z.literal(BASELINE_POPULATION, {
      error: () =>
        `a cell job plays the baseline population '${BASELINE_POPULATION}' (cells of learned policies run where their policies are loaded)`,
    }),
    policies: z.string().optional(),
  })
  .strict();

const cellProcessor: JobProcessor<CellSpec, CellResult> = {
  schema: cellSchema,
  describe: (s) => `${s.kind} ${s.scenario} seed ${s.seed}`,
  run: computeBaselineCell,
};

const int = (min: number) => z.number().int().min(min);

const exploitSchema: z.ZodType<ExploitJobSpec> = z
  .object({
    scenario: z.record(z.string(), z.unknown()),
    population: z.enum(BASELINES),
    role: z.enum(['operator', 'coprocessor']),
    slots: int(1),
    timesteps: int(1),
    seeds: z.array(int(0)).min(1),
    seed: int(0),
    backend: z.enum(['node', 'wasm', 'cpu']),
  })
  .strict()
  .superRefine((s, ctx) => {
    try {
      parseScenario(s.scenario, 'the job scenario');
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['scenario'], message: (err as Error).message });
    }
  }) as unknown as z.ZodType<ExploitJobSpec>;

const exploitProcessor: JobProcessor<ExploitJobSpec, ExploitResult> = {
  schema: exploitSchema,
  describe: (s) => `${s.role} vs ${s.population} on ${String(s.scenario.name)}`,
  // The trainer (tfjs) loads with the first exploit job, not with the cells.
  run: async (s) => (await import('./exploit-job.ts')).runExploitJob(s),
};

const strategicSchema: z.ZodType<StrategicSpec> = z
  .object({
    kind: z.literal('strategic'),
    scenario: z.string().min(1),
    overrides: z
      .object({
        slashing: z
          .object({ factor: z.number().min(0), detectionProbability: z.number().min(0).max(1) })
          .strict(),
        loadCurve: z.object({ b: z.number() }).strict(),
      })
      .strict(),
    seed: int(0),
    population: z.enum([LEARNED_POPULATION, BASELINE_POPULATION]),
    evalSeeds: z.array(int(0)).min(1),
    train: z
      .object({
        timesteps: int(1),
        config: z.record(z.string(), z.unknown()),
        backend: z.enum(['tensorflow', 'wasm', 'cpu']),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.population === LEARNED_POPULATION) !== (s.train !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['train'],
        message: `a ${LEARNED_POPULATION} cell names its training, a ${BASELINE_POPULATION} one does not`,
      });
    }
  });

const strategicProcessor: JobProcessor<StrategicSpec, StrategicResult> = {
  schema: strategicSchema,
  describe: (s) =>
    `${s.population} sigma=${s.overrides.slashing.factor} detection=${s.overrides.slashing.detectionProbability} b=${s.overrides.loadCurve.b} on ${s.scenario}${s.train ? ` seed ${s.seed}` : ''}`,
  // The trainer (tfjs) loads with the first strategic job, not with the cells.
  run: async (s) => (await import('./strategic-job.ts')).runStrategicJob(s),
};

const trainSchema: z.ZodType<TrainJobSpec> = z
  .object({
    scenario: z.string().min(1),
    overrides: z.array(z.string()),
    numEnvs: int(1),
    algo: z.enum(['ppo', 'reinforce']),
    config: z.record(z.string(), z.unknown()),
    backend: z.enum(['tensorflow', 'wasm', 'cpu']),
    out: z.string().startsWith('/', { error: 'the shared folder must be an absolute path' }),
    name: z.string().regex(/^[\w.-]+$/, { error: 'a folder name (letters, digits, _ . -)' }),
    token: z.string().min(1),
  })
  .strict();

const trainProcessor: JobProcessor<TrainJobSpec, TrainJobResult> = {
  schema: trainSchema,
  describe: (s) => `${s.name} ${s.algo} on ${s.scenario} (${s.out})`,
  // The trainer (tfjs) loads with the first train job.
  run: async (s) => (await import('./train-job.ts')).runTrainJob(s),
};

const evalSchema: z.ZodType<EvalJobSpec> = z
  .object({
    run: z.string().startsWith('/', { error: 'the run folder must be an absolute path' }),
    runArg: z.string().min(1),
    out: z.string().startsWith('/', { error: 'the shared folder must be an absolute path' }),
    token: z.string().min(1),
    options: z
      .object({
        seeds: int(1),
        seedStart: int(0),
        scenario: z.string().min(1).optional(),
        set: z.array(z.string()).optional(),
        stochastic: z.boolean().optional(),
        other: z.enum(['reference', 'learned']),
        reference: z.enum(BASELINES),
        reps: int(1),
        exploit: z.boolean().optional(),
      })
      .strict(),
    backend: z.enum(['tensorflow', 'wasm', 'cpu']),
  })
  .strict();

const evalProcessor: JobProcessor<EvalJobSpec, EvalJobResult> = {
  schema: evalSchema,
  describe: (s) => `${s.runArg} (${s.options.seeds} seeds)`,
  // The trainer (tfjs) loads with the first eval job.
  run: async (s) => (await import('./eval-job.ts')).runEvalJob(s),
};

/** The kinds that run (see the header). */
const PROCESSORS: Partial<Record<JobKind, JobProcessor<unknown, unknown>>> = {
  cell: cellProcessor as unknown as JobProcessor<unknown, unknown>,
  exploit: exploitProcessor as unknown as JobProcessor<unknown, unknown>,
  strategic: strategicProcessor as unknown as JobProcessor<unknown, unknown>,
  train: trainProcessor as unknown as JobProcessor<unknown, unknown>,
  eval: evalProcessor as unknown as JobProcessor<unknown, unknown>,
};

function processorOf(kind: unknown): JobProcessor<unknown, unknown> {
  if (typeof kind !== 'string' || !(JOB_KINDS as readonly string[]).includes(kind)) {
    throw new JobSpecError(
      `unknown job kind ${JSON.stringify(kind)}: expected one of ${JOB_KINDS.join(', ')}`,
    );
  }
  const p = PROCESSORS[kind as JobKind];
  if (!p) {
    throw new JobSpecError(
      `job kind '${kind}' is not implemented on the queue yet (only ${Object.keys(PROCESSORS).join(', ')}): run it in this process`,
    );
  }
  return p;
}

/** The spec of a job, checked against its kind's schema; throws a JobSpecError naming each bad field. */
export function validateJob<S>(job: JobInput<S>): JobInput<S> {
  const p = processorOf(job.kind);
  const r = p.schema.safeParse(job.spec);
  if (!r.success) {
    const issues = r.error.issues.map(
      (i) => `${i.path.length > 0 ? i.path.join('.') : '(spec)'}: ${i.message}`,
    );
    throw new JobSpecError(`${job.kind} job spec does not validate: ${issues.join('; ')}`);
  }
  return job;
}

/** A short human name of a job, e.g. `cell summary tiny seed 3`. */
export function describeJob(job: JobInput): string {
  try {
    return `${job.kind} ${processorOf(job.kind).describe(job.spec)}`;
  } catch {
    return String(job.kind);
  }
}

/** Run a job in this thread (its spec is trusted: validate first when it came from outside). */
export function runJob(job: JobInput): unknown | Promise<unknown> {
  return processorOf(job.kind).run(job.spec);
}
