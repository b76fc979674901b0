/**
 * `copronet eval` of a run on a single-agent env (`train --env CartPole-v1`):
 * the episodic return of its learned policy and of uniformly random actions,
 * one episode per held-out seed, with the mean and IQM and their 95%
 * stratified-bootstrap intervals (as for the network runs, README "Evaluation").
 * Loaded by eval-run.ts only for such runs.
 */
import { join } from 'node:path';
import { initBackend } from '../../../../agents/tf/backend.ts';
import { resume, type Trainer } from '../../../../agents/trainer/trainer.ts';
import '../../../../envs/classic/index.ts';
import { heldOutSeeds } from '../../../../experiments/eval/seeds.ts';
import { type MetricSummary, summarize } from '../../../../experiments/eval/stats.ts';
import { writeFileAtomic, writeJsonAtomic } from '../../../core/atomic.ts';
import type { ActionSpec } from '../../../core/batched.ts';
import { makeEnv } from '../../../core/registry.ts';
import { Rng } from '../../../core/rng.ts';
import { BatchedFromVector } from '../../../core/vector.ts';
import type { EvalOptions } from './eval.ts';

/** cli.json of a single-agent run. */
export interface SingleRunRecord {
  env: string;
  kind: 'single';
  numEnvs: number;
}

export interface SingleEvalResult {
  run: string;
  env: string;
  kind: 'single';
  deterministic: boolean;
  seeds: number[];
  policies: { name: string; returns: number[]; summary: MetricSummary }[];
}

/** Longest episode played (envs registered with a time limit end long before). */
const MAX_EPISODE_STEPS = 100_000;

/** The return of one episode of `id` seeded `seed`, actions from `act` (as the trainer gives them). */
function episodeReturn(id: string, seed: number, act: (obs: Float32Array) => Float32Array): number {
  const env = new BatchedFromVector([() => makeEnv(id)], { seed });
  try {
    let obs = env.reset(seed).agent.obs;
    let ret = 0;
    for (let t = 0; t < MAX_EPISODE_STEPS; t++) {
      const tr = env.step({ agent: act(obs) }).agent;
      ret += tr.rewards[0];
      if (tr.terminated[0] || tr.truncated[0]) break;
      obs = tr.obs;
    }
    return ret;
  } finally {
    env.close();
  }
}

/** Uniformly random actions of an action space (box bounds cut to [-1, 1] where they are infinite). */
function randomActor(action: ActionSpec, rng: Rng): () => Float32Array {
  if (action.kind === 'discrete') return () => Float32Array.of(rng.int(action.n));
  return () =>
    Float32Array.from({ length: action.dim }, (_, j) =>
      rng.uniform(Math.max(action.low[j], -1), Math.min(action.high[j], 1)),
    );
}

function fmt(x: number): string {
  return x.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

export function formatSingleMarkdown(r: SingleEvalResult): string {
  const rows = r.policies.map(
    (p) =>
      `| ${p.name} | ${fmt(p.summary.mean)} [${fmt(p.summary.meanCi[0])}, ${fmt(p.summary.meanCi[1])}] | ` +
      `${fmt(p.summary.iqm)} [${fmt(p.summary.iqmCi[0])}, ${fmt(p.summary.iqmCi[1])}] | ` +
      `${fmt(Math.min(...p.returns))} | ${fmt(Math.max(...p.returns))} |`,
  );
  return [
    `# Evaluation of ${r.run} on ${r.env} (single-agent)`,
    '',
    `Episodic return, one episode per held-out seed (${r.seeds.length} seeds, ${r.seeds[0]}-${r.seeds.at(-1)}), ` +
      'with 95% stratified-bootstrap intervals. The learned policy ' +
      `${r.deterministic ? 'takes the mode of its distribution' : 'samples its actions'}; random takes uniform actions.`,
    '',
    '| policy | mean return [95% CI] | IQM [95% CI] | min | max |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

/** Evaluate a single-agent run; writes `<out>/eval.md` and `eval.json` and prints the report. */
export async function runSingleEval(
  runDir: string,
  runDirArg: string,
  cli: SingleRunRecord,
  opts: EvalOptions,
  io: { stdout: (s: string) => void; stderr: (s: string) => void },
): Promise<void> {
  if (opts.scenario !== undefined || (opts.set?.length ?? 0) > 0 || opts.other === 'learned') {
    throw new Error(
      `${runDirArg} trained on ${cli.env}, a single-agent env: --scenario, --set and --other apply to network ` +
        'runs. Its evaluation is the episodic return on held-out seeds: drop them.',
    );
  }
  await initBackend('auto');
  const { RunDir } = await import('../../../../agents/trainer/run-dir.ts');
  const config = RunDir.open(runDir).readJson<{ seed: number }>('config.json');
  // The trainer as it trained (numEnvs copies), loaded from checkpoints/latest; episodes use one copy.
  const trainEnv = new BatchedFromVector(
    Array.from({ length: cli.numEnvs }, () => () => makeEnv(cli.env)),
    { seed: config.seed },
  );
  let trainer: Trainer | undefined;
  try {
    trainer = await resume(runDir, trainEnv);
    const deterministic = !opts.stochastic;
    const { seeds, skipped } = heldOutSeeds(opts.seeds, [config.seed], opts.seedStart);
    if (skipped.length > 0)
      io.stderr(`warning: skipped evaluation seeds that training used: ${skipped.join(', ')}\n`);
    const t = trainer;
    const spec = t.roles[0];
    const policies: SingleEvalResult['policies'] = [];
    for (const [name, makeActor] of [
      [
        `learned (${deterministic ? 'deterministic' : 'stochastic'})`,
        (seed: number) => {
          const rng = new Rng(`eval:agent:${seed}`);
          return (obs: Float32Array) => t.act(spec.name, obs, { deterministic, rng });
        },
      ],
      ['random', (seed: number) => randomActor(spec.action, new Rng(`eval:random:${seed}`))],
    ] as const) {
      const returns = seeds.map((seed, i) => {
        if (!opts.quiet) io.stderr(`eval ${name} ${i + 1}/${seeds.length}\n`);
        return episodeReturn(cli.env, seed, makeActor(seed));
      });
      policies.push({
        name,
        returns,
        summary: summarize(
          returns.map((r) => [r]),
          { reps: opts.reps },
        ),
      });
    }
    const result: SingleEvalResult = {
      run: runDirArg,
      env: cli.env,
      kind: 'single',
      deterministic,
      seeds,
      policies,
    };
    const markdown = formatSingleMarkdown(result);
    const outDir = opts.out ?? join(runDir, 'eval');
    writeFileAtomic(join(outDir, 'eval.md'), markdown);
    writeJsonAtomic(join(outDir, 'eval.json'), result);
    io.stderr(`wrote ${join(outDir, 'eval.md')} and ${join(outDir, 'eval.json')}\n`);
    io.stdout(opts.json ? `${JSON.stringify(result, null, 2)}\n` : markdown);
  } finally {
    trainer?.dispose();
    trainEnv.close();
  }
}
