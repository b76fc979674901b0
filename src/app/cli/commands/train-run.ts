/**
 * What `copronet train` does (registered, with its options, in `train.ts`):
 * build the env, start or resume the trainer, and show its progress on the
 * dashboard or as plain lines until the run ends.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { PpoConfigSchema } from '../../../../agents/ppo/config.ts';
import { ReinforceConfigSchema } from '../../../../agents/reinforce/config.ts';
import { RunDir } from '../../../../agents/trainer/run-dir.ts';
import { type BackendName, initBackend } from '../../../../agents/tf/backend.ts';
import { type Algo, resume, Trainer } from '../../../../agents/trainer/trainer.ts';
import '../../../../envs/classic/index.ts';
import { NETWORK_PPO_DEFAULTS } from '../../../../envs/network/hyperparams.ts';
import type { BatchedEnv } from '../../../core/batched.ts';
import { makeEnv, registry, spec } from '../../../core/registry.ts';
import type { MarketSnapshot, TrainerEvent } from '../../../core/train-events.ts';
import { isSeed, SEED_RULE } from '../../../core/validate.ts';
import { BatchedFromVector } from '../../../core/vector.ts';
import { chooseRenderer } from '../../dashboard/choose-renderer.ts';
import { formatChoices } from '../../dashboard/plain-log.ts';
import { DEFAULT_SCENARIO, type TrainCommandDeps, type TrainInfo, type TrainOptions } from './train.ts';

/** How the env of a run was built, saved as `cli.json` so `--resume` can rebuild it. */
interface CliRecord {
  env: string;
  kind: 'single' | 'batched';
  numEnvs: number;
  overrides: string[];
}

const LEARNER_KEYS = new Set([
  ...Object.keys(PpoConfigSchema.shape),
  ...Object.keys(ReinforceConfigSchema.shape),
]);

/** Split `--set key=value` entries into learner hyperparameters (JSON-parsed values) and the rest. */
export function splitOverrides(entries: readonly string[]): {
  config: Record<string, unknown>;
  rest: string[];
} {
  const config: Record<string, unknown> = {};
  const rest: string[] = [];
  for (const e of entries) {
    const eq = e.indexOf('=');
    if (eq <= 0)
      throw new InvalidArgumentError(`--set expects key=value, got '${e}' (e.g. --set learningRate=3e-4).`);
    const key = e.slice(0, eq).trim();
    const raw = e.slice(eq + 1).trim();
    if (!LEARNER_KEYS.has(key)) {
      rest.push(e);
      continue;
    }
    try {
      config[key] = JSON.parse(raw);
    } catch {
      config[key] = raw;
    }
  }
  return { config, rest };
}

function isSingleAgentEnv(id: string): boolean {
  return registry.get(id)?.kind === 'env';
}

/**
 * `--env` takes a registered single-agent env; anything else is an error that says what exists (the
 * registry's own message: a close id, the versions of the same name, the registered ids), not that no
 * scenario of that name exists.
 */
export function checkEnvOption(id: string): void {
  if (isSingleAgentEnv(id)) return;
  const singles = [...registry.values()]
    .filter((s) => s.kind === 'env')
    .map((s) => s.id)
    .sort();
  const takes =
    `--env takes a registered single-agent env (${singles.join(', ')}); train the network with ` +
    '--scenario <name|file> (a built-in scenario or a scenario file).';
  if (registry.has(id)) throw new Error(`--env ${id} is a multi-agent env: ${takes}`);
  let why: string;
  try {
    spec(id);
    why = `no registered environment with id '${id}'.`;
  } catch (err) {
    why = (err as Error).message;
  }
  throw new Error(`--env ${id}: unknown env. ${why} ${takes}`);
}

