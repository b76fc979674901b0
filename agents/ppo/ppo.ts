/**
 * The PPO update of one role (CleanRL's ppo.py / ppo_continuous_action.py),
 * straight-line: minibatches x epochs over a prepared rollout with the clipped
 * surrogate, the (clipped) value loss, the entropy bonus, advantage
 * normalisation and global gradient-norm clipping.
 *
 * The rollout must have gone through `prepareRollout` first (log-probs, values,
 * GAE). Minibatches hold live rows only (inactive slots never enter one); the
 * padding rows of the last carry mask 0 and do not count.
 *
 * `ppoUpdate` runs each minibatch through the fast path (`RolePolicy.fusedStep`:
 * the loss of agents/common/head.ts, a hand-derived backward pass, one Adam step
 * over the flat parameters). `ppoLoss` is the same loss as tfjs ops, for tfjs's
 * gradient tape: the reference the fast path is tested against.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../src/core/rng.ts';
import type { UpdateMetrics } from '../common/config.ts';
import type { PackedMinibatch, RolePolicy } from '../tf/policy.ts';
import { explainedVariance, type RoleRollout } from '../common/buffer.ts';
import type { HeadConfig, HeadTerms } from '../common/head.ts';
import type { PpoConfig } from './config.ts';
import {
  fusedPass,
  liveMinibatchOrder,
  type Minibatch,
  maskedMean,
  normalizeAdvantages,
  packedMinibatch,
  type RoleHelper,
  sideRows,
} from '../common/prepare.ts';

/** Loss terms of one minibatch (scalars, kept out of the gradient tape's tidy). */
export interface PpoLossTerms {
  loss: tf.Scalar;
  pgLoss: tf.Scalar;
  vLoss: tf.Scalar;
  entropy: tf.Scalar;
  oldApproxKl: tf.Scalar;
  approxKl: tf.Scalar;
  clipfrac: tf.Scalar;
}

type LossConfig = Pick<PpoConfig, 'clipCoef' | 'clipVloss' | 'entCoef' | 'vfCoef' | 'normAdv'>;

/**
 * The PPO loss of one minibatch given the new log-probabilities, entropies and
 * values (as tensors). Separate from the networks so a test can check it on
 * toy numbers. Call inside tf.tidy.
 */
export function ppoLoss(
  newLogp: tf.Tensor1D,
  entropy: tf.Tensor1D,
  newValue: tf.Tensor1D,
  mb: Pick<Minibatch, 'logp' | 'advantages' | 'returns' | 'values' | 'mask'>,
  cfg: LossConfig,
): PpoLossTerms {
  const mask = tf.tensor1d(mb.mask);
  const count = tf.maximum(tf.sum(mask), 1) as tf.Scalar;
  const oldLogp = tf.tensor1d(mb.logp);
  let adv = tf.tensor1d(mb.advantages);
  const ret = tf.tensor1d(mb.returns);
  const oldV = tf.tensor1d(mb.values);

  // ALGO LOGIC: probability ratio and KL diagnostics
  const logratio = tf.sub(newLogp, oldLogp);
  const ratio = tf.exp(logratio);
  const oldApproxKl = maskedMean(tf.neg(logratio), mask, count);
  const approxKl = maskedMean(tf.sub(tf.sub(ratio, 1), logratio), mask, count);
  const clipped = tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), cfg.clipCoef), 'float32');
  const clipfrac = maskedMean(clipped, mask, count);

  // ALGO LOGIC: clipped surrogate objective
  if (cfg.normAdv) adv = normalizeAdvantages(adv, mask, count);
  const pg1 = tf.mul(tf.neg(adv), ratio);
  const pg2 = tf.mul(tf.neg(adv), tf.clipByValue(ratio, 1 - cfg.clipCoef, 1 + cfg.clipCoef));
  const pgLoss = maskedMean(tf.maximum(pg1, pg2), mask, count);

  // ALGO LOGIC: value loss
  let vLoss: tf.Scalar;
  const vUnclipped = tf.square(tf.sub(newValue, ret));
  if (cfg.clipVloss) {
    const vClippedPred = tf.add(oldV, tf.clipByValue(tf.sub(newValue, oldV), -cfg.clipCoef, cfg.clipCoef));
    const vClipped = tf.square(tf.sub(vClippedPred, ret));
    vLoss = tf.mul(0.5, maskedMean(tf.maximum(vUnclipped, vClipped), mask, count));
  } else {
    vLoss = tf.mul(0.5, maskedMean(vUnclipped, mask, count));
  }

  const ent = maskedMean(entropy, mask, count);
  const loss = tf.add(tf.sub(pgLoss, tf.mul(cfg.entCoef, ent)), tf.mul(cfg.vfCoef, vLoss)) as tf.Scalar;
  return { loss, pgLoss, vLoss, entropy: ent, oldApproxKl, approxKl, clipfrac };
}

