/**
 * `copronet train`: train PPO or REINFORCE on a registered single-agent env
 * (`--env CartPole-v1`, N copies batched) or on a network scenario
 * (`--scenario paper`), with a live dashboard or plain progress lines.
 *
 * Registration only (name, options, help): the training run is in
 * `train-run.ts`, loaded when the command runs, so `--help` loads neither
 * tfjs nor the trainer. The network env and the dashboard come in through
 * the deps that `loadDeps` gives (wired in `src/app/cli/main.ts`, and loaded
 * only then too), so this command depends only on the BatchedEnv contract.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Observable } from 'rxjs';
import type { BackendInfo } from '../../../../agents/tf/backend.ts';
import type { Algo, Trainer } from '../../../../agents/trainer/trainer.ts';
import type { BatchedEnv } from '../../../core/batched.ts';
import type { TrainerEvent } from '../../../core/train-events.ts';
import { isSeed, SEED_RULE } from '../../../core/validate.ts';
import { parsePositiveIntOption, parseSeedOption } from '../options.ts';
import { parseQueueOption } from './worker.ts';

/** The scenario trained when neither --env nor --scenario is given. */
export const DEFAULT_SCENARIO = 'quick';

/** Options passed to `deps.makeBatchedEnv`. */
export interface MakeBatchedEnvOptions {
  /** Seed of the run (the trainer also passes it to `env.reset`). */
  seed: number;
  /** Copies for single-agent envs. */
  numEnvs: number;
  /** `--set` entries that are not learner hyperparameters, e.g. `slashing.factor=2` (for scenarios). */
  overrides: string[];
}

/** What the train command prints and hands to the dashboard. */
export interface TrainInfo {
  runDir: string;
  envId: string;
  algo: Algo;
  backend: BackendInfo;
  resumed: boolean;
}

export interface TrainCommandDeps {
  /** Build the BatchedEnv of a scenario name or of an env id that is not a registered single-agent env. */
  makeBatchedEnv(envIdOrScenario: string, opts: MakeBatchedEnvOptions): BatchedEnv | Promise<BatchedEnv>;
  /**
   * Render the live dashboard until training ends (or the user quits); without it, plain lines are printed.
   * `events$` is the trainer's stream merged with what `attach` adds.
   */
  runDashboard?(trainer: Trainer, info: TrainInfo, events$: Observable<TrainerEvent>): Promise<void>;
  /** Extra events of a run (e.g. market snapshots of a network env), merged into the trainer's for the dashboard. */
  attach?(trainer: Trainer): { events$: Observable<TrainerEvent>; dispose(): void } | undefined;
  /** Reference returns per role for the learning curves (recorded in run.json). */
  baselineReturns?(envId: string, overrides: string[]): Record<string, number> | undefined;
}

/** The options of `copronet train`, as commander parses them. */
export interface TrainOptions {
  env?: string;
  scenario?: string;
  algo: Algo;
  timesteps?: number;
  seed?: number;
  backend: string;
  numEnvs: number;
  out?: string;
  overwrite?: boolean;
  resume?: string;
  config?: string;
  set?: string[];
  /** False with `--no-dashboard`. */
  dashboard: boolean;
  /** `--seeds 1-8`: one run per seed, as jobs, into `<out>/seed-<n>/`. */
  seeds?: number[];
  /** With `--seeds`: local worker threads. */
  workers?: number;
  /** With `--seeds`: run the jobs on this Redis queue. */
  queue?: string;
}

/** `--seeds 1-8`, `1,3,5`, `1-4,9`: distinct seeds in the order given. */
export function parseSeedList(value: string): number[] {
  const seeds: number[] = [];
  for (const part of value.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    const a = m ? Number(m[1]) : Number.NaN;
    const b = m?.[2] !== undefined ? Number(m[2]) : a;
    if (!m || !isSeed(a) || !isSeed(b) || b < a || b - a >= 10_000) {
      throw new InvalidArgumentError(
        `--seeds takes seeds and ranges such as 1-8 or 1,3,5 (each ${SEED_RULE}, a range low-high of at most 10000), got '${value}'.`,
      );
    }
    for (let s = a; s <= b; s++) if (!seeds.includes(s)) seeds.push(s);
  }
  return seeds;
}

/** `loadDeps` is called when the command runs, not when it is registered. */
export function registerTrainCommand(
  program: Command,
  loadDeps: () => TrainCommandDeps | Promise<TrainCommandDeps>,
): Command {
  return program
    .command('train')
    .description(
      'train policies with PPO or REINFORCE; writes runs/<name>/ (config, metrics.jsonl, checkpoints)',
    )
    .option('--env <id>', 'registered env id, e.g. CartPole-v1 (single-agent envs run as --num-envs copies)')
    .option('--scenario <name>', `network scenario name or file (multi-agent; default ${DEFAULT_SCENARIO})`)
    .addOption(new Option('--algo <algo>', 'learning algorithm').choices(['ppo', 'reinforce']).default('ppo'))
    .option(
      '--timesteps <n>',
      'total samples to train on (slot-steps over all roles)',
      parsePositiveIntOption('--timesteps'),
    )
    .option('--seed <n>', 'seed of the run', parseSeedOption('--seed'))
    .addOption(
      new Option('--backend <name>', 'tfjs backend').choices(['auto', 'node', 'wasm', 'cpu']).default('auto'),
    )
    .option('--num-envs <n>', 'copies of a single-agent env', parsePositiveIntOption('--num-envs'), 4)
    .option('--out <dir>', 'run directory (default runs/<env>-<algo>-s<seed>-<time>)')
    .option('--overwrite', 'replace an existing run in --out')
    .option(
      '--resume <dir>',
      'continue the run in DIR from checkpoints/latest (takes --timesteps to train further, --backend, --no-dashboard)',
    )
    .option('--config <file>', 'JSON file of hyperparameters (see agents/ppo/config.ts)')
    .option('--set <key=value...>', 'override a hyperparameter (e.g. learningRate=3e-4) or a scenario field')
    .option('--no-dashboard', 'print one plain line per iteration instead of the dashboard')
    .option(
      '--seeds <list>',
      'one run per seed (e.g. 1-8 or 1,3,5) as jobs, into <out>/seed-<n>/, each as --seed <n> writes it',
      parseSeedList,
    )
    .option(
      '--workers <n>',
      'with --seeds: worker threads, one run each (default: available cores)',
      parsePositiveIntOption('--workers'),
    )
    .option(
      '--queue <url>',
      'with --seeds: run them as jobs on a Redis queue (redis://host:port/db) for `copronet worker` processes; --out must be a folder every worker sees at the same path',
      parseQueueOption,
    )
    .action(async (opts: TrainOptions, cmd: Command) => {
      // The options the command line gave, told from defaults (for what --resume refuses).
      const given = new Set(
        cmd.options
          .map((o) => o.attributeName())
          .filter((k) => {
            const src = cmd.getOptionValueSource(k);
            return src !== undefined && src !== 'default';
          }),
      );
      if (opts.seeds !== undefined || given.has('workers') || given.has('queue')) {
        const { runTrainSeeds } = await import('./train-seeds.ts');
        await runTrainSeeds(opts, given);
        return;
      }
      const { runTrain } = await import('./train-run.ts');
      await runTrain(opts, await loadDeps(), given);
    });
}
