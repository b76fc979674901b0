/**
 * `npm run sanity`: does the learner learn? Two cheap checks with known answers.
 *
 * 1. PPO on a continuous bandit (two roles, Beta policies) converges to the
 *    known optimal actions: prints the distance of the deterministic action.
 * 2. PPO on CartPole-v1 reaches a mean episodic return >= 475 (over the last
 *    20 episodes) within 200k steps. Preset `tuned` (default; rl-zoo's CartPole
 *    PPO): 8 envs x 32 steps, one minibatch, 20 epochs, lr 1e-3 annealed,
 *    gamma 0.98, lambda 0.8, no entropy bonus. Preset `cleanrl`: CleanRL's
 *    ppo.py defaults (4 envs x 128 steps, lr 2.5e-4, 4 epochs, 4 minibatches,
 *    entCoef 0.01), which learn more slowly and reach ~450 by 200k here.
 *
 * Usage: node bin/run-ts.mjs experiments/sanity.ts [--backend auto|wasm|cpu] [--seed N]
 *          [--only bandit|cartpole] [--preset tuned|cleanrl] [--steps N]
 * Exits with status 1 when a check fails.
 */
import { parseArgs } from 'node:util';
import { type BackendName, initBackend } from '../agents/tf/backend.ts';
import { Trainer } from '../agents/trainer/trainer.ts';
import { BatchedBandit } from '../envs/classic/bandit.ts';
import '../envs/classic/index.ts';
import { makeEnv } from '../src/core/registry.ts';
import { BatchedFromVector } from '../src/core/vector.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    seed: { type: 'string', default: '1' },
    only: { type: 'string' },
    steps: { type: 'string', default: '200000' },
    preset: { type: 'string', default: 'tuned' },
  },
});
const seed = Number(values.seed);
const info = await initBackend(values.backend as BackendName);
console.log(`backend: ${info.name} (${info.reason})`);
let failed = false;

async function bandit(): Promise<void> {
  const env = new BatchedBandit({
    roles: [
      { name: 'operator', count: 8, target: [0.3, 0.7] },
      { name: 'coprocessor', count: 8, target: [0.8, 0.2, 0.5] },
    ],
    horizon: 1,
    noise: 0.05,
  });
  const trainer = new Trainer({
    env,
    algo: 'ppo',
    scenario: 'BatchedBandit',
    config: { seed, totalTimesteps: 16 * 32 * 60, numSteps: 32, learningRate: 3e-3, entCoef: 0, gamma: 0.9 },
  });
  const t0 = performance.now();
  const res = await trainer.run();
  const sec = (performance.now() - t0) / 1000;
  const obs = new Float32Array(16).fill(1);
  for (let i = 0; i < 8; i++) obs[2 * i] = 0;
  for (const role of ['operator', 'coprocessor']) {
    const a = trainer.act(role, obs, { deterministic: true });
    const dim = role === 'operator' ? 2 : 3;
    const d = env.distance(role, a.subarray(0, dim));
    const ok = d < 0.1;
    failed ||= !ok;
    console.log(
      `bandit ${role}: action [${Array.from(a.subarray(0, dim), (x) => x.toFixed(3)).join(', ')}], ` +
        `distance to optimum ${d.toFixed(4)} ${ok ? 'OK' : 'FAIL (>= 0.1)'}`,
    );
  }
  console.log(
    `bandit: ${res.globalStep} samples in ${sec.toFixed(1)} s (${Math.round(res.globalStep / sec)} samples/s)`,
  );
  trainer.dispose();
}

async function cartpole(): Promise<void> {
  const presets: Record<string, { numEnvs: number; config: Record<string, unknown> }> = {
    tuned: {
      numEnvs: 8,
      config: {
        numSteps: 32,
        numMinibatches: 1,
        updateEpochs: 20,
        learningRate: 1e-3,
        gamma: 0.98,
        gaeLambda: 0.8,
        entCoef: 0,
      },
    },
    cleanrl: {
      numEnvs: 4,
      config: { numSteps: 128, learningRate: 2.5e-4, updateEpochs: 4, numMinibatches: 4, entCoef: 0.01 },
    },
  };
  const preset = presets[values.preset ?? 'tuned'];
  if (!preset) throw new Error(`Unknown --preset '${values.preset}': use 'tuned' or 'cleanrl'.`);
  const numEnvs = preset.numEnvs;
  console.log(`cartpole preset ${values.preset}: ${numEnvs} envs, ${JSON.stringify(preset.config)}`);
  const env = new BatchedFromVector(
    Array.from({ length: numEnvs }, () => () => makeEnv('CartPole-v1')),
    { seed },
  );
  const trainer = new Trainer({
    env,
    algo: 'ppo',
    scenario: 'CartPole-v1',
    config: { seed, totalTimesteps: Number(values.steps), ...preset.config },
  });
  // Mean over the last 20 finished episodes, as a moving window.
  const window: number[] = [];
  let firstHit: number | undefined;
  let lastSps = 0;
  trainer.events$.subscribe((ev) => {
    if (ev.type !== 'iteration') return;
    const r = ev.metrics['charts/episodic_return/agent'];
    const n = ev.metrics['charts/episodes/agent'] ?? 0;
    if (r !== undefined) for (let k = 0; k < n; k++) window.push(r);
    while (window.length > 20) window.shift();
    const mean = window.reduce((s, x) => s + x, 0) / Math.max(window.length, 1);
    lastSps = ev.metrics['charts/SPS'];
    if (firstHit === undefined && window.length >= 10 && mean >= 475) firstHit = ev.globalStep;
    if (ev.iteration % 50 === 0) {
      console.log(
        `  cartpole step ${ev.globalStep}: mean return (last 20) ${mean.toFixed(1)}, SPS ${lastSps}`,
      );
    }
  });
  const t0 = performance.now();
  const res = await trainer.run();
  const sec = (performance.now() - t0) / 1000;
  const mean = window.reduce((s, x) => s + x, 0) / Math.max(window.length, 1);
  const ok = firstHit !== undefined;
  failed ||= !ok;
  console.log(
    `cartpole: final mean return (last 20 episodes) ${mean.toFixed(1)}; ` +
      (ok ? `reached >= 475 at step ${firstHit} OK` : 'never reached 475 FAIL'),
  );
  console.log(
    `cartpole: ${res.globalStep} steps in ${sec.toFixed(1)} s (${Math.round(res.globalStep / sec)} SPS)`,
  );
  trainer.dispose();
}

if (values.only !== 'cartpole') await bandit();
if (values.only !== 'bandit') await cartpole();
process.exitCode = failed ? 1 : 0;
