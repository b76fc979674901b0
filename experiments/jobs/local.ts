/**
 * The local backend, the default: jobs on worker threads of this process
 * (tinypool), or in this thread with one worker. Nothing to install, and the
 * results are those of `runJob` in this thread (experiments/jobs/kinds.ts).
 */
import { availableParallelism } from 'node:os';
import Tinypool from 'tinypool';
import { workerEntry } from '../../src/core/worker-entry.ts';
import type { JobBackend, JobHooks } from './backend.ts';
import { type JobInput, runJob } from './kinds.ts';

export interface LocalBackendOptions {
  /** Worker threads; 1 runs the jobs in this thread. @default os.availableParallelism() */
  workers?: number;
}

export class LocalBackend implements JobBackend {
  readonly where: string;
  private readonly workers: number;

  constructor(opts: LocalBackendOptions = {}) {
    this.workers = Math.max(1, opts.workers ?? availableParallelism());
    this.where = `local (${this.workers} thread${this.workers > 1 ? 's' : ''})`;
  }

  async run(jobs: readonly JobInput[], hooks: JobHooks): Promise<void> {
    const workers = Math.min(this.workers, jobs.length);
    if (workers <= 1) {
      for (const [i, job] of jobs.entries()) {
        const s0 = performance.now();
        const r = await runJob(job);
        hooks.onResult(i, r, (performance.now() - s0) / 1000);
      }
      return;
    }
    const pool = new Tinypool({
      filename: workerEntry(import.meta.url, 'thread').href,
      minThreads: workers,
      maxThreads: workers,
    });
    let failure: unknown;
    try {
      await Promise.all(
        jobs.map((job, i) => {
          const s0 = performance.now();
          return (pool.run(job) as Promise<unknown>)
            .then((r) => hooks.onResult(i, r, (performance.now() - s0) / 1000))
            .catch((err: unknown) => {
              failure ??= err;
            });
        }),
      );
      if (failure) throw failure;
    } finally {
      await pool.destroy();
    }
  }

  async close(): Promise<void> {}
}
