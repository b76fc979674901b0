/**
 * The kinds of job (README "Sweeps on several machines"): a job is a pure
 * function of its spec, so its result is content-addressed by the spec (and
 * the code version, experiments/jobs/spec.ts) and a job may run anywhere, and
 * twice, without harm.
 *
 * Each kind has a zod schema for its spec (checked before a job is enqueued
 * and again by the worker that runs it) and a processor: spec in, a small
 * JSON-able result out. Implemented: `cell` (one simulator cell of a sweep,
 * experiments/lib/cells.ts) and `exploit` (a best response against a baseline
 * population, experiments/exploit.ts; the scenario travels whole, so no file
 * is needed on the worker). `train` and `eval` are reserved: they take or make
 * a run folder, and since a checkpoint is too large to travel as a job result
 * (`MAX_RESULT_BYTES`), their inputs and outputs would live in a folder every
 * machine shares, the result naming the files (and so would an `exploit` of a
 * learned population, which runs on the coordinator today).
 */
import { z } from 'zod';
import { BASELINES } from '../../envs/network/baseline-names.ts';
import { parseScenario } from '../../src/sim/scenario.ts';
import type { ExploitResult } from '../exploit.ts';
import { BASELINE_POPULATION, type CellResult, type CellSpec, computeBaselineCell } from '../lib/cells.ts';
import type { ExploitJobSpec } from './exploit-job.ts';

/** Every kind a job may have; only those in `PROCESSORS` run today. */
export const JOB_KINDS = ['cell', 'train', 'eval', 'exploit'] as const;
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

/** The kinds that run; the others are reserved (see the header). */
const PROCESSORS: Partial<Record<JobKind, JobProcessor<unknown, unknown>>> = {
  cell: cellProcessor as unknown as JobProcessor<unknown, unknown>,
  exploit: exploitProcessor as unknown as JobProcessor<unknown, unknown>,
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
