/**
 * The checks of a single-agent environment (`Env` in `env.ts`), one function
 * each, in the order `checkEnv` runs them. Ports of Gymnasium's
 * `utils/env_checker` (`check_reset_return_type`, `check_reset_seed_determinism`,
 * `check_reset_options`, `check_step_determinism`) with the passive checks of
 * `passive_env_checker` run on every reset and step.
 */
import { describe } from '../validate.ts';
import { dataEquivalent, isPlainObject, sameOnEveryCall, snapshot } from './data.ts';
import { checkFlag, checkInfo, checkObs, checkReward, checkSpace } from './passive.ts';
import { type AnyEnv, type EnvFactory, ensureMethods, type Recorder } from './report.ts';
import { checkSeedsDiffer } from './seed-sensitivity.ts';

/**
 * Check `env-structure`: the env has `reset`, `step`, `render` and `close`
 * methods (Gymnasium's `check_env` asserts that the env is a `gymnasium.Env`).
 */
export function checkEnvStructure(rec: Recorder, env: AnyEnv): void {
  ensureMethods(rec, env, ['reset', 'step', 'render', 'close'], 'Env from src/core/env.ts');
  rec.pass('env-structure');
}

/**
 * Check `spaces-stable`: `observationSpace` and `actionSpace` return the same
 * object on every access. Not in Gymnasium, where spaces are attributes; here
 * they may be getters, and a getter that builds a new space loses its seed.
 */
export function checkSpacesStable(rec: Recorder, env: AnyEnv): void {
  rec.ensure(
    sameOnEveryCall(() => env.observationSpace) && sameOnEveryCall(() => env.actionSpace),
    'spaces-stable',
    () =>
      'observationSpace / actionSpace return a new object on every access: build the spaces once (in the constructor) ' +
      'and return the same objects, so that seeding a space sticks.',
  );
  rec.pass('spaces-stable');
}

/**
 * Check `spaces-valid`: both spaces are well-formed (`checkSpace`; Gymnasium's
 * `check_observation_space`, `check_action_space` and `check_space_limit`).
 */
export function checkSpacesValid(rec: Recorder, env: AnyEnv): void {
  checkSpace(rec, env.observationSpace, 'observation');
  checkSpace(rec, env.actionSpace, 'action');
  rec.pass('spaces-valid');
}

/**
 * Check `reset-return`: `reset()` returns `{ observation, info }`, the
 * observation in its space and the info a plain object. Ports Gymnasium's
 * `check_reset_return_type`.
 */
export function checkResetReturn(rec: Recorder, env: AnyEnv): void {
  const r0 = env.reset();
  rec.ensure(
    isPlainObject(r0) && 'observation' in r0 && 'info' in r0,
    'reset-return',
    () => `reset() must return { observation, info }, got ${describe(r0)}.`,
  );
  checkObs(rec, r0.observation, env.observationSpace, 'reset()');
  checkInfo(rec, r0.info, 'reset()');
  rec.pass('reset-return');
}

/**
 * Check `reset-seed`: `reset({ seed: 123 })` twice gives the same observation,
 * and seeded observations are in the space. Ports Gymnasium's
 * `check_reset_seed_determinism`: without it no experiment can be repeated.
 */
export function checkResetSeed(rec: Recorder, env: AnyEnv): void {
  const obsSpace = env.observationSpace;
  const o1 = snapshot(env.reset({ seed: 123 }).observation);
  checkObs(rec, o1, obsSpace, 'reset({ seed: 123 })');
  const o2 = snapshot(env.reset({ seed: 123 }).observation);
  rec.ensure(
    dataEquivalent(o1, o2),
    'reset-seed',
    () =>
      `reset({ seed: 123 }) twice gave different observations (${describe(o1)} vs ${describe(o2)}): reseed the ` +
      "env's Rng from opts.seed in reset, and draw every random number from it (never Math.random).",
  );
  checkObs(rec, env.reset({ seed: 456 }).observation, obsSpace, 'reset({ seed: 456 })');
  rec.pass('reset-seed');
}

