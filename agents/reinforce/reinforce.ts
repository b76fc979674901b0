/**
 * REINFORCE with a learned baseline, the simple second learner: one pass over
 * the rollout, loss = -E[log pi(a|s) * (G - V(s))] - entCoef * H + vfCoef * 0.5 (V - G)^2.
 * Shares rollout collection, GAE (lambda 1 by default), the networks and the
 * fast path (agents/common/head.ts, mode `reinforce`) with PPO.
 */
import type { Rng } from '../../src/core/rng.ts';
import type { RolePolicy } from '../tf/policy.ts';
import { explainedVariance, type RoleRollout } from '../common/buffer.ts';
import type { HeadConfig, HeadTerms } from '../common/head.ts';
import {
  fusedPass,
  liveMinibatchOrder,
  packedMinibatch,
  type RoleHelper,
  sideRows,
} from '../common/prepare.ts';
import type { UpdateMetrics } from '../common/config.ts';
import type { ReinforceConfig } from './config.ts';

/**
 * The loss terms reinforceUpdate averages over minibatches, each with the name CleanRL logs it
 * under (read from the fast path's `HeadTerms` by name).
 */
const LOGGED = [
  ['pgLoss', 'losses/policy_loss'],
  ['vLoss', 'losses/value_loss'],
  ['entropy', 'losses/entropy'],
] as const satisfies readonly (readonly [keyof HeadTerms, string])[];

/** One pass over a prepared rollout; returns the `losses/*` metrics, averaged over the minibatches. */
export async function reinforceUpdate(
  policy: RolePolicy,
  ro: RoleRollout,
  cfg: ReinforceConfig,
  lr: number,
  rng: Rng,
  maybeYield: () => Promise<void> = async () => {},
  helper?: RoleHelper,
): Promise<UpdateMetrics> {
  const head: HeadConfig = {
    mode: 'reinforce',
    clipCoef: 0,
    clipVloss: false,
    entCoef: cfg.entCoef,
    vfCoef: cfg.vfCoef,
    normAdv: cfg.normAdv,
  };
  const side = sideRows(ro, policy.dist);
  helper?.side(side);
  const { order, mbRows } = liveMinibatchOrder(ro, cfg.numMinibatches, rng);
  const mb = packedMinibatch(ro, policy.dist, mbRows);
  const step = { head, lr, maxGradNorm: cfg.maxGradNorm, numMinibatches: cfg.numMinibatches };
  // ALGO LOGIC: per minibatch the policy gradient with the baseline's advantage (no gradient through it)
  const terms = LOGGED.map(([term]) => term);
  const pass = { side, step, logged: terms, onStep: () => {}, maybeYield, helper };
  const { sums, steps } = await fusedPass(policy, ro, order, mb, pass);
  const n = Math.max(steps, 1);
  const metrics: UpdateMetrics = {};
  for (let k = 0; k < LOGGED.length; k++) metrics[LOGGED[k][1]] = sums[k] / n;
  metrics['losses/explained_variance'] = explainedVariance(ro.values, ro.returns, ro.active);
  return metrics;
}
