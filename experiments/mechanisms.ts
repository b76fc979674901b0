/**
 * Beyond the paper: `qualified-dutch` vs `reverse-dutch` on the same seeds.
 * Operator cost (payments per reward on delegated tasks), profits,
 * completion, load balance; paired differences with 95% CIs.
 */
import type { SummaryResult } from './lib/cells.ts';
import {
  baselineOnly,
  cellSpec,
  type Experiment,
  type ExperimentContext,
  figure,
  fmt,
  mdTable,
  type Population,
  pct,
  provenance,
  reportSection,
  writeCsv,
} from './lib/context.ts';
import { seedBand } from './lib/stats.ts';

export const MECHANISMS = ['qualified-dutch', 'reverse-dutch'] as const;

/** The compared quantities: name, how to read it off a summary, and which direction is better. */
export const MECHANISM_METRICS: {
  key: string;
  label: string;
  of: (r: SummaryResult) => number;
  better: 'lower' | 'higher';
}[] = [
  {
    key: 'payment_ratio',
    label: 'operator cost (payments / rewards)',
    of: (r) => r.paymentRatio,
    better: 'lower',
  },
  { key: 'operator_profit', label: 'operator profit (total)', of: (r) => r.operatorProfit, better: 'higher' },
  {
    key: 'coprocessor_profit',
    label: 'coprocessor profit (total)',
    of: (r) => r.coprocessorProfit,
    better: 'higher',
  },
  {
    key: 'completion',
    label: 'completion (correct share of tasks)',
    of: (r) => r.completion,
    better: 'higher',
  },
  {
    key: 'delegated_share',
    label: 'delegated share of tasks',
    of: (r) => r.delegated / Math.max(1, r.tasks),
    better: 'higher',
  },
  { key: 'load_gini', label: 'load Gini across coprocessors', of: (r) => r.loadGini, better: 'lower' },
  { key: 'load_cv', label: 'load CV across coprocessors (per period)', of: (r) => r.loadCv, better: 'lower' },
  {
    key: 'overloaded_share',
    label: 'delegated tasks run above L*',
    of: (r) => r.overloadedShare,
    better: 'lower',
  },
  {
    key: 'active_operators_end',
    label: 'operators active at end',
    of: (r) => r.activeOperatorsEnd,
    better: 'higher',
  },
];

function spec(ctx: ExperimentContext, pop: Population, mechanism: string, seed: number) {
  return cellSpec(ctx, 'summary', pop, seed, { auction: { mechanism } });
}

function halfGone(runs: SummaryResult[]): string {
  const at = runs.map((r) => r.halfOperatorsGoneAt).filter((t) => t > 0);
  if (at.length === 0) return '';
  return ` (under reverse-dutch half of the operators were gone by period ${at.join(', ')} in ${at.length}/${runs.length} seeds; a reading consistent with the overload share: the lowest ask wins every task, so the cheapest coprocessors fill to their load cap, fail in the overload zone and are slashed out, and operators that cannot delegate are slashed for dropped tasks)`;
}

