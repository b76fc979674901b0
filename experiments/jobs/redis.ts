/**
 * The BullMQ backend (README "Sweeps on several machines"): this process is
 * the coordinator. It enqueues each job under its content id (jobId =
 * hash(kind, spec, code version): a job already in the queue is not added
 * twice), `copronet worker` processes on any machine run them in sandboxed
 * processes (experiments/jobs/worker.ts), and the coordinator collects each
 * result from the job's return value, hands it to its caller (which stores
 * it) and removes the job.
 *
 * Delivery is at least once (a worker that dies mid-job loses its lock and
 * the job runs again elsewhere; a job retries with exponential backoff) and
 * results are idempotent, so a duplicate costs time, never a wrong or a
 * second stored result. The coordinator only reads the queue: Ctrl-C leaves
 * its jobs there, the workers go on with them, and the same command run again
 * collects what they finished (cells already stored are not enqueued).
 */
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { type JobBackend, type JobHooks, JobsFailedError } from './backend.ts';
import { describeJob, type JobInput, validateJob } from './kinds.ts';
import { type JobReturn, type JobSpec, jobId, jobName, REFUSED } from './spec.ts';
import { parseQueueUrl, type QueueUrl } from './url.ts';
import { codeVersion } from './version.ts';

/** The queue every coordinator and worker of this project uses, under the key prefix `copronet:`. */
export const QUEUE_NAME = 'jobs';
export const QUEUE_PREFIX = 'copronet';

/** Finished jobs nobody collected are dropped after a week. */
const KEEP_SECONDS = 7 * 24 * 3600;

/** A Redis that does not answer, or a URL that is not one. */
export class QueueConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueConnectError';
  }
}

/** The coordinator was stopped (Ctrl-C): its jobs stay in the queue. */
export class QueueStoppedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueStoppedError';
  }
}

