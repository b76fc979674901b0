/**
 * Passive checks of what an environment declares and returns, shared by the
 * single-agent and the parallel checkers: they look at a value and never call
 * the env. Ports of Gymnasium's `utils/passive_env_checker` (`check_space`,
 * `check_obs`, the value checks of `env_step_passive_checker`) and of
 * `env_checker.check_space_limit`.
 */
import { Box } from '../spaces/box.ts';
import { Dict } from '../spaces/dict.ts';
import { Discrete } from '../spaces/discrete.ts';
import { MultiBinary } from '../spaces/multi-binary.ts';
import { MultiDiscrete } from '../spaces/multi-discrete.ts';
import { Tuple } from '../spaces/tuple.ts';
import { describe } from '../validate.ts';
import { isPlainObject } from './data.ts';
import type { AnySpace, Recorder } from './report.ts';

function isSpace(x: unknown): x is AnySpace {
  const s = x as Partial<AnySpace> | null;
  return (
    !!s &&
    typeof s.contains === 'function' &&
    typeof s.sample === 'function' &&
    typeof s.seed === 'function' &&
    typeof s.toJSON === 'function'
  );
}

/**
 * Check `spaces-valid`: `space` is a Space that contains its own samples, with
 * warnings for Box bounds that are infinite, degenerate (low == high) or, for
 * actions, not normalised, and for custom spaces. Ports Gymnasium's
 * `check_space` and `check_space_limit`; an env whose space rejects its own
 * samples cannot be stepped with sampled actions at all.
 */
export function checkSpace(rec: Recorder, space: unknown, what: string): void {
  const check = 'spaces-valid';
  rec.ensure(
    isSpace(space),
    check,
    () =>
      `the ${what} space is not a Space (needs contains, sample, seed, toJSON), got ${describe(space)}. ` +
      'Use the classes of src/core/spaces.',
  );
  if (space instanceof Box) {
    if (
      space.low.some((v) => v === Number.NEGATIVE_INFINITY) ||
      space.high.some((v) => v === Number.POSITIVE_INFINITY)
    ) {
      rec.warn(`A Box ${what} space has infinite bounds; give finite bounds if the values are bounded.`);
    }
    for (let i = 0; i < space.size; i++) {
      if (space.low[i] === space.high[i]) rec.warn(`A Box ${what} space has low == high at entry ${i}.`);
    }
    if (what.startsWith('action') && space.shape.length === 1) {
      const normalized = space.low.every(
        (lo, i) => (lo === 0 || Math.abs(lo) === Math.abs(space.high[i])) && lo >= -1 && space.high[i] <= 1,
      );
      if (!normalized) {
        rec.warn(
          `For Box ${what} spaces a symmetric, normalised range ([-1, 1] or [0, 1]) is recommended; see RescaleAction.`,
        );
      }
    }
  } else if (space instanceof Dict) {
    for (const k of space.keys) checkSpace(rec, space.spaces[k], `${what}.${k}`);
  } else if (space instanceof Tuple) {
    space.spaces.forEach((s: unknown, i: number) => {
      checkSpace(rec, s, `${what}[${i}]`);
    });
  } else if (!(space instanceof Discrete || space instanceof MultiDiscrete || space instanceof MultiBinary)) {
    rec.warn(
      `The ${what} space is a custom Space (${describe(space.toJSON())}); only its contains/sample are checked.`,
    );
  }
  const x = space.sample();
  rec.ensure(
    space.contains(x),
    check,
    () =>
      `the ${what} space does not contain its own sample ${describe(x)}: its contains() or sample() is wrong.`,
  );
}

/**
 * Check `observation-in-space`: `obs` (returned by `where`) is in its space,
 * with a warning when its array type does not match the space's dtype. Ports
 * Gymnasium's `check_obs`, where containment is only a warning: here it is an
 * error, since a policy trained on the space's bounds sees values outside them.
 */
export function checkObs(rec: Recorder, obs: unknown, space: AnySpace, where: string): void {
  if (space instanceof Box) {
    const Expected =
      space.dtype === 'float64' ? Float64Array : space.dtype === 'int32' ? Int32Array : Float32Array;
    if (!(obs instanceof Expected)) {
      rec.warn(
        `The observation returned by ${where} should be a ${Expected.name} (Box dtype ${space.dtype}), got ${describe(obs)}.`,
      );
    }
  } else if (space instanceof MultiDiscrete && !(obs instanceof Int32Array)) {
    rec.warn(`The observation returned by ${where} should be an Int32Array, got ${describe(obs)}.`);
  } else if (space instanceof MultiBinary && !(obs instanceof Uint8Array)) {
    rec.warn(`The observation returned by ${where} should be a Uint8Array, got ${describe(obs)}.`);
  }
  if (!space.contains(obs)) {
    let detail = '';
    if (space instanceof Box && obs && typeof obs === 'object' && 'length' in obs) {
      const arr = obs as ArrayLike<number>;
      if (arr.length !== space.size) detail = ` It has ${arr.length} entries, the space ${space.size}.`;
      else {
        for (let i = 0; i < arr.length; i++) {
          const v = arr[i];
          if (!(v >= space.low[i] && v <= space.high[i] && Number.isFinite(v))) {
            detail = ` Entry ${i} is ${v}, outside [${space.low[i]}, ${space.high[i]}].`;
            break;
          }
        }
      }
    }
    rec.fail(
      'observation-in-space',
      `the observation returned by ${where} is not in the observation space ${JSON.stringify(space.toJSON())}: ` +
        `${describe(obs)}.${detail} Clip or fix the observation, or widen the space.`,
    );
  }
}

/** Check `info-type`: an info is a plain object (Gymnasium's `env_step_passive_checker` asserts a dict). */
export function checkInfo(rec: Recorder, info: unknown, where: string): void {
  rec.ensure(
    isPlainObject(info),
    'info-type',
    () => `the info returned by ${where} must be a plain object, got ${describe(info)}.`,
  );
}

/**
 * Check `reward-finite`: a reward is a finite number. Gymnasium's
 * `env_step_passive_checker` warns on NaN and inf; here it is an error, since
 * one NaN reward poisons every return and gradient computed from it.
 */
export function checkReward(rec: Recorder, reward: unknown, where: string): void {
  rec.ensure(
    typeof reward === 'number' && Number.isFinite(reward),
    'reward-finite',
    () =>
      `the reward returned by ${where} must be a finite number, got ${describe(reward)}. Check for 0/0 or overflow.`,
  );
}

/**
 * Check `done-flags`: `terminated` / `truncated` are booleans (a warning in
 * Gymnasium's `env_step_passive_checker`; an error here, since `0`, `1` and
 * `undefined` read differently in `if` and in `===`).
 */
export function checkFlag(rec: Recorder, flag: unknown, name: string, where: string): void {
  rec.ensure(
    typeof flag === 'boolean',
    'done-flags',
    () =>
      `${name} returned by ${where} must be a boolean, got ${describe(flag)}. Return true/false, not 0/1 or undefined.`,
  );
}
