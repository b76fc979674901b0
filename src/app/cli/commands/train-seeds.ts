/**
 * `copronet train --seeds 1-8 [--workers N] [--queue URL]`: one run per seed,
 * each a `train` job (experiments/train/seeds.ts), into `<out>/seed-<n>/`,
 * each folder what `copronet train --seed <n> --out <out>/seed-<n>` writes.
 * No dashboard: a progress line, then one line per seed.
 */
import { isAbsolute, join, relative, resolve } from 'node:path';
import { type BackendName, initBackend } from '../../../../agents/tf/backend.ts';
import { trainSeeds } from '../../../../experiments/train/seeds.ts';
import { DEFAULT_SCENARIO, type TrainOptions } from './train.ts';
import { newRunConfig, splitOverrides } from './train-run.ts';
import { stoppedQueue } from './worker.ts';

/** The options `--seeds` cannot take, and why. */
const REFUSED: readonly [keyof TrainOptions, string, string][] = [
  ['resume', '--resume', 'resume one run at a time with --resume <out>/seed-<n>'],
  ['seed', '--seed', '--seeds gives each run its seed'],
  [
    'env',
    '--env',
    'the runs of --seeds are network scenarios (--scenario); train a single-agent env one seed at a time',
  ],
];

export async function runTrainSeeds(opts: TrainOptions, given: ReadonlySet<string>): Promise<void> {
  if (opts.seeds === undefined) {
    const flag = given.has('queue') ? '--queue' : '--workers';
    throw new Error(`${flag} applies to --seeds (one run per seed, as jobs): add --seeds, e.g. --seeds 1-8`);
  }
  for (const [key, flag, why] of REFUSED) {
    if (given.has(key)) throw new Error(`${flag} cannot go with --seeds: ${why}.`);
  }
  const scenario = opts.scenario ?? DEFAULT_SCENARIO;
  const { config: setConfig, rest } = splitOverrides(opts.set ?? []);
  const config = newRunConfig(opts, setConfig, false);
  const backend = await initBackend(opts.backend as BackendName);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const out = resolve(
    opts.out ?? join('runs', `${scenario.replace(/[^\w.-]+/g, '_')}-${opts.algo}-seeds-${stamp}`),
  );
  // A scenario file travels by its path: absolute, so a worker in another folder finds it.
  const scenarioRef = /\.json$/i.test(scenario) ? resolve(scenario) : scenario;
  const queue = opts.queue ? await (await import('./worker.ts')).connectQueue(opts.queue) : undefined;
  const shown = (p: string) => {
    const rel = relative(process.cwd(), p);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
  };
  process.stderr.write(
    `backend: ${backend.name} (${backend.reason}); ${opts.seeds.length} runs of ${opts.algo} on ${scenario} into ${shown(out)}/seed-<n>/ on ${queue ? queue.backend.where : `local (${opts.workers ?? 'one thread per core'})`}\n`,
  );
  try {
    const runs = await trainSeeds({
      base: {
        scenario: scenarioRef,
        overrides: rest,
        numEnvs: opts.numEnvs,
        algo: opts.algo,
        config,
        backend: backend.name,
      },
      seeds: opts.seeds,
      out,
      overwrite: opts.overwrite,
      workers: opts.workers,
      backend: queue?.backend,
    });
    for (const r of runs) {
      process.stdout.write(
        `seed ${r.seed}: ${shown(r.run)} (${r.trained ? 'trained' : 'already there'}: ${r.iterations} iterations, ${r.samples.toLocaleString('en-US')} samples)\n`,
      );
    }
    const trained = runs.filter((r) => r.trained).length;
    process.stdout.write(`${trained} runs trained, ${runs.length - trained} already there\n`);
  } catch (err) {
    if (stoppedQueue(err)) return;
    throw err;
  } finally {
    await queue?.close();
  }
}
