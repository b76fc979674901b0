/**
 * `copronet train --seeds` (experiments/train/seeds.ts): one `train` job per
 * seed on the local worker threads and on `copronet worker` processes with a
 * real Redis, each run folder what `copronet train --seed <n>` writes (timing
 * aside); a rerun trains nothing; a worker that does not see the shared folder
 * refuses the job, naming the path; `copronet train` without --seeds is not
 * touched, and the flags that make no sense with --seeds are refused.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectRedisBackend } from '../experiments/jobs/redis.ts';
import type { TrainJobSpec } from '../experiments/jobs/train-job.ts';
import { listFiles } from '../experiments/train/shared.ts';
import { cliAsync as cli } from './helpers/cli.ts';
import { requireRedisServer, withWorkers } from './helpers/redis.ts';
import { tempDirs } from './helpers/tmp.ts';

requireRedisServer();

const ROOT = join(import.meta.dirname, '..');
const TIMEOUT = 240_000;
/** `tiny` trains 1,024 samples an iteration: 3 iterations, so a best-<role> checkpoint too. */
const RUN = ['train', '--scenario', 'tiny', '--timesteps', '3072', '--backend', 'wasm'];

const tmp = tempDirs('train-seeds');

/** The keys of metrics.jsonl, state.json and run.json that measure time, not learning. */
const TIMING = /^(elapsed_sec|elapsedSec|perf\/.*|charts\/SPS|createdAt)$/;
const untimed = (text: string) =>
  JSON.stringify(JSON.parse(text), (k, v) => (TIMING.test(k) ? undefined : v));

/**
 * A run folder as it compares: every file byte for byte, except the timing keys (metrics.jsonl, run.json,
 * checkpoints' state.json and the checksum of state.json itself) and market.jsonl (sampled every 500 ms of
 * wall time, so its rows depend on the speed of the machine).
 */
function runFolder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const f of listFiles(dir)) {
    const text = readFileSync(join(dir, f), f.endsWith('.bin') ? 'base64' : 'utf8');
    if (f === 'market.jsonl') files.set(f, 'sampled by time');
    else if (f === 'metrics.jsonl') files.set(f, text.trim().split('\n').map(untimed).join('\n'));
    else if (f.endsWith('state.json')) {
      const s = JSON.parse(text);
      delete s.elapsedSec;
      delete s.checksums.state;
      files.set(f, JSON.stringify(s));
    } else if (f === 'run.json') files.set(f, untimed(text));
    else files.set(f, text);
  }
  return files;
}

