/**
 * Fig. 7: tasks per coprocessor over time as a heat map (coprocessors sorted
 * by their total, periods in bins).
 */
import { type Experiment, figure, fmt, reportSection, writeCsv } from './lib/context.ts';
import { networkConfigNote, networkRuns, networkSpecs } from './lib/network.ts';
import { gini } from './lib/stats.ts';
import { catalogEntry } from './catalog.ts';

export const taskDistributionExperiment: Experiment = {
  ...catalogEntry('task-distribution'),
  cells: networkSpecs,
  async analyse(ctx, get) {
    const rows: Record<string, number | string>[] = [];
    const measured: string[] = [];
    const seed = ctx.seeds[0];
    for (const pop of ctx.populations) {
      const runs = networkRuns(ctx, pop, get);
      const r = runs[0];
      const size = r.heatBinSize;
      const totals = r.wins.map((row) => row.reduce((a, b) => a + b, 0));
      const order = totals.map((_, k) => k).sort((a, b) => totals[b] - totals[a] || a - b);
      const nb = r.wins[0]?.length ?? 0;
      order.forEach((k, rank) => {
        for (let b = 0; b < nb; b++) {
          const len = Math.min(size, r.periods - b * size);
          rows.push({
            population: pop.label,
            seed,
            coprocessor: k,
            rank: rank + 1,
            period_from: b * size + 1,
            period_to: b * size + len,
            bin_start: b * size,
            bin_end: b * size + len,
            tasks: r.wins[k][b],
            tasks_per_period: r.wins[k][b] / len,
          });
        }
      });
      // Over all seeds: Gini of tasks across coprocessors in the first and the last period bin.
      const col = (w: number[][], b: number) => w.map((row) => row[b]);
      const g0 = runs.map((x) => gini(col(x.wins, 0)));
      const g1 = runs.map((x) => gini(col(x.wins, x.wins[0].length - 1)));
      const idle = runs.map((x) => col(x.wins, x.wins[0].length - 1).filter((v) => v === 0).length);
      const ejected = runs.map((x) => x.cpActiveAtEnd.filter((a) => !a).length);
      const avg = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      const top =
        totals[order[0]] /
        Math.max(
          1,
          totals.reduce((a, b) => a + b, 0),
        );
      measured.push(
        `- ${pop.label}: Gini of tasks across coprocessors ${fmt(avg(g0))} in the first period bin vs ${fmt(avg(g1))} in the last (mean over ${runs.length} seeds); coprocessors with no task in the last bin ${fmt(avg(idle), 1)}, ejected by the end ${fmt(avg(ejected), 1)} of ${r.nCops}. In seed ${seed} the busiest coprocessor took ${fmt(100 * top, 1)}% of all delegated tasks.`,
      );
    }
    const csv = writeCsv(ctx, 'fig7-task-distribution', rows);
    const spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: 'Fig. 7: tasks per coprocessor over time',
        subtitle: `seed ${seed}; coprocessors sorted by total tasks (1 = busiest); tasks per period, averaged over each period bin`,
      },
      data: { values: rows },
      ...(ctx.populations.length > 1
        ? { facet: { column: { field: 'population', type: 'nominal', title: null } }, spec: heat() }
        : heat()),
    } as never;
    const fig = await figure(ctx, 'fig7-task-distribution', spec);
    const markdown = reportSection(ctx, {
      claims: [
        '**Paper (4.6):** a visualisation of how tasks are allocated to coprocessors over time, showing how different coprocessors are used through the period (no quantitative claim).',
      ],
      figures: [fig],
      measuredNote: 'descriptive',
      measured,
      config: networkConfigNote(ctx),
      data: `Data: \`${csv}\` (every coprocessor and period bin).`,
    });
    return { title: 'Fig. 7: distribution of tasks among coprocessors over time', markdown };
  },
};

function heat(): Record<string, unknown> {
  return {
    width: 560,
    height: 360,
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'bin_start', type: 'quantitative', bin: { binned: true }, title: 'period' },
      x2: { field: 'bin_end' },
      y: {
        field: 'rank',
        type: 'ordinal',
        title: 'coprocessor (rank by total tasks)',
        axis: { labelExpr: "datum.value % 10 === 0 || datum.value === 1 ? datum.label : ''" },
      },
      color: {
        field: 'tasks_per_period',
        type: 'quantitative',
        title: 'tasks / period',
        scale: { scheme: 'viridis' },
      },
    },
  };
}
