/**
 * Where jobs run, behind one interface (README "Sweeps on several machines"):
 * `LocalBackend` (worker threads of this process, the default, nothing to
 * install) and `RedisBackend` (BullMQ on Redis: `copronet worker` processes on
 * any machine). A backend runs each job once or more and hands each result
 * back once; the caller stores it.
 */
import type { JobInput } from './kinds.ts';

export interface JobHooks {
  /** Job `index` (into the array given to `run`) finished: its result and the seconds it took. Called once per job. */
  onResult(index: number, result: unknown, seconds: number): void;
  /** A status line changed (jobs waiting, running, done, failed; workers seen). */
  onStatus?(line: string): void;
  /** A line to keep: jobs found in the queue, a job that failed for good, a worker that refused one. */
  onLine?(line: string): void;
}

export interface JobBackend {
  /** Where the jobs run, for messages: `local (2 threads)`, `redis://host:6379/0`. */
  readonly where: string;
  /**
   * Run every job. Resolves when each has a result; a job that fails for good does not stop the
   * others, and `run` then rejects with a `JobsFailedError` listing the failures.
   */
  run(jobs: readonly JobInput[], hooks: JobHooks): Promise<void>;
  /** Release threads and connections. */
  close(): Promise<void>;
}

/** Some jobs failed for good; the others' results were handed back. */
export class JobsFailedError extends Error {
  constructor(
    readonly failures: readonly { job: string; error: string }[],
    total: number,
  ) {
    super(
      `${failures.length} of ${total} jobs failed (the others' results are stored; run the same command again to retry these):\n${failures.map((f) => `  ${f.job}: ${f.error}`).join('\n')}`,
    );
    this.name = 'JobsFailedError';
  }
}
