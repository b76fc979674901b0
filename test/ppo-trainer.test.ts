import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunDir } from '../agents/trainer/run-dir.ts';
import { initBackend } from '../agents/tf/backend.ts';
import { resolveConfig, resume, Trainer } from '../agents/trainer/trainer.ts';
import { BatchedBandit } from '../envs/classic/bandit.ts';
import type { TrainerEvent } from '../src/core/train-events.ts';
import { etaSec, initialDashboardState, reduceDashboard } from '../src/app/dashboard/dashboard-state.ts';

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

describe('Trainer: stops, pauses and resumes', () => {
  const config = { ...SMALL, seed: 3, totalTimesteps: 5 * ITER_SAMPLES, normObs: true, checkpointEvery: 0 };
  let full: Record<string, unknown>[];
  beforeAll(async () => {
    full = await collect(new Trainer({ env: twoRoleEnv(), config }));
  });
  const latest = (out: string) => join(out, 'checkpoints', 'latest', 'state.json');
  const iterationOf = (out: string) =>
    RunDir.open(out).loadCheckpoint<{ iteration: number }>('latest').state.iteration;

  it('writes a save requested while paused at once, at the boundary the pause holds, and resumes from it exactly', async () => {
    const out = join(dir, 'paused-save');
    const copy = join(dir, 'paused-save-copy');
    const trainer = new Trainer({ env: twoRoleEnv(), config, runDir: out });
    const seen: { iteration: number; saved: boolean; checkpoint?: string }[] = [];
    trainer.events$.subscribe((ev) => {
      if (ev.type === 'iteration' && ev.iteration === 2) trainer.pause();
      if (ev.type === 'checkpoint' && trainer.isPaused) seen[0].checkpoint = ev.reason;
      if (ev.type === 'paused' && ev.paused) {
        seen.push({ iteration: trainer.iteration, saved: false });
        trainer.requestSave();
        // Written before requestSave returns: the trainer waits at a safe point.
        seen[0].saved = existsSync(latest(out));
        cpSync(out, copy, { recursive: true });
        trainer.resume();
      }
    });
    await trainer.run();
    trainer.dispose();
    expect(seen).toEqual([{ iteration: 2, saved: true, checkpoint: 'manual' }]);
    expect(iterationOf(copy)).toBe(2);
    const again = await resume(copy, twoRoleEnv());
    const rest = await collect(again);
    again.dispose();
    expect(rest).toEqual(full.slice(2));
  });

  it('leaves paused time out of elapsed_sec, perf/rollout_sec, SPS, the checkpoint and the ETA; other metrics stay bit for bit', async () => {
    const out = join(dir, 'paused-time');
    let offset = 0;
    const PAUSE_MS = 1e6; // a pause of 1000 s, on a fake clock
    const trainer = new Trainer({
      env: twoRoleEnv(),
      config,
      runDir: out,
      now: () => performance.now() + offset,
    });
    let dash = initialDashboardState;
    let etaAfterPause: number | undefined;
    trainer.events$.subscribe((ev) => {
      dash = reduceDashboard(dash, ev);
      if (ev.type === 'iteration' && ev.iteration === 2) trainer.pause();
      if (ev.type === 'iteration' && ev.iteration === 3) etaAfterPause = etaSec(dash);
      if (ev.type === 'paused' && ev.paused) {
        offset += PAUSE_MS;
        trainer.resume();
      }
    });
    const rows: Record<string, unknown>[] = [];
    trainer.events$.subscribe((ev) => {
      if (ev.type === 'iteration') rows.push(stable({ iteration: ev.iteration, ...ev.metrics }));
    });
    await trainer.run();
    trainer.dispose();
    expect(rows).toEqual(full);
    const logged = RunDir.open(out).readMetrics();
    expect(logged).toHaveLength(5);
    for (const r of logged) {
      expect(r.elapsed_sec).toBeLessThan(PAUSE_MS / 1000);
      expect(r['perf/rollout_sec']).toBeLessThan(PAUSE_MS / 1000);
      // 80 samples an iteration: over 1000 s of pause the SPS would be under 1.
      expect(r['charts/SPS']).toBeGreaterThan(1);
    }
    const ckpt = RunDir.open(out).loadCheckpoint<{ elapsedSec: number }>('latest');
    expect(ckpt.state.elapsedSec).toBeLessThan(PAUSE_MS / 1000);
    expect(etaAfterPause).toBeDefined();
    expect(etaAfterPause!).toBeLessThan(PAUSE_MS / 1000);
  });

  it('checkpoints the first iteration, so a run killed later resumes from it exactly', async () => {
    const out = join(dir, 'first-checkpoint');
    const killed = join(dir, 'first-checkpoint-killed');
    // The default checkpointEvery (10): without the first checkpoint there would be none before iteration 10.
    const { checkpointEvery: _c, ...defaults } = config;
    const trainer = new Trainer({ env: twoRoleEnv(), config: defaults, runDir: out });
    const checkpoints: { globalStep: number; reason: string }[] = [];
    trainer.events$.subscribe((ev) => {
      if (ev.type === 'checkpoint') checkpoints.push({ globalStep: ev.globalStep, reason: ev.reason });
      // What a kill -9 after iteration 2 leaves behind: metrics of 2 iterations, the checkpoint of the first.
      if (ev.type === 'iteration' && ev.iteration === 2) cpSync(out, killed, { recursive: true });
    });
    await trainer.run();
    trainer.dispose();
    expect(checkpoints[0]).toEqual({ globalStep: ITER_SAMPLES, reason: 'periodic' });
    expect(iterationOf(killed)).toBe(1);
    const again = await resume(killed, twoRoleEnv());
    const rest = await collect(again);
    again.dispose();
    expect(rest).toEqual(full.slice(1));
    expect(
      RunDir.open(killed)
        .readMetrics()
        .map((r) => r.iteration),
    ).toEqual([1, 2, 3, 4, 5]);
  });

  it('a run directory without a checkpoint: resume says so, and restarts it from step 0 when asked', async () => {
    const out = join(dir, 'no-checkpoint');
    new Trainer({ env: twoRoleEnv(), config, runDir: out }).dispose();
    expect(existsSync(join(out, 'run.json'))).toBe(true);
    await expect(resume(out, twoRoleEnv())).rejects.toThrow(
      /has no checkpoint yet: the run stopped before its first one.*starts it over from step 0/,
    );
    const again = await resume(out, twoRoleEnv(), { restartWithoutCheckpoint: true });
    const logs: string[] = [];
    again.events$.subscribe((ev) => {
      if (ev.type === 'log') logs.push(ev.message);
    });
    expect(again.iteration).toBe(0);
    const rows = await collect(again);
    again.dispose();
    expect(rows).toEqual(full);
    expect(logs.join('\n')).toMatch(/no checkpoint yet .*starting it over from step 0/);
  });

  it('a finished run resumed with a larger budget trains on, the learning rate annealed over the new total', async () => {
    const out = join(dir, 'extended');
    const short = { ...config, totalTimesteps: 2 * ITER_SAMPLES };
    const first = new Trainer({ env: twoRoleEnv(), config: short, runDir: out });
    await first.run();
    first.dispose();
    const again = await resume(out, twoRoleEnv(), { totalTimesteps: 4 * ITER_SAMPLES });
    expect(again.numIterations).toBe(4);
    const rows = await collect(again);
    again.dispose();
    expect(rows.map((r) => r.iteration)).toEqual([3, 4]);
    const lr = resolveConfig('ppo', config).learningRate;
    expect(rows[0]['charts/learning_rate/operator']).toBeCloseTo((1 - 2 / 4) * lr, 12);
    expect(RunDir.open(out).readJson('run.json')).toMatchObject({
      totalTimesteps: 4 * ITER_SAMPLES,
      numIterations: 4,
    });
  });
});
