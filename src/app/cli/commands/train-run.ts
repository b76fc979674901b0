/**
 * What `copronet train` does (registered, with its options, in `train.ts`):
 * build the env, start or resume the trainer, and show its progress on the
 * dashboard or as plain lines until the run ends.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { PpoConfigSchema } from '../../../../agents/ppo/config.ts';
import { ReinforceConfigSchema } from '../../../../agents/reinforce/config.ts';
import { RunDir } from '../../../../agents/trainer/run-dir.ts';
import { type BackendName, initBackend } from '../../../../agents/tf/backend.ts';
import { type Algo, resume, Trainer } from '../../../../agents/trainer/trainer.ts';
import '../../../../envs/classic/index.ts';
import { NETWORK_PPO_DEFAULTS } from '../../../../envs/network/hyperparams.ts';
import type { BatchedEnv } from '../../../core/batched.ts';
import { makeEnv, registry } from '../../../core/registry.ts';
import type { MarketSnapshot, TrainerEvent } from '../../../core/train-events.ts';
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

function defaultRunName(env: string, algo: Algo, seed: number): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return join('runs', `${env.replace(/[^\w.-]+/g, '_')}-${algo}-s${seed}-${stamp}`);
}

/** Run `copronet train` with its parsed options. */
export async function runTrain(opts: TrainOptions, deps: TrainCommandDeps): Promise<void> {
  const backend = await initBackend(opts.backend as BackendName);
  const { config: setConfig, rest } = splitOverrides(opts.set ?? []);
  let trainer: Trainer;
  let rec: CliRecord;
  let resumed = false;

  if (opts.resume) {
    const dir = RunDir.open(opts.resume);
    if (!existsSync(dir.file('cli.json'))) {
      throw new Error(
        `${opts.resume} has no cli.json: it was not written by 'copronet train', so its env is unknown.`,
      );
    }
    rec = dir.readJson<CliRecord>('cli.json');
    const saved = dir.readJson<{ seed: number }>('config.json');
    const env = await buildEnv(rec, saved.seed, deps);
    trainer = await resume(opts.resume, env, {
      totalTimesteps: opts.timesteps,
      baselineReturns: deps.baselineReturns?.(rec.env, rec.overrides),
    });
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
    if (opts.timesteps !== undefined) config.totalTimesteps = opts.timesteps;
    const seed = (config.seed as number | undefined) ?? 1;
    rec = { env: id, kind: single ? 'single' : 'batched', numEnvs: opts.numEnvs, overrides: rest };
    const env = await buildEnv(rec, seed, deps);
    const out: string = opts.out ?? defaultRunName(id, opts.algo, seed);
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
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    trainer.requestStop('interrupt');
  };
  process.on('SIGINT', onSigint);

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
    dashboard = deps.runDashboard!(trainer, info, attached?.events$ ?? trainer.events$);
  } else {
    console.log(`backend: ${backend.name} (${backend.reason})`);
    console.log(
      `${resumed ? 'resuming' : 'training'} ${trainer.algo} on ${rec.env}: ${trainer.numIterations} iterations of ` +
        `${trainer.batchSamples} samples, run dir ${info.runDir}`,
    );
    const roles = trainer.roles.map((r) => r.name);
    // The network env's market snapshots: the line ends with what the agents chose in the last one.
    let market: MarketSnapshot | undefined;
    (attached?.events$ ?? trainer.events$).subscribe((ev) => {
      if (ev.type === 'market') market = ev.market;
      else if (ev.type === 'iteration') {
        const choices = formatChoices(market);
        const line = formatProgress(ev, trainer.config.totalTimesteps, roles);
        console.log(choices.length > 0 ? `${line}  | ${choices.join(' | ')}` : line);
      } else if (ev.type === 'log') console.log(`${ev.level}: ${ev.message}`);
      else if (ev.type === 'checkpoint' && ev.reason !== 'periodic')
        console.log(`checkpoint (${ev.reason}): ${ev.path}`);
    });
  }
  try {
    const res = await trainer.run();
    if (dashboard) await dashboard;
    const how =
      res.reason === 'budget' ? 'done' : `stopped; continue with: copronet train --resume ${info.runDir}`;
    console.log(`${how} at step ${res.globalStep}. Metrics: ${join(info.runDir, 'metrics.jsonl')}`);
  } finally {
    attached?.dispose();
    process.off('SIGINT', onSigint);
    trainer.dispose();
    trainer.env.close();
  }
}
