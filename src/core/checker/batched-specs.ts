/**
 * The static checks of a batched, role-grouped environment (`BatchedEnv` in
 * `batched.ts`, the view the trainer uses): its structure and role specs,
 * which the trainer sizes every buffer and network from. There is no
 * Gymnasium / PettingZoo counterpart of this contract; these follow
 * Gymnasium's `check_space` in spirit.
 */
import type { ActionSpec, BatchedEnv } from '../batched.ts';
import { describe, isArrayLike } from '../validate.ts';
import { isPlainObject } from './data.ts';
import { ensureMethods, type Recorder } from './report.ts';

/**
 * Check `env-structure`: the env has `reset`, `step`, `state` and `close`,
 * a non-empty `roles` array and a `stateDim` that is a non-negative integer.
 */
export function checkBatchedEnvStructure(rec: Recorder, env: BatchedEnv): void {
  ensureMethods(rec, env, ['reset', 'step', 'state', 'close'], 'BatchedEnv from src/core/batched.ts');
  const roles = env.roles;
  rec.ensure(
    Array.isArray(roles) && roles.length > 0,
    'env-structure',
    () =>
      `env.roles must be a non-empty array of RoleSpec (one per role the learner plays), got ${describe(roles)}.`,
  );
  rec.ensure(
    Number.isSafeInteger(env.stateDim) && env.stateDim >= 0,
    'env-structure',
    () =>
      `env.stateDim must be a non-negative integer (the length of state(); 0 without a global state), got ${describe(env.stateDim)}.`,
  );
  rec.pass('env-structure');
}

/** A positive safe integer (a count or a width). */
function isPositiveInteger(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x > 0;
}

/** The `roles-valid` checks of one role's ActionSpec (see `checkRolesValid`). */
function checkActionSpec(rec: Recorder, action: ActionSpec, role: string): void {
  const check = 'roles-valid';
  rec.ensure(
    isPlainObject(action),
    check,
    () =>
      `role ${JSON.stringify(role)}: action must be an ActionSpec ({ kind: 'box' | 'discrete', ... }), got ${describe(action)}.`,
  );
  if (action.kind === 'discrete') {
    rec.ensure(
      isPositiveInteger(action.n),
      check,
      () =>
        `role ${JSON.stringify(role)}: a discrete action needs n, the number of choices, an integer >= 1, got ${describe(action.n)}.`,
    );
    return;
  }
  rec.ensure(
    action.kind === 'box',
    check,
    () =>
      `role ${JSON.stringify(role)}: action.kind must be 'box' or 'discrete', got ${describe(action.kind)}.`,
  );
  const { dim, low, high } = action;
  rec.ensure(
    isPositiveInteger(dim),
    check,
    () =>
      `role ${JSON.stringify(role)}: a box action needs dim, its width, a positive integer, got ${describe(dim)}.`,
  );
  for (const [name, bound] of [
    ['low', low],
    ['high', high],
  ] as const) {
    rec.ensure(
      isArrayLike(bound) && bound.length === dim,
      check,
      () =>
        `role ${JSON.stringify(role)}: action.${name} must be a Float32Array of dim = ${dim} bounds, got ${describe(bound)}.`,
    );
  }
  for (let j = 0; j < dim; j++) {
    rec.ensure(
      low[j] <= high[j],
      check,
      () =>
        `role ${JSON.stringify(role)}: action bound ${j} has low ${low[j]} > high ${high[j]} (or NaN): ` +
        'give numbers with low <= high, the range the env clips actions to.',
    );
    if (!Number.isFinite(low[j]) || !Number.isFinite(high[j])) {
      rec.warn(
        `Role ${JSON.stringify(role)} has an infinite action bound; give finite bounds if actions are bounded.`,
      );
    }
  }
}

/**
 * Check `roles-valid`: every RoleSpec has a unique, non-empty name, a positive
 * integer `count` and `obsDim`, and a valid action (a box of `dim` with
 * `low <= high` of length `dim`, or discrete with `n >= 1`). The trainer sizes
 * every buffer and network from these specs (as Gymnasium's `check_space`
 * checks a space before anything samples from it).
 */
export function checkRolesValid(rec: Recorder, env: BatchedEnv): void {
  const check = 'roles-valid';
  const seen = new Set<string>();
  for (const spec of env.roles) {
    rec.ensure(
      isPlainObject(spec),
      check,
      () => `every entry of env.roles must be a RoleSpec, got ${describe(spec)}.`,
    );
    const { name, count, obsDim } = spec;
    rec.ensure(
      typeof name === 'string' && name.length > 0,
      check,
      () => `a role's name must be a non-empty string (e.g. 'operator'), got ${describe(name)}.`,
    );
    rec.ensure(
      !seen.has(name),
      check,
      () => `two roles are named ${JSON.stringify(name)}: role names key every record, make them unique.`,
    );
    seen.add(name);
    rec.ensure(
      isPositiveInteger(count),
      check,
      () =>
        `role ${JSON.stringify(name)}: count, its number of slots, must be a positive integer, got ${describe(count)}.`,
    );
    rec.ensure(
      isPositiveInteger(obsDim),
      check,
      () =>
        `role ${JSON.stringify(name)}: obsDim, the width of one slot's observation, must be a positive integer, got ${describe(obsDim)}.`,
    );
    checkActionSpec(rec, spec.action, name);
  }
  rec.pass(check);
}
