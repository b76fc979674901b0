/**
 * The passive checks of what a batched environment returns, run on every
 * reset, step and `state()` of the batched checker's rollouts: sizes and types
 * of the flat arrays, finite numbers, the active masks, `finalObs` of slots
 * whose episode ended (same-step autoreset, `batched.ts`). They follow
 * Gymnasium's `passive_env_checker` and PettingZoo's `parallel_api_test` in
 * spirit, for flat arrays instead of records.
 */
import type { BatchedEnv, RoleObservation, RoleSpec, RoleTransition } from '../batched.ts';
import { describe } from '../validate.ts';
import { dataEquivalent, isPlainObject } from './data.ts';
import type { Recorder } from './report.ts';

/** The message of a thrown error, without its final period (to go inside a sentence). */
export function reason(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\.$/, '');
}

/** The index of the first entry of `arr` that is not finite, or -1. */
function firstNonFinite(arr: ArrayLike<number>): number {
  for (let i = 0; i < arr.length; i++) if (!Number.isFinite(arr[i])) return i;
  return -1;
}

/** The index of the first entry of `arr` that is neither 0 nor 1, or -1. */
function firstNotFlag(arr: ArrayLike<number>): number {
  for (let i = 0; i < arr.length; i++) if (arr[i] !== 0 && arr[i] !== 1) return i;
  return -1;
}

/** `arr` is a `Type` of `length` entries (the size and type the trainer reads). */
function ensureArray(
  rec: Recorder,
  check: string,
  arr: unknown,
  Type: typeof Float32Array | typeof Uint8Array,
  length: number,
  what: string,
  where: string,
): void {
  rec.ensure(
    arr instanceof Type && arr.length === length,
    check,
    () => `${what} returned by ${where} must be a ${Type.name} of ${length} entries, got ${describe(arr)}.`,
  );
}

/**
 * The checks of one role's `{ obs, active }` (from reset or step), under
 * `check`: `obs` a finite Float32Array of `count * obsDim`, `active` a
 * Uint8Array of `count` zeros and ones.
 */
export function checkRoleObservation(
  rec: Recorder,
  check: string,
  spec: RoleSpec,
  ro: RoleObservation,
  where: string,
): void {
  const name = JSON.stringify(spec.name);
  ensureArray(
    rec,
    check,
    ro.obs,
    Float32Array,
    spec.count * spec.obsDim,
    `obs of role ${name} (count x obsDim)`,
    where,
  );
  const bad = firstNonFinite(ro.obs);
  rec.ensure(
    bad < 0,
    check,
    () =>
      `obs of role ${name} returned by ${where} has ${ro.obs[bad]} at entry ${bad} (slot ${Math.floor(bad / spec.obsDim)}): ` +
      'observations must be finite; check for 0/0 or overflow in the features.',
  );
  ensureArray(rec, check, ro.active, Uint8Array, spec.count, `active of role ${name}`, where);
  const notFlag = firstNotFlag(ro.active);
  rec.ensure(
    notFlag < 0,
    check,
    () =>
      `active of role ${name} returned by ${where} has ${ro.active[notFlag]} at slot ${notFlag}: use 1 (live) or 0.`,
  );
}

/**
 * Check `reset-return`: `reset(seed)` returns `{ obs, active }` for every role
 * (`checkRoleObservation`), and warns when no slot is live.
 */
export function checkBatchedReset(
  rec: Recorder,
  env: BatchedEnv,
  seed: number,
): Record<string, RoleObservation> {
  const where = `reset(${seed})`;
  let out: Record<string, RoleObservation>;
  try {
    out = env.reset(seed);
  } catch (e) {
    rec.fail('reset-return', `${where} threw: ${reason(e)}. reset must accept a non-negative integer seed.`);
  }
  rec.ensure(
    isPlainObject(out),
    'reset-return',
    () => `${where} must return an object keyed by role name, got ${describe(out)}.`,
  );
  let live = 0;
  for (const spec of env.roles) {
    const ro = out[spec.name];
    rec.ensure(
      isPlainObject(ro),
      'reset-return',
      () =>
        `${where} returned no { obs, active } for role ${JSON.stringify(spec.name)}: return one for every role.`,
    );
    checkRoleObservation(rec, 'reset-return', spec, ro, where);
    for (const a of ro.active) live += a;
  }
  if (live === 0) rec.warn(`No slot is active after ${where}: nothing can act.`);
  return out;
}

/**
 * Check `step-return`: `step(actions)` returns a RoleTransition for every role:
 * `obs` and `active` as after reset, `rewards` a finite Float32Array of
 * `count`, `terminated` / `truncated` Uint8Arrays of `count` zeros and ones,
 * `finalObs` a Float32Array of `count * obsDim`.
 */
