/**
 * `copronet simulate`: one episode of the network with fixed policies.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { BASELINES, makeBaseline } from '../../../../envs/network/baselines.ts';
import { parseOverrides } from '../../../sim/scenario.ts';
import { loadScenario } from '../../../../envs/scenarios/index.ts';
import { writeJsonAtomic } from '../../../core/atomic.ts';
import { CsvTable } from '../../../sim/csv.ts';
import { type EpisodeSummary, runEpisode } from '../../../sim/episode.ts';
import { parseIntOption } from '../options.ts';

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('run one episode with fixed policies and print a summary')
    .option('--scenario <name|file>', 'built-in scenario name or path to a scenario JSON file', 'paper')
    .option('--policy <name>', `policy for both roles (${BASELINES.join(', ')})`, 'paper-heuristic')
    .option('--operator-policy <name>', 'operator policy (overrides --policy)')
    .option('--coprocessor-policy <name>', 'coprocessor policy (overrides --policy)')
    .option('--seed <int>', 'episode seed (default: the scenario seed)', parseIntOption('--seed'))
    .option('--set <key=value...>', 'override scenario fields, e.g. --set slashing.factor=2 periods=100')
    .option('--json', 'print the summary as JSON')
    .option('--out <dir>', 'write per-period metrics (periods.csv) and the summary (summary.json) to DIR')
    .action((opts) => {
      const scenario = loadScenario(opts.scenario, opts.set ? parseOverrides(opts.set) : undefined);
      const seed: number = opts.seed ?? scenario.seed;
      const ctx = { scenario, seed };
      const policies = {
        operator: makeBaseline(opts.operatorPolicy ?? opts.policy, 'operator', ctx),
        coprocessor: makeBaseline(opts.coprocessorPolicy ?? opts.policy, 'coprocessor', ctx),
      };
      const table = opts.out ? new CsvTable() : null;
      const t0 = performance.now();
      const { summary } = runEpisode(scenario, policies, seed, {
        onPeriod: table ? (sim) => table.push(sim.metrics.toRow()) : undefined,
      });
      const seconds = (performance.now() - t0) / 1000;
      if (opts.out) {
        table!.write(join(opts.out, 'periods.csv'));
        writeJsonAtomic(join(opts.out, 'summary.json'), summary);
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else {
        process.stdout.write(formatSummary(summary));
        process.stdout.write(
          `(${seconds.toFixed(2)} s, ${Math.round(summary.tasks / seconds).toLocaleString('en-US')} tasks/s)\n`,
        );
      }
    });
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const num = (x: number) => Math.round(x).toLocaleString('en-US');

/** The human-readable summary `simulate` prints. */
export function formatSummary(s: EpisodeSummary): string {
  const rows: [string, string][] = [
    ['scenario', `${s.scenario} (seed ${s.seed}, ${s.periods} periods)`],
    ['policies', `operator ${s.policies.operator}, coprocessor ${s.policies.coprocessor}`],
    ['tasks', num(s.tasks)],
    [
      'delegated / self / fallback / dropped',
      `${pct(s.shares.delegated)} / ${pct(s.shares.selfExecuted)} / ${pct(s.shares.fallback)} / ${pct(s.shares.dropped)}`,
    ],
    ['failures', `${num(s.failures)} (${pct(s.tasks > 0 ? s.failures / s.tasks : 0)})`],
    ['slashes', num(s.slashes)],
    ['shirks (undetected)', `${num(s.shirks)} (${num(s.undetectedShirks)})`],
    ['mean clearing price / R', s.meanPriceRatio.toFixed(3)],
    ['mean coprocessor load', s.meanCoprocessorLoad.toFixed(3)],
    ['active at end', `${s.activeAtEnd.operators} operators, ${s.activeAtEnd.coprocessors} coprocessors`],
    [
      'total reward operators',
      `${num(s.totalReward.operator)} (${num(s.meanRewardPerAgent.operator)} per agent)`,
    ],
    [
      'total reward coprocessors',
      `${num(s.totalReward.coprocessor)} (${num(s.meanRewardPerAgent.coprocessor)} per agent)`,
    ],
    ['Gini of operator rewards', s.giniOperatorReward.toFixed(3)],
    ['ledger max imbalance', s.ledger.maxImbalance.toExponential(1)],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n')}\n`;
}