/** ioredis options for BullMQ: reconnect for ever, commands wait for the connection (`maxRetriesPerRequest: null`). */
export function connectionOptions(q: QueueUrl) {
  return {
    host: q.host,
    port: q.port,
    db: q.db,
    username: q.username,
    password: q.password,
    tls: q.tls ? {} : undefined,
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
}

/** Connect once and PING, within `timeoutMs`; throws a QueueConnectError naming the URL. */
export async function checkRedis(q: QueueUrl, timeoutMs = 3000): Promise<void> {
  const client = new Redis({
    ...connectionOptions(q),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let lastError: Error | undefined;
  client.on('error', (err: Error) => {
    lastError = err; // reported below: it says more than 'Connection is closed' (e.g. WRONGPASS, NOAUTH)
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    const reason = (lastError ?? (err instanceof Error ? err : new Error(String(err)))).message.replace(
      /\.+$/,
      '',
    );
    throw new QueueConnectError(
      `cannot reach Redis at ${q.shown}: ${reason}. Start it (e.g. \`redis-server --port ${q.port}\`), check --queue and its password`,
    );
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/** The worker names connected to a queue (BullMQ names each worker's connection `<prefix>:<queue>:w:<name>`). */
export async function workerNames(queue: Queue): Promise<string[]> {
  const clients = (await queue.getWorkers()) as { rawname?: string; name?: string }[];
  const names = clients.map((c) => (c.rawname ?? '').split(':w:')[1] ?? c.name ?? '?');
  return [...new Set(names)].sort();
}

export interface RedisBackendOptions {
  /** Attempts per job: a failure (an error, not a refusal) is retried after 1 s, 2 s, 4 s... @default 3 */
  attempts?: number;
  /** The first retry's delay in ms, doubling after. @default 1000 */
  backoffMs?: number;
  /** How often the coordinator reads its jobs' states (ms). @default 250 */
  pollMs?: number;
  /** Code version stamped on the jobs (tests give a wrong one). @default codeVersion() */
  codeVersion?: string;
  /** Times a job goes back into the queue after workers of another code version refused it. @default 10 */
  maxRefusals?: number;
}

/** Parse `url`, check that Redis answers (a clear error within a few seconds otherwise) and open the queue. */
export async function connectRedisBackend(
  url: string,
  opts: RedisBackendOptions = {},
): Promise<RedisBackend> {
  let q: QueueUrl;
  try {
    q = parseQueueUrl(url);
  } catch (err) {
    throw new QueueConnectError((err as Error).message);
  }
  await checkRedis(q);
  return new RedisBackend(q, opts);
}

export class RedisBackend implements JobBackend {
  readonly where: string;
  readonly queue: Queue;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly pollMs: number;
  private readonly version: string;
  private readonly maxRefusals: number;
  private stopped = false;
  private wake: (() => void) | undefined;
  private lastError = '';
  private hooks: JobHooks | undefined;
  /** Worker names seen on the queue or on results. */
  readonly workersSeen = new Set<string>();

  constructor(
    readonly url: QueueUrl,
    opts: RedisBackendOptions = {},
  ) {
    this.where = url.shown;
    this.attempts = opts.attempts ?? 3;
    this.backoffMs = opts.backoffMs ?? 1000;
    this.pollMs = opts.pollMs ?? 250;
    this.version = opts.codeVersion ?? codeVersion();
    this.maxRefusals = opts.maxRefusals ?? 10;
    this.queue = new Queue(QUEUE_NAME, { connection: connectionOptions(url), prefix: QUEUE_PREFIX });
    // Connection errors while Redis is away: ioredis reconnects, commands wait; the status says so.
    this.queue.on('error', (err: Error) => {
      if (err.message !== this.lastError)
        this.hooks?.onStatus?.(`redis ${this.where}: ${err.message}; reconnecting`);
      this.lastError = err.message;
    });
  }

  /** Stop collecting (Ctrl-C): `run` rejects with a QueueStoppedError, the jobs stay in the queue. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  async run(jobs: readonly JobInput[], hooks: JobHooks): Promise<void> {
    if (jobs.length === 0) return;
    this.hooks = hooks;
    // Every spec is checked before anything is enqueued.
    const specs: JobSpec[] = jobs.map((j) => ({ ...validateJob(j), codeVersion: this.version }));
    const ids = specs.map(jobId);
    const outstanding = new Map<string, number>();
    for (const [i, id] of ids.entries()) if (!outstanding.has(id)) outstanding.set(id, i);
    const add = async (indices: number[], delay = 0) => {
      if (indices.length === 0) return;
      await this.queue.addBulk(
        indices.map((i) => ({
          name: jobName(specs[i]),
          data: specs[i],
          opts: {
            jobId: ids[i],
            attempts: this.attempts,
            backoff: { type: 'exponential', delay: this.backoffMs },
            delay,
            removeOnComplete: { age: KEEP_SECONDS },
            removeOnFail: { age: KEEP_SECONDS },
          },
        })),
      );
    };

    // Jobs already in the queue (an earlier run that was stopped) are not added again.
    // A job that failed for good in an earlier run is tried again.
    const keys = [...outstanding.keys()];
    const before = await Promise.all(keys.map((id) => this.queue.getJobState(id)));
    for (const [k, id] of keys.entries()) {
      if (before[k] !== 'failed') continue;
      await (await Job.fromId(this.queue, id))?.remove().catch(() => {});
      before[k] = 'unknown';
    }
    const fresh = [...outstanding.values()].filter((_, k) => before[k] === 'unknown');
    await add(fresh);
    const there = outstanding.size - fresh.length;
    hooks.onLine?.(
      `queue ${this.where}: ${fresh.length} jobs enqueued${there > 0 ? `, ${there} already in the queue (${before.filter((s) => s === 'completed').length} of them done)` : ''}; code version ${this.version}`,
    );

    const failures: { job: string; error: string }[] = [];
    const refusals = new Map<string, number>();
    const refusedBy = new Set<string>();
    let done = 0;
    const total = outstanding.size;
    while (outstanding.size > 0 && !this.stopped) {
      const entries = [...outstanding];
      const states = await Promise.all(entries.map(([id]) => this.queue.getJobState(id)));
      let waiting = 0;
      let running = 0;
      const lost: number[] = [];
      for (const [k, [id, i]] of entries.entries()) {
        const state = states[k];
        if (state === 'active') running++;
        else if (state === 'completed' || state === 'failed') {
          const job = await Job.fromId<JobSpec, JobReturn>(this.queue, id);
          if (!job) {
            lost.push(i);
            continue;
          }
          if (state === 'completed') {
            const ret = job.returnvalue;
            if (!ret || typeof ret !== 'object' || ret.kind !== specs[i].kind || !('result' in ret)) {
              failures.push({ job: describeJob(specs[i]), error: `returned no ${specs[i].kind} result` });
            } else {
              hooks.onResult(i, ret.result, ret.seconds);
              if (ret.worker) this.workersSeen.add(ret.worker);
              done++;
            }
            outstanding.delete(id);
            await job.remove().catch(() => {});
            continue;
          }
          const reason = job.failedReason ?? 'no reason given';
          const by = job.processedBy ?? 'a worker';
          if (reason.startsWith(REFUSED)) {
            const n = (refusals.get(id) ?? 0) + 1;
            refusals.set(id, n);
            if (!refusedBy.has(by)) {
              refusedBy.add(by);
              hooks.onLine?.(`worker ${by} refused a job: ${reason}`);
            }
            if (n <= this.maxRefusals) {
              // Not the job's fault: back into the queue for a worker of this code version.
              await job.remove().catch(() => {});
              await add([i], this.backoffMs);
              waiting++;
              continue;
            }
          }
          const error = `${reason} (${job.attemptsMade} attempt${job.attemptsMade === 1 ? '' : 's'}, last on ${by})`;
          failures.push({ job: describeJob(specs[i]), error });
          hooks.onLine?.(`failed for good: ${describeJob(specs[i])}: ${error}`);
          outstanding.delete(id);
          await job.remove().catch(() => {});
        } else if (state === 'unknown') lost.push(i);
        else waiting++;
      }
      if (lost.length > 0) {
        // Gone from the queue without a result (Redis restarted without its data): enqueued again.
        hooks.onLine?.(`${lost.length} jobs were no longer in the queue (Redis restarted?): enqueued again`);
        await add(lost);
        waiting += lost.length;
      }
      for (const w of await workerNames(this.queue)) this.workersSeen.add(w);
      const workers = [...this.workersSeen];
      hooks.onStatus?.(
        `queue: ${waiting} waiting, ${running} running, ${done} done, ${failures.length} failed of ${total}; ` +
          `workers seen: ${workers.length}${workers.length > 0 && workers.length <= 4 ? ` (${workers.join(', ')})` : ''}`,
      );
      this.lastError = '';
      if (outstanding.size === 0 || this.stopped) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, this.pollMs);
      });
      this.wake = undefined;
    }
    if (this.stopped && outstanding.size > 0) {
      throw new QueueStoppedError(
        `stopped with ${outstanding.size} of ${total} jobs still in the queue at ${this.where}: the workers go on with them and keep their results there; run the same command again to collect them (nothing is computed twice)`,
      );
    }
    if (failures.length > 0) throw new JobsFailedError(failures, total);
  }

  async close(): Promise<void> {
    this.stop();
    await this.queue.close();
  }
}
