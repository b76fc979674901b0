/**
 * `copronet simulate`: one episode of the network with fixed policies.
 *
 * Registration only (name, options, help): the episode itself is in
 * `simulate-run.ts`, loaded when the command runs, so `--help` stays fast.
 */
import type { Command } from 'commander';
import { BASELINES } from '../../../../envs/network/baseline-names.ts';
import { parseSeedOption } from '../options.ts';

/** The options of `copronet simulate`, as commander parses them. */
export interface SimulateOptions {
  scenario: string;
  policy: string;
  operatorPolicy?: string;
  coprocessorPolicy?: string;
  seed?: number;
  set?: string[];
  json?: boolean;
  out?: string;
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('run one episode with fixed policies and print a summary')
    .option('--scenario <name|file>', 'built-in scenario name or path to a scenario JSON file', 'paper')
    .option('--policy <name>', `policy for both roles (${BASELINES.join(', ')})`, 'paper-heuristic')
    .option('--operator-policy <name>', 'operator policy (overrides --policy)')
    .option('--coprocessor-policy <name>', 'coprocessor policy (overrides --policy)')
    .option('--seed <int>', 'episode seed (default: the scenario seed)', parseSeedOption('--seed'))
    .option('--set <key=value...>', 'override scenario fields, e.g. --set slashing.factor=2 periods=100')
    .option('--json', 'print the summary as JSON')
    .option('--out <dir>', 'write per-period metrics (periods.csv) and the summary (summary.json) to DIR')
    .action(async (opts: SimulateOptions) => {
      const { runSimulate } = await import('./simulate-run.ts');
      runSimulate(opts);
    });
}
