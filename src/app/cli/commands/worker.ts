/**
 * `copronet worker --queue redis://host:port/db`: take jobs (sweep and
 * strategic cells, best responses, training runs, evaluations) from a queue
 * that a coordinator's `--queue` fills (`experiment`, `exploit`,
 * `train --seeds`, `eval`), on this or any
 * machine with a checkout (README "Sweeps on several machines"). BullMQ loads
 * when the command runs, not when it is registered.
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { parseQueueUrl } from '../../../../experiments/jobs/url.ts';
import { parsePositiveIntOption } from '../options.ts';

/** `--queue`: a redis:// URL, checked before anything connects. */
export function parseQueueOption(value: string): string {
  try {
    parseQueueUrl(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return value;
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`--lock-seconds must be a positive number, got '${value}'.`);
  return n;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'run jobs (experiment and strategic cells, exploit best responses, training runs, evaluations) from a Redis queue filled by `copronet experiment`, `exploit`, `train --seeds` or `eval` with --queue',
    )
    .requiredOption(
      '--queue <url>',
      'the Redis of the queue, e.g. redis://127.0.0.1:6379/0',
      parseQueueOption,
    )
    .option(
      '--concurrency <n>',
      'jobs at once, each in its own process (default: 1)',
      parsePositiveIntOption('--concurrency'),
    )
    .option(
      '--lock-seconds <s>',
      'how long a job stays with a worker that stopped answering before another takes it (default: 30)',
      parseSeconds,
    )
    .addHelpText(
      'after',
      '\nCtrl-C finishes the jobs in progress, then stops (a second Ctrl-C stops at once: those jobs go back to the queue).\n',
    )
    .action(async (opts: { queue: string; concurrency?: number; lockSeconds?: number }) => {
      const { startWorker } = await import('../../../../experiments/jobs/worker.ts');
      const worker = await startWorker({
        url: opts.queue,
        concurrency: opts.concurrency,
        lockSeconds: opts.lockSeconds,
      });
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: NodeJS.Signals) => {
          if (stopping) process.exit(signal === 'SIGINT' ? 130 : 143);
          stopping = true;
          process.stderr.write(
            `stopping: finishing the jobs in progress (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again stops at once; they go back to the queue)\n`,
          );
          worker.close().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      process.stderr.write(`worker ${worker.name} stopped\n`);
    });
}

/**
 * A coordinator stopped by Ctrl-C / SIGTERM (`connectQueue`): says so on `write` (stderr by default), sets exit
 * status 130 and returns true; the jobs stay in the queue for the same command run again. Any other error: false.
 */
export function stoppedQueue(
  err: unknown,
  write: (text: string) => void = (t) => process.stderr.write(t),
): boolean {
  if (!(err instanceof Error && err.name === 'QueueStoppedError')) return false;
  write(`\n${err.message}\n`);
  process.exitCode = 130;
  return true;
}

/**
 * The BullMQ backend of a coordinator's `--queue` (experiment, exploit), stopped by Ctrl-C / SIGTERM: its run
 * then rejects with a QueueStoppedError and the jobs stay in the queue; a second signal quits at once.
 */
export async function connectQueue(url: string) {
  const { connectRedisBackend } = await import('../../../../experiments/jobs/redis.ts');
  const backend = await connectRedisBackend(url);
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    backend.stop();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return {
    backend,
    close: async () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await backend.close();
    },
  };
}
