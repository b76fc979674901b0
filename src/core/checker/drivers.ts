/**
 * Environment checkers: the contracts of `env.ts` and `batched.ts` turned into
 * checks any environment can be run through. Each checker is a driver that
 * runs named checks in order, as Gymnasium's `utils/env_checker.check_env`
 * does: `checkEnv` ports `check_env` (with the passive checks of
 * `passive_env_checker`); `checkParallelEnv` ports PettingZoo's
 * `test/parallel_api_test` and `test/seed_test`; `checkBatchedEnv` checks the
 * batched, role-grouped contract the trainer uses.
 *
 * All take an environment or, better, a factory: a factory lets the checker
 * build fresh copies (step-before-reset on a new env, determinism across two
 * instances, every declared render mode). Given an instance of an `Env` or a
 * `ParallelEnv`, it must be freshly constructed (never reset). The checker
 * closes what it checks, and it reseeds action spaces (agent i's with 42 + i,
 * as PettingZoo's seed test does; the batched checker draws its actions from
 * its own generator seeded with 42).
 *
 * A failed check throws an `EnvCheckError` that names the check, says what went
 * wrong and how to fix it. On success a `CheckReport` lists the checks passed
 * and the warnings (things Gymnasium / PettingZoo only warn about).
 */
import type { BatchedEnv } from '../batched.ts';
import { checkBatchedRollout } from './batched-rollout.ts';
import { checkBatchedEnvStructure, checkRolesValid } from './batched-specs.ts';
import {
  checkActionsClipped,
  checkBatchedDeterminism,
  checkBatchedResetSeed,
  checkBatchedSeedSensitivity,
} from './batched-seed.ts';
import { checkCloseTwice, checkStepBeforeReset } from './lifecycle.ts';
import {
  checkParallelApi,
  checkParallelEnvStructure,
  checkParallelResetOptions,
  checkParallelSpaces,
  checkParallelStepBeforeReset,
  seedActionSpaces,
} from './parallel-api.ts';
import { checkParallelDeterminism, checkParallelSeedSensitivity } from './parallel-seed.ts';
import { checkRender } from './render.ts';
import { type AnyEnv, type AnyParallelEnv, type CheckReport, type EnvFactory, Recorder } from './report.ts';
import {
  checkEnvStructure,
  checkResetOptions,
  checkResetReturn,
  checkResetSeed,
  checkSeedSensitivity,
  checkSpacesStable,
  checkSpacesValid,
  checkStepDeterminism,
  checkStepReturn,
} from './single-agent.ts';

/** Options of `checkEnv`. */
export interface CheckEnvOptions {
  /**
   * Skip the checks of `render()` and of the declared render modes.
   * @default false
   */
  skipRenderCheck?: boolean;
  /**
   * Steps of each seeded rollout of the determinism checks (episodes that end
   * are continued with `reset()`).
   * @default 50
   */
  numSteps?: number;
  /**
   * Declare that the environment has no randomness at all: different seeds may
   * then give identical trajectories. Otherwise that is an error (the env most
   * likely ignores its seed).
   * @default false
   */
  deterministic?: boolean;
}

/** Options of `checkParallelEnv`. */
export interface CheckParallelEnvOptions {
  /**
   * Maximum steps of each of the two API-test episodes (PettingZoo's `num_cycles`).
   * @default 1000
   */
  numCycles?: number;
  /**
   * Steps after each of the seeds 0, 1, 2 in the determinism checks (PettingZoo's `seed_test`).
   * @default 10
   */
  seedCycles?: number;
  /** As in `checkEnv`. @default false */
  deterministic?: boolean;
  /** As in `checkEnv`. @default false */
  skipRenderCheck?: boolean;
}

/** Options of `checkBatchedEnv`. */
export interface CheckBatchedEnvOptions {
  /**
   * Steps of each seeded rollout (same-step autoreset continues across
   * episode ends); make it longer than an episode so that `finalObs` is checked.
   * @default 50
   */
  numSteps?: number;
  /**
   * Declare that the environment has no randomness given the actions: the
   * warning for identical rollouts from different seeds is then dropped.
   * @default false
   */
  deterministic?: boolean;
}

/** The env to check, and the factory when one was given. */
function resolve<E>(envOrFactory: E | EnvFactory<E>): { env: E; factory?: EnvFactory<E> } {
  if (typeof envOrFactory !== 'function') return { env: envOrFactory };
  const factory = envOrFactory as EnvFactory<E>;
  return { env: factory(), factory };
}

