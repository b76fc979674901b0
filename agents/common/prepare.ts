/**
 * What every policy-gradient update needs from a finished rollout: the
 * log-probabilities and values under the collecting policy, the truncation
 * bootstrap, and GAE. Also the minibatch assembly shared by PPO and REINFORCE.
 *
 * All network passes run in chunks of one fixed shape (the last chunk padded),
 * because the wasm backend misbehaves with many different shapes.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../src/core/rng.ts';
import type { RolePolicy } from '../tf/policy.ts';
import { computeGae, type RoleRollout } from './buffer.ts';

/** Rows per forward pass when evaluating a whole rollout. */
export const EVAL_CHUNK = 2048;

function chunkSize(size: number): number {
  return Math.min(size, EVAL_CHUNK);
}

/** Values of every rollout row (or of `source` rows, e.g. final observations) in fixed-shape chunks. */
export function rolloutValues(
  policy: RolePolicy,
  ro: RoleRollout,
  source: Float32Array = ro.obs,
): Float32Array {
  const width = policy.critic.opts.inputDim;
  const C = chunkSize(ro.size);
  const out = new Float32Array(ro.size);
  for (let start = 0; start < ro.size; start += C) {
    const rows = Math.min(C, ro.size - start);
    const buf = new Float32Array(C * width);
    ro.criticRows(start, rows, buf, source);
    const v = policy.values(buf, C);
    out.set(v.subarray(0, rows), start);
  }
  return out;
}

/** Log-probabilities of the rollout's raw actions under the current policy, in fixed-shape chunks. */
export function rolloutLogProbs(policy: RolePolicy, ro: RoleRollout): Float32Array {
  const { obsDim, rawDim } = ro.shape;
  const C = chunkSize(ro.size);
  const out = new Float32Array(ro.size);
  for (let start = 0; start < ro.size; start += C) {
    const rows = Math.min(C, ro.size - start);
    const obs = new Float32Array(C * obsDim);
    obs.set(ro.obs.subarray(start * obsDim, (start + rows) * obsDim));
    const raw = new Float32Array(C * rawDim);
    raw.set(ro.raw.subarray(start * rawDim, (start + rows) * rawDim));
    if (policy.spec.action.kind === 'box') raw.fill(0.5, rows * rawDim);
    const lp = tf.tidy(
      () => policy.evaluate(tf.tensor2d(obs, [C, obsDim]), tf.tensor2d(raw, [C, rawDim])).logp,
    );
    out.set((lp.dataSync() as Float32Array).subarray(0, rows), start);
    lp.dispose();
  }
  return out;
}

export interface PrepareOptions {
  gamma: number;
  gaeLambda: number;
  bootstrapTruncated: boolean;
}

/**
 * Fill `logp`, `values`, `advantages` and `returns` of a finished rollout. With
 * `bootstrapTruncated`, the reward of a step cut off by a time limit gets
 * `gamma * V(final observation)` added (the episode continues in principle).
 */
export function prepareRollout(policy: RolePolicy, ro: RoleRollout, opts: PrepareOptions): void {
  ro.logp.set(rolloutLogProbs(policy, ro));
  ro.values.set(rolloutValues(policy, ro));
  if (opts.bootstrapTruncated && ro.truncatedOnly.some((x) => x === 1)) {
    const fv = rolloutValues(policy, ro, ro.finalObs);
    for (let i = 0; i < ro.size; i++) if (ro.truncatedOnly[i]) ro.rewards[i] += opts.gamma * fv[i];
  }
  // ALGO LOGIC: bootstrap value of the observation after the rollout
  const { count: N, obsDim, stateDim } = ro.shape;
  const width = obsDim + stateDim;
  const nextIn = new Float32Array(N * width);
  for (let i = 0; i < N; i++) {
    nextIn.set(ro.nextObs.subarray(i * obsDim, (i + 1) * obsDim), i * width);
    if (stateDim > 0) nextIn.set(ro.nextState, i * width + obsDim);
  }
  const nextValues = policy.values(nextIn, N);
  const { advantages, returns } = computeGae({
    numSteps: ro.shape.numSteps,
    count: N,
    rewards: ro.rewards,
    values: ro.values,
    dones: ro.dones,
    active: ro.active,
    nextValues,
    nextActive: ro.nextActive,
    gamma: opts.gamma,
    lambda: opts.gaeLambda,
  });
  ro.advantages.set(advantages);
  ro.returns.set(returns);
}

