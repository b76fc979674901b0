/**
 * The second update thread (agents/trainer/update-thread.ts): a run that updates its later roles
 * there is the run that updates them one after the other, bit for bit.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../agents/tf/backend.ts';
import { type Algo, Trainer } from '../agents/trainer/trainer.ts';
import { RoleRollout } from '../agents/common/buffer.ts';
import { prepareRollout, prepareRolloutShared } from '../agents/common/prepare.ts';
import { ppoUpdate } from '../agents/ppo/ppo.ts';
import { resolveConfig } from '../agents/trainer/config.ts';
import { UpdateThread } from '../agents/trainer/update-thread.ts';
import { RolePolicy } from '../agents/tf/policy.ts';
import type { RoleSpec } from '../src/core/batched.ts';
import { Rng } from '../src/core/rng.ts';
import { BatchedBandit } from '../envs/classic/bandit.ts';

function resolves(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  await initBackend('cpu');
});

/**
 * Three roles, one of them big enough to share (12 slots x 1000 steps: three evaluation chunks,
 * minibatches of two or four pieces), ejections (inactive rows), truncation at the horizon, a
 * global state.
 */
function threeRoleEnv(): BatchedBandit {
  return new BatchedBandit({
    roles: [
      { name: 'operator', count: 3, target: [0.3, 0.7] },
      { name: 'coprocessor', count: 12, target: [0.8, 0.2, 0.5], low: -1, high: 1 },
      { name: 'auditor', count: 2, target: [0.6] },
    ],
    horizon: 5,
    ejectProb: 0.1,
    noise: 0.05,
  });
}

const SMALL = {
  hiddenSizes: [16, 16],
  numSteps: 1000,
  numMinibatches: 2,
  updateEpochs: 2,
  yieldMs: 1,
  totalTimesteps: 2 * 1000 * 17,
};

/** Every iteration's metrics but the clocks, and every role's weights and Adam moments at the end. */
async function train(algo: Algo, config: Record<string, unknown>) {
  // REINFORCE makes one pass: no epochs.
  const { updateEpochs, ...common } = SMALL;
  const base = algo === 'ppo' ? { ...common, updateEpochs } : common;
  const trainer = new Trainer({ env: threeRoleEnv(), algo, config: { ...base, ...config } });
  const rows: Record<string, number>[] = [];
  const logs: string[] = [];
  trainer.events$.subscribe((ev) => {
    if (ev.type === 'log') logs.push(ev.message);
    if (ev.type !== 'iteration') return;
    const { 'charts/SPS': _s, 'perf/rollout_sec': _r, 'perf/update_sec': _u, ...rest } = ev.metrics;
    rows.push(rest);
  });
  await trainer.run();
  const state = Object.fromEntries(
    ['operator', 'coprocessor', 'auditor'].map((r) => [
      r,
      trainer
        .policy(r)
        .stateVariables()
        .map((v) => Array.from(v.dataSync())),
    ]),
  );
  const steps = ['operator', 'coprocessor', 'auditor'].map((r) => trainer.policy(r).optimizer.step);
  trainer.dispose();
  return {
    rows,
    state,
    steps,
    threaded: logs.some((m) => m.includes('on a second thread')),
    work: trainer.sharedWork,
  };
}

