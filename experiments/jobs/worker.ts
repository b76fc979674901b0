/**
 * `copronet worker --queue redis://...`: takes jobs from the queue any
 * coordinator fills (experiments/jobs/redis.ts) and runs each in a sandboxed
 * child process (experiments/jobs/processor.ts), `concurrency` at a time. The
 * worker's own process only holds the jobs' locks, so a long job never lets
 * its lock lapse; a worker that dies (kill -9, a power cut) stops renewing its
 * locks and after `lockSeconds` another worker takes its jobs again.
 */
import { fileURLToPath } from 'node:url';
import { type Job, Worker } from 'bullmq';
import { workerEntry } from '../../src/core/worker-entry.ts';
import { describeJob } from './kinds.ts';
import { checkRedis, connectionOptions, QUEUE_NAME, QUEUE_PREFIX } from './redis.ts';
import { type JobReturn, type JobSpec, processName, REFUSED } from './spec.ts';
import { parseQueueUrl } from './url.ts';
import { codeVersion } from './version.ts';

export interface RunWorkerOptions {
  /** `redis://host:port/db`. */
  url: string;
  /** Jobs at once, each in its own process. @default 1 */
  concurrency?: number;
  /** How long a job stays claimed by a worker that stopped answering before another takes it. @default 30 */
  lockSeconds?: number;
  /** Where lines go. @default stderr */
  log?: (line: string) => void;
}

export interface RunningWorker {
  readonly name: string;
  readonly codeVersion: string;
  /** Finish the jobs in progress, then disconnect. */
  close(): Promise<void>;
}

/** Connect (a clear error within a few seconds if Redis does not answer) and start taking jobs. */
export async function startWorker(opts: RunWorkerOptions): Promise<RunningWorker> {
  const q = parseQueueUrl(opts.url);
  await checkRedis(q);
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const name = processName();
  const version = codeVersion();
  const concurrency = opts.concurrency ?? 1;
  const lockMs = Math.round((opts.lockSeconds ?? 30) * 1000);
  const processor = fileURLToPath(workerEntry(import.meta.url, 'processor'));
  const worker = new Worker<JobSpec, JobReturn>(QUEUE_NAME, processor, {
    connection: connectionOptions(q),
    prefix: QUEUE_PREFIX,
    name,
    concurrency,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: 2,
    useWorkerThreads: false,
    // The sandboxed processes take this process's name and code version (rather than hashing the code again),
    // and how many jobs run at once (a trainer's parallelUpdate: 'auto' counts the cores it may take).
    workerForkOptions: {
      env: {
        ...process.env,
        COPRONET_CODE_VERSION: version,
        COPRONET_WORKER_NAME: name,
        COPRONET_JOB_SLOTS: String(concurrency),
      },
    },
  });
  const what = (job: Job<JobSpec> | undefined) =>
    job ? `${describeJob(job.data)} (${job.id}, attempt ${job.attemptsMade + 1})` : 'a job';
  let lastError = '';
  worker.on('error', (err) => {
    // Redis away: ioredis reconnects for ever; said once per outage.
    if (err.message === lastError) return;
    lastError = err.message;
    if (/^Missing (key|lock) for job/.test(err.message)) {
      log(
        `${err.message}: the job is gone from Redis (restarted without its data?); its coordinator enqueues it again`,
      );
    } else {
      const connection = /ECONN|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|Connection is closed/i.test(
        err.message,
      );
      log(`redis ${q.shown}: ${err.message}${connection ? '; reconnecting' : ''}`);
    }
  });
  worker.on('active', (job) => {
    lastError = '';
    log(`started ${what(job)}`);
  });
  worker.on('completed', (job, ret) =>
    log(`done ${describeJob(job.data)} (${job.id}) in ${ret.seconds.toFixed(2)} s`),
  );
  worker.on('failed', (job, err) => {
    if (err.message.startsWith(REFUSED)) log(`refused ${what(job)}: ${err.message}`);
    else log(`failed ${what(job)}: ${err.message}`);
  });
  await worker.waitUntilReady();
  log(
    `worker ${name} ready: queue ${q.shown}, concurrency ${concurrency}, code version ${version}, lock ${lockMs / 1000} s`,
  );
  return {
    name,
    codeVersion: version,
    close: () => worker.close(),
  };
}