export type { UpdateMetrics };

/**
 * The loss terms ppoUpdate averages over minibatches, each with the name CleanRL logs it under
 * (the names of `ppoLoss`'s terms and of the fast path's `HeadTerms`). Every index below comes
 * from this list, so a new term is added here and shifts nothing.
 */
const LOGGED = [
  ['pgLoss', 'losses/policy_loss'],
  ['vLoss', 'losses/value_loss'],
  ['entropy', 'losses/entropy'],
  ['oldApproxKl', 'losses/old_approx_kl'],
  ['approxKl', 'losses/approx_kl'],
  ['clipfrac', 'losses/clipfrac'],
] as const satisfies readonly (readonly [Exclude<keyof PpoLossTerms, 'loss'> & keyof HeadTerms, string])[];
const TERMS = LOGGED.map(([term]) => term);
const APPROX_KL = LOGGED.findIndex(([term]) => term === 'approxKl');
const CLIPFRAC = LOGGED.findIndex(([term]) => term === 'clipfrac');

/**
 * Run the PPO epochs on a prepared rollout and return the metrics CleanRL logs
 * (`losses/*`, averaged over the minibatches of the last epoch run, except
 * clipfrac averaged over all). `maybeYield` is awaited between minibatches.
 */
export async function ppoUpdate(
  policy: RolePolicy,
  ro: RoleRollout,
  cfg: PpoConfig,
  lr: number,
  rng: Rng,
  maybeYield: () => Promise<void> = async () => {},
  helper?: RoleHelper,
): Promise<UpdateMetrics> {
  const clipfracs: number[] = [];
  let last = new Float64Array(LOGGED.length);
  let epochsRun = 0;
  const head: HeadConfig = {
    mode: 'ppo',
    clipCoef: cfg.clipCoef,
    clipVloss: cfg.clipVloss,
    entCoef: cfg.entCoef,
    vfCoef: cfg.vfCoef,
    normAdv: cfg.normAdv,
  };
  const step = { head, lr, maxGradNorm: cfg.maxGradNorm, numMinibatches: cfg.numMinibatches };
  const onStep = (t: HeadTerms) => clipfracs.push(t.clipfrac);
  const side = sideRows(ro, policy.dist);
  helper?.side(side);
  const pass = { side, step, logged: TERMS, onStep, maybeYield, helper };
  let mb: PackedMinibatch | undefined;

  for (let epoch = 0; epoch < cfg.updateEpochs; epoch++) {
    // ALGO LOGIC: shuffle the live rows, then walk fixed-shape minibatches
    const { order, mbRows } = liveMinibatchOrder(ro, cfg.numMinibatches, rng);
    if (mb?.rows !== mbRows) mb = packedMinibatch(ro, policy.dist, mbRows);
    // ALGO LOGIC: per minibatch the clipped loss, then global gradient-norm clipping and the Adam step
    const { sums, steps } = await fusedPass(policy, ro, order, mb, pass);
    epochsRun++;
    if (steps > 0) last = sums.map((s) => s / steps);
    if (cfg.targetKl !== null && last[APPROX_KL] > cfg.targetKl) break;
  }

  // Each term's mean over the last epoch's minibatches; clipfrac's over every minibatch, in its place.
  const metrics: UpdateMetrics = {};
  for (let k = 0; k < LOGGED.length; k++) metrics[LOGGED[k][1]] = last[k];
  metrics[LOGGED[CLIPFRAC][1]] = clipfracs.length
    ? clipfracs.reduce((s, x) => s + x, 0) / clipfracs.length
    : 0;
  metrics['losses/explained_variance'] = explainedVariance(ro.values, ro.returns, ro.active);
  metrics['losses/epochs'] = epochsRun;
  return metrics;
}
