/**
 * Sweeps as jobs on BullMQ and a real Redis (README "Sweeps on several
 * machines"): each test starts its own redis-server on a free loopback port
 * and its own `copronet worker` processes, and stops them by pid.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import type { CellResult, CellSpec } from '../experiments/lib/cells.ts';
import type { JobBackend } from '../experiments/jobs/backend.ts';
import type { JobInput } from '../experiments/jobs/kinds.ts';
import {
  connectRedisBackend,
  connectionOptions,
  QUEUE_NAME,
  QUEUE_PREFIX,
  type RedisBackend,
} from '../experiments/jobs/redis.ts';
import { parseQueueUrl } from '../experiments/jobs/url.ts';
import { codeVersion } from '../experiments/jobs/version.ts';
import { cellId, runCells } from '../experiments/lib/runner.ts';
import { cliAsync as cli } from './helpers/cli.ts';
import { freePort, RedisServer, requireRedisServer, WorkerProcess } from './helpers/redis.ts';

const ROOT = join(import.meta.dirname, '..');
const TIMEOUT = 180_000;

// No silent skip: without redis-server these tests fail and say how to install it.
requireRedisServer();

/** Eight cheap cells on `tiny`: three kinds, two slashing factors. */
const cheap: CellSpec[] = Array.from({ length: 8 }, (_, i) => ({
  kind: (['summary', 'slashing', 'network', 'summary'] as const)[i % 4],
  scenario: 'tiny',
  overrides: { slashing: { factor: 1 + (i % 2) } },
  seed: 1 + Math.floor(i / 2),
  population: 'paper-heuristic',
}));

/** Eight cells of about a second each (tiny over many periods): long enough to kill a worker in one. */
const slow: CellSpec[] = Array.from({ length: 8 }, (_, i) => ({
  kind: 'summary',
  scenario: 'tiny',
  overrides: { periods: 20_000 },
  seed: i + 1,
  population: 'paper-heuristic',
}));

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'copronet-queue-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
async function server(): Promise<RedisServer> {
  const s = await RedisServer.start();
  cleanup.push(() => s.stop());
  return s;
}
function worker(url: string, args: string[] = []): WorkerProcess {
  const w = new WorkerProcess(url, args);
  cleanup.push(() => w.stop());
  return w;
}
async function backend(url: string, opts = {}): Promise<RedisBackend> {
  const b = await connectRedisBackend(url, opts);
  cleanup.push(() => b.close());
  return b;
}
async function queueOf(url: string): Promise<Queue> {
  const q = new Queue(QUEUE_NAME, {
    connection: connectionOptions(parseQueueUrl(url)),
    prefix: QUEUE_PREFIX,
  });
  cleanup.push(() => q.close());
  return q;
}

/** Run jobs on a backend, counting how often each result is handed back. */
async function runCounted(b: JobBackend, cells: readonly CellSpec[]) {
  const results = new Map<number, CellResult>();
  const calls = new Array<number>(cells.length).fill(0);
  const jobs: JobInput[] = cells.map((spec) => ({ kind: 'cell', spec }));
  await b.run(jobs, {
    onResult: (i, r) => {
      calls[i]++;
      results.set(i, r as CellResult);
    },
  });
  return { results, calls };
}

/** The same cells in this thread (the reference). */
async function localResults(cells: readonly CellSpec[]): Promise<Map<number, CellResult>> {
  const r = await runCells(cells, { cellDir: tmp(), workers: 1, quiet: true });
  return new Map(cells.map((c, i) => [i, r.results.get(cellId(c))!]));
}

/** Every cell file's spec and result, as stored (byte for byte), without its timing. */
function storedResults(cellDir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(cellDir)
    .filter((x) => x.endsWith('.json'))
    .sort()) {
    const file = JSON.parse(readFileSync(join(cellDir, f), 'utf8'));
    out.set(f, `${JSON.stringify(file.spec, null, 2)}\n${JSON.stringify(file.result, null, 2)}`);
  }
  return out;
}

const jobsLeft = async (q: Queue) =>
  Object.values(
    await q.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'),
  ).reduce((a, b) => a + b, 0);

