/**
 * `copronet train --seeds 1-8`: one training run per seed, each a `train` job
 * (experiments/jobs/train-job.ts) on the local worker threads or, with
 * `--queue`, on `copronet worker` processes, into `<out>/seed-<n>/` (README
 * "Sweeps on several machines"). `out` is the shared folder: the coordinator
 * marks it before enqueuing, a worker refuses a job whose folder it does not
 * see. A seed whose folder already holds a finished run of the same spec is
 * not trained again; one that holds another run is refused, naming it
 * (`--overwrite` trains it again).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveConfig } from '../../agents/trainer/trainer.ts';
import type { JobBackend } from '../jobs/backend.ts';
import { LocalBackend } from '../jobs/local.ts';
import { finishedRun, type TrainJobResult, type TrainJobSpec } from '../jobs/train-job.ts';
import { Progress } from '../lib/progress.ts';
import { stableJson } from '../lib/runner.ts';
import { ensureSharedFolder } from './shared.ts';

export interface TrainSeedsOptions {
  /** Every run's spec but its seed and folder. */
  base: Omit<TrainJobSpec, 'out' | 'name' | 'token'>;
  seeds: readonly number[];
  /** The shared folder (made absolute). */
  out: string;
  /** Train again a seed whose folder holds another run. @default false */
  overwrite?: boolean;
  /** Local worker threads (one run each at a time); 1 trains in this thread. @default os.availableParallelism() */
  workers?: number;
  /** Where the jobs run instead (a BullMQ queue); the caller closes it. @default worker threads */
  backend?: JobBackend;
  /** No progress output. @default false */
  quiet?: boolean;
}

export interface SeedRun {
  seed: number;
  run: string;
  /** Trained by this call (false: found finished on disk). */
  trained: boolean;
  iterations: number;
  samples: number;
}

/** The folder name of a seed's run. */
export const seedFolder = (seed: number) => `seed-${seed}`;

/** Why the run in `dir` is not the one `spec` asks for, or undefined when it is. */
function differs(dir: string, spec: TrainJobSpec): string | undefined {
  const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
  try {
    const config = read('config.json');
    const want = { algo: spec.algo, ...resolveConfig(spec.algo, spec.config) };
    if (stableJson(config) !== stableJson(want)) return 'its config.json is another config';
    const cli = read('cli.json');
    if (cli.env !== spec.scenario || stableJson(cli.overrides) !== stableJson(spec.overrides))
      return 'its cli.json names another scenario or --set';
    if (read('run.json').backend !== spec.backend) return 'it trained on another tfjs backend';
  } catch (err) {
    return `it is not a run folder (${(err as Error).message})`;
  }
  return finishedRun(dir) ? undefined : 'its run did not finish';
}

/** Train the seeds not on disk yet, as jobs; resolves when every seed has its finished run folder. */
export async function trainSeeds(opts: TrainSeedsOptions): Promise<SeedRun[]> {
  const out = resolve(opts.out);
  const token = ensureSharedFolder(out);
  const specs = opts.seeds.map(
    (seed): TrainJobSpec => ({
      ...opts.base,
      config: { ...opts.base.config, seed },
      out,
      name: seedFolder(seed),
      token,
    }),
  );
  const runs = new Map<number, SeedRun>();
  const pending: { seed: number; spec: TrainJobSpec }[] = [];
  for (const [i, spec] of specs.entries()) {
    const seed = opts.seeds[i];
    const dir = join(out, spec.name);
    if (existsSync(dir)) {
      const why = differs(dir, spec);
      if (!why) {
        runs.set(seed, { seed, run: dir, trained: false, ...finishedRun(dir)! });
        continue;
      }
      if (!opts.overwrite) {
        throw new Error(
          `${dir} holds another run than seed ${seed} of this command (${why}): remove it, choose another --out, or pass --overwrite to train it again`,
        );
      }
      rmSync(dir, { recursive: true, force: true });
    }
    pending.push({ seed, spec });
  }
  const progress = new Progress('train', pending.length, runs.size, { quiet: opts.quiet });
  const backend = opts.backend ?? new LocalBackend({ workers: opts.workers });
  try {
    await backend.run(
      pending.map((p) => ({ kind: 'train' as const, spec: p.spec })),
      {
        onResult: (i, r) => {
          const res = r as TrainJobResult;
          const { seed } = pending[i];
          // The worker wrote the run into the shared folder: this machine must see it too.
          if (!finishedRun(res.run)) {
            throw new Error(
              `seed ${seed}: the worker reports ${res.run} finished, but this machine sees no finished run there: is ${out} the same folder on the workers?`,
            );
          }
          runs.set(seed, {
            seed,
            run: res.run,
            trained: true,
            iterations: res.iterations,
            samples: res.samples,
          });
          progress.tick();
        },
        onStatus: (line) => progress.status(line),
        onLine: (line) => progress.note(line),
      },
    );
  } finally {
    if (!opts.backend) await backend.close();
  }
  progress.end();
  return opts.seeds.map((s) => runs.get(s)!);
}
