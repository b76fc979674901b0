import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunDir } from '../agents/trainer/run-dir.ts';
import { initBackend } from '../agents/tf/backend.ts';
import { resolveConfig, resume, Trainer } from '../agents/trainer/trainer.ts';
import { BatchedBandit } from '../envs/classic/bandit.ts';
import type { TrainerEvent } from '../src/core/train-events.ts';

let dir: string;
beforeAll(async () => {
  await initBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'copronet-ppo-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Two roles, ejections (inactive slots), truncation at the horizon, a global state. */
function twoRoleEnv(): BatchedBandit {
  return new BatchedBandit({
    roles: [
      { name: 'operator', count: 3, target: [0.3, 0.7] },
      { name: 'coprocessor', count: 2, target: [0.8, 0.2, 0.5], low: -1, high: 1 },
    ],
    horizon: 5,
    ejectProb: 0.1,
    noise: 0.05,
  });
}

const SMALL = { hiddenSizes: [16, 16], numSteps: 16, numMinibatches: 3, updateEpochs: 2, yieldMs: 1 };
const { updateEpochs: _e, ...REINFORCE_SMALL } = SMALL;
const ITER_SAMPLES = 16 * 5;

/** Metrics without the wall-clock ones. */
function stable(m: Record<string, unknown>): Record<string, unknown> {
  const { 'charts/SPS': _sps, elapsed_sec: _el, 'perf/rollout_sec': _r, 'perf/update_sec': _u, ...rest } = m;
  return rest;
}

async function collect(trainer: Trainer): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  trainer.events$.subscribe((ev) => {
    if (ev.type === 'iteration') rows.push(stable({ iteration: ev.iteration, ...ev.metrics }));
  });
  await trainer.run();
  return rows;
}

describe('Trainer', () => {
  it('rejects unknown or invalid config fields with a helpful message', () => {
    expect(() => resolveConfig('ppo', { learningRat: 1 })).toThrow(/learningRat/);
    expect(() => resolveConfig('ppo', { clipCoef: -1 })).toThrow(/clipCoef/);
    expect(resolveConfig('reinforce', {}).learningRate).toBe(1e-3);
    expect(() => new Trainer({ env: twoRoleEnv(), config: { totalTimesteps: 10 } })).toThrow(
      /smaller than one rollout/,
    );
  });

  it('keeps tf.memory().numTensors flat across iterations (PPO and REINFORCE, centralised critic)', async () => {
    for (const algo of ['ppo', 'reinforce'] as const) {
      const trainer = new Trainer({
        env: twoRoleEnv(),
        algo,
        config: {
          ...(algo === 'ppo' ? SMALL : REINFORCE_SMALL),
          totalTimesteps: 4 * ITER_SAMPLES,
          centralizedCritic: true,
          normObs: true,
        },
      });
      const counts: number[] = [];
      trainer.events$.subscribe((ev) => {
        if (ev.type === 'iteration') counts.push(tf.memory().numTensors);
      });
      await trainer.run();
      expect(counts).toHaveLength(4);
      expect(new Set(counts.slice(1)).size).toBe(1);
      expect(counts[3]).toBe(counts[0]);
      const before = tf.memory().numTensors;
      trainer.dispose();
      expect(tf.memory().numTensors).toBeLessThan(before);
    }
  });

  it('emits namespaced metrics per role', async () => {
    const trainer = new Trainer({
      env: twoRoleEnv(),
      config: { ...SMALL, totalTimesteps: 2 * ITER_SAMPLES },
    });
    const events: TrainerEvent[] = [];
    trainer.events$.subscribe((ev) => events.push(ev));
    await trainer.run();
    trainer.dispose();
    expect(events[0].type).toBe('start');
    expect(events.at(-1)).toMatchObject({ type: 'done', reason: 'budget', globalStep: 2 * ITER_SAMPLES });
    const it2 = events.filter((e) => e.type === 'iteration').at(-1);
    if (it2?.type !== 'iteration') throw new Error('no iteration event');
    for (const role of ['operator', 'coprocessor']) {
      for (const k of [
        'charts/episodic_return',
        'charts/learning_rate',
        'losses/policy_loss',
        'losses/value_loss',
        'losses/entropy',
        'losses/approx_kl',
        'losses/clipfrac',
        'losses/explained_variance',
      ]) {
        expect(it2.metrics[`${k}/${role}`], `${k}/${role}`).toBeTypeOf('number');
      }
    }
    expect(it2.metrics['charts/SPS']).toBeGreaterThan(0);
    expect(it2.metrics['charts/episodic_length']).toBeGreaterThan(0);
    // Annealed learning rate: 2.5e-4 at iteration 1, half of it at iteration 2 of 2.
    expect(it2.metrics['charts/learning_rate/operator']).toBeCloseTo(1.25e-4, 10);
  });

  it('is bit-for-bit reproducible with the same seed, and differs with another', async () => {
    const run = async (seed: number) => {
      const trainer = new Trainer({
        env: twoRoleEnv(),
        config: { ...SMALL, seed, totalTimesteps: 3 * ITER_SAMPLES },
      });
      const rows = await collect(trainer);
      const w = Array.from(trainer.policy('operator').actor.weights[0].dataSync());
      trainer.dispose();
      return { rows, w };
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    expect(b.rows).toEqual(a.rows);
    expect(b.w).toEqual(a.w);
    expect(c.rows).not.toEqual(a.rows);
    expect(c.w).not.toEqual(a.w);
  });

  it('resumes from a checkpoint exactly where it stopped (stop at an iteration boundary or mid-rollout)', async () => {
    const config = { ...SMALL, seed: 3, totalTimesteps: 5 * ITER_SAMPLES, normObs: true, checkpointEvery: 0 };
    const full = await collect(new Trainer({ env: twoRoleEnv(), config, runDir: join(dir, 'full') }));
    expect(full).toHaveLength(5);

    for (const mode of ['boundary', 'mid-rollout'] as const) {
      const out = join(dir, `stopped-${mode}`);
      const first = new Trainer({ env: twoRoleEnv(), config, runDir: out });
      first.events$.subscribe((ev) => {
        if (ev.type !== 'iteration' || ev.iteration !== 2) return;
        if (mode === 'boundary') first.requestStop();
        else setTimeout(() => first.requestStop(), 0);
      });
      const res = await first.run();
      expect(res.reason).toBe('interrupt');
      first.dispose();
      expect(existsSync(join(out, 'checkpoints', 'latest', 'state.json'))).toBe(true);

      const second = await resume(out, twoRoleEnv());
      expect(second.iteration).toBeGreaterThanOrEqual(2);
      const from = second.iteration;
      const rest = await collect(second);
      second.dispose();
      expect(rest.map((r) => r.iteration)).toEqual([3, 4, 5].filter((i) => i > from));
      expect(rest).toEqual(full.slice(from));
      // The metrics log holds every iteration once, in order.
      const logged = RunDir.open(out)
        .readMetrics()
        .map((r) => r.iteration);
      expect(logged).toEqual([1, 2, 3, 4, 5]);
    }
  });

  it('writes the run directory: config, run info, metrics lines, final checkpoint', async () => {
    const out = join(dir, 'files');
    const trainer = new Trainer({
      env: twoRoleEnv(),
      config: { ...SMALL, totalTimesteps: 2 * ITER_SAMPLES },
      runDir: out,
      scenario: 'bandit',
    });
    await trainer.run();
    trainer.dispose();
    const rd = RunDir.open(out);
    expect(rd.readJson<{ algo: string; clipCoef: number }>('config.json')).toMatchObject({
      algo: 'ppo',
      clipCoef: 0.2,
    });
    expect(rd.readJson('run.json')).toMatchObject({
      runName: 'files',
      scenario: 'bandit',
      backend: 'cpu',
      seed: 1,
      totalTimesteps: 2 * ITER_SAMPLES,
    });
    const rows = rd.readMetrics();
    expect(rows.map((r) => r.global_step)).toEqual([ITER_SAMPLES, 2 * ITER_SAMPLES]);
    expect(rows[0]).toHaveProperty('elapsed_sec');
    expect(rows[0]).toHaveProperty(['losses/value_loss/operator']);
    const ck = rd.loadCheckpoint<{ globalStep: number }>('latest');
    expect(ck.state.globalStep).toBe(2 * ITER_SAMPLES);
    expect(ck.tensors.has('operator/actor/w0')).toBe(true);
    expect(ck.tensors.has('coprocessor/critic/w0/adam_m')).toBe(true);
    expect(() => new Trainer({ env: twoRoleEnv(), config: SMALL, runDir: out })).toThrow(
      /already holds a run/,
    );
  });

  it('PPO learns the bandit optimum', async () => {
    const env = new BatchedBandit({ roles: [{ name: 'agent', count: 16, target: [0.3, 0.7] }], horizon: 1 });
    const trainer = new Trainer({
      env,
      config: {
        seed: 1,
        numSteps: 16,
        totalTimesteps: 16 * 16 * 40,
        learningRate: 3e-3,
        entCoef: 0,
        hiddenSizes: [16],
      },
    });
    await trainer.run();
    const a = trainer.act('agent', new Float32Array([0, 1]), { deterministic: true });
    trainer.dispose();
    expect(env.distance('agent', a)).toBeLessThan(0.08);
  });

  it('REINFORCE with a baseline moves towards the bandit optimum', async () => {
    const env = new BatchedBandit({ roles: [{ name: 'agent', count: 16, target: [0.2, 0.8] }], horizon: 1 });
    const trainer = new Trainer({
      env,
      algo: 'reinforce',
      config: {
        seed: 1,
        numSteps: 16,
        totalTimesteps: 16 * 16 * 60,
        learningRate: 1e-2,
        entCoef: 0,
        hiddenSizes: [16],
      },
    });
    const start = env.distance(
      'agent',
      trainer.act('agent', new Float32Array([0, 1]), { deterministic: true }),
    );
    await trainer.run();
    const end = env.distance(
      'agent',
      trainer.act('agent', new Float32Array([0, 1]), { deterministic: true }),
    );
    trainer.dispose();
    expect(start).toBeGreaterThan(0.35);
    expect(end).toBeLessThan(0.15);
  });
});
