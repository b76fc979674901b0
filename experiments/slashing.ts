/**
 * Fig. 2: active operators and cumulative reward over time for the paper's
 * slashing factors, mean and min-max band over seeds.
 */
import type { SlashingResult } from './lib/cells.ts';
import {
  cellSpec,
  type Experiment,
  fmt,
  mdTable,
  populationFigure,
  reportSection,
  SLASHING_FACTORS,
  writeCsv,
} from './lib/context.ts';
import { bandColumns, type SeedBand, seedBand, seriesBand, spearman, thinIndices } from './lib/stats.ts';
import { catalogEntry } from './catalog.ts';

/** Points per series drawn in the figures (the CSV keeps every period). */
const PLOT_POINTS = 200;

export const slashingExperiment: Experiment = {
  ...catalogEntry('slashing'),
  cells(ctx) {
    return ctx.populations.flatMap((pop) =>
      SLASHING_FACTORS.flatMap((factor) =>
        ctx.seeds.map((seed) => cellSpec(ctx, 'slashing', pop, seed, { slashing: { factor } })),
      ),
    );
  },
  async analyse(ctx, get) {
    const rows: Record<string, number | string>[] = [];
    const plotRows: Record<string, number | string>[] = [];
    const endRows: Record<string, number | string>[] = [];
    const measured: string[] = [];
    const tables: string[] = [];
    for (const pop of ctx.populations) {
      const ends: {
        factor: number;
        active: SeedBand;
        cops: SeedBand;
        reward: SeedBand;
        undetected: number;
      }[] = [];
      for (const factor of SLASHING_FACTORS) {
        const runs = ctx.seeds.map(
          (seed) => get(cellSpec(ctx, 'slashing', pop, seed, { slashing: { factor } })) as SlashingResult,
        );
        const active = seriesBand(runs.map((r) => r.active));
        const total = seriesBand(runs.map((r) => r.cumOperator.map((x, t) => x + r.cumCoprocessor[t])));
        const op = seriesBand(runs.map((r) => r.cumOperator));
        const cp = seriesBand(runs.map((r) => r.cumCoprocessor));
        for (let t = 0; t < active.length; t++) {
          rows.push({
            population: pop.label,
            factor,
            period: t + 1,
            ...bandColumns('active', active[t]),
            ...bandColumns('cum_reward', total[t]),
            cum_operator_mean: op[t].mean,
            cum_coprocessor_mean: cp[t].mean,
          });
        }
        for (const t of thinIndices(active.length, PLOT_POINTS)) {
          plotRows.push({
            population: pop.label,
            factor: String(factor),
            period: t + 1,
            active: active[t].mean,
            active_min: active[t].min,
            active_max: active[t].max,
            reward: total[t].mean,
            reward_min: total[t].min,
            reward_max: total[t].max,
          });
        }
        const last = active.length - 1;
        const tasks = runs.reduce((s, r) => s + r.tasks, 0);
        const undetected = runs.reduce((s, r) => s + r.undetectedShirks, 0) / Math.max(1, tasks);
        const end = {
          factor,
          active: active[last],
          cops: seedBand(runs.map((r) => r.activeCoprocessors[last])),
          reward: total[last],
          undetected,
        };
        ends.push(end);
        endRows.push({
          population: pop.label,
          factor,
          active_operators_end_mean: end.active.mean,
          active_operators_end_min: end.active.min,
          active_operators_end_max: end.active.max,
          active_coprocessors_end_mean: end.cops.mean,
          cum_reward_end_mean: end.reward.mean,
          cum_reward_end_ci_lo: end.reward.ciLo,
          cum_reward_end_ci_hi: end.reward.ciHi,
          undetected_shirk_rate: undetected,
        });
      }
      const nOps = (
        get(cellSpec(ctx, 'slashing', pop, ctx.seeds[0], { slashing: { factor: 0 } })) as SlashingResult
      ).nOps;
      tables.push(
        `**${pop.label}**\n\n${mdTable(
          [
            'slashing factor',
            'active operators at end',
            'active coprocessors at end',
            'cumulative reward at end',
            'undetected shirks / task',
          ],
          ends.map((e) => [
            e.factor,
            `${fmt(e.active.mean, 1)} [${e.active.min}, ${e.active.max}]`,
            fmt(e.cops.mean, 1),
            `${fmt(e.reward.mean)} [${fmt(e.reward.min)}, ${fmt(e.reward.max)}]`,
            e.undetected.toExponential(2),
          ]),
        )}`,
      );
      measured.push(describe(pop.label, ends, nOps));
    }
    const csv = writeCsv(ctx, 'fig2-slashing', rows);
    const csvEnd = writeCsv(ctx, 'fig2-slashing-end', endRows);
    const color = {
      field: 'factor',
      type: 'ordinal',
      title: 'slashing factor',
      sort: SLASHING_FACTORS.map(String),
      scale: { scheme: 'plasma', extent: [0, 0.85] },
      legend: { symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 },
    };
    const panel = (y: string, title: string) => ({
      width: 520,
      height: 260,
      layer: [
        {
          mark: { type: 'area', opacity: 0.15 },
          encoding: {
            x: { field: 'period', type: 'quantitative', title: 'period' },
            y: { field: `${y}_min`, type: 'quantitative', title },
            y2: { field: `${y}_max` },
            color,
          },
        },
        {
          mark: { type: 'line', strokeWidth: 2 },
          encoding: {
            x: { field: 'period', type: 'quantitative' },
            y: { field: y, type: 'quantitative' },
            color,
          },
        },
      ],
    });
    const sub = `mean over seeds ${ctx.seeds.join(', ')}; band = min-max`;
    const figA = await populationFigure(
      ctx,
      'fig2-active-operators',
      { title: { text: 'Fig. 2 (top): active operators over time', subtitle: sub }, data: plotRows },
      panel('active', 'active operators'),
    );
    const figB = await populationFigure(
      ctx,
      'fig2-cumulative-reward',
      {
        title: { text: 'Fig. 2 (bottom): cumulative reward (operators + coprocessors)', subtitle: sub },
        data: plotRows,
      },
      panel('reward', 'cumulative reward'),
    );
    const markdown = reportSection(ctx, {
      claims: [
        '**Paper (4.1.1):** higher slashing factors lead to a rapid decline in the number of active operators; very low factors keep more operators active (but deter misbehaviour too little).',
        '**Paper (4.1.2):** moderate slashing factors give steady growth of cumulative rewards without significant drops in operator activity.',
      ],
      figures: [figA, figB],
      tables: tables,
      measured,
      config: `, slashing.factor in {${SLASHING_FACTORS.join(', ')}}`,
      data: `Data: \`${csv}\` (every period: mean, min, max, 95% CI over seeds), \`${csvEnd}\`.`,
    });
    return { title: 'Fig. 2: slashing factor, active operators and cumulative reward', markdown };
  },
};

