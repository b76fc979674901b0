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
import {
  minibatchShape,
  type PackedMinibatch,
  type PieceRequest,
  type RemotePieces,
  type RolePolicy,
  sharedPieces,
} from '../tf/policy.ts';
import { computeGae, type RoleRollout } from './buffer.ts';
import { actionColumns, type HeadConfig, type HeadDist, type HeadTerms, SIDE, sideWidth } from './head.ts';

/** Rows per forward pass when evaluating a whole rollout. */
export const EVAL_CHUNK = 4096;

function chunkSize(size: number): number {
  return Math.min(size, EVAL_CHUNK);
}

/**
 * Log-probabilities of the rollout's raw actions under the current policy and the values of its
 * rows (or of `source` rows, e.g. final observations: then only values), in fixed-shape chunks
 * (the last padded), one upload per chunk when the critic reads the observations. Only chunks
 * [from, to) are evaluated (the outputs hold their rows, from chunk `from`'s first), and of those
 * only the ones `only` accepts (default: all; the others' rows stay 0). A chunk's numbers do not
 * depend on which others are evaluated.
 */
function evaluateRollout(
  policy: RolePolicy,
  ro: RoleRollout,
  want: { logp: boolean; values: boolean },
  source: Float32Array = ro.obs,
  from = 0,
  to = rolloutChunks(ro.size).count,
  only?: (start: number, rows: number) => boolean,
): { logp: Float32Array; values: Float32Array } {
  const { obsDim, rawDim, stateDim } = ro.shape;
  const width = obsDim + stateDim;
  const C = chunkSize(ro.size);
  const first = Math.min(ro.size, from * C);
  const end = Math.min(ro.size, to * C);
  const logp = new Float32Array(want.logp ? end - first : 0);
  const values = new Float32Array(want.values ? end - first : 0);
  const obs = new Float32Array(C * obsDim);
  const crit = stateDim > 0 ? new Float32Array(C * width) : obs;
  const raw = new Float32Array(C * rawDim);
  for (let start = first; start < end; start += C) {
    const rows = Math.min(C, ro.size - start);
    if (only && !only(start, rows)) continue;
    obs.set(source.subarray(start * obsDim, (start + rows) * obsDim));
    if (rows < C) obs.fill(0, rows * obsDim);
    if (stateDim > 0) ro.criticRows(start, rows, crit, source);
    const out = policy.forwardRows(want.logp ? obs : null, want.values ? crit : null, C);
    if (want.logp) {
      raw.set(ro.raw.subarray(start * rawDim, (start + rows) * rawDim));
      raw.fill(policy.spec.action.kind === 'box' ? 0.5 : 0, rows * rawDim);
      logp.set(policy.logProbsOf(out.actor!, raw, C).subarray(0, rows), start - first);
    }
    if (want.values) values.set(out.critic!.subarray(0, rows), start - first);
  }
  return { logp, values };
}

/** The fixed-shape chunks `evaluateRollout` walks a rollout of `size` rows in: `count` chunks of `rows`. */
export function rolloutChunks(size: number): { count: number; rows: number } {
  const rows = chunkSize(size);
  return { count: rows > 0 ? Math.ceil(size / rows) : 0, rows };
}

/** Whether rows [start, start + rows) hold a step cut off by a time limit (whose final observation's value is needed). */
function truncatedIn(ro: RoleRollout): (start: number, rows: number) => boolean {
  return (start, rows) => {
    for (let i = start; i < start + rows; i++) if (ro.truncatedOnly[i]) return true;
    return false;
  };
}

export interface PrepareOptions {
  gamma: number;
  gaeLambda: number;
  bootstrapTruncated: boolean;
}

/** What a finished rollout needs evaluated: log-probabilities and values of its rows, values of the final observations of truncated steps. */
export interface RolloutEvaluation {
  logp: Float32Array;
  values: Float32Array;
  /** Defined at the truncated rows (when `bootstrapTruncated`), 0 elsewhere; empty when no row needs it. */
  finalValues: Float32Array;
}

