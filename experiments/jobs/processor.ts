/**
 * The BullMQ sandboxed processor: each `copronet worker` runs its jobs in
 * child processes that load this file (compiled), or processor.dev.mjs from
 * the sources, so a CPU-heavy job never stalls the worker's lock renewals.
 * Refuses a job of another code version or with a spec that does not validate
 * (no retry: an `UnrecoverableError`, by name) and a result above
 * `MAX_RESULT_BYTES`.
 */
import { describeJob, runJob, validateJob } from './kinds.ts';
import { type JobReturn, type JobSpec, MAX_RESULT_BYTES, processName, REFUSED } from './spec.ts';
import { codeVersion, versionHint } from './version.ts';

// A worker killed with -9 leaves its sandboxed process behind: it ends with the IPC channel
// (a sandboxed process of a worker has its name: experiments/jobs/worker.ts).
if (process.send && process.env.COPRONET_WORKER_NAME) process.on('disconnect', () => process.exit(1));

/** An error BullMQ does not retry (it checks the name; the sandbox passes own properties only). */
function unrecoverable(message: string): Error {
  const err = new Error(message);
  err.name = 'UnrecoverableError';
  return err;
}

const mib = (bytes: number) => (bytes / (1024 * 1024)).toFixed(1);

export default async function processJob(job: { data: Partial<JobSpec> }): Promise<JobReturn> {
  const data = job.data ?? {};
  const mine = codeVersion();
  const worker = processName();
  if (data.codeVersion !== mine) {
    throw unrecoverable(
      `${REFUSED}: worker ${worker} runs code version ${mine}, the coordinator ${String(data.codeVersion)}; ${versionHint(mine, String(data.codeVersion))}`,
    );
  }
  let input: JobSpec;
  try {
    input = { ...validateJob({ kind: data.kind as JobSpec['kind'], spec: data.spec }), codeVersion: mine };
  } catch (err) {
    throw unrecoverable((err as Error).message);
  }
  const s0 = performance.now();
  const result = await runJob(input);
  const seconds = (performance.now() - s0) / 1000;
  const bytes = Buffer.byteLength(JSON.stringify(result) ?? '');
  if (bytes > MAX_RESULT_BYTES) {
    throw unrecoverable(
      `the result of ${describeJob(input)} is ${mib(bytes)} MiB as JSON, above the ${mib(MAX_RESULT_BYTES)} MiB a job result may carry through the queue: large artefacts (checkpoints) go to a folder every machine shares, the result naming them`,
    );
  }
  return { kind: input.kind, result, seconds, worker };
}