describe('copronet train --seeds', () => {
  const plain = tmp();
  const local = tmp();
  let localRun: Awaited<ReturnType<typeof cli>>;

  beforeAll(async () => {
    const [a, b] = await Promise.all([
      cli([...RUN, '--seed', '2', '--out', join(plain, 'seed-2'), '--no-dashboard']),
      cli([...RUN, '--seeds', '1-2', '--workers', '2', '--out', local]),
    ]);
    expect(a.status, a.stderr).toBe(0);
    localRun = b;
  }, TIMEOUT);

  it('on 2 local threads: seed-<n>/ is the folder `train --seed <n>` writes', () => {
    expect(localRun.status, localRun.stderr).toBe(0);
    expect(localRun.stdout).toMatch(/seed 1: .*seed-1 \(trained: 3 iterations, 3,072 samples\)/);
    expect(localRun.stdout).toMatch(/2 runs trained, 0 already there/);
    expect(readdirSync(local).sort()).toEqual(['.copronet-shared.json', 'seed-1', 'seed-2']);
    const want = runFolder(join(plain, 'seed-2'));
    expect([...want.keys()]).toContain('checkpoints/best-operator/tensors.bin');
    expect(runFolder(join(local, 'seed-2'))).toEqual(want);
    // The comparison has teeth: another seed is another run.
    const one = runFolder(join(local, 'seed-1'));
    expect(one.get('checkpoints/latest/tensors.bin')).not.toBe(want.get('checkpoints/latest/tensors.bin'));
  });

  it(
    'run again: nothing trains, nothing is written',
    async () => {
      const tensors = join(local, 'seed-1', 'checkpoints', 'latest', 'tensors.bin');
      const before = statSync(tensors).mtimeMs;
      const again = await cli([...RUN, '--seeds', '1-2', '--workers', '2', '--out', local]);
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/0 runs trained, 2 already there/);
      expect(statSync(tensors).mtimeMs).toBe(before);
      // Another budget into the same folder is another run: refused, naming the folder.
      const other = await cli([...RUN.slice(0, -4), '--timesteps', '2048', '--seeds', '1', '--out', local]);
      expect(other.status).not.toBe(0);
      expect(other.stderr).toContain(
        `${join(local, 'seed-1')} holds another run than seed 1 of this command`,
      );
    },
    TIMEOUT,
  );

  it(
    'on 2 `copronet worker` processes: the same folders; a rerun enqueues nothing; a folder a worker cannot see is refused',
    async () => {
      await withWorkers(2, async (redis, workers) => {
        const out = tmp();
        const queued = await cli([...RUN, '--seeds', '1-2', '--queue', redis.url, '--out', out]);
        expect(queued.status, queued.stderr).toBe(0);
        expect(runFolder(join(out, 'seed-2'))).toEqual(runFolder(join(plain, 'seed-2')));
        expect(runFolder(join(out, 'seed-1'))).toEqual(runFolder(join(local, 'seed-1')));
        const started = () => workers.map((w) => [...w.output.matchAll(/started train /g)].length);
        expect(started().reduce((a, b) => a + b)).toBe(2);
        const again = await cli([...RUN, '--seeds', '1-2', '--queue', redis.url, '--out', out]);
        expect(again.stdout).toMatch(/0 runs trained, 2 already there/);
        expect(started().reduce((a, b) => a + b)).toBe(2);

        // A job whose shared folder is not the coordinator's here (no marker with its token): refused, once.
        const unseen = tmp();
        const spec: TrainJobSpec = {
          scenario: 'tiny',
          overrides: [],
          numEnvs: 4,
          algo: 'ppo',
          config: { seed: 1, totalTimesteps: 1024 },
          backend: 'wasm',
          out: unseen,
          name: 'seed-1',
          token: 'not-this-folder',
        };
        const backend = await connectRedisBackend(redis.url, { pollMs: 100 });
        try {
          const err = await backend.run([{ kind: 'train', spec }], { onResult: () => {} }).catch((e) => e);
          expect(err.name).toBe('JobsFailedError');
          expect(err.message).toContain(
            `cannot see the shared folder ${unseen} (no .copronet-shared.json there)`,
          );
          expect(err.message).toMatch(/\(1 attempt, last on /);
          writeFileSync(join(unseen, '.copronet-shared.json'), '{"token":"another","createdBy":"x"}');
          const other = await backend.run([{ kind: 'train', spec }], { onResult: () => {} }).catch((e) => e);
          expect(other.message).toContain(`sees another folder at ${unseen}`);
          expect(readdirSync(unseen)).toEqual(['.copronet-shared.json']);
        } finally {
          await backend.close();
        }
      });
    },
    TIMEOUT,
  );
});

describe('train --seeds: bad input', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'bin', 'dev.mjs'), 'train', ...args], { encoding: 'utf8' });
  it.each([
    [['--workers', '2'], /--workers applies to --seeds/],
    [['--seeds', '1-2', '--seed', '3'], /--seed cannot go with --seeds/],
    [['--seeds', '1-2', '--env', 'CartPole-v1'], /--env cannot go with --seeds: .*network scenarios/],
    [['--seeds', '1-2', '--resume', 'runs/x'], /--resume cannot go with --seeds/],
    [['--seeds', '3-1'], /--seeds takes seeds and ranges such as 1-8 or 1,3,5 .* got '3-1'/],
  ])('%j', (args, message) => {
    const r = run(args);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });
});
