/**
 * `copronet experiment <name>`: the paper's figures reproduced (and extended),
 * with data, figures and a report under results/<name>/.
 *
 * The help lists the experiments from experiments/catalog.ts; the
 * experiments themselves (simulator, plotting) load when the command runs.
 */
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { EXPERIMENT_CATALOG, EXPERIMENT_NAMES, STANDALONE_CATALOG } from '../../../../experiments/catalog.ts';
import type { LoadPolicies } from '../../../../experiments/index.ts';
import { parsePositiveIntOption } from '../options.ts';
import { connectQueue, parseQueueOption, stoppedQueue } from './worker.ts';

export interface ExperimentCommandDeps {
  /** Loads learned policies for `--policies runs/x` (the trainer's checkpoint loader). @default none: `--policies` fails with a clear message */
  loadPolicies?: LoadPolicies;
}

function parseName(value: string): string {
  if (!EXPERIMENT_NAMES.includes(value)) {
    throw new InvalidArgumentError(
      `unknown experiment '${value}': choose one of ${EXPERIMENT_NAMES.join(', ')}.`,
    );
  }
  return value;
}

export function registerExperimentCommand(program: Command, deps: ExperimentCommandDeps = {}): void {
  const line = (e: { name: string; figures: string; summary: string }) =>
    `  ${e.name.padEnd(20)} ${e.figures}: ${e.summary}`;
  const list = EXPERIMENT_CATALOG.map(line).join('\n');
  const alone = STANDALONE_CATALOG.map(line).join('\n');
  program
    .command('experiment')
    .description("reproduce the paper's figures: CSV data, SVG/PNG figures and REPORT.md per experiment")
    .argument('<name>', `paper (all) or one of: ${EXPERIMENT_NAMES.slice(1).join(', ')}`, parseName)
    .addOption(
      new Option('--scale <scale>', 'paper: 1000 periods, 5 seeds; quick: 300 periods, 2 seeds (~1 min)')
        .choices(['paper', 'quick'])
        .default('paper'),
    )
    .option(
      '--seeds <n>',
      "seeds per configuration, 1..n (default: the scale's)",
      parsePositiveIntOption('--seeds'),
    )
    .option('--out <dir>', 'output folder (default: results/<name>)')
    .option('--policies <runDir>', 'also run the learned policies of a training run, side by side')
    .option('--workers <n>', 'worker threads (default: available cores)', parsePositiveIntOption('--workers'))
    .option('--quiet', 'no progress output')
    .option(
      '--queue <url>',
      'run the cells as jobs on a Redis queue (redis://host:port/db) for `copronet worker` processes on any machine',
      parseQueueOption,
    )
    .addHelpText(
      'after',
      `\nExperiments:\n  ${'paper'.padEnd(20)} all of the below\n${list}\n\nRun alone (not part of paper):\n${alone}\n  (strategic trains PPO per cell: --scale quick about 15 s, --scale paper about 4 min on 2 cores)\n`,
    )
    .action(async (name: string, opts) => {
      const { ExperimentError, runExperiment } = await import('../../../../experiments/index.ts');
      // --queue: this process coordinates; Ctrl-C leaves the jobs in the queue (README "Sweeps on several machines").
      const queue = opts.queue ? await connectQueue(opts.queue) : undefined;
      try {
        const run = await runExperiment(name, {
          scale: opts.scale,
          seeds: opts.seeds,
          out: opts.out,
          policies: opts.policies,
          loadPolicies: deps.loadPolicies,
          workers: opts.workers,
          backend: queue?.backend,
          quiet: opts.quiet,
        });
        process.stdout.write(
          `${run.name}: ${run.computed} cells computed, ${run.reused} reused, ${run.seconds.toFixed(1)} s\nreport: ${run.report}\n`,
        );
      } catch (err) {
        if (err instanceof ExperimentError) {
          process.stderr.write(`error: ${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        if (stoppedQueue(err)) return;
        throw err;
      } finally {
        await queue?.close();
      }
    });
}