describe('parallelUpdate', () => {
  for (const [algo, extra] of [
    // minibatches of 5,984 live rows at most: two pieces, one on each thread
    ['ppo', {}],
    // one minibatch of up to 12,000 rows: four pieces (two here, two there); an early stop that
    // ends the first iteration's epochs after two of three, not the second's
    ['ppo', { numMinibatches: 1, updateEpochs: 3, centralizedCritic: true, targetKl: 5e-7 }],
    ['reinforce', {}],
  ] as const) {
    it(`gives the one-thread run bit for bit (${algo} ${JSON.stringify(extra)})`, async () => {
      const one = await train(algo, { ...extra, parallelUpdate: false });
      const two = await train(algo, { ...extra, parallelUpdate: true });
      expect(one.rows).toHaveLength(2);
      // The metrics of every iteration, key for key in the same order (metrics.jsonl stays byte for byte).
      expect(two.rows.map((r) => Object.keys(r))).toEqual(one.rows.map((r) => Object.keys(r)));
      expect(two.rows).toEqual(one.rows);
      expect(two.state).toEqual(one.state);
      expect(two.steps).toEqual(one.steps);
      expect(one.steps[1]).toBeGreaterThan(0);
      expect([one.threaded, two.threaded]).toEqual([false, true]);
      // Only the coprocessors (12,000 rows: three evaluation chunks of 4,096) share: the thread
      // evaluates each chunk while the rollout goes on, and takes per minibatch its later pieces.
      expect(one.work).toEqual({ chunks: 0, pieces: 0 });
      expect(two.work.chunks).toBe(2 * 3);
      expect(two.work.pieces).toBeGreaterThanOrEqual(2);
      if ('targetKl' in extra) expect(one.rows.map((r) => r['losses/epochs/coprocessor'])).toEqual([2, 3]);
    });
  }

  it("auto: a thread where a role's minibatches split into two pieces, on two free cores; none for smaller ones, or with a worker's job slots taking the cores", async () => {
    const threaded = async (count: number, slots?: string) => {
      const env = new BatchedBandit({
        roles: [
          { name: 'operator', count: 2, target: [0.3, 0.7] },
          { name: 'coprocessor', count, target: [0.8, 0.2] },
        ],
        horizon: 5,
      });
      const old = process.env.COPRONET_JOB_SLOTS;
      if (slots === undefined) delete process.env.COPRONET_JOB_SLOTS;
      else process.env.COPRONET_JOB_SLOTS = slots;
      try {
        const trainer = new Trainer({
          env,
          config: { hiddenSizes: [8], numSteps: 128, totalTimesteps: 128 * (count + 2), yieldMs: 1 },
        });
        const logs: string[] = [];
        trainer.events$.subscribe((ev) => {
          if (ev.type === 'log') logs.push(ev.message);
        });
        await trainer.run();
        trainer.dispose();
        return logs.some((m) => m.includes('on a second thread'));
      } finally {
        if (old === undefined) delete process.env.COPRONET_JOB_SLOTS;
        else process.env.COPRONET_JOB_SLOTS = old;
      }
    };
    // 126 x 128 samples in 4 minibatches: 4,032 rows, two pieces (STEP_CHUNK 4,000); 120 x 128: 3,840 rows, one.
    expect(await threaded(126)).toBe(availableParallelism() >= 2);
    expect(await threaded(120)).toBe(false);
    expect(await threaded(126, String(availableParallelism()))).toBe(false);
  });

  // tfjs-node is an optional dependency that these machines never get: a backend that cannot start.
  it.skipIf(resolves('@tensorflow/tfjs-node'))(
    'a thread whose backend cannot start says why, to whoever waits for it and to every request',
    async () => {
      const thread = new UpdateThread('node');
      await expect(thread.ready).rejects.toThrow(/the update thread could not start: .*node/i);
      expect(thread.isReady).toBe(false);
      const helper = thread.helper(
        { spec: { name: 'coprocessor' } } as never,
        { size: 8192 } as never,
        new Float32Array(0),
        true,
      );
      await expect(helper.pieces(new Int32Array(4), {} as never, {} as never)).rejects.toThrow(
        /could not start/,
      );
      await thread.close();
    },
  );

  it('a rollout handed over only at the update: this thread evaluates the first half of its chunks, the other the rest, and the pieces are shared: the numbers of one thread', async () => {
    const spec: RoleSpec = {
      name: 'coprocessor',
      count: 9,
      obsDim: 5,
      action: { kind: 'box', dim: 2, low: Float32Array.of(0, 0), high: Float32Array.of(1, 1) },
    };
    const shape = { numSteps: 1500, count: 9, obsDim: 5, rawDim: 2, stateDim: 0 };
    const cfg = resolveConfig('ppo', { hiddenSizes: [16, 16], numMinibatches: 2, updateEpochs: 2 }) as never;
    const options = {
      hidden: [16, 16],
      activation: 'tanh',
      seed: 3,
      criticInputDim: 5,
      adamEps: 1e-5,
    } as const;
    const fill = (ro: RoleRollout) => {
      const rng = new Rng(11);
      for (let i = 0; i < ro.obs.length; i++) ro.obs[i] = rng.normal();
      for (let i = 0; i < ro.raw.length; i++) ro.raw[i] = 0.01 + 0.98 * rng.uniform();
      for (let i = 0; i < ro.size; i++) {
        ro.rewards[i] = rng.normal();
        ro.active[i] = rng.uniform() < 0.9 ? 1 : 0;
        ro.dones[i] = rng.uniform() < 0.05 ? 1 : 0;
        ro.truncatedOnly[i] = ro.dones[i] && rng.uniform() < 0.5 ? 1 : 0;
      }
      for (let i = 0; i < ro.finalObs.length; i++) ro.finalObs[i] = rng.normal();
      ro.nextObs.fill(0.5);
      ro.nextActive.fill(1);
    };
    const run = async (thread: UpdateThread | null) => {
      const policy = new RolePolicy(spec, { ...options, scope: `split-${thread ? 'two' : 'one'}` });
      const ro = new RoleRollout(shape);
      fill(ro);
      const setup = { spec, policy: { ...options, scope: 'split' }, shape };
      const helper = thread?.helper(setup, ro, policy.flatState().theta, true);
      if (helper) await prepareRolloutShared(policy, ro, cfg, helper);
      else prepareRollout(policy, ro, cfg);
      const metrics = await ppoUpdate(policy, ro, cfg, 3e-4, new Rng(5), undefined, helper);
      const out = {
        prepared: [ro.logp, ro.values, ro.rewards, ro.advantages, ro.returns].map((a) => Array.from(a)),
        metrics,
        theta: Array.from(policy.flatState().theta),
      };
      policy.dispose();
      return out;
    };
    const thread = new UpdateThread('cpu');
    await thread.ready;
    try {
      const one = await run(null);
      const two = await run(thread);
      expect(two).toEqual(one);
      // 13,500 rows: chunks 0-3 of 4,096, the last two there; minibatches of two pieces.
      expect(thread.work.chunks).toBe(2);
      expect(thread.work.pieces).toBe(2 * 2);
    } finally {
      await thread.close();
    }
  });

  it('rejects a value that is not true, false or auto, naming the field', () => {
    expect(() => new Trainer({ env: threeRoleEnv(), config: { ...SMALL, parallelUpdate: 'yes' } })).toThrow(
      /parallelUpdate/,
    );
  });
});