async function buildEnv(rec: CliRecord, seed: number, deps: TrainCommandDeps): Promise<BatchedEnv> {
  if (rec.kind === 'single') {
    return new BatchedFromVector(
      Array.from({ length: rec.numEnvs }, () => () => makeEnv(rec.env)),
      { seed },
    );
  }
  return deps.makeBatchedEnv(rec.env, { seed, numEnvs: rec.numEnvs, overrides: rec.overrides });
}

function readConfigFile(path: string): Record<string, unknown> {
  if (!existsSync(path))
    throw new Error(`--config ${path}: no such file. Pass a JSON file of learner hyperparameters.`);
  try {
    const v = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
    const { algo: _algo, ...rest } = v as Record<string, unknown>;
    return rest;
  } catch (err) {
    throw new Error(
      `--config ${path}: ${(err as Error).message}. Expected a JSON object such as {"learningRate": 3e-4}.`,
    );
  }
}

function fmt(x: number | undefined, digits = 2): string {
  return x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits);
}

/** The plain progress line of one iteration. */
export function formatProgress(
  ev: Extract<TrainerEvent, { type: 'iteration' }>,
  total: number,
  roles: string[],
): string {
  const m = ev.metrics;
  const pct = ((100 * ev.globalStep) / total).toFixed(0);
  const returns = roles.map((r) => `${r} ${fmt(m[`charts/episodic_return/${r}`])}`).join(', ');
  const kl = roles.map((r) => fmt(m[`losses/approx_kl/${r}`], 4)).join('/');
  return (
    `iter ${ev.iteration}  step ${ev.globalStep}/${total} (${pct}%)  ${Math.round(m['charts/SPS'] ?? 0)} SPS  ` +
    `return: ${returns}  kl ${kl}  ${ev.elapsedSec.toFixed(0)}s`
  );
}

/** `12345` -> `12,345`. */
const int = (n: number) => n.toLocaleString('en-US');
const iterations = (n: number) => `${n} iteration${n === 1 ? '' : 's'}`;
const more = (n: number) => `${n} more iteration${n === 1 ? '' : 's'}`;

/**
 * The flags a resumed run cannot take, in the order they are named: the run fixes them (config.json,
 * cli.json). `--timesteps` (extend the budget), `--no-dashboard` and `--backend` apply to a resume.
 */
const FIXED_ON_RESUME: readonly [keyof TrainOptions, string][] = [
  ['env', '--env'],
  ['scenario', '--scenario'],
  ['seed', '--seed'],
  ['algo', '--algo'],
  ['numEnvs', '--num-envs'],
  ['config', '--config'],
  ['set', '--set'],
  ['out', '--out'],
  ['overwrite', '--overwrite'],
];

/** Refuse the flags given with --resume that cannot apply to it, naming them. */
export function checkResumeFlags(opts: TrainOptions, given: ReadonlySet<string>): void {
  const names: string[] = [];
  for (const [key, flag] of FIXED_ON_RESUME) {
    if (!given.has(key)) continue;
    if (key === 'set') for (const e of opts.set ?? []) names.push(`--set ${e.split('=')[0].trim()}`);
    else names.push(flag);
  }
  if (names.length === 0) return;
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  const they = names.length === 1 ? 'it is' : 'they are';
  throw new Error(
    `${list} cannot change on --resume: ${they} fixed by the run (see ${join(opts.resume!, 'config.json')} and ` +
      `${join(opts.resume!, 'cli.json')}); start a new run with --out. --resume takes --timesteps (to train further), ` +
      '--backend and --no-dashboard.',
  );
}

/** A command line that works in a checkout (`copronet` itself is on PATH only when installed). */
export function resumeCommand(runDir: string): string {
  const rel = relative(process.cwd(), runDir);
  const dir = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : runDir;
  const quoted = /^[\w./@%+=:,-]+$/.test(dir) ? dir : `'${dir.replace(/'/g, "'\\''")}'`;
  return `npx copronet train --resume ${quoted}`;
}