/** Check `reset-options`: `reset({ options: {} })` is accepted. Ports Gymnasium's `check_reset_options`. */
export function checkResetOptions(rec: Recorder, env: AnyEnv): void {
  try {
    env.reset({ options: {} });
  } catch (e) {
    rec.fail(
      'reset-options',
      `reset({ options: {} }) threw: ${(e as Error).message}. Accept (and ignore unknown) options.`,
    );
  }
  rec.pass('reset-options');
}

/**
 * A seeded rollout: `reset({ seed })`, then `numSteps` steps with actions
 * sampled from the action space seeded with 42 (episodes that end continue with
 * `reset()`), returning a copy of everything observed. Every step is checked
 * as Gymnasium's `env_step_passive_checker` does (`step-return`, and the
 * passive checks of what it returns).
 */
export function rolloutEnv(rec: Recorder, e: AnyEnv, seed: number, numSteps: number): unknown[] {
  const traj: unknown[] = [];
  const space = e.actionSpace;
  space.seed(42);
  const first = e.reset({ seed });
  traj.push(snapshot(first.observation));
  for (let k = 0; k < numSteps; k++) {
    const where = `step() (seed ${seed}, step ${k})`;
    const r = e.step(space.sample());
    rec.ensure(isPlainObject(r), 'step-return', () => `step() must return an object, got ${describe(r)}.`);
    for (const f of ['observation', 'reward', 'terminated', 'truncated', 'info']) {
      rec.ensure(
        f in r,
        'step-return',
        () => `step() must return { observation, reward, terminated, truncated, info }; ${f} is missing.`,
      );
    }
    checkObs(rec, r.observation, e.observationSpace, where);
    checkReward(rec, r.reward, where);
    checkFlag(rec, r.terminated, 'terminated', where);
    checkFlag(rec, r.truncated, 'truncated', where);
    checkInfo(rec, r.info, where);
    traj.push(snapshot(r.observation), r.reward, r.terminated, r.truncated);
    if (r.terminated || r.truncated) {
      const again = e.reset();
      checkObs(rec, again.observation, e.observationSpace, 'reset()');
      traj.push('reset', snapshot(again.observation));
    }
  }
  return traj;
}

/**
 * Check `step-return` (and the passive checks) along a rollout from seed 123,
 * returning its trajectory for the determinism checks.
 */
export function checkStepReturn(rec: Recorder, env: AnyEnv, numSteps: number): unknown[] {
  const t1 = rolloutEnv(rec, env, 123, numSteps);
  rec.pass('step-return');
  return t1;
}

/**
 * Check `determinism`: a second rollout from seed 123 with the same actions
 * repeats `t1`, on the same env and (given a factory) on a fresh one. Ports
 * Gymnasium's `check_step_determinism`; the second instance catches random
 * state shared between envs (a module-level generator, `Math.random`).
 */
export function checkStepDeterminism(
  rec: Recorder,
  env: AnyEnv,
  factory: EnvFactory<AnyEnv> | undefined,
  t1: unknown[],
  numSteps: number,
): void {
  const t2 = rolloutEnv(rec, env, 123, numSteps);
  rec.ensure(
    dataEquivalent(t1, t2),
    'determinism',
    () =>
      'two rollouts after reset({ seed: 123 }) with the same actions differ: some state survives reset, or a random ' +
      "draw does not go through the env's seeded Rng.",
  );
  if (factory) {
    const other = factory();
    const t3 = rolloutEnv(rec, other, 123, numSteps);
    other.close();
    rec.ensure(
      dataEquivalent(t1, t3),
      'determinism',
      () =>
        'two env instances reset with seed 123 behave differently: the env uses a global or shared random state.',
    );
  }
  rec.pass('determinism');
}

/**
 * Check `seed-sensitivity`: a rollout from seed 456 differs from `t1` (seed
 * 123), unless the env is declared `deterministic` (see `checkSeedsDiffer`).
 */
export function checkSeedSensitivity(
  rec: Recorder,
  env: AnyEnv,
  t1: unknown[],
  numSteps: number,
  deterministic: boolean | undefined,
): void {
  checkSeedsDiffer(rec, t1, rolloutEnv(rec, env, 456, numSteps), numSteps, deterministic);
}
