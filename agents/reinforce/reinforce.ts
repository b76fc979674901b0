/**
 * REINFORCE with a learned baseline, the simple second learner: one pass over
 * the rollout, loss = -E[log pi(a|s) * (G - V(s))] - entCoef * H + vfCoef * 0.5 (V - G)^2.
 * Shares rollout collection, GAE (lambda 1 by default) and the networks with PPO.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../src/core/rng.ts';
import type { RolePolicy } from '../tf/policy.ts';
import { explainedVariance, type RoleRollout } from '../common/buffer.ts';
import { gatherMinibatch, maskedMean, minibatchOrder, normalizeAdvantages } from '../common/prepare.ts';
import type { UpdateMetrics } from '../common/config.ts';
import type { ReinforceConfig } from './config.ts';

/**
 * The loss terms reinforceUpdate averages over minibatches, each with the name CleanRL logs it
 * under. A minibatch's `aux` tensor stacks them in this order (indices come from this list).
 */
const LOGGED = [
  ['pgLoss', 'losses/policy_loss'],
  ['vLoss', 'losses/value_loss'],
  ['entropy', 'losses/entropy'],
] as const;

/** One pass over a prepared rollout; returns the `losses/*` metrics, averaged over the minibatches. */
export async function reinforceUpdate(
  policy: RolePolicy,
  ro: RoleRollout,
  cfg: ReinforceConfig,
  lr: number,
  rng: Rng,
  maybeYield: () => Promise<void> = async () => {},
): Promise<UpdateMetrics> {
  const { obsDim, rawDim, stateDim } = ro.shape;
  const cDim = obsDim + stateDim;
  const { order, mbRows } = minibatchOrder(ro.size, cfg.numMinibatches, rng);
  const sums = new Float64Array(LOGGED.length);
  let nMb = 0;
  for (let m = 0; m < cfg.numMinibatches; m++) {
    const mb = gatherMinibatch(ro, order, m * mbRows, mbRows);
    if (!mb.mask.some((x) => x > 0)) continue;
    const a = policy.gradientStep(
      () => {
        const mask = tf.tensor1d(mb.mask);
        const count = tf.maximum(tf.sum(mask), 1) as tf.Scalar;
        const { logp, entropy } = policy.evaluate(
          tf.tensor2d(mb.obs, [mbRows, obsDim]),
          tf.tensor2d(mb.raw, [mbRows, rawDim]),
        );
        const v = policy.valueTensor(tf.tensor2d(mb.criticIn, [mbRows, cDim]));
        // ALGO LOGIC: policy gradient with the baseline's advantage (no gradient through it)
        let adv = tf.tensor1d(mb.advantages);
        if (cfg.normAdv) adv = normalizeAdvantages(adv, mask, count);
        const pgLoss = maskedMean(tf.neg(tf.mul(logp, adv)), mask, count);
        const vLoss = tf.mul(
          0.5,
          maskedMean(tf.square(tf.sub(v, tf.tensor1d(mb.returns))), mask, count),
        ) as tf.Scalar;
        const ent = maskedMean(entropy, mask, count);
        const terms = { pgLoss, vLoss, entropy: ent };
        return {
          loss: tf.add(tf.sub(pgLoss, tf.mul(cfg.entCoef, ent)), tf.mul(cfg.vfCoef, vLoss)) as tf.Scalar,
          aux: tf.stack(LOGGED.map(([term]) => terms[term])),
        };
      },
      lr,
      cfg.maxGradNorm,
    );
    for (let k = 0; k < LOGGED.length; k++) sums[k] += a[k];
    nMb++;
    await maybeYield();
  }
  const n = Math.max(nMb, 1);
  const metrics: UpdateMetrics = {};
  for (let k = 0; k < LOGGED.length; k++) metrics[LOGGED[k][1]] = sums[k] / n;
  metrics['losses/explained_variance'] = explainedVariance(ro.values, ro.returns, ro.active);
  return metrics;
}