/**
 * Whether a rollout's truncated steps take a bootstrap value (`bootstrapTruncated` and at least one).
 */
function needsFinalValues(ro: RoleRollout, opts: PrepareOptions): boolean {
  return opts.bootstrapTruncated && ro.truncatedOnly.some((x) => x === 1);
}

/** `evaluateRollout`'s share of a rollout's evaluation for chunks [from, to) (their rows): see `RolloutEvaluation`. */
export function evaluateChunks(
  policy: RolePolicy,
  ro: RoleRollout,
  finals: boolean,
  from: number,
  to: number,
): RolloutEvaluation {
  const both = evaluateRollout(policy, ro, { logp: true, values: true }, ro.obs, from, to);
  const finalValues = finals
    ? evaluateRollout(policy, ro, { logp: false, values: true }, ro.finalObs, from, to, truncatedIn(ro))
        .values
    : new Float32Array(0);
  return { logp: both.logp, values: both.values, finalValues };
}

/**
 * Fill `logp`, `values`, `advantages` and `returns` of a finished rollout. With
 * `bootstrapTruncated`, the reward of a step cut off by a time limit gets
 * `gamma * V(final observation)` added (the episode continues in principle).
 */
export function prepareRollout(policy: RolePolicy, ro: RoleRollout, opts: PrepareOptions): void {
  const n = rolloutChunks(ro.size).count;
  finishPrepare(policy, ro, opts, evaluateChunks(policy, ro, needsFinalValues(ro, opts), 0, n));
}

/**
 * `prepareRollout` with another thread (agents/trainer/update-thread.ts) evaluating chunks of the
 * rollout: all of them when it has had them since the rollout (`RoleHelper.evaluating`), else the
 * later half while this thread evaluates the first. The same numbers: a chunk's do not depend on
 * the others, or on the thread.
 */
export async function prepareRolloutShared(
  policy: RolePolicy,
  ro: RoleRollout,
  opts: PrepareOptions,
  helper: RoleHelper,
): Promise<void> {
  const n = rolloutChunks(ro.size).count;
  const finals = needsFinalValues(ro, opts);
  const split = helper.evaluating > 0 ? 0 : Math.floor(n / 2);
  const pending = helper.evaluate(split, n);
  const here = evaluateChunks(policy, ro, finals, 0, split);
  const there = await pending;
  const at = here.values.length;
  const all: RolloutEvaluation = {
    logp: new Float32Array(ro.size),
    values: new Float32Array(ro.size),
    finalValues: new Float32Array(finals ? ro.size : 0),
  };
  all.logp.set(here.logp);
  all.logp.set(there.logp, at);
  all.values.set(here.values);
  all.values.set(there.values, at);
  if (finals) {
    all.finalValues.set(here.finalValues);
    all.finalValues.set(there.finalValues, at);
  }
  finishPrepare(policy, ro, opts, all);
}

/**
 * A thread that takes part of one role's update (agents/trainer/update-thread.ts keeps a copy of
 * the role's rollout there): chunks of the rollout's evaluation, and the later pieces of each
 * minibatch.
 */
export interface RoleHelper {
  /** How many of the rollout's chunks the thread has been given already (during the rollout). */
  readonly evaluating: number;
  /**
   * `evaluateChunks` of chunks [from, to) there (those not handed over yet are sent now), under
   * the parameters that collected the rollout; the outputs hold the rows from chunk `from` on
   * (`finalValues` all of them, 0 where no value is needed).
   */
  evaluate(from: number, to: number): Promise<RolloutEvaluation>;
  /** The side rows of the prepared rollout (`sideRows`), for the pieces that follow. */
  side(side: Float32Array): void;
  /** `RolePolicy.remotePieces` of the minibatch rows `rows` of the rollout (-1: padding), packed there. */
  pieces(rows: Int32Array, req: PieceRequest, head: HeadConfig): Promise<RemotePieces>;
}

