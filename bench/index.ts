/**
 * `npm run bench [-- sim env ppo cartpole torch dashboard startup experiment queue]`:
 * the performance targets, measured. Prints a table per part; with no arguments
 * runs the default set (every part but `dashboard-runs` and `queue`). Options:
 * `--rounds N` (torch, cartpole, ppo), `--torch-reference PATH` (torch; see bench/torch.ts).
 */
import { parseArgs } from 'node:util';
import { benchEnv, benchSimulator } from './sim.ts';

/** Parts and roughly how long each takes on a 2-core machine. */
const PARTS: Record<string, string> = {
  sim: 'the paper episode under every mechanism, 5 rounds (~1 min)',
  env: 'the paper episode through the batched view and the record API (~1 min)',
  rollout:
    "the env steps of one paper-scale rollout under the trainer's fresh policies (the market training simulates), best of 5 (~30 s)",
  ppo: 'one paper-scale PPO iteration on wasm, on one thread and with parallelUpdate, taking turns, then on cpu (~3 min)',
  cartpole: "PPO on CartPole-v1 with CleanRL's settings, training steps/s on wasm, 3 runs (~1 min)",
  torch:
    'one PPO update beside the PyTorch reference on the same shapes, one thread each, taking turns (~3 min; skipped without torch)',
  dashboard: 'the dashboard cost inside one training run (~2 min)',
  startup:
    'whole-process start of the compiled CLI: --help and simulate --scenario tiny, median of 5 (~10 s)',
  experiment: 'experiment paper --scale quick on 2 workers (~30 s)',
  queue:
    'sweeps on the local pool and on 2 workers through a loopback Redis: overhead per job, throughput (~1 min; needs redis-server; not in the default set)',
  'dashboard-runs': 'the dashboard cost from separate runs (~5 min; not in the default set)',
};
// `queue` needs redis-server (README "Sweeps on several machines"): asked for by name only.
const DEFAULT_PARTS = Object.keys(PARTS).filter((p) => p !== 'dashboard-runs' && p !== 'queue');

const args = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  strict: false,
  options: { rounds: { type: 'string' }, 'torch-reference': { type: 'string' } },
});
const parts = args.positionals;
const roundsOption = typeof args.values.rounds === 'string' ? Number(args.values.rounds) : undefined;
const unknown = parts.filter((p) => !(p in PARTS));
if (unknown.length > 0) {
  console.error(
    `error: unknown bench part${unknown.length > 1 ? 's' : ''} ${unknown.map((p) => `'${p}'`).join(', ')}; the parts:`,
  );
  for (const [p, what] of Object.entries(PARTS)) console.error(`  ${p.padEnd(15)} ${what}`);
  process.exit(2);
}
/** The PyTorch reference's network-paper update (ms) on the machine the README's performance targets were set on. */
const TARGET_MACHINE_TORCH_MS = 830;
const want = (p: string) => (parts.length === 0 ? DEFAULT_PARTS.includes(p) : parts.includes(p));
const fmt = (x: number, d = 2) => x.toLocaleString('en-US', { maximumFractionDigits: d });

console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
if (parts.length === 0) {
  console.log('running every part (about 15 minutes; `npm run bench -- <part>` runs one):');
  for (const p of DEFAULT_PARTS) console.log(`  ${p.padEnd(15)} ${PARTS[p]}`);
}

if (want('sim')) {
  const cases = [
    { mechanism: 'scoring-dutch' },
    { mechanism: 'qualified-dutch' },
    // paper-heuristic coprocessors (markup 0.2) are slashed out of a scoring market by period ~550 of the paper
    // episode, after which little is auctioned: conservative ones (markup 0.5) keep the market alive to the end.
    { mechanism: 'scoring-dutch', coprocessors: 'conservative' },
    { mechanism: 'qualified-dutch', coprocessors: 'conservative' },
    { mechanism: 'first-price' },
    { mechanism: 'second-price' },
    { mechanism: 'reverse-dutch' },
  ] as const;
  const rs = benchSimulator(5, cases);
  console.log(
    '\n## simulator: paper scenario, operators paper-heuristic, one episode per case, the cases taking turns (target: the default < 1 s, < 300 MB, no slower than qualified-dutch)',
  );
  console.log(
    'mechanism        coprocessors     tasks      auctions   ops left  best s  median s  CPU s  tasks/s    ns/auction  vs qualified-dutch, same coprocessors (best, median)',
  );
  for (const r of rs) {
    const qd = rs.find((x) => x.mechanism === 'qualified-dutch' && x.coprocessors === r.coprocessors);
    const ratio = qd ? `${fmt(r.bestSec / qd.bestSec)}x, ${fmt(r.medianSec / qd.medianSec)}x` : '';
    console.log(
      `${r.mechanism.padEnd(16)} ${r.coprocessors.padEnd(15)} ${fmt(r.tasks, 0).padStart(9)}  ${fmt(r.auctions, 0).padStart(9)}  ${String(r.activeOperators).padStart(8)}  ${fmt(r.bestSec, 3).padStart(6)}  ${fmt(r.medianSec, 3).padStart(8)}  ${fmt(r.cpuSec, 3).padStart(5)}  ${fmt(r.tasksPerSec, 0).padStart(9)}  ${fmt((r.bestSec * 1e9) / Math.max(1, r.auctions), 0).padStart(10)}  ${ratio}`,
    );
  }
  console.log(`resident memory   ${fmt(Math.max(...rs.map((r) => r.rssMB)), 0)} MB`);
}

