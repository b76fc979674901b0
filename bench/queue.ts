/**
 * `npm run bench -- queue`: the same sweeps on the local pool (2 worker
 * threads) and through BullMQ on a loopback Redis with two `copronet worker`
 * processes (concurrency 1 each, from the sources).
 *
 * - Throughput: paper-scale cells (seconds each), local pool over queue.
 * - Cost per job: cells of about a millisecond, so the queue's own work
 *   dominates: (2 workers x the queue's wall time - the same cells' compute
 *   time in one thread) / jobs, the worker time a job costs beyond its compute.
 *
 * The workers are started and warmed up (each forks its sandboxed process on
 * its first job) before the clock starts: they are long-lived, while the
 * local pool is made per sweep (its 2 threads' start is in its time), as
 * `copronet experiment` makes it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectRedisBackend } from '../experiments/jobs/redis.ts';
import type { CellSpec } from '../experiments/lib/cells.ts';
import { runCells } from '../experiments/lib/runner.ts';
import { RedisServer, WorkerProcess } from '../test/helpers/redis.ts';

export interface QueueBenchRow {
  sweep: string;
  jobs: number;
  /** The local pool (2 threads, started for the sweep). */
  localSec: number;
  /** The same cells in one thread, no pool. */
  oneThreadSec: number;
  /** Through the queue on 2 workers. */
  queueSec: number;
  /** (2 queueSec - oneThreadSec) / jobs, in ms: worker time per job beyond its compute. */
  costMsPerJob: number;
  /** Jobs per second through the queue over jobs per second on the local pool. */
  throughputRatio: number;
}

const cells = (n: number, scenario: string, overrides: Record<string, unknown> = {}): CellSpec[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: 'summary',
    scenario,
    overrides: { ...overrides, slashing: { factor: 1 + (i % 4) } },
    seed: 1 + Math.floor(i / 4),
    population: 'paper-heuristic',
  }));

export async function benchQueue(): Promise<QueueBenchRow[]> {
  const redis = await RedisServer.start();
  const workers = [new WorkerProcess(redis.url), new WorkerProcess(redis.url)];
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'copronet-bench-queue-'));
    dirs.push(d);
    return d;
  };
  try {
    await Promise.all(workers.map((w) => w.ready()));
    const backend = await connectRedisBackend(redis.url);
    try {
      // Warm-up: each worker forks its sandboxed process on its first job.
      await runCells(cells(8, 'tiny', { periods: 2000 }), { cellDir: dir(), backend, quiet: true });
      const sweeps: [string, CellSpec[]][] = [
        ['12 summary cells on paper (seconds each)', cells(12, 'paper')],
        ['200 summary cells on tiny (~1 ms each)', cells(200, 'tiny')],
      ];
      const rows: QueueBenchRow[] = [];
      const timed = async (f: () => Promise<unknown>) => {
        const t0 = performance.now();
        await f();
        return (performance.now() - t0) / 1000;
      };
      for (const [sweep, specs] of sweeps) {
        const oneThreadSec = await timed(() => runCells(specs, { cellDir: dir(), workers: 1, quiet: true }));
        const localSec = await timed(() => runCells(specs, { cellDir: dir(), workers: 2, quiet: true }));
        const queueSec = await timed(() => runCells(specs, { cellDir: dir(), backend, quiet: true }));
        rows.push({
          sweep,
          jobs: specs.length,
          localSec,
          oneThreadSec,
          queueSec,
          costMsPerJob: ((2 * queueSec - oneThreadSec) * 1000) / specs.length,
          throughputRatio: localSec / queueSec,
        });
      }
      return rows;
    } finally {
      await backend.close();
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await redis.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
