/**
 * What `copronet simulate` does (registered in `simulate.ts`): run one
 * episode with fixed policies and print its summary.
 */
import { join } from 'node:path';
import { makeBaseline } from '../../../../envs/network/baselines.ts';
import { loadScenario } from '../../../../envs/scenarios/index.ts';
import { writeJsonAtomic } from '../../../core/atomic.ts';
import { CsvTable } from '../../../sim/csv.ts';
import { type EpisodeSummary, runEpisode } from '../../../sim/episode.ts';
import { parseOverrides } from '../../../sim/scenario.ts';
import type { SimulateOptions } from './simulate.ts';

export function runSimulate(opts: SimulateOptions): void {
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
