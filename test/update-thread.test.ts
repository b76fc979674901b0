/**
 * The second update thread (agents/trainer/update-thread.ts): a run that updates its later roles
 * there is the run that updates them one after the other, bit for bit.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../agents/tf/backend.ts';
import { type Algo, Trainer } from '../agents/trainer/trainer.ts';
import { UpdateThread } from '../agents/trainer/update-thread.ts';
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

/** Three roles (two go to the thread), ejections (inactive rows), truncation at the horizon, a global state. */
function threeRoleEnv(): BatchedBandit {
  return new BatchedBandit({
    roles: [
      { name: 'operator', count: 3, target: [0.3, 0.7] },
      { name: 'coprocessor', count: 4, target: [0.8, 0.2, 0.5], low: -1, high: 1 },
      { name: 'auditor', count: 2, target: [0.6] },
    ],
    horizon: 5,
    ejectProb: 0.1,
    noise: 0.05,
  });
}

const SMALL = {
  hiddenSizes: [16, 16],
  numSteps: 16,
  numMinibatches: 3,
  yieldMs: 1,
  totalTimesteps: 4 * 16 * 9,
};

/** Every iteration's metrics but the clocks, and every role's weights and Adam moments at the end. */
async function train(algo: Algo, config: Record<string, unknown>) {
  const trainer = new Trainer({ env: threeRoleEnv(), algo, config: { ...SMALL, ...config } });
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
  return { rows, state, steps, threaded: logs.some((m) => m.includes('on a second thread')) };
}

describe('parallelUpdate', () => {
  for (const [algo, extra] of [
    ['ppo', { updateEpochs: 3 }],
    ['ppo', { centralizedCritic: true, bootstrapTruncated: true }],
    ['reinforce', {}],
  ] as const) {
    it(`gives the sequential run bit for bit (${algo} ${JSON.stringify(extra)})`, async () => {
      const seq = await train(algo, { ...extra, parallelUpdate: false });
      const par = await train(algo, { ...extra, parallelUpdate: true });
      expect(seq.rows).toHaveLength(4);
      // The metrics of every iteration, key for key in the same order (metrics.jsonl stays byte for byte).
      expect(par.rows.map((r) => Object.keys(r))).toEqual(seq.rows.map((r) => Object.keys(r)));
      expect(par.rows).toEqual(seq.rows);
      expect(par.state).toEqual(seq.state);
      expect(par.steps).toEqual(seq.steps);
      expect(seq.steps[1]).toBeGreaterThan(0);
      expect([seq.threaded, par.threaded]).toEqual([false, true]);
    });
  }

  it('refuses true with an early stop (targetKl) and names the field; auto then updates one role after the other', async () => {
    expect(
      () => new Trainer({ env: threeRoleEnv(), config: { ...SMALL, targetKl: 0.01, parallelUpdate: true } }),
    ).toThrow(/parallelUpdate is true, but targetKl/);
    const a = await train('ppo', { targetKl: 0.01, parallelUpdate: 'auto' });
    const b = await train('ppo', { targetKl: 0.01, parallelUpdate: false });
    expect(a.rows).toEqual(b.rows);
    expect(a.threaded).toBe(false);
  });

  it("auto: a thread for big enough later roles on two free cores; none for small ones, or with a worker's job slots taking the cores", async () => {
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
    // 32 x 128 = 4,096 samples of the later role per iteration: enough; 31 x 128 is not.
    expect(await threaded(32)).toBe(availableParallelism() >= 2);
    expect(await threaded(31)).toBe(false);
    expect(await threaded(32, String(availableParallelism()))).toBe(false);
  });

  // tfjs-node is an optional dependency that these machines never get: a backend that cannot start.
  it.skipIf(resolves('@tensorflow/tfjs-node'))(
    'a thread whose backend cannot start says why, to whoever waits for it and to every request',
    async () => {
      const thread = new UpdateThread('node');
      await expect(thread.ready).rejects.toThrow(/the update thread could not start: .*node/i);
      expect(thread.isReady).toBe(false);
      await expect(thread.update({} as never)).rejects.toThrow(/could not start/);
      await thread.close();
    },
  );

  it('rejects a value that is not true, false or auto, naming the field', () => {
    expect(() => new Trainer({ env: threeRoleEnv(), config: { ...SMALL, parallelUpdate: 'yes' } })).toThrow(
      /parallelUpdate/,
    );
  });
});