/**
 * Check that a single-agent environment follows the Gymnasium contract of
 * `env.ts`; throws `EnvCheckError` on the first failure.
 *
 * @param envOrFactory A freshly constructed env, or (better) a factory.
 */
export function checkEnv(
  envOrFactory: AnyEnv | EnvFactory<AnyEnv>,
  options: CheckEnvOptions = {},
): CheckReport {
  const rec = new Recorder();
  const { env, factory } = resolve(envOrFactory);
  const numSteps = options.numSteps ?? 50;
  checkEnvStructure(rec, env);
  checkSpacesStable(rec, env);
  checkSpacesValid(rec, env);
  env.actionSpace.seed(42);
  checkStepBeforeReset(rec, () => env.step(env.actionSpace.sample()));
  checkResetReturn(rec, env);
  checkResetSeed(rec, env);
  checkResetOptions(rec, env);
  const t1 = checkStepReturn(rec, env, numSteps);
  checkStepDeterminism(rec, env, factory, t1, numSteps);
  checkSeedSensitivity(rec, env, t1, numSteps, options.deterministic);
  if (!options.skipRenderCheck) {
    checkRender(rec, env, factory, { showIgnoredMode: false, warnUntriedModes: true });
  }
  checkCloseTwice(rec, env);
  return rec.report;
}

/**
 * Check that a multi-agent environment follows PettingZoo's parallel contract
 * (`ParallelEnv` in `env.ts`); throws `EnvCheckError` on the first failure.
 *
 * @param envOrFactory A freshly constructed env, or (better) a factory.
 */
export function checkParallelEnv(
  envOrFactory: AnyParallelEnv | EnvFactory<AnyParallelEnv>,
  options: CheckParallelEnvOptions = {},
): CheckReport {
  const rec = new Recorder();
  const { env, factory } = resolve(envOrFactory);
  const numCycles = options.numCycles ?? 1000;
  const seedCycles = options.seedCycles ?? 10;
  checkParallelEnvStructure(rec, env);
  checkParallelSpaces(rec, env);
  seedActionSpaces(env);
  checkParallelStepBeforeReset(rec, env);
  checkParallelResetOptions(rec, env);
  checkParallelApi(rec, env, numCycles);
  checkParallelDeterminism(rec, env, factory, seedCycles);
  checkParallelSeedSensitivity(rec, env, seedCycles, options.deterministic);
  if (!options.skipRenderCheck) {
    const renderable = env as AnyParallelEnv & { renderMode?: string };
    const renderFactory = factory as EnvFactory<AnyParallelEnv & { renderMode?: string }> | undefined;
    checkRender(rec, renderable, renderFactory, { showIgnoredMode: true, warnUntriedModes: false });
  }
  checkCloseTwice(rec, env);
  return rec.report;
}

/**
 * Check that a batched, role-grouped environment follows the contract of
 * `batched.ts` (the view the trainer uses); throws `EnvCheckError` on the
 * first failure. Runs, in order: `env-structure`, `roles-valid`, a rollout
 * checking `reset-return`, `step-return`, `inactive-reward`, `final-obs` and
 * `state`, then `reset-seed`, `determinism` (with a factory),
 * `seed-sensitivity` (a warning when it fails), `actions-clipped` (with a box
 * role) and `close`.
 *
 * @param envOrFactory An env, or (better) a factory, so that two instances can be compared.
 */
export function checkBatchedEnv(
  envOrFactory: BatchedEnv | EnvFactory<BatchedEnv>,
  options: CheckBatchedEnvOptions = {},
): CheckReport {
  const rec = new Recorder();
  const { env, factory } = resolve(envOrFactory);
  const numSteps = options.numSteps ?? 50;
  checkBatchedEnvStructure(rec, env);
  checkRolesValid(rec, env);
  const t1 = checkBatchedRollout(rec, env, numSteps);
  checkBatchedResetSeed(rec, env, t1, numSteps);
  checkBatchedDeterminism(rec, factory, t1, numSteps);
  checkBatchedSeedSensitivity(rec, env, t1, numSteps, options.deterministic);
  checkActionsClipped(rec, env, numSteps);
  checkCloseTwice(rec, env);
  return rec.report;
}
