/** Entry of the local backend's worker threads (tinypool): one job per task (experiments/jobs/local.ts). */
import { type JobInput, runJob } from './kinds.ts';

/** Tinypool task: a job in, its result out (structured-cloned). */
export default function run(job: JobInput): unknown {
  return runJob(job);
}