/** One minibatch, as plain arrays of a fixed number of rows (padding rows have mask 0). */
export interface Minibatch {
  rows: number;
  obs: Float32Array;
  criticIn: Float32Array;
  raw: Float32Array;
  logp: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
  values: Float32Array;
  mask: Float32Array;
}

/**
 * A shuffled permutation of the rollout rows, padded with -1 to `numMinibatches * mbRows`,
 * so every minibatch has the same shape.
 */
export function minibatchOrder(
  size: number,
  numMinibatches: number,
  rng: Rng,
): { order: Int32Array; mbRows: number } {
  const mbRows = Math.ceil(size / numMinibatches);
  const perm = new Int32Array(size);
  for (let i = 0; i < size; i++) perm[i] = i;
  rng.shuffle(perm);
  const order = new Int32Array(mbRows * numMinibatches).fill(-1);
  order.set(perm);
  return { order, mbRows };
}

/** Gather the rows `order[from .. from + rows)` of a rollout into a minibatch. */
export function gatherMinibatch(ro: RoleRollout, order: Int32Array, from: number, rows: number): Minibatch {
  const { obsDim, rawDim, stateDim } = ro.shape;
  const width = obsDim + stateDim;
  const mb: Minibatch = {
    rows,
    obs: new Float32Array(rows * obsDim),
    criticIn: new Float32Array(rows * width),
    raw: new Float32Array(rows * rawDim).fill(0.5),
    logp: new Float32Array(rows),
    advantages: new Float32Array(rows),
    returns: new Float32Array(rows),
    values: new Float32Array(rows),
    mask: new Float32Array(rows),
  };
  const one = new Float32Array(width);
  for (let r = 0; r < rows; r++) {
    const idx = order[from + r];
    if (idx < 0) continue;
    mb.obs.set(ro.obs.subarray(idx * obsDim, (idx + 1) * obsDim), r * obsDim);
    ro.criticRows(idx, 1, one);
    mb.criticIn.set(one, r * width);
    mb.raw.set(ro.raw.subarray(idx * rawDim, (idx + 1) * rawDim), r * rawDim);
    mb.logp[r] = ro.logp[idx];
    mb.advantages[r] = ro.advantages[idx];
    mb.returns[r] = ro.returns[idx];
    mb.values[r] = ro.values[idx];
    mb.mask[r] = ro.active[idx];
  }
  return mb;
}

/** Masked mean: sum(mask * x) / max(sum(mask), 1). Call inside tf.tidy. */
export function maskedMean(x: tf.Tensor, mask: tf.Tensor, count: tf.Tensor): tf.Scalar {
  return tf.div(tf.sum(tf.mul(x, mask)), count) as tf.Scalar;
}

/** Advantages normalised to zero mean, unit (unbiased) std over the masked entries. Call inside tf.tidy. */
export function normalizeAdvantages(adv: tf.Tensor1D, mask: tf.Tensor1D, count: tf.Scalar): tf.Tensor1D {
  const mean = maskedMean(adv, mask, count);
  const centred = tf.mul(tf.sub(adv, mean), mask);
  const variance = tf.div(tf.sum(tf.square(centred)), tf.maximum(tf.sub(count, 1), 1));
  return tf.div(centred, tf.add(tf.sqrt(variance), 1e-8)) as tf.Tensor1D;
}
