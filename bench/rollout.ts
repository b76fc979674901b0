/**
 * The market a training run simulates: one paper-scale rollout (1000 steps of
 * the batched view, autoreset) under the trainer's freshly initialised
 * policies. Actions are drawn once through `Trainer.act` and replayed, so only
 * the environment is timed. Fresh policies keep every coprocessor bidding and
 * the operators ejected within a few dozen periods (about 40 episodes per
 * rollout), a different market from the paper-heuristic episode of `-- sim`:
 * twice its auctions for the same number of tasks.
 */
import { initBackend } from '../agents/tf/backend.ts';
import { Trainer } from '../agents/trainer/trainer.ts';
import { NetworkBatchedEnv } from '../envs/network/index.ts';
import { loadScenario } from '../envs/scenarios/index.ts';
import { Rng } from '../src/core/rng.ts';

export interface RolloutMarketResult {
  steps: number;
  episodes: number;
  tasks: number;
  auctions: number;
  bestSec: number;
  medianSec: number;
}

export async function benchRolloutMarket(repeats = 5): Promise<RolloutMarketResult> {
  await initBackend('wasm');
  const scenario = loadScenario('paper');
  const steps = scenario.periods;
  const record = new NetworkBatchedEnv(scenario);
  const trainer = new Trainer({ env: record, config: { numSteps: steps, totalTimesteps: 200 * steps } });
  const rng = new Rng('bench-rollout');
  const actions: { operator: Float32Array; coprocessor: Float32Array }[] = [];
  let obs = record.reset(1);
  for (let t = 0; t < steps; t++) {
    const a = {
      operator: trainer.act('operator', obs.operator.obs, { rng }).slice(),
      coprocessor: trainer.act('coprocessor', obs.coprocessor.obs, { rng }).slice(),
    };
    actions.push(a);
    obs = record.step(a);
  }
  trainer.dispose();
  record.close();
  const env = new NetworkBatchedEnv(scenario);
  const times: number[] = [];
  let tasks = 0;
  let auctions = 0;
  let episodes = 0;
  for (let r = 0; r <= repeats; r++) {
    env.reset(1);
    const before = env.episode;
    tasks = 0;
    auctions = 0;
    const t0 = performance.now();
    for (const a of actions) {
      env.step(a);
      const sim = env.sim;
      tasks += sim.metrics.tasks;
      for (let i = 0; i < sim.nOps; i++) auctions += sim.opAuctions[i];
    }
    // The first pass warms the JIT up.
    if (r > 0) times.push((performance.now() - t0) / 1000);
    episodes = env.episode - before + 1;
  }
  env.close();
  const sorted = [...times].sort((a, b) => a - b);
  return {
    steps,
    episodes,
    tasks,
    auctions,
    bestSec: sorted[0],
    medianSec: sorted[Math.floor(sorted.length / 2)],
  };
}
