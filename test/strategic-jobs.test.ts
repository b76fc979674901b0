/**
 * `experiment strategic` cells as `strategic` jobs (experiments/jobs/kinds.ts):
 * the same cell files and CSVs, byte for byte (a cell file's timing aside),
 * from one thread, two local worker threads and two `copronet worker`
 * processes on a real Redis; a rerun asks for no training; the local pool's
 * status line counts waiting, running, done and failed jobs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../agents/tf/backend.ts';
import { runJob } from '../experiments/jobs/kinds.ts';
import { LocalBackend } from '../experiments/jobs/local.ts';
import { connectRedisBackend } from '../experiments/jobs/redis.ts';
import {
  LEARNED_POPULATION,
  runStrategic,
  type StrategicResult,
  type StrategicScale,
  type StrategicSpec,
} from '../experiments/strategic.ts';
import { RedisServer, requireRedisServer, WorkerProcess } from './helpers/redis.ts';
import { tempDirs } from './helpers/tmp.ts';

requireRedisServer();

/** Two settings on `tiny`, 3k samples per learned cell (2 PPO iterations): 2 learned + 2 fixed cells. */
const TINY: StrategicScale = {
  name: 'tiny-jobs',
  scenario: 'tiny',
  factors: [0, 4],
  detections: [0.6],
  b: [1],
  timesteps: 3_000,
  seeds: 1,
  evalSeeds: 2,
  description: 'scenario `tiny`, 3k samples per cell (test)',
};

const tmp = tempDirs('strategic-jobs');

/** Every cell file as stored, without its `seconds` (the one thing that differs between runs). */
function cellFiles(out: string): Map<string, string> {
  const dir = join(out, 'cells');
  const files = new Map<string, string>();
  for (const f of readdirSync(dir).sort()) {
    const { seconds: _seconds, ...rest } = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    files.set(f, JSON.stringify(rest));
  }
  return files;
}
const csvs = (out: string) =>
  ['strategic.csv', 'strategic-episodes.csv'].map((f) => readFileSync(join(out, f), 'utf8'));

describe('strategic cells as jobs', () => {
  const one = tmp();
  const trained: StrategicSpec[] = [];

  beforeAll(async () => {
    await initBackend('wasm');
    await runStrategic({ scale: TINY, out: one, quiet: true, workers: 1, onTrain: (s) => trained.push(s) });
  }, 300_000);

  it('two local worker threads give the one-thread files, byte for byte; a rerun trains nothing', async () => {
    expect(trained).toHaveLength(2);
    expect(cellFiles(one).size).toBe(4);
    const two = tmp();
    const run = await runStrategic({ scale: TINY, out: two, quiet: true, workers: 2 });
    expect(run.computed).toBe(4);
    expect(cellFiles(two)).toEqual(cellFiles(one));
    expect(csvs(two)).toEqual(csvs(one));

    const again: StrategicSpec[] = [];
    const rerun = await runStrategic({
      scale: TINY,
      out: two,
      quiet: true,
      workers: 2,
      onTrain: (s) => again.push(s),
    });
    expect(again).toEqual([]);
    expect([rerun.computed, rerun.reused]).toEqual([0, 4]);
  }, 300_000);

  it('two `copronet worker` processes on a real Redis give the same files; a rerun enqueues nothing', async () => {
    const redis = await RedisServer.start();
    const workers = [new WorkerProcess(redis.url), new WorkerProcess(redis.url)];
    const queue = await connectRedisBackend(redis.url, { pollMs: 100 });
    try {
      await Promise.all(workers.map((w) => w.ready()));
      const out = tmp();
      const run = await runStrategic({ scale: TINY, out, quiet: true, jobs: queue });
      expect(run.computed).toBe(4);
      expect(cellFiles(out)).toEqual(cellFiles(one));
      expect(csvs(out)).toEqual(csvs(one));
      const done = workers.map((w) => [...w.output.matchAll(/done strategic /g)].length);
      expect(done[0] + done[1]).toBe(4);

      const again: StrategicSpec[] = [];
      const rerun = await runStrategic({
        scale: TINY,
        out,
        quiet: true,
        jobs: queue,
        onTrain: (s) => again.push(s),
      });
      expect(again).toEqual([]);
      expect([rerun.computed, rerun.reused]).toEqual([0, 4]);
      expect(
        workers.map((w) => [...w.output.matchAll(/started strategic /g)].length).reduce((a, b) => a + b),
      ).toBe(4);
    } finally {
      await queue.close();
      await Promise.all(workers.map((w) => w.stop()));
      await redis.stop();
    }
  }, 300_000);

  it('the comparison has teeth: the same learned cell on another tfjs backend gives other numbers', async () => {
    const file = readdirSync(join(one, 'cells')).find((f) =>
      f.startsWith(`strategic-${LEARNED_POPULATION}-`),
    )!;
    const stored = JSON.parse(readFileSync(join(one, 'cells', file), 'utf8')) as {
      spec: StrategicSpec;
      result: StrategicResult;
    };
    expect(stored.spec.train?.backend).toBe('wasm');
    const spec = { ...stored.spec, train: { ...stored.spec.train!, backend: 'cpu' as const } };
    const onCpu = (await runJob({ kind: 'strategic', spec })) as StrategicResult;
    await initBackend('wasm');
    expect(onCpu.episodes).toHaveLength(stored.result.episodes.length);
    expect(JSON.stringify(onCpu)).not.toBe(JSON.stringify(stored.result));
  }, 300_000);
});

describe('the local pool says what runs', () => {
  it('waiting, running, done and failed, in its status line', async () => {
    const lines: string[] = [];
    const cell = (seed: number) => ({
      kind: 'cell' as const,
      spec: { kind: 'summary', scenario: 'tiny', overrides: {}, seed, population: 'paper-heuristic' },
    });
    const bad = { kind: 'cell' as const, spec: { ...cell(1).spec, scenario: 'no-such-scenario' } };
    const err = await new LocalBackend({ workers: 2 })
      .run([cell(1), cell(2), bad, cell(3)], { onResult: () => {}, onStatus: (l) => lines.push(l) })
      .catch((e: Error) => e);
    expect(String(err)).toMatch(/no-such-scenario/);
    expect(lines[0]).toBe('local: 3 waiting, 1 running, 0 done, 0 failed of 4');
    expect(lines).toContain('local: 2 waiting, 2 running, 0 done, 0 failed of 4');
    expect(lines.at(-1)).toBe('local: 0 waiting, 0 running, 3 done, 1 failed of 4');
    // While jobs wait, both threads are busy: after the first, no line shows a lane between two jobs as idle.
    const whileWaiting = lines.slice(1).filter((l) => !l.startsWith('local: 0 waiting'));
    expect(whileWaiting.length).toBeGreaterThan(0);
    for (const l of whileWaiting) expect(l).toMatch(/ 2 running, /);
  }, 120_000);
});
