/**
 * The `train` job: one training run of a network scenario, as
 * `copronet train --scenario <s> --seed <n> --out <out>/<name> --no-dashboard`
 * writes it (config.json, run.json, cli.json, metrics.jsonl, market.jsonl,
 * checkpoints/), bit for bit apart from timing (README "Sweeps on several
 * machines"). Checkpoints are too large for a job result, so the run folder
 * goes into the shared folder `out` (experiments/train/shared.ts), checked
 * before anything trains; the result names the files.
 *
 * Atomic: the run trains in `<out>/.partial/<name>-<random>/` and is renamed
 * to `<out>/<name>` when it is done, so `<out>/<name>` is either absent or a
 * finished run. A job whose run folder is already there (an earlier delivery
 * finished it) returns it without training: delivery is at least once, the
 * run is written once. A worker killed mid-run leaves its partial folder
 * behind (remove `<out>/.partial` when no job runs).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Algo, Trainer } from '../../agents/trainer/trainer.ts';
import { baselineReturns, makeNetworkEnv, splitNetworkOverrides } from '../../envs/network/make-env.ts';
import { loadScenario } from '../../envs/scenarios/index.ts';
import { attachMarket } from '../train/market.ts';
import { checkSharedFolder, listFiles } from '../train/shared.ts';
import { type BackendOfJob, switchBackend } from './tf.ts';

export interface TrainJobSpec {
  /** A built-in scenario name, or the absolute path of a scenario file every worker sees. */
  scenario: string;
  /** The `--set` entries that are not learner hyperparameters (scenario overrides, `opponent.*`), as cli.json has them. */
  overrides: string[];
  /** `--num-envs`, recorded in cli.json (a network run batches its agents, not env copies). */
  numEnvs: number;
  algo: Algo;
  /** The learner config given (seed and totalTimesteps included); the trainer fills in the defaults. */
  config: Record<string, unknown>;
  /** The tfjs backend the coordinator chose (runs on different backends differ). */
  backend: BackendOfJob;
  /** Absolute path of the shared folder, marked by the coordinator. */
  out: string;
  /** The run folder under `out` (`seed-<n>`), also the run's name in run.json. */
  name: string;
  /** The token of `<out>/.copronet-shared.json`. */
  token: string;
}

export interface TrainJobResult {
  /** The run folder, `<out>/<name>`. */
  run: string;
  /** Its files, relative to it. */
  files: string[];
  iterations: number;
  samples: number;
  /** The folder was already there (an earlier delivery of this job trained it). */
  reused: boolean;
}

/** The iterations and samples of a finished run in `dir` (its latest checkpoint at the end of its budget), or undefined. */
export function finishedRun(dir: string): { iterations: number; samples: number } | undefined {
  const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
  try {
    const run = read('run.json') as { numIterations: number; batchSamples: number };
    const state = read(join('checkpoints', 'latest', 'state.json')) as { iteration: number };
    if (state.iteration !== run.numIterations) return undefined;
    return { iterations: run.numIterations, samples: run.numIterations * run.batchSamples };
  } catch {
    return undefined;
  }
}

export async function runTrainJob(spec: TrainJobSpec): Promise<TrainJobResult> {
  checkSharedFolder(spec.out, spec.token);
  const run = join(spec.out, spec.name);
  const done = (reused: boolean): TrainJobResult => {
    const f = finishedRun(run);
    if (!f) throw new Error(`${run} is there but holds no finished run: remove it and run again`);
    return { run, files: listFiles(run), ...f, reused };
  };
  if (existsSync(run)) return done(true);
  await switchBackend(spec.backend);
  const partial = join(spec.out, '.partial', `${spec.name}-${randomBytes(6).toString('hex')}`);
  mkdirSync(join(spec.out, '.partial'), { recursive: true });
  const seed = typeof spec.config.seed === 'number' ? spec.config.seed : 1;
  const env = makeNetworkEnv(spec.scenario, spec.overrides, seed);
  let trainer: Trainer | undefined;
  let market: { dispose(): void } | undefined;
  try {
    // What `copronet train` builds for a network scenario (src/app/cli/commands/train-run.ts).
    trainer = new Trainer({
      env,
      algo: spec.algo,
      config: spec.config,
      runDir: partial,
      runName: spec.name,
      scenario: spec.scenario,
      baselineReturns: baselineReturns(
        loadScenario(spec.scenario, splitNetworkOverrides(spec.overrides).scenario),
      ),
    });
    trainer.runDir!.writeJson('cli.json', {
      env: spec.scenario,
      kind: 'batched',
      numEnvs: spec.numEnvs,
      overrides: spec.overrides,
    });
    market = attachMarket(trainer);
    const res = await trainer.run();
    if (res.reason !== 'budget') throw new Error(`training stopped early (${res.reason})`);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  } finally {
    market?.dispose();
    trainer?.dispose();
    env.close();
  }
  let reused = false;
  try {
    renameSync(partial, run);
  } catch (err) {
    // Another delivery of this job finished first: its run is this one, bit for bit.
    if (!existsSync(run)) throw err;
    rmSync(partial, { recursive: true, force: true });
    reused = true;
  }
  try {
    rmdirSync(join(spec.out, '.partial')); // when no other job trains there
  } catch {}
  return done(reused);
}