function describe(
  label: string,
  ends: { factor: number; active: SeedBand; reward: SeedBand; undetected: number }[],
  nOps: number,
): string {
  const factors = ends.map((e) => e.factor);
  const act = ends.map((e) => e.active.mean);
  const rho = spearman(factors, act);
  let monotone = true;
  for (let q = 1; q < act.length; q++) if (act[q] > act[q - 1] + 1e-9) monotone = false;
  const lo = ends[0];
  const hi = ends[ends.length - 1];
  const holds1 = rho < 0 && hi.active.mean < lo.active.mean;
  const best = ends.reduce((a, b) => (b.reward.mean > a.reward.mean ? b : a));
  const keep = ends.filter((e) => e.active.mean >= 0.9 * nOps).map((e) => e.factor);
  const moderate = best.factor > 0 && best.factor <= 1;
  const integrity = ends.map((e) => `${e.factor}: ${e.undetected.toExponential(1)}`).join(', ');
  return [
    `- ${label}, active operators: ${holds1 ? '**holds**' : '**does not hold**'}. Active operators at the end fall from ${fmt(lo.active.mean, 1)} (factor ${lo.factor}) to ${fmt(hi.active.mean, 1)} (factor ${hi.factor}) of ${nOps}; Spearman(factor, active at end) = ${fmt(rho, 2)}; ${monotone ? 'non-increasing in the factor at every step' : 'not monotone in the factor'}. Factors keeping >= 90% of operators: ${keep.join(', ') || 'none'}.`,
    `- ${label}, cumulative reward: ${moderate ? '**holds**' : '**does not hold**'}: the highest cumulative reward at the end is at factor ${best.factor} (${fmt(best.reward.mean)}; factor ${lo.factor}: ${fmt(lo.reward.mean)}, factor ${hi.factor}: ${fmt(hi.reward.mean)}). ${moderate ? '' : 'Reward here does not price integrity: slashing only removes money and agents, so the least slashing earns the most; what it buys shows in the undetected shirks per task: '}${moderate ? 'Undetected shirks per task by factor: ' : ''}${integrity}.`,
  ].join('\n');
}
