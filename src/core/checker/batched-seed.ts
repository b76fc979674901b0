/**
 * The seeding and robustness checks of a batched environment, in the order
 * `checkBatchedEnv` runs them: `reset(seed)` reproduces, two instances agree,
 * seeds matter, out-of-bounds box actions are clipped. They follow Gymnasium's
 * `check_reset_seed_determinism` / `check_step_determinism` and PettingZoo's
 * `seed_test`, on the rollouts of batched-rollout.ts.
 */
import type { BatchedEnv } from '../batched.ts';
import { dataEquivalent } from './data.ts';
import { clipActions, randomActions, rolloutBatched } from './batched-rollout.ts';
import { reason } from './batched-values.ts';
import { EnvCheckError, type EnvFactory, type Recorder } from './report.ts';

/**
 * Check `reset-seed`: a second rollout on the same env from `reset(123)` with
 * the same actions repeats `t1`. Without it the trainer's seeds do not make a
 * run repeatable.
 */
export function checkBatchedResetSeed(rec: Recorder, env: BatchedEnv, t1: unknown[], numSteps: number): void {
  const t2 = rolloutBatched(rec, env, 123, randomActions(env.roles, numSteps, 'valid')).trace;
  rec.ensure(
    dataEquivalent(t1, t2),
    'reset-seed',
    () =>
      'two rollouts after reset(123) on one env with the same actions differ: reset(seed) must reseed every generator ' +
      'the env draws from (e.g. this.rng = new Rng(seed)) and rebuild all episode state, so nothing survives it.',
  );
  rec.pass('reset-seed');
}

/**
 * Check `determinism`: given a factory, a fresh env reset with 123 and driven
 * with the same actions repeats `t1` (as PettingZoo's `parallel_seed_test`
 * compares two instances); catches random state shared between instances.
 * Without a factory it warns and does not pass.
 */
export function checkBatchedDeterminism(
  rec: Recorder,
  factory: EnvFactory<BatchedEnv> | undefined,
  t1: unknown[],
  numSteps: number,
): void {
  if (!factory) {
    rec.warn('Not able to compare two env instances: pass a factory (() => env) instead of an env.');
    return;
  }
  const other = factory();
  const t3 = rolloutBatched(rec, other, 123, randomActions(other.roles, numSteps, 'valid')).trace;
  other.close();
  rec.ensure(
    dataEquivalent(t1, t3),
    'determinism',
    () =>
      'two env instances reset with seed 123 and given the same actions behave differently: the env draws from a ' +
      'global or shared random state (Math.random, a module-level Rng) instead of its own seeded one.',
  );
  rec.pass('determinism');
}

/**
 * Check `seed-sensitivity`: a rollout from `reset(456)` differs from `t1`
 * (seed 123). Only a warning when it does not (unless the env is declared
 * `deterministic`): some batched envs are deterministic given the actions.
 */
export function checkBatchedSeedSensitivity(
  rec: Recorder,
  env: BatchedEnv,
  t1: unknown[],
  numSteps: number,
  deterministic: boolean | undefined,
): void {
  const t4 = rolloutBatched(rec, env, 456, randomActions(env.roles, numSteps, 'valid')).trace;
  if (!dataEquivalent(t1, t4)) rec.pass('seed-sensitivity');
  else if (!deterministic) {
    rec.warn(
      `Seeds 123 and 456 gave identical ${numSteps}-step rollouts: the env seems to ignore the seed of reset(seed). ` +
        'Reseed its Rng from it; if the env truly has no randomness, pass { deterministic: true }.',
    );
  }
}

/**
 * Check `actions-clipped`: box actions outside [low, high] are accepted and
 * act as the same actions clipped to the bounds (ActionSpec: "the env clips"),
 * comparing two rollouts from `reset(123)`. A policy's Gaussian samples fall
 * outside the bounds all the time. Not run (and not passed) without a box role.
 */
export function checkActionsClipped(rec: Recorder, env: BatchedEnv, numSteps: number): void {
  if (!env.roles.some((r) => r.action.kind === 'box')) return;
  const wide = randomActions(env.roles, numSteps, 'wide');
  const clipped = rolloutBatched(rec, env, 123, clipActions(env.roles, wide)).trace;
  const fix =
    'Clip each action entry to [low, high] in step() before using it (ActionSpec in src/core/batched.ts).';
  let raw: unknown[];
  try {
    raw = rolloutBatched(rec, env, 123, wide, (where, err) =>
      rec.fail(
        'actions-clipped',
        `${where} threw on box actions outside [low, high]: ${reason(err)}. ${fix}`,
      ),
    ).trace;
  } catch (e) {
    if (!(e instanceof EnvCheckError) || e.check === 'actions-clipped') throw e;
    // A check that passed on valid actions failed on out-of-bounds ones: the env used them unclipped.
    rec.fail(
      'actions-clipped',
      `with box actions outside [low, high], ${e.message.slice(e.check.length + 3)} ${fix}`,
    );
  }
  rec.ensure(
    dataEquivalent(clipped, raw),
    'actions-clipped',
    () =>
      `box actions outside [low, high] gave another rollout than the same actions clipped to the bounds. ${fix}`,
  );
  rec.pass('actions-clipped');
}
