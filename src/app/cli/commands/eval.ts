/**
 * `copronet eval`: learned policies of a training run against the fixed
 * baselines on held-out seeds, with 95% stratified-bootstrap intervals.
 *
 *   copronet eval runs/x --seeds 10 [--scenario name] [--set key=value ...] [--stochastic] [--other reference|learned] [--out DIR]
 *   copronet eval --baselines-only --scenario quick --seeds 5
 *
 * Registration only (name, options, help): the evaluation is in
 * `eval-run.ts`, loaded when the command runs, so `--help` stays fast.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { BASELINES, type BaselineName, isBaseline } from '../../../../envs/network/baseline-names.ts';
import { HELD_OUT_SEED_START } from '../../../../experiments/eval/seeds.ts';
import type { Scenario } from '../../../sim/scenario.ts';
import { parsePositiveIntOption, parseSeedOption } from '../options.ts';
import { parseQueueOption } from './worker.ts';

import type { LoadedPolicies, RunEvalOptions } from '../../../../experiments/eval/run.ts';

export type { LoadedPolicies };

export interface EvalCommandDeps {
  /** Load the run's learned policies for `scenario` (wired by the CLI to the trainer's checkpoints). */
  loadPolicies(runDir: string, scenario: Scenario, opts: { deterministic: boolean }): Promise<LoadedPolicies>;
  /** Where the report goes. @default process.stdout.write */
  stdout?: (text: string) => void;
  /** Where progress and warnings go. @default process.stderr.write */
  stderr?: (text: string) => void;
}

function parseOther(value: string): 'reference' | 'learned' {
  if (value !== 'reference' && value !== 'learned') {
    throw new InvalidArgumentError(`--other must be 'reference' or 'learned', got '${value}'.`);
  }
  return value;
}

function parseReference(value: string): BaselineName {
  if (!isBaseline(value))
    throw new InvalidArgumentError(`choose one of ${BASELINES.join(', ')}, got '${value}'.`);
  return value;
}

/** The options of `copronet eval`, as commander parses them: those that decide the result, and where it goes. */
export interface EvalOptions extends RunEvalOptions {
  out?: string;
  json?: boolean;
  quiet?: boolean;
  /** Run the evaluation(s) as `eval` jobs on this Redis queue. */
  queue?: string;
  /** Local worker threads for the runs of a multi-seed folder. */
  workers?: number;
}

export function registerEvalCommand(program: Command, deps: EvalCommandDeps): void {
  const stdout = deps.stdout ?? ((s: string) => void process.stdout.write(s));
  const stderr = deps.stderr ?? ((s: string) => void process.stderr.write(s));
  program
    .command('eval')
    .description("evaluate a run's learned policies against the baselines on held-out seeds, with 95% CIs")
    .argument('[runDir]', 'training run directory (runs/<name>); omit with --baselines-only')
    .option('--seeds <n>', 'number of held-out seeds', parsePositiveIntOption('--seeds'), 10)
    .option(
      '--seed-start <int>',
      'first held-out seed (training seeds are skipped)',
      parseSeedOption('--seed-start'),
      HELD_OUT_SEED_START,
    )
    .option(
      '--scenario <name|file>',
      "scenario to evaluate on (default: the run's scenario with the run's --set overrides; quick with --baselines-only)",
    )
    .option(
      '--set <key=value...>',
      'override scenario fields on top (e.g. --set slashing.factor=2); a model other than the trained one is reported',
    )
    .option('--stochastic', "sample the learned policies' actions instead of taking their mode")
    .option('--other <reference|learned>', 'what the other role plays', parseOther, 'reference')
    .option(
      '--reference <name>',
      `reference policy of the other role (${BASELINES.join(', ')})`,
      parseReference,
      'paper-heuristic',
    )
    .option('--baselines-only', 'evaluate only the baselines (no run directory needed)')
    .option('--reps <n>', 'bootstrap resamples', parsePositiveIntOption('--reps'), 2000)
    .option(
      '--out <dir>',
      'directory for eval.md and eval.json (default: <runDir>/eval; none with --baselines-only)',
    )
    .option('--json', 'print the JSON report instead of the Markdown')
    .option('--quiet', 'no progress line on stderr')
    .option('--exploit', "include the run's exploitability results (written by copronet exploit <run>)")
    .option(
      '--queue <url>',
      'evaluate as jobs on a Redis queue (redis://host:port/db) for `copronet worker` processes: the run (or the folder of `train --seeds`) must be in a folder every worker sees at the same path',
      parseQueueOption,
    )
    .option(
      '--workers <n>',
      'for the folder of `train --seeds`: worker threads, one run each (default: available cores)',
      parsePositiveIntOption('--workers'),
    )
    .action(async (runDirArg: string | undefined, opts: EvalOptions) => {
      const { runEval } = await import('./eval-run.ts');
      await runEval(runDirArg, opts, { loadPolicies: deps.loadPolicies, stdout, stderr });
    });
}
