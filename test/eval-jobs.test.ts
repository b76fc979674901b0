/**
 * `copronet eval` as `eval` jobs (experiments/jobs/eval-job.ts): the folder of
 * `train --seeds` evaluated one job per run on local threads and on two
 * `copronet worker` processes with a real Redis, and one run with --queue;
 * every eval.json and eval.md byte for byte what `copronet eval <run>` writes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliAsync as cli } from './helpers/cli.ts';
import { requireRedisServer, withWorkers } from './helpers/redis.ts';
import { tempDirs } from './helpers/tmp.ts';

requireRedisServer();

const TIMEOUT = 240_000;
const EVAL = ['--seeds', '3', '--reps', '200', '--quiet'];

const tmp = tempDirs('eval-jobs');

const report = (dir: string) => ['eval.json', 'eval.md'].map((f) => readFileSync(join(dir, f), 'utf8'));

describe('copronet eval as jobs', () => {
  const runs = tmp();
  const plain = tmp();
  const plainOut: string[] = [];

  beforeAll(async () => {
    // Two runs of 2 iterations on tiny (different seeds, so different policies), then each evaluated plainly.
    const t = await cli([
      'train',
      '--scenario',
      'tiny',
      '--timesteps',
      '2048',
      '--seeds',
      '1-2',
      '--out',
      runs,
    ]);
    expect(t.status, t.stderr).toBe(0);
    for (const n of [1, 2]) {
      const e = await cli(['eval', join(runs, `seed-${n}`), ...EVAL, '--out', join(plain, `seed-${n}`)]);
      expect(e.status, e.stderr).toBe(0);
      plainOut.push(e.stdout);
    }
    expect(plainOut[0]).not.toBe(plainOut[1]);
  }, TIMEOUT);

  it(
    'the folder of train --seeds on 2 local threads: each report byte for byte',
    async () => {
      const out = tmp();
      const r = await cli(['eval', runs, ...EVAL, '--workers', '2', '--out', out]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/2 runs evaluated/);
      for (const n of [1, 2])
        expect(report(join(out, `seed-${n}`))).toEqual(report(join(plain, `seed-${n}`)));
    },
    TIMEOUT,
  );

  it(
    'on 2 `copronet worker` processes: the folder, and one run with --queue, byte for byte',
    async () => {
      await withWorkers(2, async (redis, workers) => {
        const out = tmp();
        const r = await cli(['eval', runs, ...EVAL, '--queue', redis.url, '--out', out]);
        expect(r.status, r.stderr).toBe(0);
        for (const n of [1, 2])
          expect(report(join(out, `seed-${n}`))).toEqual(report(join(plain, `seed-${n}`)));
        const one = tmp();
        const s = await cli(['eval', join(runs, 'seed-2'), ...EVAL, '--queue', redis.url, '--out', one]);
        expect(s.status, s.stderr).toBe(0);
        expect(s.stdout).toBe(plainOut[1]);
        expect(report(one)).toEqual(report(join(plain, 'seed-2')));
        const done = workers.map((w) => [...w.output.matchAll(/done eval /g)].length);
        expect(done[0] + done[1]).toBe(3);
      });
    },
    TIMEOUT,
  );
});
