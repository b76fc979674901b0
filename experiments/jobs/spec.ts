/**
 * A job as it travels: what to run and the code version that asked for it,
 * named by a hash of both (README "Sweeps on several machines"). Equal specs
 * under equal code give equal ids, so enqueuing a job that is already in the
 * queue adds nothing (BullMQ keeps one job per id).
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { stableJson } from '../lib/runner.ts';
import { describeJob, type JobInput, type JobKind } from './kinds.ts';

export interface JobSpec<S = unknown> extends JobInput<S> {
  /** The coordinator's code version (experiments/jobs/version.ts). */
  codeVersion: string;
}

/** What a processor sends back (the job's return value). */
export interface JobReturn<R = unknown> {
  kind: JobKind;
  result: R;
  /** Seconds the processor spent on the job. */
  seconds: number;
  /** Who ran it: `<host>:<pid>`. */
  worker: string;
}

/** The most a job's result may weigh as JSON: larger artefacts (checkpoints) belong in a shared folder. */
export const MAX_RESULT_BYTES = 8 * 1024 * 1024;

/** The first words of the error of a worker that refuses a job of another code version. */
export const REFUSED = 'code version mismatch';

/** `<kind>-<hash of kind, spec and code version>`: BullMQ's jobId (no colons, not a number). */
export function jobId(job: JobSpec): string {
  const hash = createHash('sha256')
    .update(stableJson({ kind: job.kind, spec: job.spec, codeVersion: job.codeVersion }))
    .digest('hex');
  return `${job.kind}-${hash.slice(0, 24)}`;
}

/** The BullMQ job name (shown by queue dashboards): the kind and a short description. */
export function jobName(job: JobSpec): string {
  return describeJob(job);
}

/** `<host>:<pid>`: how a worker is named in the queue and in results (its sandboxed processes take its name). */
export function processName(): string {
  return process.env.COPRONET_WORKER_NAME || `${hostname()}:${process.pid}`;
}
