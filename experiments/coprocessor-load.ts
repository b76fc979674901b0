/**
 * Fig. 6: coprocessor load vs reward: a scatter of per-period (load, profit)
 * samples with the mean and the p10-p90 range per load bin, and the spread
 * of profit by load bin.
 */
import { LOAD_BINS } from './lib/cells.ts';
import { type Experiment, fmt, mdTable, populationFigure, reportSection, writeCsv } from './lib/context.ts';
import { loadProfitAxes, networkConfigNote, networkRuns, networkSpecs } from './lib/network.ts';
import { type BinStats, binStats, mergeBins, spearman } from './lib/stats.ts';
import { catalogEntry } from './catalog.ts';

/** A bin enters the spread trend only with at least this many samples. */
export const MIN_BIN_SAMPLES = 30;

/** How profit spread changes with load over the populated bins. */
export interface SpreadTrend {
  bins: BinStats[];
  /** Spearman(bin centre, sd) over the populated bins. */
  rhoSd: number;
  /** Spearman(bin centre, CV) over the populated bins. */
  rhoCv: number;
  low: BinStats;
  high: BinStats;
}

export function spreadTrend(bins: BinStats[], minSamples = MIN_BIN_SAMPLES): SpreadTrend | undefined {
  const pop = bins.filter((b) => b.n >= minSamples);
  if (pop.length < 2) return undefined;
  const centre = pop.map((b) => (b.lo + b.hi) / 2);
  return {
    bins: pop,
    rhoSd: spearman(
      centre,
      pop.map((b) => b.sd),
    ),
    rhoCv: spearman(
      centre,
      pop.map((b) => b.cv),
    ),
    low: pop[0],
    high: pop[pop.length - 1],
  };
}

export const coprocessorLoadExperiment: Experiment = {
  ...catalogEntry('coprocessor-load'),
  cells: networkSpecs,
  async analyse(ctx, get) {
    const binRows: Record<string, number | string>[] = [];
    const pointRows: Record<string, number | string>[] = [];
    const measured: string[] = [];
    const tables: string[] = [];
    for (const pop of ctx.populations) {
      const runs = networkRuns(ctx, pop, get);
      const merged = Array.from({ length: LOAD_BINS }, (_, b) => mergeBins(runs.map((r) => r.loadBins[b])));
      const stats = merged.map((b, i) => binStats(b, i / LOAD_BINS, (i + 1) / LOAD_BINS));
      for (const s of stats) {
        binRows.push({
          population: pop.label,
          load_lo: s.lo,
          load_hi: s.hi,
          load_mid: (s.lo + s.hi) / 2,
          n: s.n,
          mean: s.mean,
          sd: s.sd,
          cv: s.cv,
          p10: s.p10,
          median: s.p50,
          p90: s.p90,
        });
      }
      runs.forEach((r, s) => {
        for (const p of r.points)
          pointRows.push({
            population: pop.label,
            seed: ctx.seeds[s],
            load: p.load,
            profit: p.profit,
            alpha: p.alpha,
          });
      });
      tables.push(
        `**${pop.label}**\n\n${mdTable(
          ['load bin', 'samples', 'mean profit', 'sd', 'CV', 'p10', 'p90'],
          stats
            .filter((s) => s.n > 0)
            .map((s) => [
              `${fmt(s.lo, 1)}-${fmt(s.hi, 1)}`,
              s.n,
              fmt(s.mean, 2),
              fmt(s.sd, 2),
              fmt(s.cv, 2),
              fmt(s.p10, 2),
              fmt(s.p90, 2),
            ]),
        )}`,
      );
      const tr = spreadTrend(stats);
      if (!tr) {
        measured.push(
          `- ${pop.label}: fewer than two load bins hold ${MIN_BIN_SAMPLES} samples: no trend to measure.`,
        );
        continue;
      }
      const holds = tr.rhoSd > 0 && tr.high.sd > tr.low.sd;
      measured.push(
        `- ${pop.label}: ${holds ? '**holds**' : '**does not hold**'} for the absolute spread: the sd of period profit goes from ${fmt(tr.low.sd, 2)} (load ${fmt(tr.low.lo, 1)}-${fmt(tr.low.hi, 1)}, n=${tr.low.n}) to ${fmt(tr.high.sd, 2)} (load ${fmt(tr.high.lo, 1)}-${fmt(tr.high.hi, 1)}, n=${tr.high.n}); Spearman(load, sd) over the ${tr.bins.length} bins with >= ${MIN_BIN_SAMPLES} samples = ${fmt(tr.rhoSd, 2)}. Relative to the mean (CV) the spread ${tr.rhoCv < 0 ? 'shrinks' : 'grows'} with load (Spearman(load, CV) = ${fmt(tr.rhoCv, 2)}, CV ${fmt(tr.low.cv, 2)} -> ${fmt(tr.high.cv, 2)}): ${tr.rhoCv < 0 ? 'more load means more tasks and more reward, and the spread grows with it, but less than proportionally' : 'the spread grows faster than the reward itself'}.`,
      );
    }
    const csvB = writeCsv(ctx, 'fig6-load-bins', binRows);
    const csvP = writeCsv(ctx, 'fig6-load-reward-points', pointRows);
    const binned = binRows.filter((r) => (r.n as number) > 0);
    const fig = await populationFigure(
      ctx,
      'fig6-load-reward',
      {
        title: {
          text: 'Fig. 6: coprocessor load vs reward',
          subtitle: `per-period samples (grey), mean (line) and p10-p90 (bars) per load bin; seeds ${ctx.seeds.join(', ')}`,
        },
        data: [
          ...pointRows.map((r) => ({ ...r, layer: 'point' })),
          ...binned.map((r) => ({ ...r, layer: 'bin' })),
        ],
      },
      {
        width: 480,
        height: 320,
        layer: [
          {
            transform: [{ filter: "datum.layer === 'point'" }],
            mark: { type: 'point', filled: true, size: 12, opacity: 0.25, color: '#888' },
            encoding: loadProfitAxes(),
          },
          {
            transform: [{ filter: "datum.layer === 'bin'" }],
            mark: { type: 'rule', color: '#e6550d', strokeWidth: 2 },
            encoding: {
              x: { field: 'load_mid', type: 'quantitative' },
              y: { field: 'p10', type: 'quantitative' },
              y2: { field: 'p90' },
            },
          },
          {
            transform: [{ filter: "datum.layer === 'bin'" }],
            mark: { type: 'line', color: '#e6550d', point: true },
            encoding: {
              x: { field: 'load_mid', type: 'quantitative' },
              y: { field: 'mean', type: 'quantitative' },
            },
          },
        ],
      },
    );
    const markdown = reportSection(ctx, {
      claims: [
        '**Paper (4.5):** the reward mechanism is generally effective, but rewards vary considerably, particularly at higher workloads.',
      ],
      figures: [fig],
      tables: tables,
      measured,
      config: networkConfigNote(ctx),
      data: `Data: \`${csvB}\` (every coprocessor-period, binned by load: n, mean and sd exact; quantiles from a ${'reservoir'} sample), \`${csvP}\` (scatter sample).`,
    });
    return { title: 'Fig. 6: coprocessor load vs reward', markdown };
  },
};