/** The bootstrap of truncated steps, the value after the rollout, and GAE, from the rollout's evaluation. */
function finishPrepare(
  policy: RolePolicy,
  ro: RoleRollout,
  opts: PrepareOptions,
  ev: RolloutEvaluation,
): void {
  ro.logp.set(ev.logp);
  ro.values.set(ev.values);
  if (ev.finalValues.length > 0) {
    const fv = ev.finalValues;
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

// ---------------------------------------------------------------------------
// Minibatches of the fast path: live rows only, packed.

/** Minibatch rows for `live` live rows in `numMinibatches`: ceil(live / numMinibatches), shaped by `minibatchShape`. */
export function minibatchRows(live: number, numMinibatches: number): number {
  return minibatchShape(Math.max(1, Math.ceil(live / numMinibatches)));
}

/**
 * A shuffled permutation of the rollout's live rows (inactive slots never enter a minibatch),
 * padded with -1 to `numMinibatches * mbRows` (see `minibatchRows`; the padding rows have mask 0).
 * Within each minibatch the rows are then sorted: which rows a minibatch holds is what the
 * shuffle decides, and gathering them in rollout order reads memory forwards (the loss is a
 * mean over the minibatch; only the order of float summation depends on it).
 */
export function liveMinibatchOrder(
  ro: RoleRollout,
  numMinibatches: number,
  rng: Rng,
): { order: Int32Array; mbRows: number } {
  const live = new Int32Array(ro.size);
  let n = 0;
  for (let i = 0; i < ro.size; i++) if (ro.active[i]) live[n++] = i;
  rng.shuffle(live, n);
  const mbRows = minibatchRows(n, numMinibatches);
  const order = new Int32Array(mbRows * numMinibatches).fill(-1);
  order.set(live.subarray(0, n));
  for (let m = 0; m < numMinibatches; m++) order.subarray(m * mbRows, (m + 1) * mbRows).sort();
  return { order, mbRows };
}

/**
 * The side row (agents/common/head.ts) of every rollout row: the action (Beta: ln x, ln(1 - x);
 * categorical: the index), then log-probability, advantage, return, value and the live mask.
 */
export function sideRows(ro: RoleRollout, dist: HeadDist): Float32Array {
  const S = sideWidth(dist);
  const a0 = actionColumns(dist);
  const d = ro.shape.rawDim;
  const out = new Float32Array(ro.size * S);
  for (let i = 0; i < ro.size; i++) {
    const o = i * S;
    if (dist.kind === 'beta') {
      for (let k = 0; k < d; k++) {
        const x = ro.raw[i * d + k];
        out[o + k] = Math.log(x);
        out[o + d + k] = Math.log1p(-x);
      }
    } else {
      out[o] = ro.raw[i];
    }
    out[o + a0 + SIDE.logp] = ro.logp[i];
    out[o + a0 + SIDE.advantage] = ro.advantages[i];
    out[o + a0 + SIDE.ret] = ro.returns[i];
    out[o + a0 + SIDE.value] = ro.values[i];
    out[o + a0 + SIDE.mask] = ro.active[i];
  }
  return out;
}

/** Buffers of one packed minibatch of `rows` rows for a rollout (reused: fill with `packMinibatch`). */
export function packedMinibatch(ro: RoleRollout, dist: HeadDist, rows: number): PackedMinibatch {
  const { obsDim, stateDim } = ro.shape;
  return {
    rows,
    obs: new Float32Array(rows * obsDim),
    critic: stateDim > 0 ? new Float32Array(rows * (obsDim + stateDim)) : undefined,
    side: new Float32Array(rows * sideWidth(dist)),
    live: 0,
  };
}

/**
 * Fill `mb` with the rows `order[from .. from + mb.rows)` (-1: a padding row, mask 0) of a rollout
 * and its side rows; the network inputs only of the first `inputRows` (default all: a minibatch
 * shared with another thread needs its side rows whole and its inputs for the rows here).
 */
export function packMinibatch(
  ro: RoleRollout,
  side: Float32Array,
  dist: HeadDist,
  order: Int32Array,
  from: number,
  mb: PackedMinibatch,
  inputRows = mb.rows,
): void {
  const { count: N, obsDim: D, stateDim } = ro.shape;
  const S = sideWidth(dist);
  const a0 = actionColumns(dist);
  const W = D + stateDim;
  const src = ro.obs;
  const states = ro.states;
  const obs = mb.obs;
  const crit = mb.critic;
  const out = mb.side;
  const pad = dist.kind === 'beta' ? Math.log(0.5) : 0;
  let live = 0;
  for (let r = 0; r < mb.rows; r++) {
    const idx = order[from + r];
    const inputs = r < inputRows;
    if (idx < 0) {
      if (inputs) {
        obs.fill(0, r * D, (r + 1) * D);
        if (crit) crit.fill(0, r * W, (r + 1) * W);
      }
      out.fill(0, r * S, (r + 1) * S);
      out.fill(pad, r * S, r * S + a0);
      continue;
    }
    if (inputs) {
      const o = idx * D;
      const d = r * D;
      for (let k = 0; k < D; k++) obs[d + k] = src[o + k];
      if (crit) {
        const c = r * W;
        for (let k = 0; k < D; k++) crit[c + k] = src[o + k];
        const t = Math.floor(idx / N) * stateDim;
        for (let k = 0; k < stateDim; k++) crit[c + D + k] = states[t + k];
      }
    }
    const si = idx * S;
    const so = r * S;
    for (let k = 0; k < S; k++) out[so + k] = side[si + k];
    live += side[si + a0 + SIDE.mask];
  }
  mb.live = live;
}

/** What stays the same across an update's passes (`fusedPass`). */
export interface FusedPassOptions {
  /** The rollout's side rows (`sideRows`). */
  side: Float32Array;
  step: { head: HeadConfig; lr: number; maxGradNorm: number; numMinibatches: number };
  /** The loss terms to sum over the steps. */
  logged: readonly (keyof HeadTerms)[];
  onStep: (t: HeadTerms) => void;
  maybeYield: () => Promise<void>;
  /** Another thread holding the rollout and its side rows, to share minibatches with. */
  helper?: RoleHelper;
}

/**
 * One pass over a shuffled `order` (`liveMinibatchOrder`): `numMinibatches` minibatches packed
 * into `mb` in turn, one fast-path step (`RolePolicy.fusedStep`) each; a minibatch with no live
 * row is skipped. PPO runs it once per epoch, REINFORCE once. Returns each of the `logged` terms
 * summed over the steps, and how many steps ran; `onStep` sees every step's terms and
 * `maybeYield` is awaited after each. With a `helper` (another thread holding the rollout and
 * its side rows), a minibatch of two or more pieces is shared with it (`fusedStepShared`).
 */
export async function fusedPass(
  policy: RolePolicy,
  ro: RoleRollout,
  order: Int32Array,
  mb: PackedMinibatch,
  pass: FusedPassOptions,
): Promise<{ sums: Float64Array; steps: number }> {
  const { side, step, logged, onStep, maybeYield, helper } = pass;
  const sums = new Float64Array(logged.length);
  let steps = 0;
  const split = sharedPieces(mb.rows);
  const shared = helper && split.pieces >= 2 ? split : null;
  for (let m = 0; m < step.numMinibatches; m++) {
    const at = m * mb.rows;
    packMinibatch(ro, side, policy.dist, order, at, mb, shared ? shared.localRows : mb.rows);
    if (mb.live === 0) continue;
    const t = shared
      ? await policy.fusedStepShared(mb, step.head, step.lr, step.maxGradNorm, (req) =>
          helper!.pieces(order.subarray(at + req.from, at + mb.rows), req, step.head),
        )
      : policy.fusedStep(mb, step.head, step.lr, step.maxGradNorm);
    for (let k = 0; k < logged.length; k++) sums[k] += t[logged[k]];
    onStep(t);
    steps++;
    await maybeYield();
  }
  return { sums, steps };
}

// ---------------------------------------------------------------------------
// Minibatches of the reference path (tfjs's gradient tape; tests).

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