export const mechanismsExperiment: Experiment = {
  name: 'mechanisms',
  figures: 'beyond the paper',
  summary:
    'qualified-dutch vs reverse-dutch on the same seeds: operator cost, profits, completion, load balance',
  cells(ctx) {
    return ctx.populations.flatMap((pop) =>
      MECHANISMS.flatMap((m) => ctx.seeds.map((seed) => spec(ctx, pop, m, seed))),
    );
  },
  async analyse(ctx, get) {
    const seedRows: Record<string, number | string>[] = [];
    const barRows: Record<string, number | string>[] = [];
    const tables: string[] = [];
    const measured: string[] = [];
    for (const pop of ctx.populations) {
      const runs = Object.fromEntries(
        MECHANISMS.map((m) => [m, ctx.seeds.map((seed) => get(spec(ctx, pop, m, seed)) as SummaryResult)]),
      ) as Record<(typeof MECHANISMS)[number], SummaryResult[]>;
      ctx.seeds.forEach((seed, s) => {
        for (const m of MECHANISMS) {
          const row: Record<string, number | string> = { population: pop.label, mechanism: m, seed };
          for (const x of MECHANISM_METRICS) row[x.key] = x.of(runs[m][s]);
          seedRows.push(row);
        }
      });
      const rows: (string | number)[][] = [];
      const wins: string[] = [];
      for (const x of MECHANISM_METRICS) {
        const q = runs['qualified-dutch'].map(x.of);
        const r = runs['reverse-dutch'].map(x.of);
        const bq = seedBand(q);
        const br = seedBand(r);
        const d = seedBand(r.map((v, i) => v - q[i]));
        for (const [m, b] of [
          ['qualified-dutch', bq],
          ['reverse-dutch', br],
        ] as const) {
          barRows.push({
            population: pop.label,
            mechanism: m,
            metric: x.label,
            mean: b.mean,
            lo: b.min,
            hi: b.max,
          });
        }
        const sig = d.n > 1 && (d.ciLo > 0 || d.ciHi < 0);
        rows.push([
          x.label,
          fmt(bq.mean),
          fmt(br.mean),
          `${fmt(d.mean)} [${fmt(d.ciLo)}, ${fmt(d.ciHi)}]${sig ? ' *' : ''}`,
        ]);
        if (sig) {
          const better = d.mean < 0 === (x.better === 'lower') ? 'reverse-dutch' : 'qualified-dutch';
          wins.push(`${x.label}: ${better}`);
        }
      }
      tables.push(
        `**${pop.label}** (reverse - qualified, paired by seed; * = 95% CI excludes 0)\n\n${mdTable(['metric', 'qualified-dutch', 'reverse-dutch', 'difference [95% CI]'], rows)}`,
      );
      const q0 = runs['qualified-dutch'];
      const r0 = runs['reverse-dutch'];
      const avg = (xs: SummaryResult[], f: (r: SummaryResult) => number) =>
        xs.reduce((s, r) => s + f(r), 0) / xs.length;
      measured.push(
        `- ${pop.label}: operators pay ${fmt(avg(q0, (r) => r.paymentRatio))} of the reward under qualified-dutch vs ${fmt(avg(r0, (r) => r.paymentRatio))} under reverse-dutch; load Gini ${fmt(avg(q0, (r) => r.loadGini))} vs ${fmt(avg(r0, (r) => r.loadGini))}; ${pct(avg(q0, (r) => r.overloadedShare))} vs ${pct(avg(r0, (r) => r.overloadedShare))} of delegated tasks ran above L* (overload risk, amplified slashing); operators active at the end ${fmt(
          avg(q0, (r) => r.activeOperatorsEnd),
          1,
        )} vs ${fmt(
          avg(r0, (r) => r.activeOperatorsEnd),
          1,
        )}${halfGone(r0)}. Better with a CI that excludes 0 (${ctx.seeds.length} seeds): ${wins.length > 0 ? wins.join('; ') : 'none'}.`,
      );
    }
    const csv = writeCsv(ctx, 'mechanisms', seedRows);
    const xField = baselineOnly(ctx) ? 'mechanism' : 'population';
    const fig = await figure(ctx, 'mechanisms', {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: 'Auction mechanisms on the same seeds',
        subtitle: `mean over seeds ${ctx.seeds.join(', ')}; bars: min-max`,
      },
      data: { values: barRows },
      facet: { field: 'metric', type: 'nominal', title: null, sort: MECHANISM_METRICS.map((m) => m.label) },
      columns: 3,
      spec: {
        width: 150,
        height: 150,
        layer: [
          {
            mark: { type: 'bar' },
            encoding: {
              x: { field: 'mechanism', type: 'nominal', title: null, axis: { labelAngle: -30 } },
              ...(xField === 'population' ? { xOffset: { field: 'population', type: 'nominal' } } : {}),
              y: { field: 'mean', type: 'quantitative', title: null },
              color: { field: xField, type: 'nominal', title: xField },
            },
          },
          {
            mark: { type: 'rule', color: 'black' },
            encoding: {
              x: { field: 'mechanism', type: 'nominal' },
              ...(xField === 'population' ? { xOffset: { field: 'population', type: 'nominal' } } : {}),
              y: { field: 'lo', type: 'quantitative' },
              y2: { field: 'hi' },
            },
          },
        ],
      },
      resolve: { scale: { y: 'independent' } },
    } as never);
    const markdown = reportSection({
      claims: [
        "**Question:** the paper's modified Dutch auction (a descending clock with reputation and free-capacity qualification tiers: `qualified-dutch`) against an ascending reverse auction (`reverse-dutch`, the lowest ask wins), same tasks, same seeds.",
      ],
      figures: [fig],
      tables: tables,
      measured,
      provenance: provenance(ctx, ', `auction.mechanism` in {qualified-dutch, reverse-dutch}'),
      data: `Data: \`${csv}\` (per mechanism and seed).`,
    });
    return { title: 'Mechanisms: qualified-dutch vs reverse-dutch', markdown };
  },
};
