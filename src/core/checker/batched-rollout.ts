/**
 * The rollouts of the batched checker: seeded random actions (valid, or spread
 * beyond the box bounds), and a rollout that checks every reset, step and
 * `state()` on the way (batched-values.ts) and keeps a copy of all it saw for
 * the determinism checks (batched-seed.ts).
 */
import type { BatchedEnv, RoleSpec, RoleTransition } from '../batched.ts';
import { actionDim } from '../batched.ts';
import { Rng } from '../rng.ts';
import {
  checkBatchedReset,
  checkBatchedState,
  checkBatchedStepReturn,
  checkFinalObs,
  checkInactiveRewards,
  reason,
} from './batched-values.ts';
import type { Recorder } from './report.ts';

/** How the rollout's actions are drawn: inside the bounds, or spread around them for the clipping check. */
export type ActionDraw = 'valid' | 'wide';

/** A finite range to draw box actions from when a bound is infinite. */
function drawRange(low: number, high: number): [number, number] {
  if (Number.isFinite(low) && Number.isFinite(high)) return [low, high];
  if (Number.isFinite(low)) return [low, low + 1];
  if (Number.isFinite(high)) return [high - 1, high];
  return [-1, 1];
}

/**
 * `steps` rounds of actions for every role, from a generator seeded with 42:
 * valid ones (box entries in [low, high], discrete choices in 0..n-1 as
 * floats), or `'wide'` ones, whose box entries are spread over three times the
 * range so that about two thirds fall outside it. The same draws give the same
 * actions whatever the env does.
 */
export function randomActions(
  roles: readonly RoleSpec[],
  steps: number,
  draw: ActionDraw,
): Record<string, Float32Array>[] {
  const rng = new Rng(42);
  return Array.from({ length: steps }, () => {
    const out: Record<string, Float32Array> = {};
    for (const spec of roles) {
      const a = spec.action;
      const w = actionDim(a);
      const row = new Float32Array(spec.count * w);
      for (let i = 0; i < row.length; i++) {
        const u = rng.next();
        if (a.kind === 'discrete') row[i] = Math.min(a.n - 1, Math.floor(u * a.n));
        else {
          const [lo, hi] = drawRange(a.low[i % w], a.high[i % w]);
          row[i] = draw === 'valid' ? lo + (hi - lo) * u : lo + (hi - lo || 1) * (3 * u - 1);
        }
      }
      out[spec.name] = row;
    }
    return out;
  });
}

/** `actions` with every box entry clipped to its role's [low, high]. */
export function clipActions(
  roles: readonly RoleSpec[],
  actions: readonly Record<string, Float32Array>[],
): Record<string, Float32Array>[] {
  return actions.map((step) => {
    const out: Record<string, Float32Array> = {};
    for (const spec of roles) {
      const a = spec.action;
      const row = step[spec.name].slice();
      if (a.kind === 'box') {
        for (let i = 0; i < row.length; i++) {
          const j = i % a.dim;
          row[i] = Math.min(Math.max(row[i], a.low[j]), a.high[j]);
        }
      }
      out[spec.name] = row;
    }
    return out;
  });
}

/** What one rollout saw, copied (the env owns its arrays), and how many slots' episodes ended. */
export interface BatchedTrace {
  trace: unknown[];
  doneSlots: number;
}

/** What a rollout does when `step` throws: fail with a message naming the step (`where`). */
export type StepErrorHandler = (where: string, err: Error) => never;

/**
 * A seeded rollout: `reset(seed)`, then one step per entry of `actions`, each
 * reset and step checked (`reset-return`, `step-return`, `inactive-reward`,
 * `final-obs`, `state`). The trace holds copies of every observation, mask,
 * reward, flag, state and of the `finalObs` rows of done slots (the other rows
 * are unspecified). A step that throws fails `step-return`, or as `onStepError` says.
 */
export function rolloutBatched(
  rec: Recorder,
  env: BatchedEnv,
  seed: number,
  actions: readonly Record<string, Float32Array>[],
  onStepError: StepErrorHandler = (where, err) =>
    rec.fail(
      'step-return',
      `${where} threw on valid actions: ${reason(err)}. step must accept count x actionDim entries per role ` +
        "(ignoring inactive slots' rows) and, when a slot's episode ends, reset it on the same step " +
        '(same-step autoreset, src/core/batched.ts).',
    ),
): BatchedTrace {
  const trace: unknown[] = [];
  const first = checkBatchedReset(rec, env, seed);
  const active: Record<string, Uint8Array> = {};
  for (const spec of env.roles) {
    const ro = first[spec.name];
    active[spec.name] = ro.active.slice();
    trace.push(spec.name, ro.obs.slice(), ro.active.slice());
  }
  trace.push(checkBatchedState(rec, env, `reset(${seed})`));
  let doneSlots = 0;
  actions.forEach((step, k) => {
    const where = `step ${k} after reset(${seed})`;
    let out: Record<string, RoleTransition>;
    try {
      out = env.step(step);
    } catch (e) {
      onStepError(where, e as Error);
    }
    checkBatchedStepReturn(rec, env, out, where);
    for (const spec of env.roles) {
      const tr = out[spec.name];
      checkInactiveRewards(rec, spec, active[spec.name], tr, where);
      doneSlots += checkFinalObs(rec, spec, tr, where);
      const final = new Float32Array(tr.finalObs.length);
      const D = spec.obsDim;
      for (let i = 0; i < spec.count; i++) {
        if (tr.terminated[i] || tr.truncated[i]) final.set(tr.finalObs.subarray(i * D, (i + 1) * D), i * D);
      }
      active[spec.name] = tr.active.slice();
      trace.push(
        spec.name,
        tr.obs.slice(),
        tr.active.slice(),
        tr.rewards.slice(),
        tr.terminated.slice(),
        tr.truncated.slice(),
        final,
      );
    }
    trace.push(checkBatchedState(rec, env, where));
  });
  return { trace, doneSlots };
}

/**
 * Checks `reset-return`, `step-return`, `inactive-reward`, `final-obs` and
 * `state` along a rollout from seed 123 with valid random actions, returning
 * its trace for the determinism checks. Warns (and does not pass `final-obs`)
 * when no slot's episode ended within the rollout.
 */
export function checkBatchedRollout(rec: Recorder, env: BatchedEnv, numSteps: number): unknown[] {
  const { trace, doneSlots } = rolloutBatched(rec, env, 123, randomActions(env.roles, numSteps, 'valid'));
  rec.pass('reset-return');
  rec.pass('step-return');
  rec.pass('inactive-reward');
  if (doneSlots > 0) rec.pass('final-obs');
  else {
    rec.warn(
      `No slot's episode ended within numSteps = ${numSteps} steps, so finalObs was not checked: raise numSteps past the episode length.`,
    );
  }
  rec.pass('state');
  return trace;
}
