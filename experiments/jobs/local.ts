/**
 * The local backend, the default: jobs on worker threads of this process
 * (tinypool), or in this thread with one worker. Nothing to install, and the
 * results are those of `runJob` in this thread (experiments/jobs/kinds.ts).
 * A job is handed to a thread only when one is free, so the status line
 * (`local: 3 waiting, 2 running, 1 done, 0 failed of 6`) says what runs.
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

  /** Runs every job; a failure does not stop the others, and the first one is thrown at the end. */
  async run(jobs: readonly JobInput[], hooks: JobHooks): Promise<void> {
    if (jobs.length === 0) return;
    const workers = Math.min(this.workers, jobs.length);
    const pool =
      workers > 1
        ? new Tinypool({
            filename: workerEntry(import.meta.url, 'thread').href,
            minThreads: workers,
            maxThreads: workers,
          })
        : undefined;
    const exec = (job: JobInput) => (pool ? (pool.run(job) as Promise<unknown>) : runJob(job));
    let next = 0;
    let running = 0;
    let done = 0;
    let failed = 0;
    let failure: unknown;
    const status = () =>
      hooks.onStatus?.(
        `local: ${jobs.length - next} waiting, ${running} running, ${done} done, ${failed} failed of ${jobs.length}`,
      );
    const one = async (i: number) => {
      const s0 = performance.now();
      try {
        const r = await exec(jobs[i]);
        hooks.onResult(i, r, (performance.now() - s0) / 1000);
        done++;
      } catch (err) {
        failed++;
        failure ??= err;
      }
    };
    // `workers` lanes, each taking the next job when its last one ends (the status is shown once the
    // next job is taken, so it never counts a lane between two jobs as idle).
    const lane = async () => {
      while (next < jobs.length) {
        const i = next++;
        running++;
        status();
        await one(i);
        running--;
      }
      status();
    };
    try {
      await Promise.all(Array.from({ length: workers }, lane));
      if (failure) throw failure;
    } finally {
      await pool?.destroy();
    }
  }

  async close(): Promise<void> {}
}
