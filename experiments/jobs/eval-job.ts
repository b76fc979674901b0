/**
 * The `eval` job: `copronet eval <run>` of a network run, on whatever machine
 * takes it (README "Sweeps on several machines"). The run's checkpoint is too
 * large to travel in a job, so the worker reads the run from the shared
 * folder (experiments/train/shared.ts, checked first); the result, the
 * evaluation itself, is small JSON, and the coordinator writes the report, as
 * `copronet eval` does.
 */
import { loadLearnedPolicies } from '../eval/learned-run.ts';
import type { EvaluationResult } from '../eval/evaluate.ts';
import { evaluateNetworkRun, type RunEvalOptions } from '../eval/run.ts';
import { checkSharedFolder } from '../train/shared.ts';
import { type BackendOfJob, backendChoice } from './tf.ts';

export interface EvalJobSpec {
  /** Absolute path of the run folder, inside `out`. */
  run: string;
  /** The run as the user named it (the report says `run: <runArg>`). */
  runArg: string;
  /** The shared folder (absolute) holding `.copronet-shared.json`. */
  out: string;
  token: string;
  options: Omit<RunEvalOptions, 'baselinesOnly'>;
  /** The tfjs backend the coordinator would evaluate on. */
  backend: BackendOfJob;
}

export interface EvalJobResult {
  result: EvaluationResult;
  /** What `copronet eval` would have printed as warnings. */
  warnings: string[];
}

export async function runEvalJob(spec: EvalJobSpec): Promise<EvalJobResult> {
  checkSharedFolder(spec.out, spec.token);
  const warnings: string[] = [];
  const result = await evaluateNetworkRun(spec.run, spec.runArg, spec.options, {
    loadPolicies: (dir, _scenario, opts) =>
      loadLearnedPolicies(dir, { ...opts, backend: backendChoice(spec.backend) }),
    warn: (m) => warnings.push(m),
  });
  return { result, warnings };
}
