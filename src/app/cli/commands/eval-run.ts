/**
 * What `copronet eval` does (registered, with its options, in `eval.ts`):
 * resolve the scenario, load the run's learned policies, evaluate them and
 * the baselines on held-out seeds, and write and print the report.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type EvaluationResult, evaluate } from '../../../../experiments/eval/evaluate.ts';
import { formatJson, formatMarkdown, writeReport } from '../../../../experiments/eval/report.ts';
import { heldOutSeeds } from '../../../../experiments/eval/seeds.ts';
import { parseOverrides, scenarioDifferences } from '../../../sim/scenario.ts';
import { loadScenario } from '../../../../envs/scenarios/index.ts';
import type { PolicySet } from '../../../sim/policy.ts';
import type { EvalCommandDeps, EvalOptions } from './eval.ts';
import type { SingleRunRecord } from './eval-single.ts';

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

/** cli.json of a run trained on a single-agent env, if it is one. */
function singleRun(runDir: string): SingleRunRecord | undefined {
  const file = join(runDir, 'cli.json');
  if (!existsSync(file)) return undefined;
  try {
    const cli = JSON.parse(readFileSync(file, 'utf8')) as Partial<SingleRunRecord>;
    return cli.kind === 'single' && typeof cli.env === 'string'
      ? { env: cli.env, kind: 'single', numEnvs: cli.numEnvs ?? 4 }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Run `copronet eval` with its parsed arguments; `deps` with their defaults filled in. */
export async function runEval(
  runDirArg: string | undefined,
  opts: EvalOptions,
  deps: Required<EvalCommandDeps>,
): Promise<void> {
  const { stdout, stderr } = deps;
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
  // A single-agent run (train --env CartPole-v1) has no network populations to compare: its own report.
  const single = useRun ? singleRun(runDir!) : undefined;
  if (single) {
    const { runSingleEval } = await import('./eval-single.ts');
    return runSingleEval(runDir!, runDirArg!, single, opts, { stdout, stderr });
  }
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
  if (opts.exploit) result.exploit = readExploit(runDir);
  const outDir: string | undefined = opts.out ?? (runDir ? join(runDir, 'eval') : undefined);
  if (outDir) {
    const paths = writeReport(result, outDir);
    stderr(`wrote ${paths.markdown} and ${paths.json}\n`);
  }
  stdout(opts.json ? formatJson(result) : formatMarkdown(result));
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
