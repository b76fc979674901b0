/**
 * `copronet eval`: learned policies of a training run against the fixed
 * baselines on held-out seeds, with 95% stratified-bootstrap intervals.
 *
 *   copronet eval runs/x --seeds 10 [--scenario name] [--set key=value ...] [--stochastic] [--other reference|learned] [--out DIR]
 *   copronet eval --baselines-only --scenario quick --seeds 5
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { BASELINES, type BaselineName, isBaseline } from '../../../../envs/network/baselines.ts';
import { evaluate } from '../../../../experiments/eval/evaluate.ts';
import { formatJson, formatMarkdown, writeReport } from '../../../../experiments/eval/report.ts';
import { HELD_OUT_SEED_START, heldOutSeeds } from '../../../../experiments/eval/seeds.ts';
import { parseOverrides, type Scenario, scenarioDifferences } from '../../../sim/scenario.ts';
import { loadScenario } from '../../../../envs/scenarios/index.ts';
import type { PolicySet, Role } from '../../../sim/policy.ts';
import { parseIntOption, parsePositiveIntOption } from '../options.ts';

/** What the trainer's checkpoint loader gives evaluation. */
export interface LoadedPolicies {
  /** The learned policies, per trained role. */
  policies: Partial<PolicySet>;
  /** Scenario the run trained on (built-in name or file). */
  scenario: string;
  /** The run's scenario overrides (`key.path=value`, as given to `train --set`). @default [] */
  overrides?: string[];
  /** Who the run trained against (`opponent.<role>=...` entries of its --set). @default [] */
  opponents?: string[];
  trainedRoles: Role[];
  /** Seeds training used (evaluation seeds avoid them). */
  trainSeeds: number[];
}

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

/** The scenario a run recorded in run.json, if any. */
function runScenario(runDir: string): string | undefined {
  const file = join(runDir, 'run.json');
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as { scenario?: unknown };
    return typeof info.scenario === 'string' && info.scenario !== 'unknown' ? info.scenario : undefined;
  } catch {
    return undefined;
  }
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
      parseIntOption('--seed-start'),
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
    .action(async (runDirArg: string | undefined, opts) => {
      let runDir: string | undefined;
      if (runDirArg !== undefined) {
        runDir = resolve(runDirArg);
        if (!existsSync(runDir) || !statSync(runDir).isDirectory()) {
          throw new Error(
            `run directory '${runDirArg}' does not exist: pass the directory a training run wrote (runs/<name>), or use --baselines-only`,
          );
        }
      } else if (!opts.baselinesOnly) {
        throw new Error(
          'no run directory: pass one (copronet eval runs/<name>) or evaluate the baselines alone with --baselines-only --scenario <name>',
        );
      }
      const useRun = runDir !== undefined && !opts.baselinesOnly;
      if (opts.other === 'learned' && !useRun) {
        throw new Error(
          '--other learned needs a run directory with learned policies; drop --baselines-only or use --other reference',
        );
      }
      const scenarioName: string | undefined =
        opts.scenario ?? (runDir ? runScenario(runDir) : undefined) ?? (useRun ? undefined : 'quick');
      if (scenarioName === undefined) {
        throw new Error(
          `cannot tell which scenario run '${runDirArg}' trained on (no scenario in run.json): pass --scenario <name|file>`,
        );
      }
      const setOverrides: string[] = opts.set ?? [];
      const resolveScenario = (entries: readonly string[]) =>
        loadScenario(scenarioName, entries.length > 0 ? parseOverrides(entries) : undefined);
      let scenario = resolveScenario(setOverrides);

      let learned: Partial<PolicySet> = {};
      let trainSeeds: number[] = [];
      const notes: string[] = [];
      if (useRun) {
        const ckpt = join(runDir!, 'checkpoints');
        if (!existsSync(ckpt) || readdirSync(ckpt).length === 0) {
          throw new Error(
            `no checkpoint in '${runDirArg}' (${ckpt} is missing or empty): train first, or wait for the run's first checkpoint`,
          );
        }
        const loaded = await deps.loadPolicies(runDir!, scenario, { deterministic: !opts.stochastic });
        learned = loaded.policies;
        trainSeeds = loaded.trainSeeds;
        if (!learned.operator && !learned.coprocessor) {
          throw new Error(
            `the checkpoint of '${runDirArg}' holds no learned policy for either role: check the run trained a role`,
          );
        }
        const runOverrides = loaded.overrides ?? [];
        // By default the model is the one the run trained on: its scenario and its --set.
        if (opts.scenario === undefined && runOverrides.length > 0) {
          scenario = resolveScenario([...runOverrides, ...setOverrides]);
          notes.push(`scenario overrides from the run: ${runOverrides.join(' ')}`);
        }
        if (setOverrides.length > 0) notes.push(`scenario overrides (--set): ${setOverrides.join(' ')}`);
        const trained = loadScenario(
          loaded.scenario,
          runOverrides.length > 0 ? parseOverrides(runOverrides) : undefined,
        );
        const diff = scenarioDifferences(trained, scenario);
        if (diff.length > 0) {
          const msg = `evaluating on a model other than the run trained on (trained -> evaluated): ${diff.join('; ')}`;
          stderr(`warning: ${msg}\n`);
          notes.push(msg);
        }
        notes.push(
          `learned policies: ${opts.stochastic ? 'stochastic (sampled actions)' : 'deterministic (mode of the policy)'}`,
        );
        notes.push(`run: ${runDirArg}, trained roles: ${loaded.trainedRoles.join(', ')}`);
        if (loaded.opponents?.length) notes.push(`trained against: ${loaded.opponents.join(' ')}`);
      } else if (setOverrides.length > 0) {
        notes.push(`scenario overrides (--set): ${setOverrides.join(' ')}`);
      }
      const { seeds, skipped } = heldOutSeeds(opts.seeds, trainSeeds, opts.seedStart);
      if (skipped.length > 0)
        stderr(`warning: skipped evaluation seeds that training used: ${skipped.join(', ')}\n`);

      const progress = opts.quiet
        ? undefined
        : (done: number, total: number, label: string) => {
            const tty = process.stderr.isTTY;
            if (tty) stderr(`\r\x1b[2Keval ${done}/${total} ${label}${done === total ? '\n' : ''}`);
            else if (done === total || done % Math.max(1, Math.ceil(total / 10)) === 0)
              stderr(`eval ${done}/${total} ${label}\n`);
          };
      const result = evaluate({
        scenario,
        seeds,
        learned,
        reference: opts.reference,
        other: opts.other,
        trainSeeds,
        bootstrap: { reps: opts.reps },
        notes,
        onProgress: progress,
      });
      const outDir: string | undefined = opts.out ?? (runDir ? join(runDir, 'eval') : undefined);
      if (outDir) {
        const paths = writeReport(result, outDir);
        stderr(`wrote ${paths.markdown} and ${paths.json}\n`);
      }
      stdout(opts.json ? formatJson(result) : formatMarkdown(result));
    });
}
