/**
 * Beyond the paper: the five auction mechanisms (`MECHANISMS` in
 * src/sim/scenario.ts) on the same seeds. Operator cost (payments per
 * reward on delegated tasks), profits, completion, load balance, overload,
 * survival and integrity; per mechanism the mean over seeds with its 95% CI,
 * and paired differences (by seed) against the default mechanism.
 */
import { AuctionSchema, MECHANISMS } from '../src/sim/scenario.ts';
import type { SummaryResult } from './lib/cells.ts';
import {
  baselineOnly,
  cellSpec,
  type Experiment,
  type ExperimentContext,
  figure,
  fmt,
  mdTable,
  pct,
  type Population,
  reportSection,
  writeCsv,
} from './lib/context.ts';
import { type SeedBand, seedBand } from './lib/stats.ts';
import { catalogEntry } from './catalog.ts';

export { MECHANISMS } from '../src/sim/scenario.ts';

export type Mechanism = (typeof MECHANISMS)[number];

/** The mechanism every other one is compared with: the scenario default (`scoring-dutch`). */
export const REFERENCE_MECHANISM: Mechanism = AuctionSchema.parse({}).mechanism;

/** The other mechanisms, in `MECHANISMS` order. */
export const COMPARED_MECHANISMS: readonly Mechanism[] = MECHANISMS.filter((m) => m !== REFERENCE_MECHANISM);

/** One line per mechanism for the question. */
const DESCRIPTION: Record<Mechanism, string> = {
  'scoring-dutch':
    'a descending clock on the surplus the operator demands over the scores V - b; the first coprocessor to accept is paid the offer (the default)',
  'first-price': 'sealed-bid scoring auction: the highest score V - b wins and is paid its bid',
  'second-price':
    "sealed-bid scoring auction: the highest score wins and is paid the bid that would tie the runner-up's score",
  'qualified-dutch':
    "the paper's modified Dutch auction read literally: a descending payment clock with reputation and free-capacity qualification tiers",
  'reverse-dutch': 'an ascending payment from a floor: the lowest ask wins',
};

export interface MechanismMetric {
  key: string;
  label: string;
  of: (r: SummaryResult) => number;
  better: 'lower' | 'higher';
}

/** The compared quantities: name, how to read it off a summary, and which direction is better. */
export const MECHANISM_METRICS: MechanismMetric[] = [
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
  {
    key: 'active_coprocessors_end',
    label: 'coprocessors active at end',
    of: (r) => r.activeCoprocessorsEnd,
    better: 'higher',
  },
  { key: 'undetected_shirks', label: 'undetected shirks', of: (r) => r.undetectedShirks, better: 'lower' },
];

/** A mechanism's difference to the reference on one metric, paired by seed. */
export interface PairedDifference {
  mechanism: Mechanism;
  metric: MechanismMetric;
  /** Band of (mechanism - reference) over seeds. */
  diff: SeedBand;
  /** The 95% CI excludes 0 (needs two seeds or more). */
  significant: boolean;
  /** With `significant`: whether the mechanism is better than the reference on this metric. */
  better: boolean;
}

/** Paired differences (mechanism - reference, seed by seed) of every compared mechanism on every metric. */
export function pairedDifferences(
  runs: Record<Mechanism, readonly SummaryResult[]>,
  reference: Mechanism = REFERENCE_MECHANISM,
  metrics: readonly MechanismMetric[] = MECHANISM_METRICS,
): PairedDifference[] {
  const ref = runs[reference];
  const out: PairedDifference[] = [];
  for (const mechanism of MECHANISMS) {
    if (mechanism === reference) continue;
    const xs = runs[mechanism];
    if (xs.length !== ref.length) {
      throw new Error(`internal: ${mechanism} has ${xs.length} seeds, ${reference} ${ref.length}`);
    }
    for (const metric of metrics) {
      const diff = seedBand(xs.map((r, i) => metric.of(r) - metric.of(ref[i])));
      const significant = diff.n > 1 && (diff.ciLo > 0 || diff.ciHi < 0);
      out.push({
        mechanism,
        metric,
        diff,
        significant,
        better: diff.mean < 0 === (metric.better === 'lower'),
      });
    }
  }
  return out;
}

