/**
 * ppoUpdate and reinforceUpdate name their metrics as CleanRL logs them, in a
 * fixed order, with finite values (the metrics are read from a named list, not
 * by position).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RoleRollout } from '../agents/common/buffer.ts';
import type { UpdateMetrics } from '../agents/common/config.ts';
import { prepareRollout } from '../agents/common/prepare.ts';
import { type BaseLearnerConfig, PpoConfigSchema } from '../agents/ppo/config.ts';
import { ppoUpdate } from '../agents/ppo/ppo.ts';
import { ReinforceConfigSchema } from '../agents/reinforce/config.ts';
import { reinforceUpdate } from '../agents/reinforce/reinforce.ts';
import { initBackend } from '../agents/tf/backend.ts';
import { RolePolicy } from '../agents/tf/policy.ts';
import type { RoleSpec } from '../src/core/batched.ts';
import { Rng } from '../src/core/rng.ts';

beforeAll(async () => {
  await initBackend('cpu');
});

const SPEC: RoleSpec = {
  name: 'agent',
  count: 4,
  obsDim: 3,
  action: { kind: 'box', dim: 2, low: new Float32Array([0, -1]), high: new Float32Array([1, 1]) },
};
const T = 8;
/** The loss terms both learners log first, in this order. */
const LOSSES = ['losses/policy_loss', 'losses/value_loss', 'losses/entropy'];

/** A policy and a prepared rollout of random observations and rewards, its actions sampled from the policy. */
function rollout(cfg: BaseLearnerConfig, scope: string) {
  const policy = new RolePolicy(SPEC, {
    hidden: cfg.hiddenSizes,
    activation: cfg.activation,
    seed: 1,
    criticInputDim: SPEC.obsDim,
    adamEps: cfg.adamEps,
    scope,
  });
  const { count: N, obsDim: D } = SPEC;
  const ro = new RoleRollout({ numSteps: T, count: N, obsDim: D, rawDim: policy.rawDim, stateDim: 0 });
  const rng = new Rng('update-metrics');
  const obs = new Float32Array(N * D);
  const envAct = new Float32Array(N * 2);
  const raw = new Float32Array(N * policy.rawDim);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < obs.length; i++) obs[i] = rng.normal();
    policy.act(obs, N, rng, raw, envAct);
    ro.obs.set(obs, t * N * D);
    ro.raw.set(raw, t * N * policy.rawDim);
    for (let i = 0; i < N; i++) {
      ro.active[t * N + i] = 1;
      ro.rewards[t * N + i] = rng.uniform(-1, 1);
      ro.dones[t * N + i] = t === T - 1 ? 1 : 0;
    }
  }
  ro.nextObs.set(obs);
  ro.nextActive.fill(1);
  return { policy, ro, rng };
}

/** Run `update` once on a fresh prepared rollout; checks that it keeps no tensor and that every metric is finite. */
async function finiteUpdate<C extends BaseLearnerConfig>(
  cfg: C,
  scope: string,
  update: (policy: RolePolicy, ro: RoleRollout, cfg: C, lr: number, rng: Rng) => Promise<UpdateMetrics>,
): Promise<UpdateMetrics> {
  const { policy, ro, rng } = rollout(cfg, scope);
  prepareRollout(policy, ro, cfg);
  const before = tf.memory().numTensors;
  const m = await update(policy, ro, cfg, 1e-3, rng);
  expect(tf.memory().numTensors).toBe(before);
  policy.dispose();
  for (const [k, v] of Object.entries(m)) expect(Number.isFinite(v), k).toBe(true);
  return m;
}

describe('update metrics', () => {
  it('ppoUpdate returns the CleanRL losses/* names, in order, all finite', async () => {
    const cfg = PpoConfigSchema.parse({ numSteps: T, hiddenSizes: [8], numMinibatches: 2, updateEpochs: 2 });
    const m = await finiteUpdate(cfg, 'metrics-ppo', ppoUpdate);
    expect(Object.keys(m)).toEqual([
      ...LOSSES,
      'losses/old_approx_kl',
      'losses/approx_kl',
      'losses/clipfrac',
      'losses/explained_variance',
      'losses/epochs',
    ]);
    expect(m['losses/epochs']).toBe(2);
    expect(m['losses/value_loss']).toBeGreaterThan(0);
    expect(m['losses/clipfrac']).toBeGreaterThanOrEqual(0);
    expect(m['losses/clipfrac']).toBeLessThanOrEqual(1);
  });

  it('reinforceUpdate returns the CleanRL losses/* names, in order, all finite', async () => {
    const cfg = ReinforceConfigSchema.parse({ numSteps: T, hiddenSizes: [8], numMinibatches: 2 });
    const m = await finiteUpdate(cfg, 'metrics-reinforce', reinforceUpdate);
    expect(Object.keys(m)).toEqual([...LOSSES, 'losses/explained_variance']);
    expect(m['losses/value_loss']).toBeGreaterThan(0);
  });
});