/** How many iterations a budget gives, and why the total may be less than asked (whole iterations). */
function budgetNote(trainer: Trainer): string {
  const { numIterations: n, batchSamples: b, budgetSamples: total } = trainer;
  const asked = trainer.config.totalTimesteps;
  const cut = asked === total ? '' : `; ${int(asked)} asked, rounded down to whole iterations`;
  return `${iterations(n)} of ${int(b)} samples = ${int(total)} samples${cut}`;
}

/** The signals that stop a run like Ctrl-C (save at the next safe point, then exit), with their numbers. */
const STOP_SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
type StopSignal = keyof typeof STOP_SIGNALS;

function defaultRunName(env: string, algo: Algo, seed: number): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return join('runs', `${env.replace(/[^\w.-]+/g, '_')}-${algo}-s${seed}-${stamp}`);
}

/**
 * Run `copronet train` with its parsed options. `given`: the options the command line gave (commander's
 * value source 'cli'), to tell them from defaults on --resume.
 */
export async function runTrain(
  opts: TrainOptions,
  deps: TrainCommandDeps,
  given: ReadonlySet<string> = new Set(),
): Promise<void> {
  if (opts.resume) checkResumeFlags(opts, given);
  else if (opts.env !== undefined && opts.scenario === undefined) checkEnvOption(opts.env);
  const backend = await initBackend(opts.backend as BackendName);
  const { config: setConfig, rest } = splitOverrides(opts.set ?? []);
  let trainer: Trainer;
  let rec: CliRecord;
  let resumed = false;
  /** Lines saying what this run will do: printed, or shown in the dashboard's log. */
  const notes: string[] = [];

  if (opts.resume) {
    const dir = RunDir.open(opts.resume);
    if (!existsSync(dir.file('cli.json'))) {
      throw new Error(
        `${opts.resume} has no cli.json: it was not written by 'copronet train', so its env is unknown.`,
      );
    }
    rec = dir.readJson<CliRecord>('cli.json');
    const saved = dir.readJson<{ seed: number; totalTimesteps: number; annealLr?: boolean }>('config.json');
    const info = dir.readJson<{ backend?: string }>('run.json');
    const env = await buildEnv(rec, saved.seed, deps);
    try {
      trainer = await resume(opts.resume, env, {
        totalTimesteps: opts.timesteps,
        // Reference returns are the network scenarios' (a single-agent env has none).
        baselineReturns: rec.kind === 'batched' ? deps.baselineReturns?.(rec.env, rec.overrides) : undefined,
        restartWithoutCheckpoint: true,
      });
    } catch (err) {
      env.close();
      throw err;
    }
    if (trainer.iteration >= trainer.numIterations) {
      const next = (trainer.iteration + 1) * trainer.batchSamples;
      trainer.dispose();
      env.close();
      const done = `${int(trainer.globalStep)} samples = ${trainer.iteration} iterations of ${int(trainer.batchSamples)}`;
      throw new Error(
        opts.timesteps === undefined
          ? `nothing to train: ${opts.resume} finished its budget (${done}). To train on, pass a larger ` +
              `--timesteps: ${next} or more (whole iterations of ${int(trainer.batchSamples)} samples).`
          : `nothing to train: --timesteps ${opts.timesteps} gives ${trainer.numIterations} whole iterations of ` +
              `${int(trainer.batchSamples)} samples, and ${opts.resume} has trained them (${done}). Pass ` +
              `--timesteps ${next} or more to train at least one more.`,
      );
    }
    if (info.backend !== undefined && info.backend !== backend.name) {
      notes.push(
        `warning: this run trained on the ${info.backend} backend and continues on ${backend.name}: it resumes, ` +
          'but backends differ in the last bits of floating point, so not bit for bit as an uninterrupted run would.',
      );
    }
    if (trainer.config.totalTimesteps !== saved.totalTimesteps && trainer.config.annealLr) {
      notes.push(
        `the budget changed from ${int(saved.totalTimesteps)} to ${int(trainer.config.totalTimesteps)} samples: the ` +
          `learning rate anneals over the new total of ${trainer.numIterations} iterations (iteration k trains at ` +
          `(1 - (k - 1) / ${trainer.numIterations}) x learningRate; the next one at ${trainer.learningRate().toPrecision(3)}).`,
      );
    }
    resumed = true;
  } else {
    if (opts.env && opts.scenario) {
      throw new Error(
        'Give one of --env <id> (e.g. CartPole-v1) or --scenario <name> (e.g. paper), not both; or --resume <dir>.',
      );
    }
    // No env given: the default network scenario (what `npm start` trains).
    const id: string = opts.env ?? opts.scenario ?? DEFAULT_SCENARIO;
    const single = opts.env !== undefined && isSingleAgentEnv(opts.env);
    if (single && rest.length > 0) {
      throw new Error(
        `Unknown hyperparameter(s) ${rest.map((r) => r.split('=')[0]).join(', ')} in --set; ` +
          'see agents/ppo/config.ts for the fields.',
      );
    }
    const config: Record<string, unknown> = {
      // A network scenario starts from the network's PPO hyperparameters (envs/network/hyperparams.ts).
      ...(!single && opts.algo === 'ppo' ? NETWORK_PPO_DEFAULTS : {}),
      ...(opts.config ? readConfigFile(opts.config) : {}),
      ...setConfig,
    };
    if (opts.seed !== undefined) config.seed = opts.seed;
    else if (config.seed !== undefined && !isSeed(config.seed)) {
      const from =
        'seed' in setConfig
          ? `--set seed=${JSON.stringify(setConfig.seed)}`
          : `--config ${opts.config}: seed`;
      throw new Error(`${from}: the seed must be ${SEED_RULE}, got ${JSON.stringify(config.seed)}.`);
    }
    if (opts.timesteps !== undefined) config.totalTimesteps = opts.timesteps;
    const seed = (config.seed as number | undefined) ?? 1;
    rec = { env: id, kind: single ? 'single' : 'batched', numEnvs: opts.numEnvs, overrides: rest };
    const out: string = opts.out ?? defaultRunName(id, opts.algo, seed);
    // A run that stopped before its first checkpoint has nothing to continue, but it is no dead end.
    if (!opts.overwrite && existsSync(join(out, 'run.json')) && !RunDir.open(out).hasCheckpoint('latest')) {
      throw new Error(
        `${out} holds a run that stopped before its first checkpoint: start it over with its saved config ` +
          `('${resumeCommand(out)}'), replace it with --overwrite, or choose another --out.`,
      );
    }
    const env = await buildEnv(rec, seed, deps);
    trainer = new Trainer({
      env,
      algo: opts.algo,
      config,
      runDir: out,
      overwrite: opts.overwrite,
      scenario: id,
      baselineReturns: single ? undefined : deps.baselineReturns?.(id, rest),
    });
    trainer.runDir!.writeJson('cli.json', rec);
  }

  const info: TrainInfo = {
    runDir: trainer.runDir!.path,
    envId: rec.env,
    algo: trainer.algo,
    backend,
    resumed,
  };
  const plan = resumed
    ? `resuming ${trainer.algo} on ${rec.env} at step ${int(trainer.globalStep)} (iteration ${trainer.iteration}): ` +
      `${more(trainer.numIterations - trainer.iteration)}, to ${budgetNote(trainer)}`
    : `training ${trainer.algo} on ${rec.env}: ${budgetNote(trainer)}`;

  // SIGINT, SIGTERM and SIGHUP: save at the next safe point and exit (README, Faults). A second
  // signal exits at once: every file is written atomically, so the last checkpoint stays whole.
  let stopSignal: StopSignal | undefined;
  const onSignal = (sig: StopSignal) => {
    if (stopSignal !== undefined) {
      process.stderr.write(`${sig} again: exiting now; the last checkpoint on disk is intact.\n`);
      reraise(sig);
      return;
    }
    stopSignal = sig;
    // The terminal may be gone (a hangup): writing to it must not crash the save.
    if (sig === 'SIGHUP')
      for (const s of [process.stdout, process.stderr, process.stdin]) s.on('error', () => {});
    trainer.requestStop('interrupt');
  };
  const handlers = (Object.keys(STOP_SIGNALS) as StopSignal[]).map((sig) => {
    const h = () => onSignal(sig);
    process.on(sig, h);
    return [sig, h] as const;
  });
  const removeHandlers = () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
  /**
   * End the process by `sig` itself, its handlers removed: the status is 128 + its number (143 for SIGTERM),
   * as if it had not been caught. Exiting normally after a hangup would abort in Node's teardown (it resets
   * the terminal that is gone).
   */
  const reraise = (sig: StopSignal) => {
    removeHandlers();
    process.exitCode = 128 + STOP_SIGNALS[sig];
    process.kill(process.pid, sig);
  };

  // The dashboard needs a terminal: CI, a pipe, TERM=dumb or --no-dashboard get plain lines.
  const useDashboard =
    deps.runDashboard !== undefined &&
    chooseRenderer({
      noDashboard: opts.dashboard === false,
      stdout: process.stdout,
      stdin: process.stdin,
    }) === 'dashboard';
  const attached = deps.attach?.(trainer);
  let dashboard: Promise<void> | undefined;
  if (useDashboard) {
    trainer.announce('info', plan);
    for (const n of notes)
      trainer.announce(n.startsWith('warning: ') ? 'warn' : 'info', n.replace(/^warning: /, ''));
    dashboard = deps.runDashboard!(trainer, info, attached?.events$ ?? trainer.events$);
  } else {
    console.log(`backend: ${backend.name} (${backend.reason})`);
    console.log(`${plan}; run dir ${info.runDir}`);
    for (const n of notes) console.log(n);
    const roles = trainer.roles.map((r) => r.name);
    // The network env's market snapshots: the line ends with what the agents chose in the last one.
    let market: MarketSnapshot | undefined;
    (attached?.events$ ?? trainer.events$).subscribe((ev) => {
      if (ev.type === 'market') market = ev.market;
      else if (ev.type === 'iteration') {
        const choices = formatChoices(market);
        const line = formatProgress(ev, trainer.budgetSamples, roles);
        console.log(choices.length > 0 ? `${line}  | ${choices.join(' | ')}` : line);
      } else if (ev.type === 'log') console.log(`${ev.level}: ${ev.message}`);
      else if (ev.type === 'checkpoint' && ev.reason !== 'periodic')
        console.log(`checkpoint (${ev.reason}): ${ev.path}`);
    });
  }
  try {
    const res = await trainer.run();
    if (dashboard) await dashboard;
    const metrics = `Metrics: ${join(info.runDir, 'metrics.jsonl')}`;
    if (res.reason === 'budget') {
      console.log(`done at step ${res.globalStep} (${budgetNote(trainer)}). ${metrics}`);
    } else {
      const why = stopSignal ?? (res.reason === 'quit' ? 'q' : res.reason);
      console.log(`stopped (${why}) at step ${res.globalStep}; checkpoint saved. ${metrics}`);
      console.log(`continue with: ${resumeCommand(info.runDir)}`);
    }
  } finally {
    attached?.dispose();
    removeHandlers();
    trainer.dispose();
    trainer.env.close();
  }
  // A run stopped by SIGTERM or SIGHUP ends, once saved, by that signal (status 143, 129), so a supervisor
  // sees it was terminated; Ctrl-C (SIGINT) and q exit 0 (README, Faults).
  if (stopSignal !== undefined && stopSignal !== 'SIGINT') reraise(stopSignal);
}
