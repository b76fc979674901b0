/**
 * The evaluation of a network run (or of the baselines alone) as
 * `copronet eval` reports it: the model the run trained on (its scenario and
 * `--set`, changed by `scenario` and `set`), its learned policies and every
 * baseline on held-out seeds. Runs in the command's process, on a local
 * worker thread or on a `copronet worker` (an `eval` job,
 * experiments/jobs/eval-job.ts), to the same result.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BaselineName } from '../../envs/network/baseline-names.ts';
import { loadScenario } from '../../envs/scenarios/index.ts';
import type { PolicySet, Role } from '../../src/sim/policy.ts';
import { parseOverrides, type Scenario, scenarioDifferences } from '../../src/sim/scenario.ts';
import { type EvaluationResult, evaluate } from './evaluate.ts';
import { heldOutSeeds } from './seeds.ts';

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

/** Loads a run's learned policies for `scenario`. */
export type LoadRunPolicies = (
  runDir: string,
  scenario: Scenario,
  opts: { deterministic: boolean },
) => Promise<LoadedPolicies>;

/** The options of `copronet eval` that decide its result. */
export interface RunEvalOptions {
  seeds: number;
  seedStart: number;
  scenario?: string;
  set?: string[];
  stochastic?: boolean;
  other: 'reference' | 'learned';
  reference: BaselineName;
  baselinesOnly?: boolean;
  reps: number;
  exploit?: boolean;
}

export interface RunEvalDeps {
  loadPolicies: LoadRunPolicies;
  /** A warning (without `warning: `). */
  warn(message: string): void;
  /** Episodes done. */
  onProgress?: (done: number, total: number, label: string) => void;
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

/**
 * Evaluate the network run in `runDir` (absolute; `runDirArg` as the user gave it, for the report), or the
 * baselines alone (`runDir` undefined or `baselinesOnly`).
 */
export async function evaluateNetworkRun(
  runDir: string | undefined,
  runDirArg: string | undefined,
  opts: RunEvalOptions,
  deps: RunEvalDeps,
): Promise<EvaluationResult> {
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
      deps.warn(msg);
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
  if (skipped.length > 0) deps.warn(`skipped evaluation seeds that training used: ${skipped.join(', ')}`);

  const result = evaluate({
    scenario,
    seeds,
    learned,
    reference: opts.reference,
    other: opts.other,
    trainSeeds,
    bootstrap: { reps: opts.reps },
    notes,
    onProgress: deps.onProgress,
  });
  if (opts.exploit) result.exploit = readExploit(runDir);
  return result;
}

/** The exploitability results `copronet exploit <run>` wrote into `<run>/exploit/exploit.json`. */
function readExploit(runDir: string | undefined): NonNullable<EvaluationResult['exploit']> {
  if (!runDir)
    throw new Error(
      "eval --exploit includes a run's exploitability results: give the run, not --baselines-only.",
    );
  const path = join(runDir, 'exploit', 'exploit.json');
  if (!existsSync(path)) {
    throw new Error(
      `eval --exploit: ${path} does not exist: run 'npx copronet exploit ${runDir}' first (it trains a best responder per role and population, minutes), then eval again.`,
    );
  }
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as NonNullable<EvaluationResult['exploit']>;
    if (!Array.isArray(data.results)) throw new Error('it has no results list');
    return data;
  } catch (err) {
    throw new Error(
      `eval --exploit: ${path} is not an exploitability report (${(err as Error).message}): run 'npx copronet exploit ${runDir}' again.`,
    );
  }
}
