/**
 * What `copronet eval` does (registered, with its options, in `eval.ts`):
 * resolve the scenario, load the run's learned policies, evaluate them and
 * the baselines on held-out seeds, and write and print the report.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { initBackend } from '../../../../agents/tf/backend.ts';
import type { EvalJobResult } from '../../../../experiments/jobs/eval-job.ts';
import { LocalBackend } from '../../../../experiments/jobs/local.ts';
import { Progress } from '../../../../experiments/lib/progress.ts';
import { ensureSharedFolder, SHARED_FILE } from '../../../../experiments/train/shared.ts';
import { connectQueue, stoppedQueue } from './worker.ts';
import { evaluateNetworkRun } from '../../../../experiments/eval/run.ts';
import { formatJson, formatMarkdown, writeReport } from '../../../../experiments/eval/report.ts';
import type { EvalCommandDeps, EvalOptions } from './eval.ts';
import type { SingleRunRecord } from './eval-single.ts';

/** cli.json of a run trained on a single-agent env, if it is one. */
function singleRun(runDir: string): SingleRunRecord | undefined {
  const file = join(runDir, 'cli.json');
  if (!existsSync(file)) return undefined;
  try {
    const cli = JSON.parse(readFileSync(file, 'utf8')) as Partial<SingleRunRecord>;
    return cli.kind === 'single' && typeof cli.env === 'string'
      ? { env: cli.env, kind: 'single', numEnvs: cli.numEnvs ?? 4 }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Run `copronet eval` with its parsed arguments; `deps` with their defaults filled in. */
export async function runEval(
  runDirArg: string | undefined,
  opts: EvalOptions,
  deps: Required<EvalCommandDeps>,
): Promise<void> {
  const { stdout, stderr } = deps;
  let runDir: string | undefined;
  if (runDirArg !== undefined) {
    runDir = resolve(runDirArg);
    if (!existsSync(runDir) || !statSync(runDir).isDirectory()) {
      throw new Error(
        `run directory '${runDirArg}' does not exist: pass the directory a training run wrote (runs/<name>), or use --baselines-only`,
      );
    }
  } else if (!opts.baselinesOnly) {
    throw new Error(
      'no run directory: pass one (copronet eval runs/<name>) or evaluate the baselines alone with --baselines-only --scenario <name>',
    );
  }
  const useRun = runDir !== undefined && !opts.baselinesOnly;
  // The folder of `train --seeds`, or --queue: the evaluations are `eval` jobs (README "Sweeps on several machines").
  const seedRuns = useRun ? seedRunsOf(runDir!) : [];
  if (useRun && (seedRuns.length > 0 || opts.queue)) {
    return evalAsJobs(runDir!, runDirArg!, seedRuns, opts, { stdout, stderr });
  }
  if (opts.workers !== undefined) {
    throw new Error(
      '--workers applies to the folder of `train --seeds` (one eval job per run); a single run is evaluated in this process',
    );
  }
  // A single-agent run (train --env CartPole-v1) has no network populations to compare: its own report.
  const single = useRun ? singleRun(runDir!) : undefined;
  if (single) {
    const { runSingleEval } = await import('./eval-single.ts');
    return runSingleEval(runDir!, runDirArg!, single, opts, { stdout, stderr });
  }
  const result = await evaluateNetworkRun(runDir, runDirArg, opts, {
    loadPolicies: deps.loadPolicies,
    warn: (m) => stderr(`warning: ${m}\n`),
    onProgress: opts.quiet
      ? undefined
      : (done: number, total: number, label: string) => {
          const tty = process.stderr.isTTY;
          if (tty) stderr(`\r\x1b[2Keval ${done}/${total} ${label}${done === total ? '\n' : ''}`);
          else if (done === total || done % Math.max(1, Math.ceil(total / 10)) === 0)
            stderr(`eval ${done}/${total} ${label}\n`);
        },
  });
  const outDir: string | undefined = opts.out ?? (runDir ? join(runDir, 'eval') : undefined);
  if (outDir) {
    const paths = writeReport(result, outDir);
    stderr(`wrote ${paths.markdown} and ${paths.json}\n`);
  }
  stdout(opts.json ? formatJson(result) : formatMarkdown(result));
}

/** The run folders `seed-<n>/` of a `train --seeds` folder (marked, no run.json of its own), by seed. */
function seedRunsOf(dir: string): string[] {
  if (!existsSync(join(dir, SHARED_FILE)) || existsSync(join(dir, 'run.json'))) return [];
  return readdirSync(dir)
    .filter((f) => /^seed-\d+$/.test(f) && existsSync(join(dir, f, 'run.json')))
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
    .map((f) => join(dir, f));
}

/** The shared folder of a run: the nearest marked folder at or above it, else the run's folder, marked now. */
function sharedFolderOf(runDir: string): { out: string; token: string } {
  for (let d = runDir; ; d = dirname(d)) {
    if (existsSync(join(d, SHARED_FILE))) return { out: d, token: ensureSharedFolder(d) };
    if (dirname(d) === d) break;
  }
  return { out: runDir, token: ensureSharedFolder(runDir) };
}

/**
 * `eval` jobs: one per run of a `train --seeds` folder (each report in `<run>/eval/`, or `<out>/seed-<n>/`), or the
 * one run with --queue; on the local pool or the queue. Each report is written here, as `copronet eval <run>` writes it.
 */
async function evalAsJobs(
  dir: string,
  dirArg: string,
  seedRuns: string[],
  opts: EvalOptions,
  io: { stdout: (s: string) => void; stderr: (s: string) => void },
): Promise<void> {
  const runs = seedRuns.length > 0 ? seedRuns : [dir];
  const single = runs.map((r) => singleRun(r)).find(Boolean);
  if (single) {
    throw new Error(
      `eval jobs evaluate network runs; ${dirArg} holds a run of ${single.env}: evaluate it without --queue and --workers`,
    );
  }
  const shared = sharedFolderOf(dir);
  const backend = await initBackend('auto');
  const jobs = runs.map((run) => ({
    kind: 'eval' as const,
    spec: {
      run,
      runArg: seedRuns.length > 0 ? join(dirArg, basename(run)) : dirArg,
      ...shared,
      options: {
        seeds: opts.seeds,
        seedStart: opts.seedStart,
        scenario: opts.scenario,
        set: opts.set,
        stochastic: opts.stochastic,
        other: opts.other,
        reference: opts.reference,
        reps: opts.reps,
        exploit: opts.exploit,
      },
      backend: backend.name,
    },
  }));
  const queue = opts.queue ? await connectQueue(opts.queue) : undefined;
  const jobBackend = queue?.backend ?? new LocalBackend({ workers: opts.workers });
  const progress = new Progress('eval', jobs.length, 0, { quiet: opts.quiet });
  const results = new Array<EvalJobResult>(jobs.length);
  try {
    await jobBackend.run(jobs, {
      onResult: (i, r) => {
        results[i] = r as EvalJobResult;
        progress.tick();
      },
      onStatus: (line) => progress.status(line),
      onLine: (line) => progress.note(line),
    });
  } catch (err) {
    if (stoppedQueue(err, io.stderr)) return;
    throw err;
  } finally {
    await (queue ? queue.close() : jobBackend.close());
  }
  progress.end();
  for (const [i, run] of runs.entries()) {
    const { result, warnings } = results[i];
    for (const w of warnings) io.stderr(`warning: ${seedRuns.length > 0 ? `${basename(run)}: ` : ''}${w}\n`);
    const outDir = opts.out
      ? seedRuns.length > 0
        ? join(opts.out, basename(run))
        : opts.out
      : join(run, 'eval');
    const paths = writeReport(result, outDir);
    io.stderr(`wrote ${paths.markdown} and ${paths.json}\n`);
    if (seedRuns.length === 0) io.stdout(opts.json ? formatJson(result) : formatMarkdown(result));
  }
  if (seedRuns.length > 0) {
    io.stdout(
      `${runs.length} runs evaluated: ${runs.map((r) => join(opts.out ?? r, opts.out ? basename(r) : 'eval')).join(', ')}\n`,
    );
  }
}