/** A mechanism collapses when fewer than half of the operators are left at the end of some seed. */
export function collapsed(runs: readonly SummaryResult[]): boolean {
  return runs.some((r) => r.activeOperatorsEnd < r.nOps / 2);
}

function spec(ctx: ExperimentContext, pop: Population, mechanism: Mechanism, seed: number) {
  return cellSpec(ctx, 'summary', pop, seed, { auction: { mechanism } });
}

const avg = (xs: readonly SummaryResult[], f: (r: SummaryResult) => number) =>
  xs.reduce((s, r) => s + f(r), 0) / xs.length;

const code = (m: string) => `\`${m}\``;

/** `a`, `a` and `b`, `a`, `b` and `c`. */
function list(xs: string[]): string {
  return xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

/** The mechanisms whose mean of `f` is the smallest (`lowest`) or largest, ties included. */
function extreme(
  means: Record<Mechanism, number>,
  among: readonly Mechanism[],
  lowest: boolean,
): { who: Mechanism[]; value: number } {
  const vals = among.map((m) => means[m]);
  const value = lowest ? Math.min(...vals) : Math.max(...vals);
  const tol = 1e-9 * Math.max(1, Math.abs(value));
  return { who: among.filter((m) => Math.abs(means[m] - value) <= tol), value };
}

/** The lowest and the highest mean on a metric, as "`a` (0.42)" (ties: "`a` and `b` (100)"). */
function bestWorst(
  means: Record<Mechanism, number>,
  among: readonly Mechanism[],
  show: (x: number) => string,
): { low: string; high: string } {
  const lo = extreme(means, among, true);
  const hi = extreme(means, among, false);
  const who = (e: { who: Mechanism[] }) => list(e.who.map(code));
  return {
    low: `${who(lo)} (${show(lo.value)})`,
    high: `${who(hi)} (${show(hi.value)})`,
  };
}

/** The generated "Measured" lines of one population. */
function measuredLines(
  pop: Population,
  runs: Record<Mechanism, SummaryResult[]>,
  diffs: PairedDifference[],
  nSeeds: number,
): string[] {
  const fall = MECHANISMS.filter((m) => collapsed(runs[m]));
  const stay = MECHANISMS.filter((m) => !collapsed(runs[m]));
  // A collapsed network delegates almost nothing: its load balance, overload and payments say little, so the
  // ranking is over the mechanisms that keep their operators (all of them when every one collapses).
  const among = stay.length > 0 ? stay : MECHANISMS;
  const rank = (f: (r: SummaryResult) => number, show: (x: number) => string = (x) => fmt(x)) =>
    bestWorst(
      Object.fromEntries(MECHANISMS.map((m) => [m, avg(runs[m], f)])) as Record<Mechanism, number>,
      among,
      show,
    );
  const pay = rank((r) => r.paymentRatio);
  const comp = rank((r) => r.completion);
  const gini = rank((r) => r.loadGini);
  const cvs = rank((r) => r.loadCv);
  const over = rank(
    (r) => r.overloadedShare,
    (x) => pct(x, 2),
  );
  const opp = rank((r) => r.operatorProfit);
  const cpp = rank((r) => r.coprocessorProfit);
  const shirk = rank(
    (r) => r.undetectedShirks,
    (x) => fmt(x, 1),
  );
  const scope =
    fall.length > 0 && stay.length > 0
      ? `among the ${stay.length} mechanisms that keep at least half of the operators (${list(fall.map(code))} ${fall.length === 1 ? 'collapses' : 'collapse'}, below), `
      : '';
  const lines: string[] = [];
  if (among.length === 1) {
    // One mechanism left to rank: its levels, not a best and a worst.
    const m = among[0];
    const a = (f: (r: SummaryResult) => number) => avg(runs[m], f);
    lines.push(
      `- ${pop.label}: only ${code(m)} keeps at least half of the operators (${list(fall.map(code))} collapse, below): ` +
        `operators pay ${fmt(a((r) => r.paymentRatio))} of the reward, completion ${fmt(a((r) => r.completion))}, ` +
        `load Gini ${fmt(a((r) => r.loadGini))}, ${pct(
          a((r) => r.overloadedShare),
          2,
        )} of the delegated tasks above L*, ` +
        `${fmt(
          a((r) => r.undetectedShirks),
          1,
        )} undetected shirks per episode.`,
    );
  } else
    lines.push(
      `- ${pop.label}: ${scope}operators pay the least of the reward under ${pay.low} and the most under ${pay.high}; ` +
        `completion is highest under ${comp.high} and lowest under ${comp.low}; ` +
        `the episode's load Gini is lowest (the most balanced load) under ${gini.low} and highest under ${gini.high}, ` +
        `the per-period load CV lowest under ${cvs.low} and highest under ${cvs.high}; ` +
        `the fewest delegated tasks ran above L* (overload risk, amplified slashing) under ${over.low}, the most under ${over.high}; ` +
        `operator profit is highest under ${opp.high} and lowest under ${opp.low}, coprocessor profit highest under ${cpp.high} and lowest under ${cpp.low}; ` +
        `undetected shirks are fewest under ${shirk.low} and most under ${shirk.high}.`,
    );

  if (fall.length === 0) {
    lines.push(`- ${pop.label}: no mechanism lost half of its operators in any seed.`);
  } else {
    const parts = fall.map((m) => {
      const rs = runs[m];
      const at = rs.map((r) => r.halfOperatorsGoneAt).filter((t) => t > 0);
      const when =
        at.length > 0
          ? `half of the operators were gone by period ${at.join(', ')} in ${at.length}/${rs.length} seeds`
          : `fewer than half of the operators were left at the end in ${rs.filter((r) => r.activeOperatorsEnd < r.nOps / 2).length}/${rs.length} seeds`;
      const overShare = avg(rs, (r) => r.overloadedShare);
      const reading =
        overShare > 0.5
          ? '; a reading consistent with the overload share: the winners fill to their load cap, fail in the overload zone and are slashed out, and operators that cannot delegate are slashed for dropped tasks'
          : '';
      return `${fall.length > 1 ? `under ${code(m)} ` : ''}${when} (operators active at the end ${fmt(
        avg(rs, (r) => r.activeOperatorsEnd),
        1,
      )} of ${rs[0].nOps}, coprocessors ${fmt(
        avg(rs, (r) => r.activeCoprocessorsEnd),
        1,
      )} of ${rs[0].nCops}; completion ${fmt(avg(rs, (r) => r.completion))}; ${pct(avg(rs, (r) => r.delegated / Math.max(1, r.tasks)))} of the tasks delegated, ${pct(overShare)} of those above L*${reading})`;
    });
    lines.push(
      `- ${pop.label}: ${list(fall.map(code))} ${fall.length === 1 ? 'collapses' : 'collapse'}: ${parts.join('; ')}.` +
        (stay.length > 0
          ? ` ${list(stay.map(code))} ${stay.length === 1 ? 'keeps' : 'keep'} at least half of the operators in every seed.`
          : ''),
    );
  }

  const vs = COMPARED_MECHANISMS.map((m) => {
    const sig = diffs.filter((d) => d.mechanism === m && d.significant);
    if (sig.length === 0) return `${code(m)} no difference`;
    const better = sig.filter((d) => d.better).map((d) => d.metric.label);
    const worse = sig.filter((d) => !d.better).map((d) => d.metric.label);
    return `${code(m)} ${[better.length > 0 ? `better on ${list(better)}` : '', worse.length > 0 ? `worse on ${list(worse)}` : ''].filter(Boolean).join(', ')}`;
  });
  lines.push(
    `- ${pop.label}, against ${code(REFERENCE_MECHANISM)} (paired by seed, 95% CI excludes 0, ${nSeeds} ${nSeeds === 1 ? 'seed: one seed gives no interval' : 'seeds'}): ${vs.join('; ')}.`,
  );
  return lines;
}

const PALETTE = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b'];

const band = (b: SeedBand) => `${fmt(b.mean)} [${fmt(b.ciLo)}, ${fmt(b.ciHi)}]`;

export const mechanismsExperiment: Experiment = {
  ...catalogEntry('mechanisms'),
  cells(ctx) {
    return ctx.populations.flatMap((pop) =>
      MECHANISMS.flatMap((m) => ctx.seeds.map((seed) => spec(ctx, pop, m, seed))),
    );
  },
  async analyse(ctx, get) {
    const seedRows: Record<string, number | string>[] = [];
    const barRows: Record<string, number | string>[] = [];
    const diffRows: Record<string, number | string>[] = [];
    const tables: string[] = [];
    const measured: string[] = [];
    for (const pop of ctx.populations) {
      const runs = Object.fromEntries(
        MECHANISMS.map((m) => [m, ctx.seeds.map((seed) => get(spec(ctx, pop, m, seed)) as SummaryResult)]),
      ) as Record<Mechanism, SummaryResult[]>;
      ctx.seeds.forEach((seed, s) => {
        for (const m of MECHANISMS) {
          const row: Record<string, number | string> = { population: pop.label, mechanism: m, seed };
          for (const x of MECHANISM_METRICS) row[x.key] = x.of(runs[m][s]);
          seedRows.push(row);
        }
      });

      // Each mechanism: mean [95% CI] over seeds; the best mean of a row in bold.
      const levelRows: string[][] = [];
      for (const x of MECHANISM_METRICS) {
        const bands = MECHANISMS.map((m) => seedBand(runs[m].map(x.of)));
        const means = Object.fromEntries(MECHANISMS.map((m, i) => [m, bands[i].mean])) as Record<
          Mechanism,
          number
        >;
        const best = extreme(means, MECHANISMS, x.better === 'lower').who;
        MECHANISMS.forEach((m, i) => {
          barRows.push({
            population: pop.label,
            mechanism: m,
            metric: x.label,
            mean: bands[i].mean,
            lo: bands[i].min,
            hi: bands[i].max,
            ci_lo: bands[i].ciLo,
            ci_hi: bands[i].ciHi,
          });
        });
        levelRows.push([
          x.label,
          x.better,
          ...MECHANISMS.map((m, i) => (best.includes(m) ? `**${band(bands[i])}**` : band(bands[i]))),
        ]);
      }
      tables.push(
        `**${pop.label}**: mean over seeds [95% CI]; bold = the best mean of the row\n\n${mdTable(['metric', 'better', ...MECHANISMS], levelRows)}`,
      );

      // Paired differences against the reference.
      const diffs = pairedDifferences(runs);
      const diffTable: string[][] = MECHANISM_METRICS.map((x) => [
        x.label,
        ...COMPARED_MECHANISMS.map((m) => {
          const d = diffs.find((e) => e.mechanism === m && e.metric === x)!;
          return `${band(d.diff)}${d.significant ? ' *' : ''}`;
        }),
      ]);
      for (const d of diffs) {
        diffRows.push({
          population: pop.label,
          mechanism: d.mechanism,
          reference: REFERENCE_MECHANISM,
          metric: d.metric.label,
          key: d.metric.key,
          mean: d.diff.mean,
          ci_lo: d.diff.ciLo,
          ci_hi: d.diff.ciHi,
          significant: d.significant ? 1 : 0,
          better: d.significant ? (d.better ? 1 : -1) : 0,
        });
      }
      tables.push(
        `**${pop.label}**: difference to \`${REFERENCE_MECHANISM}\` (mechanism - ${REFERENCE_MECHANISM}, paired by seed) [95% CI]; * = the CI excludes 0\n\n${mdTable(['metric', ...COMPARED_MECHANISMS], diffTable)}`,
      );
      measured.push(...measuredLines(pop, runs, diffs, ctx.seeds.length));
    }
    const csv = writeCsv(ctx, 'mechanisms', seedRows);
    const diffCsv = writeCsv(ctx, 'mechanisms-differences', diffRows);
    const xField = baselineOnly(ctx) ? 'mechanism' : 'population';
    const offset = xField === 'population' ? { xOffset: { field: 'population', type: 'nominal' } } : {};
    const mechAxis = {
      field: 'mechanism',
      type: 'nominal',
      title: null,
      sort: [...MECHANISMS],
      axis: { labelAngle: -40 },
    };
    // A mechanism keeps its colour in both figures (vega's tableau10 in MECHANISMS order).
    const colorOf = (ms: readonly Mechanism[]) =>
      xField === 'mechanism'
        ? {
            field: 'mechanism',
            type: 'nominal',
            title: 'mechanism',
            scale: { domain: [...ms], range: ms.map((m) => PALETTE[MECHANISMS.indexOf(m)]) },
          }
        : {
            field: 'population',
            type: 'nominal',
            title: 'population',
            sort: ctx.populations.map((p) => p.label),
          };
    const facet = {
      field: 'metric',
      type: 'nominal',
      title: null,
      sort: MECHANISM_METRICS.map((m) => m.label),
    };
    const fig = await figure(ctx, 'mechanisms', {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: `The ${MECHANISMS.length} auction mechanisms on the same seeds`,
        subtitle: `mean over seeds ${ctx.seeds.join(', ')}; bars: min-max`,
      },
      data: { values: barRows },
      facet,
      columns: 4,
      spec: {
        width: 140,
        height: 130,
        layer: [
          {
            mark: { type: 'bar' },
            encoding: {
              x: mechAxis,
              ...offset,
              y: { field: 'mean', type: 'quantitative', title: null },
              color: colorOf(MECHANISMS),
            },
          },
          {
            mark: { type: 'rule', color: 'black' },
            encoding: {
              x: { field: 'mechanism', type: 'nominal', sort: [...MECHANISMS] },
              ...offset,
              y: { field: 'lo', type: 'quantitative' },
              y2: { field: 'hi' },
            },
          },
        ],
      },
      resolve: { scale: { y: 'independent' }, axis: { x: 'independent' } },
    } as never);
    const diffFig = await figure(ctx, 'mechanisms-differences', {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: `Paired differences to ${REFERENCE_MECHANISM}`,
        subtitle: `mechanism - ${REFERENCE_MECHANISM} by seed (seeds ${ctx.seeds.join(', ')}): mean and 95% CI; filled: the CI excludes 0`,
      },
      data: { values: diffRows },
      facet,
      columns: 4,
      spec: {
        width: 140,
        height: 130,
        layer: [
          { mark: { type: 'rule', color: '#999', strokeDash: [4, 3] }, encoding: { y: { datum: 0 } } },
          {
            mark: { type: 'rule', color: 'black' },
            encoding: {
              x: { ...mechAxis, sort: [...COMPARED_MECHANISMS] },
              ...offset,
              y: { field: 'ci_lo', type: 'quantitative', title: null },
              y2: { field: 'ci_hi' },
            },
          },
          {
            mark: { type: 'point', size: 60, filled: false, strokeWidth: 2 },
            encoding: {
              x: { field: 'mechanism', type: 'nominal', sort: [...COMPARED_MECHANISMS] },
              ...offset,
              y: { field: 'mean', type: 'quantitative' },
              color: colorOf(COMPARED_MECHANISMS),
            },
          },
          {
            transform: [{ filter: 'datum.significant === 1' }],
            mark: { type: 'point', size: 60, filled: true, opacity: 1 },
            encoding: {
              x: { field: 'mechanism', type: 'nominal', sort: [...COMPARED_MECHANISMS] },
              ...offset,
              y: { field: 'mean', type: 'quantitative' },
              color: colorOf(COMPARED_MECHANISMS),
            },
          },
        ],
      },
      resolve: { scale: { y: 'independent' }, axis: { x: 'independent' } },
    } as never);
    const markdown = reportSection(ctx, {
      claims: [
        `**Question:** the ${MECHANISMS.length} auction mechanisms on the same tasks and seeds, each against the default \`${REFERENCE_MECHANISM}\`:`,
        '',
        ...MECHANISMS.map((m) => `- \`${m}\`: ${DESCRIPTION[m]}.`),
      ],
      figures: [fig, diffFig],
      tables,
      measured,
      config: `, \`auction.mechanism\` in {${MECHANISMS.join(', ')}}`,
      data: `Data: \`${csv}\` (per population, mechanism and seed), \`${diffCsv}\` (paired differences to \`${REFERENCE_MECHANISM}\`).`,
    });
    return {
      title: `Mechanisms: all ${MECHANISMS.length} on the same seeds, against ${REFERENCE_MECHANISM}`,
      markdown,
    };
  },
};
