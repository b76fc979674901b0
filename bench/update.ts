/**
 * One PPO update of one role on a synthetic rollout of given shapes, timed: the
 * copronet side of `npm run bench -- torch` (the same shapes as the PyTorch
 * reference's presets; the cost of an update does not depend on the values).
 *
 * ```ts
 * const s = await syntheticUpdate(UPDATE_PRESETS.cartpole);
 * const ms = await s.time(); // one update (every epoch and minibatch, Adam, clipping)
 * s.dispose();
 * ```
 */
import { RoleRollout } from '../agents/common/buffer.ts';
import { prepareRollout } from '../agents/common/prepare.ts';
import { PpoConfigSchema } from '../agents/ppo/config.ts';
import { ppoUpdate } from '../agents/ppo/ppo.ts';
import { RolePolicy } from '../agents/tf/policy.ts';
import type { RoleSpec } from '../src/core/batched.ts';
import { Rng } from '../src/core/rng.ts';

export interface UpdateShape {
  /** Env steps x slots: the rollout is `steps * slots` rows. */
  steps: number;
  slots: number;
  obs: number;
  /** Beta: action dimensions; categorical: choices. */
  act: number;
  dist: 'beta' | 'categorical';
  epochs: number;
  minibatches: number;
}

/** The presets of the PyTorch reference (CleanRL CartPole-v1; one role of the network env). */
export const UPDATE_PRESETS = {
  cartpole: { steps: 128, slots: 4, obs: 4, act: 2, dist: 'categorical', epochs: 4, minibatches: 4 },
  'network-quick': { steps: 128, slots: 10, obs: 19, act: 2, dist: 'beta', epochs: 4, minibatches: 4 },
  'network-paper': { steps: 1000, slots: 100, obs: 19, act: 2, dist: 'beta', epochs: 4, minibatches: 4 },
} as const satisfies Record<string, UpdateShape>;

let counter = 0;

export interface SyntheticUpdate {
  rows: number;
  /** Milliseconds of one `ppoUpdate` (all epochs and minibatches). */
  time(): Promise<number>;
  policy: RolePolicy;
  rollout: RoleRollout;
  dispose(): void;
}

/** A 64-64 tanh actor and critic (CleanRL's) and a prepared rollout of random data of the given shape. */
export async function syntheticUpdate(shape: UpdateShape, seed = 1): Promise<SyntheticUpdate> {
  const rng = new Rng(`synthetic-update:${seed}`);
  const spec: RoleSpec = {
    name: 'agent',
    count: shape.slots,
    obsDim: shape.obs,
    action:
      shape.dist === 'beta'
        ? {
            kind: 'box',
            dim: shape.act,
            low: new Float32Array(shape.act),
            high: new Float32Array(shape.act).fill(1),
          }
        : { kind: 'discrete', n: shape.act },
  };
  const cfg = PpoConfigSchema.parse({
    numSteps: shape.steps,
    updateEpochs: shape.epochs,
    numMinibatches: shape.minibatches,
  });
  const policy = new RolePolicy(spec, {
    hidden: cfg.hiddenSizes,
    activation: cfg.activation,
    seed,
    criticInputDim: shape.obs,
    adamEps: cfg.adamEps,
    scope: `bench-update-${++counter}`,
  });
  const ro = new RoleRollout({
    numSteps: shape.steps,
    count: shape.slots,
    obsDim: shape.obs,
    rawDim: policy.rawDim,
    stateDim: 0,
  });
  for (let i = 0; i < ro.obs.length; i++) ro.obs[i] = rng.normal();
  for (let i = 0; i < ro.raw.length; i++) {
    ro.raw[i] = shape.dist === 'beta' ? 1e-4 + (1 - 2e-4) * rng.next() : rng.int(shape.act);
  }
  for (let i = 0; i < ro.size; i++) {
    ro.active[i] = 1;
    ro.rewards[i] = rng.normal();
  }
  ro.nextObs.set(ro.obs.subarray(0, shape.slots * shape.obs));
  ro.nextActive.fill(1);
  prepareRollout(policy, ro, cfg);
  // Advantages, returns and values of the reference: standard normal.
  for (let i = 0; i < ro.size; i++) {
    ro.advantages[i] = rng.normal();
    ro.returns[i] = rng.normal();
    ro.values[i] = rng.normal();
  }
  return {
    rows: ro.size,
    policy,
    rollout: ro,
    async time() {
      const t0 = performance.now();
      await ppoUpdate(policy, ro, cfg, cfg.learningRate, rng);
      return performance.now() - t0;
    },
    dispose() {
      policy.dispose();
    },
  };
}
