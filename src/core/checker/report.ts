/**
 * What every check consumes and produces: the env types the checkers accept,
 * the factory, the `Recorder` that a check reports to, the `EnvCheckError` it
 * throws and the `CheckReport` a checker returns.
 */
import type { Env, ParallelEnv } from '../env.ts';
import type { Space } from '../spaces/space.ts';

// biome-ignore lint/suspicious/noExplicitAny: the checker works on any env
export type AnyEnv = Env<any, any>;
// biome-ignore lint/suspicious/noExplicitAny: the checker works on any env
export type AnyParallelEnv = ParallelEnv<string, any, any>;
// biome-ignore lint/suspicious/noExplicitAny: any space
export type AnySpace = Space<any>;

/** Builds a fresh environment; `renderMode` is passed when the checker tests a declared render mode. */
export type EnvFactory<E> = (opts?: { renderMode?: string }) => E;

/** A failed environment check. `check` names it (e.g. `'reset-seed'`). */
export class EnvCheckError extends Error {
  constructor(
    readonly check: string,
    message: string,
  ) {
    super(`[${check}] ${message}`);
    this.name = 'EnvCheckError';
  }
}

/** What a successful check returns. */
export interface CheckReport {
  /** Names of the checks that passed, in order. */
  passed: string[];
  /** Problems that do not break the contract but probably deserve a look. */
  warnings: string[];
}

/**
 * Where the checks of one checker run report to: a failure throws an
 * `EnvCheckError` at once (as Gymnasium's `check_env` raises), a pass and a
 * warning are recorded in `report` (a warning once, however often it comes).
 */
export class Recorder {
  readonly report: CheckReport = { passed: [], warnings: [] };

  fail(check: string, message: string): never {
    throw new EnvCheckError(check, message);
  }

  ensure(cond: unknown, check: string, message: () => string): asserts cond {
    if (!cond) this.fail(check, message());
  }

  pass(check: string): void {
    this.report.passed.push(check);
  }

  warn(message: string): void {
    if (!this.report.warnings.includes(message)) this.report.warnings.push(message);
  }
}

/**
 * The first part of `env-structure`: `env` has each method of `methods`; `implement` names the
 * interface the message points to, e.g. `Env from src/core/env.ts`.
 */
export function ensureMethods<E>(
  rec: Recorder,
  env: E,
  methods: readonly (keyof E & string)[],
  implement: string,
): void {
  for (const m of methods) {
    rec.ensure(
      typeof env?.[m] === 'function',
      'env-structure',
      () => `the environment has no ${m}() method; implement ${implement}.`,
    );
  }
}