export function checkBatchedStepReturn(
  rec: Recorder,
  env: BatchedEnv,
  out: Record<string, RoleTransition>,
  where: string,
): void {
  const check = 'step-return';
  rec.ensure(
    isPlainObject(out),
    check,
    () => `${where} must return an object keyed by role name, got ${describe(out)}.`,
  );
  for (const spec of env.roles) {
    const name = JSON.stringify(spec.name);
    const tr = out[spec.name];
    rec.ensure(
      isPlainObject(tr),
      check,
      () => `${where} returned no RoleTransition for role ${name}: return one for every role.`,
    );
    checkRoleObservation(rec, check, spec, tr, where);
    ensureArray(rec, check, tr.rewards, Float32Array, spec.count, `rewards of role ${name}`, where);
    const bad = firstNonFinite(tr.rewards);
    rec.ensure(
      bad < 0,
      check,
      () =>
        `${where} gave slot ${bad} of role ${name} the reward ${tr.rewards[bad]}: rewards must be finite. Check for 0/0 or overflow.`,
    );
    for (const flag of ['terminated', 'truncated'] as const) {
      ensureArray(rec, check, tr[flag], Uint8Array, spec.count, `${flag} of role ${name}`, where);
      const notFlag = firstNotFlag(tr[flag]);
      rec.ensure(
        notFlag < 0,
        check,
        () =>
          `${flag} of role ${name} returned by ${where} has ${tr[flag][notFlag]} at slot ${notFlag}: use 1 or 0.`,
      );
    }
    ensureArray(
      rec,
      check,
      tr.finalObs,
      Float32Array,
      spec.count * spec.obsDim,
      `finalObs of role ${name}`,
      where,
    );
  }
}

/**
 * Check `inactive-reward`: a slot that was inactive before the step
 * (`activeBefore`) gets reward 0 (batched.ts: "0 for slots that did not act"),
 * and warns when it gets a done flag; the trainer would otherwise credit an
 * action nobody took.
 */
export function checkInactiveRewards(
  rec: Recorder,
  spec: RoleSpec,
  activeBefore: Uint8Array,
  tr: RoleTransition,
  where: string,
): void {
  for (let i = 0; i < spec.count; i++) {
    if (activeBefore[i]) continue;
    rec.ensure(
      tr.rewards[i] === 0,
      'inactive-reward',
      () =>
        `slot ${i} of role ${JSON.stringify(spec.name)} was inactive before ${where} but got reward ${tr.rewards[i]}: ` +
        'give 0 to slots that did not act (the trainer ignores their actions).',
    );
    if (tr.terminated[i] || tr.truncated[i]) {
      rec.warn(
        `A slot of role ${JSON.stringify(spec.name)} that was inactive before the step has terminated/truncated set: ` +
          'flag a slot only on the step its episode ends.',
      );
    }
  }
}

/**
 * Check `final-obs`: the `finalObs` rows of slots whose episode ended on the
 * step are finite; returns how many such slots there were. With same-step
 * autoreset the trainer bootstraps truncated episodes from these rows only.
 */
export function checkFinalObs(rec: Recorder, spec: RoleSpec, tr: RoleTransition, where: string): number {
  const D = spec.obsDim;
  let done = 0;
  for (let i = 0; i < spec.count; i++) {
    if (!tr.terminated[i] && !tr.truncated[i]) continue;
    done++;
    const bad = firstNonFinite(tr.finalObs.subarray(i * D, (i + 1) * D));
    rec.ensure(
      bad < 0,
      'final-obs',
      () =>
        `slot ${i} of role ${JSON.stringify(spec.name)} ended at ${where} but finalObs[${i * D + bad}] is ` +
        `${tr.finalObs[i * D + bad]}: write the slot's last observation of the finished episode into its finalObs row.`,
    );
  }
  return done;
}

/**
 * Check `state`: `state()` is a finite Float32Array of `stateDim` entries, and
 * `state(out)` writes the same values into `out` and returns it (the trainer
 * passes its own buffer).
 */
export function checkBatchedState(rec: Recorder, env: BatchedEnv, where: string): Float32Array {
  const s = env.state();
  rec.ensure(
    s instanceof Float32Array && s.length === env.stateDim,
    'state',
    () =>
      `state() after ${where} must return a Float32Array of stateDim = ${env.stateDim} entries, got ${describe(s)}.`,
  );
  const copy = s.slice();
  const bad = firstNonFinite(copy);
  rec.ensure(
    bad < 0,
    'state',
    () => `state()[${bad}] is ${copy[bad]} after ${where}: the global state must be finite.`,
  );
  const out = new Float32Array(env.stateDim).fill(Number.NaN);
  const got = env.state(out);
  rec.ensure(got === out && dataEquivalent(out, copy), 'state', () =>
    got !== out
      ? `state(out) after ${where} returned another array than out: write into out and return it.`
      : `state(out) after ${where} wrote ${describe(out)} into out but state() returned ${describe(copy)}: fill out with the state.`,
  );
  return copy;
}
