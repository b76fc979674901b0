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
import { type Command, Option } from 'commander';
import type { Observable } from 'rxjs';
import type { BackendInfo } from '../../../../agents/tf/backend.ts';
import type { Algo, Trainer } from '../../../../agents/trainer/trainer.ts';
import type { BatchedEnv } from '../../../core/batched.ts';
import type { TrainerEvent } from '../../../core/train-events.ts';
import { parsePositiveIntOption, parseSeedOption } from '../options.ts';

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
      const { runTrain } = await import('./train-run.ts');
      await runTrain(opts, await loadDeps(), given);
    });
}