describe('a sweep on the queue', () => {
  it(
    'two workers give the local pool results, byte for byte; a second run computes nothing',
    async () => {
      const redis = await server();
      const w1 = worker(redis.url, ['--concurrency', '2']);
      const w2 = worker(redis.url);
      await Promise.all([w1.ready(), w2.ready()]);

      const localDir = tmp();
      const local = await runCells(cheap, { cellDir: localDir, workers: 2, quiet: true });
      const queueDir = tmp();
      const b = await backend(redis.url);
      const queued = await runCells(cheap, { cellDir: queueDir, backend: b, quiet: true });
      expect(queued.computed).toBe(8);
      expect(queued.results).toEqual(local.results);
      expect(storedResults(queueDir)).toEqual(storedResults(localDir));
      expect(storedResults(queueDir).size).toBe(8);
      // The coordinator removed every job it collected.
      expect(await jobsLeft(await queueOf(redis.url))).toBe(0);

      const again = await runCells(cheap, { cellDir: queueDir, backend: b, quiet: true });
      expect(again.computed).toBe(0);
      expect(again.reused).toBe(8);
    },
    TIMEOUT,
  );

  it(
    'kill -9 of a worker in the middle of a job: the job runs again elsewhere, nothing lost or twice',
    async () => {
      const redis = await server();
      const victim = worker(redis.url, ['--lock-seconds', '2']);
      const other = worker(redis.url, ['--lock-seconds', '2']);
      await Promise.all([victim.ready(), other.ready()]);
      const b = await backend(redis.url);
      const run = runCounted(b, slow);
      const [, id] = await victim.waitFor(/started cell .* \((cell-[0-9a-f]+), attempt/);
      victim.kill9();
      const { results, calls } = await run;
      expect(calls).toEqual(new Array(8).fill(1));
      expect(results).toEqual(await localResults(slow));
      // The survivor took the victim's job over once its lock lapsed.
      expect(other.output).toContain(`(${id}, attempt`);
    },
    TIMEOUT,
  );

  it(
    'Redis stopped and restarted mid-sweep: coordinator and workers reconnect and finish',
    async () => {
      const redis = await server();
      const w1 = worker(redis.url, ['--lock-seconds', '2']);
      const w2 = worker(redis.url, ['--lock-seconds', '2']);
      await Promise.all([w1.ready(), w2.ready()]);
      const b = await backend(redis.url);
      const lines: string[] = [];
      const results = new Map<number, CellResult>();
      const calls = new Array<number>(slow.length).fill(0);
      let restarted: Promise<void> | undefined;
      await b.run(
        slow.map((spec) => ({ kind: 'cell', spec })),
        {
          onResult: (i, r) => {
            calls[i]++;
            results.set(i, r as CellResult);
            // After the first result: Redis goes away (its data with it) and comes back.
            restarted ??= redis.down().then(() => redis.up());
          },
          onLine: (l) => lines.push(l),
        },
      );
      await restarted;
      expect(calls).toEqual(new Array(8).fill(1));
      expect(results).toEqual(await localResults(slow));
      expect(lines.join('\n')).toMatch(/no longer in the queue \(Redis restarted\?\): enqueued again/);
      expect(w1.exited || w2.exited).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'a coordinator stopped (Ctrl-C) and run again: it collects what the workers did meanwhile, nothing computed twice',
    async () => {
      const redis = await server();
      const w = worker(redis.url, ['--concurrency', '2']);
      await w.ready();
      const cellDir = tmp();
      const first = await backend(redis.url);
      const stopped = runCells(slow, { cellDir, backend: first, quiet: true }).catch((e: Error) => e);
      await w.waitFor(/done cell/);
      first.stop();
      expect(String(await stopped)).toMatch(
        /QueueStoppedError: stopped with \d+ of \d+ jobs still in the queue at redis:\/\/127\.0\.0\.1:\d+\/0: the workers go on with them/,
      );
      const storedAtStop = readdirSync(cellDir).filter((f) => f.endsWith('.json')).length;
      expect(storedAtStop).toBeLessThan(8);
      const again = await runCells(slow, { cellDir, backend: await backend(redis.url), quiet: true });
      expect(again.reused).toBe(storedAtStop);
      expect(again.computed).toBe(8 - storedAtStop);
      expect(again.results).toEqual(
        (await runCells(slow, { cellDir: tmp(), workers: 1, quiet: true })).results,
      );
      // Every job started once on the worker: none was enqueued twice.
      const starts = [...w.output.matchAll(/started cell .* \((cell-[0-9a-f]+), attempt/g)].map((m) => m[1]);
      expect(starts).toHaveLength(8);
      expect(new Set(starts).size).toBe(8);
    },
    TIMEOUT,
  );

  it(
    'a worker started before the coordinator and one started after both take jobs',
    async () => {
      const redis = await server();
      const early = worker(redis.url);
      await early.ready();
      const b = await backend(redis.url);
      const run = runCounted(b, slow);
      await early.waitFor(/started cell/);
      // The early worker holds still (its lock of 30 s outlasts the pause) until the late one has a job.
      early.child.kill('SIGSTOP');
      const late = worker(redis.url);
      await late.waitFor(/started cell/);
      early.child.kill('SIGCONT');
      const { calls } = await run;
      expect(calls).toEqual(new Array(8).fill(1));
      expect(early.output).toMatch(/done cell/);
      expect(late.output).toMatch(/done cell/);
      expect(b.workersSeen.size).toBe(2);
    },
    TIMEOUT,
  );
});

describe('exploit jobs on the queue', () => {
  it(
    'copronet exploit --queue against a baseline population writes the local exploit.json and exploit.md, byte for byte',
    async () => {
      const redis = await server();
      const w = worker(redis.url);
      await w.ready();
      const args = ['exploit', '--population', 'cost-plus', '--scenario', 'tiny', '--slots', '1'];
      args.push('--timesteps', '500', '--seeds', '2', '--quiet');
      const [localDir, queueDir] = [tmp(), tmp()];
      const local = await cli([...args, '--out', localDir]);
      expect(local.stderr).toBe('');
      expect(local.status).toBe(0);
      const queued = await cli([...args, '--out', queueDir, '--queue', redis.url]);
      expect(queued.stderr).toBe('');
      expect(queued.status).toBe(0);
      for (const f of ['exploit.json', 'exploit.md']) {
        expect(readFileSync(join(queueDir, f), 'utf8')).toBe(readFileSync(join(localDir, f), 'utf8'));
      }
      expect(queued.stdout).toBe(local.stdout);
      expect(w.output).toMatch(/done exploit operator vs cost-plus on tiny/);
      expect(w.output).toMatch(/done exploit coprocessor vs cost-plus on tiny/);
    },
    TIMEOUT,
  );
});

describe('bad input on the queue', () => {
  it(
    'a Redis that does not answer: a clear error naming the URL',
    async () => {
      const url = `redis://127.0.0.1:${await freePort()}/0`;
      await expect(connectRedisBackend(url)).rejects.toThrow(
        new RegExp(`cannot reach Redis at ${url.replace(/[/.]/g, '\\$&')}: .*check --queue`),
      );
      const bin = join(ROOT, 'bin', 'dev.mjs');
      const exp = spawnSync(
        process.execPath,
        [bin, 'experiment', 'slashing', '--scale', 'quick', '--out', tmp(), '--queue', url],
        { encoding: 'utf8' },
      );
      expect(exp.status).not.toBe(0);
      expect(exp.stderr).toContain(`error: cannot reach Redis at ${url}`);
      const wk = spawnSync(process.execPath, [bin, 'worker', '--queue', url], { encoding: 'utf8' });
      expect(wk.status).not.toBe(0);
      expect(wk.stderr).toContain(`error: cannot reach Redis at ${url}`);
      const bad = spawnSync(process.execPath, [bin, 'worker', '--queue', 'http://127.0.0.1:6379'], {
        encoding: 'utf8',
      });
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toMatch(/--queue 'http:\/\/127.0.0.1:6379': expected redis:\/\/host:port\/db/);
    },
    TIMEOUT,
  );

  it(
    'a worker of another code version refuses the job; the coordinator reports it and nothing is lost',
    async () => {
      const redis = await server();
      const w = worker(redis.url);
      await w.ready();
      const lines: string[] = [];
      const stale = await backend(redis.url, { codeVersion: '0.0.9+src.000000000000', maxRefusals: 0 });
      const jobs: JobInput[] = cheap.slice(0, 2).map((spec) => ({ kind: 'cell', spec }));
      const err = await stale.run(jobs, { onResult: () => {}, onLine: (l) => lines.push(l) }).catch((e) => e);
      expect(err.name).toBe('JobsFailedError');
      expect(err.message).toMatch(/2 of 2 jobs failed/);
      expect(err.message).toMatch(
        new RegExp(
          `code version mismatch: worker \\S+ runs code version ${codeVersion().replace(/[.+]/g, '\\$&')}, the coordinator 0\\.0\\.9\\+src\\.000000000000`,
        ),
      );
      expect(lines.join('\n')).toMatch(/worker \S+ refused a job: code version mismatch/);
      expect(w.output).toMatch(/refused cell summary tiny seed 1/);
      // The worker goes on, and the same jobs from a coordinator of its version run.
      const { calls } = await runCounted(await backend(redis.url), cheap.slice(0, 2));
      expect(calls).toEqual([1, 1]);
      expect(w.exited).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'a job spec that does not validate: refused before anything is enqueued, and by a worker',
    async () => {
      const redis = await server();
      const b = await backend(redis.url);
      const bad = { ...cheap[0], seed: 1.5, extra: true } as unknown as CellSpec;
      await expect(runCounted(b, [cheap[1], bad])).rejects.toThrow(
        /cell job spec does not validate: seed: .*expected int.*; \(spec\): Unrecognized key: "extra"/,
      );
      const q = await queueOf(redis.url);
      expect(await jobsLeft(q)).toBe(0);
      const learned = { ...cheap[0], population: 'learned', policies: 'runs/x' };
      await expect(runCounted(b, [learned])).rejects.toThrow(
        /population: a cell job plays the baseline population/,
      );

      // A job put into the queue by hand, past the coordinator's check: the worker fails it, no retry.
      const w = worker(redis.url);
      await w.ready();
      await q.add(
        'bad',
        { kind: 'cell', spec: bad, codeVersion: codeVersion() },
        { jobId: 'bad-1', attempts: 3 },
      );
      await w.waitFor(/failed cell/);
      const job = await q.getJob('bad-1');
      expect(await job?.getState()).toBe('failed');
      expect(job?.attemptsMade).toBe(1);
      expect(job?.failedReason).toMatch(/cell job spec does not validate: seed/);
    },
    TIMEOUT,
  );
});