if (want('env')) {
  const r = benchEnv();
  console.log(
    `\n## environment: paper scale, 200 agents x 1000 periods (${fmt(r.tasks, 0)} tasks, the same episode on every path), coprocessors conservative, best of 5 (targets: batched < 1.1x bare, record < 2x batched)`,
  );
  console.log(`bare simulator      ${fmt(r.bareSec, 3)} s`);
  console.log(
    `batched view        ${fmt(r.batchedSec, 3)} s  ${fmt(r.batchedAgentStepsPerSec, 0)} agent-steps/s  (${fmt(r.batchedOverBare, 3)}x bare; median of the rounds' ratios ${fmt(r.batchedOverBareMedian, 3)}x)`,
  );
  console.log(
    `  the view's own work (all but the simulator's period and the policies): ${fmt(100 * r.viewOwnShare, 2)}% of the simulator's time`,
  );
  console.log(
    `record API          ${fmt(r.recordSec, 3)} s  ${fmt(r.recordAgentStepsPerSec, 0)} agent-steps/s  (${fmt(r.recordOverBatched)}x batched)`,
  );
}

if (want('rollout')) {
  const { benchRolloutMarket } = await import('./rollout.ts');
  const r = await benchRolloutMarket();
  console.log(
    "\n## the rollout's market: paper scale, 1000 steps of the batched view under the trainer's fresh policies (actions drawn once, replayed; the env alone timed)",
  );
  console.log(
    `${fmt(r.tasks, 0)} tasks, ${fmt(r.auctions, 0)} auctions, ${r.episodes} episodes: best ${fmt(r.bestSec, 3)} s, median ${fmt(r.medianSec, 3)} s (${fmt(r.tasks / r.bestSec, 0)} tasks/s, ${fmt((r.bestSec * 1e9) / r.auctions, 0)} ns/auction)`,
  );
}

