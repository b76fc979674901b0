/**
 * PPO throughput on a BatchedEnv: rollout samples per second (env steps plus
 * policy sampling) and seconds per update, for a backend.
 *
 * ```ts
 * const r = await benchPpo({ makeEnv: () => myEnv, backend: 'wasm', numSteps: 1000, iterations: 2 });
 * // { backend: 'wasm', samplesPerSec, updateSec, ... }
 * ```
 * Run directly for CartPole-v1 on wasm and cpu:
 * `node bin/run-ts.mjs bench/ppo.ts [--envs 8] [--steps 256] [--backends wasm,cpu]`
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type BackendName, initBackend } from '../agents/tf/backend.ts';
import { Trainer } from '../agents/trainer/trainer.ts';
import '../envs/classic/index.ts';
import type { BatchedEnv } from '../src/core/batched.ts';
import { makeEnv } from '../src/core/registry.ts';
import { BatchedFromVector } from '../src/core/vector.ts';

export interface BenchPpoOptions {
  /** A fresh BatchedEnv (e.g. the network env at paper scale: 200 slots). */
  makeEnv: () => BatchedEnv;
  /** @default 'auto' */
  backend?: BackendName;
  /** Env steps per iteration (the batch is numSteps x slots). @default 128 */
  numSteps?: number;
  /** Iterations timed after one warm-up iteration. @default 2 */
  iterations?: number;
  /** Further PPO config (hidden sizes, epochs, minibatches...). */
  config?: Record<string, unknown>;
}

export interface BenchPpoResult {
  backend: string;
  /** Rollout throughput: samples (slot-steps) per second of collection. */
  samplesPerSec: number;
  /** Seconds per PPO update (all roles, all epochs). */
  updateSec: number;
  /** Samples per second over whole iterations (rollout plus update). */
  totalSps: number;
  samplesPerIteration: number;
}

export async function benchPpo(opts: BenchPpoOptions): Promise<BenchPpoResult> {
  const info = await initBackend(opts.backend ?? 'auto');
  const env = opts.makeEnv();
  const slots = env.roles.reduce((s, r) => s + r.count, 0);
  const numSteps = opts.numSteps ?? 128;
  const iterations = opts.iterations ?? 2;
  const trainer = new Trainer({
    env,
    config: {
      numSteps,
      ...opts.config,
      totalTimesteps: numSteps * slots * (iterations + 1),
      checkpointEvery: 0,
    },
  });
  let rollout = 0;
  let update = 0;
  trainer.events$.subscribe((ev) => {
    if (ev.type !== 'iteration' || ev.iteration === 1) return;
    rollout += ev.metrics['perf/rollout_sec'];
    update += ev.metrics['perf/update_sec'];
  });
  await trainer.run();
  trainer.dispose();
  env.close();
  const samples = numSteps * slots;
  return {
    backend: info.name,
    samplesPerSec: Math.round((samples * iterations) / rollout),
    updateSec: update / iterations,
    totalSps: Math.round((samples * iterations) / (rollout + update)),
    samplesPerIteration: samples,
  };
}

export interface CartpoleResult {
  /** CleanRL's SPS: global steps over the wall time since the start of training (rollouts and updates). */
  sps: number;
  /** Milliseconds per iteration (median over the run): rollout, and update (including GAE and log-probs). */
  rolloutMs: number;
  updateMs: number;
}

/**
 * PPO on CartPole-v1 with CleanRL's ppo.py settings (4 envs x 128 steps, 4 epochs x 4
 * minibatches, the 64-64 tanh networks), `totalTimesteps` long, on a backend.
 */
export async function benchCartpole(
  totalTimesteps: number,
  backend: BackendName = 'wasm',
): Promise<CartpoleResult> {
  await initBackend(backend);
  const env = new BatchedFromVector(
    Array.from({ length: 4 }, () => () => makeEnv('CartPole-v1')),
    { seed: 1 },
  );
  const trainer = new Trainer({
    env,
    config: { numSteps: 128, totalTimesteps, seed: 1, checkpointEvery: 0 },
  });
  let sps = 0;
  const rollout: number[] = [];
  const update: number[] = [];
  trainer.events$.subscribe((ev) => {
    if (ev.type !== 'iteration') return;
    sps = ev.metrics['charts/SPS'];
    rollout.push(ev.metrics['perf/rollout_sec'] * 1000);
    update.push(ev.metrics['perf/update_sec'] * 1000);
  });
  await trainer.run();
  trainer.dispose();
  env.close();
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { sps, rolloutMs: med(rollout), updateMs: med(update) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      envs: { type: 'string', default: '8' },
      steps: { type: 'string', default: '256' },
      backends: { type: 'string', default: 'wasm,cpu' },
    },
  });
  const n = Number(values.envs);
  for (const backend of values.backends.split(',') as BackendName[]) {
    const r = await benchPpo({
      backend,
      numSteps: Number(values.steps),
      makeEnv: () =>
        new BatchedFromVector(
          Array.from({ length: n }, () => () => makeEnv('CartPole-v1')),
          { seed: 1 },
        ),
    });
    console.log(
      `CartPole-v1 x${n}, ${r.samplesPerIteration} samples/iteration, backend ${r.backend}: ` +
        `rollout ${r.samplesPerSec} samples/s, update ${r.updateSec.toFixed(2)} s, overall ${r.totalSps} SPS`,
    );
  }
}