if (want('ppo')) {
  const { benchPpo } = await import('./ppo.ts');
  const { NetworkBatchedEnv } = await import('../envs/network/index.ts');
  const { loadScenario } = await import('../envs/scenarios/index.ts');
  const rounds = roundsOption ?? 2;
  console.log(
    `\n## PPO at paper scale: one iteration = one episode of 200 agents x 1000 periods, then the update of both roles (target: < 3 s on wasm); the update on one thread and with parallelUpdate (a second thread evaluates the rollout as it is collected and takes half of each minibatch's pieces), taking turns, ${rounds} rounds on wasm, one on cpu`,
  );
  // The machine's speed against the one the target was set on: the PyTorch reference's network-paper
  // update, before and after the runs (bench/torch.ts), where torch is installed.
  const { findTorchReference, runTorchReference } = await import('./torch.ts');
  const ref = findTorchReference(args.values['torch-reference'] as string | undefined);
  const torchMs: number[] = [];
  const calibrate = () => {
    if (!('missing' in ref)) torchMs.push(runTorchReference(ref, 'network-paper', 3).updateMs);
  };
  calibrate();
  const runs: { backend: 'wasm' | 'cpu'; parallel: boolean }[] = [];
  for (let r = 0; r < rounds; r++)
    runs.push({ backend: 'wasm', parallel: false }, { backend: 'wasm', parallel: true });
  runs.push({ backend: 'cpu', parallel: true });
  const seen: Record<string, { iteration: number[]; update: number[] }> = {};
  for (const run of runs) {
    const r = await benchPpo({
      makeEnv: () => new NetworkBatchedEnv(loadScenario('paper')),
      backend: run.backend,
      numSteps: 1000,
      iterations: 1,
      config: { parallelUpdate: run.parallel },
    });
    const rollout = r.samplesPerIteration / r.samplesPerSec;
    const key = `${r.backend} ${run.parallel ? 'two threads' : 'one thread'}`;
    seen[key] ??= { iteration: [], update: [] };
    seen[key].iteration.push(rollout + r.updateSec);
    seen[key].update.push(r.updateSec);
    console.log(
      `${key.padEnd(18)} iteration of ${fmt(r.samplesPerIteration, 0)} samples ${fmt(rollout + r.updateSec, 2)} s: ` +
        `rollout ${fmt(rollout, 2)} s (${fmt(r.samplesPerSec, 0)} samples/s), update ${fmt(r.updateSec, 2)} s ` +
        `(both roles: log-probabilities, values, GAE, 4 epochs x 4 minibatches); ${fmt(r.totalSps, 0)} samples/s overall`,
    );
  }
  const one = seen['wasm one thread'];
  const two = seen['wasm two threads'];
  if (one && two) {
    const best = (xs: number[]) => Math.min(...xs);
    console.log(
      `wasm, best of ${rounds}: iteration ${fmt(best(one.iteration), 2)} s on one thread, ${fmt(best(two.iteration), 2)} s with parallelUpdate; ` +
        `update ${fmt(best(one.update), 2)} s -> ${fmt(best(two.update), 2)} s (${fmt(best(one.update) / best(two.update))}x)`,
    );
  }
  calibrate();
  if ('missing' in ref) {
    console.log(`machine speed against the target's: not measured (${ref.missing})`);
  } else if (two) {
    const t = Math.min(...torchMs);
    const scaled = (3 * t) / TARGET_MACHINE_TORCH_MS;
    const it = Math.min(...two.iteration);
    console.log(
      `machine speed: the PyTorch reference's network-paper update took ${fmt(t, 0)} ms here (best of ${torchMs.length} runs of 3, before and after), ` +
        `${fmt(TARGET_MACHINE_TORCH_MS, 0)} ms on the machine the 3 s target was set on: that target at this machine's speed is ${fmt(scaled, 2)} s; ` +
        `best iteration with parallelUpdate ${fmt(it, 2)} s (${fmt(it / scaled)}x of it, ${it <= scaled ? 'within' : 'above'})`,
    );
  }
}

if (want('cartpole')) {
  const { benchCartpole } = await import('./ppo.ts');
  const runs = roundsOption ?? 3;
  console.log(
    `\n## PPO on CartPole-v1, CleanRL's settings (4 envs x 128 steps, 4 epochs x 4 minibatches, 64-64 tanh), 100k steps, wasm, ${runs} runs (target: at least CleanRL's ppo.py, 10,132 steps/s measured on this machine with torch 1.13, one thread)`,
  );
  const rs: { sps: number; rolloutMs: number; updateMs: number }[] = [];
  for (let r = 0; r < runs; r++) rs.push(await benchCartpole(102_400, 'wasm'));
  const sps = rs.map((r) => r.sps).sort((a, b) => a - b);
  const mid = rs[Math.floor(rs.length / 2)];
  console.log(
    `steps/s best ${fmt(sps.at(-1)!, 0)}, median ${fmt(sps[Math.floor(sps.length / 2)], 0)} (${fmt(sps.at(-1)! / 10_132)}x, ${fmt(sps[Math.floor(sps.length / 2)] / 10_132)}x CleanRL); ` +
      `per iteration: rollout ${fmt(mid.rolloutMs, 1)} ms, update ${fmt(mid.updateMs, 1)} ms`,
  );
}

if (want('torch')) {
  const { benchTorch, findTorchReference, summary } = await import('./torch.ts');
  const ref = findTorchReference(args.values['torch-reference'] as string | undefined);
  console.log(
    '\n## one PPO update (all epochs and minibatches, clipping, Adam) beside the PyTorch reference, same shapes, one thread each, taking turns (target: copronet no slower)',
  );
  if ('missing' in ref) {
    console.log(`skipped: ${ref.missing}`);
  } else {
    const rounds = roundsOption ?? 5;
    const rs = await benchTorch(ref, {
      presets: ['cartpole', 'network-paper'],
      rounds,
      reps: (p) => (p === 'cartpole' ? 20 : 3),
    });
    console.log(
      `${rounds} rounds; per round the median of 20 (cartpole) or 3 (network-paper) updates per side`,
    );
    console.log(
      "preset          rows      torch best  median   copronet best  median   copronet / torch: best, median, median of the rounds' ratios",
    );
    for (const r of rs) {
      const t = summary(r.torchMs);
      const c = summary(r.copronetMs);
      const paired = summary(r.copronetMs.map((x, i) => x / r.torchMs[i]));
      console.log(
        `${r.preset.padEnd(14)} ${fmt(r.rows, 0).padStart(7)}  ${fmt(t.best, 1).padStart(9)} ms ${fmt(t.median, 1).padStart(7)}   ${fmt(c.best, 1).padStart(9)} ms ${fmt(c.median, 1).padStart(7)}   ${fmt(c.best / t.best)}x, ${fmt(c.median / t.median)}x, ${fmt(paired.median)}x`,
      );
    }
    console.log(`torch ${rs[0]?.torch}, ${ref.script}`);
  }
}

if (want('dashboard')) {
  const { benchDashboardAB } = await import('./dashboard-train.ts');
  console.log(
    '\n## dashboard cost: PPO on quick with the dashboard (120x36) mounted, its feed switched on and off every 4 iterations (target < 5%)',
  );
  const w = await benchDashboardAB(900_000, 4, 'worker');
  console.log(
    `in its worker thread (copronet train): ${fmt(w.onMs, 0)} ms per iteration drawing vs ${fmt(w.offMs, 0)} ms not: ` +
      `${fmt(w.overheadPct, 1)}% (${w.iterations} iterations)`,
  );
  const t = await benchDashboardAB(300_000, 4, 'same-thread');
  console.log(
    `on the training thread: ${fmt(t.onMs, 0)} vs ${fmt(t.offMs, 0)} ms: ${fmt(t.overheadPct, 1)}% (${t.iterations} iterations)`,
  );
}

if (parts.includes('dashboard-runs')) {
  // Separate headless and dashboard runs, alternating: subject to run-to-run noise (not in the default set).
  const { benchDashboardTraining } = await import('./dashboard-train.ts');
  const r = await benchDashboardTraining();
  console.log('\n## dashboard cost from separate runs (median of 5 alternating runs of 60k samples each)');
  console.log(
    `headless ${fmt(r.headlessSps, 0)} SPS; worker ${fmt(r.dashboardSps, 0)} SPS (${fmt(r.overheadPct, 1)}%); ` +
      `same thread ${fmt(r.sameThreadSps, 0)} SPS (${fmt(r.sameThreadOverheadPct, 1)}%, ${fmt(r.meanFrameMs, 1)} ms per frame)`,
  );
}

if (want('startup')) {
  const { benchStartup } = await import('./startup.ts');
  console.log(
    '\n## CLI start, whole process, compiled JavaScript (dist/), median and best of 5 (targets: --help < 0.25 s, simulate --scenario tiny < 0.4 s)',
  );
  for (const r of benchStartup(5)) {
    console.log(`${r.command.padEnd(40)} median ${fmt(r.medianSec, 3)} s  best ${fmt(r.bestSec, 3)} s`);
  }
}

if (want('experiment')) {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { runExperiment } = await import('../experiments/index.ts');
  const out = mkdtempSync(join(tmpdir(), 'copronet-bench-paper-'));
  const t0 = performance.now();
  const run = await runExperiment('paper', { scale: 'quick', out, workers: 2, quiet: true });
  const sec = (performance.now() - t0) / 1000;
  rmSync(out, { recursive: true, force: true });
  console.log('\n## experiment paper --scale quick, 2 workers, from scratch (target < 5 min)');
  console.log(`${fmt(sec, 1)} s, ${run.computed} cells computed`);
}

if (want('queue')) {
  const { benchQueue } = await import('./queue.ts');
  console.log(
    '\n## sweeps as jobs: local pool (2 threads) vs 2 `copronet worker` processes through a loopback Redis (BullMQ)',
  );
  console.log(
    'sweep                                      jobs  1 thread s  local pool s  queue s  queue cost ms/job  throughput queue/local',
  );
  for (const r of await benchQueue()) {
    console.log(
      `${r.sweep.padEnd(42)} ${String(r.jobs).padStart(4)}  ${fmt(r.oneThreadSec, 2).padStart(10)}  ${fmt(r.localSec, 2).padStart(12)}  ${fmt(r.queueSec, 2).padStart(7)}  ${fmt(r.costMsPerJob, 1).padStart(17)}  ${fmt(r.throughputRatio, 2).padStart(9)}x`,
    );
  }
}
