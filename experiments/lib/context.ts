/**
 * What every experiment receives: the scale (scenario, horizon, seeds, sweep
 * grid), the populations to compare, and the output folder; and what it gives
 * back: a report section.
 */
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { CsvTable } from '../../src/sim/csv.ts';
import { BASELINE_POPULATION, type CellKind, type CellResult, type CellSpec } from './cells.ts';
import { writeFigure } from './render.ts';

/** The paper's slashing factors (Fig. 2). */
export const SLASHING_FACTORS = [0, 0.1, 0.25, 0.5, 1, 2, 4] as const;

export interface Scale {
  name: ScaleName;
  /** Scenario every experiment starts from. */
  scenario: string;
  /** Horizon in periods. */
  periods: number;
  /** Seeds per configuration (seeds 1..n). */
  seeds: number;
  /** The sweep-slashing grid. */
  sweep: { factors: readonly number[]; b: readonly number[]; optimalLoad: readonly number[]; seeds: number };
  /** One line for the report. */
  description: string;
}

export type ScaleName = 'quick' | 'paper';

/**
 * `paper`: the paper's setup (100 operators, 100 coprocessors, 1000 periods,
 * about 1000 tasks per period), 5 seeds; sweep over 10 slashing factors (dense
 * between 1 and 2, where integrity and participation trade off) x b in {1, 4}
 * x L* in {0.6, 0.7, 0.8}, 3 seeds.
 * `quick`: the same network for 300 periods with 2 seeds, and a 6 x 2 x 2 sweep
 * with 1 seed: the same mechanisms, shorter horizon (slow ejections at
 * moderate slashing have less time to show).
 */
export const SCALES: Record<ScaleName, Scale> = {
  paper: {
    name: 'paper',
    scenario: 'paper',
    periods: 1000,
    seeds: 5,
    sweep: {
      factors: [0, 0.25, 0.5, 1, 1.25, 1.5, 1.75, 2, 3, 4],
      b: [1, 4],
      optimalLoad: [0.6, 0.7, 0.8],
      seeds: 3,
    },
    description: 'paper scenario (100 operators, 100 coprocessors, ~1000 tasks/period), 1000 periods',
  },
  quick: {
    name: 'quick',
    scenario: 'paper',
    periods: 300,
    seeds: 2,
    sweep: { factors: [0, 0.5, 1, 1.5, 2, 4], b: [1, 4], optimalLoad: [0.6, 0.8], seeds: 1 },
    description: 'paper scenario (100 operators, 100 coprocessors, ~1000 tasks/period), 300 periods',
  },
};

/** A population of policies in the comparison: the fixed baseline, or the learned policies of a run. */
export interface Population {
  /** `paper-heuristic` or `learned`. */
  label: string;
  /** Run directory (learned only). */
  runDir?: string;
}

export interface ExperimentContext {
  scale: Scale;
  /** Seeds of the figure experiments (and of the sweep when --seeds is given). */
  seeds: number[];
  /** Seeds of the sweep grid. */
  sweepSeeds: number[];
  /** This experiment's output folder. */
  out: string;
  populations: Population[];
}

/** A report section: markdown with the paper's claim, the measurement and the verdict. */
export interface Section {
  title: string;
  markdown: string;
}

export interface Experiment {
  name: string;
  /** Which figures of the paper, e.g. `Fig. 2` (or `beyond the paper`). */
  figures: string;
  /** One line for `--help` and the report. */
  summary: string;
  /** Every cell the experiment needs. */
  cells(ctx: ExperimentContext): CellSpec[];
  /** Turn the cell results into CSV files, figures and a report section. */
  analyse(ctx: ExperimentContext, get: (spec: CellSpec) => CellResult): Promise<Section>;
}

/** The spec of a cell of this scale: scenario, horizon, extra overrides. */
export function cellSpec(
  ctx: ExperimentContext,
  kind: CellKind,
  pop: Population,
  seed: number,
  overrides: Record<string, unknown> = {},
): CellSpec {
  return {
    kind,
    scenario: ctx.scale.scenario,
    overrides: { periods: ctx.scale.periods, ...overrides },
    seed,
    population: pop.label,
    ...(pop.runDir ? { policies: pop.runDir } : {}),
  };
}

/** True when the baseline is the only population (figures need no facets). */
export function baselineOnly(ctx: ExperimentContext): boolean {
  return ctx.populations.length === 1 && ctx.populations[0].label === BASELINE_POPULATION;
}

/** Write rows as `<out>/<name>.csv`; returns the file name. */
export function writeCsv(
  ctx: Pick<ExperimentContext, 'out'>,
  name: string,
  rows: Record<string, number | string>[],
): string {
  const t = new CsvTable();
  for (const r of rows) t.push(r);
  t.write(join(ctx.out, `${name}.csv`));
  return `${name}.csv`;
}

/** Render a figure to `<out>/<name>.svg` and `.png`; returns the markdown that shows it. */
export async function figure(
  ctx: Pick<ExperimentContext, 'out'>,
  name: string,
  spec: TopLevelSpec,
): Promise<string> {
  await writeFigure(join(ctx.out, name), spec);
  return `![${name}](${name}.png) ([SVG](${name}.svg))`;
}

/**
 * A vega-lite spec with one column per population when learned policies are
 * compared (`inner` holds width, height and layer or mark/encoding).
 */
export function byPopulation(
  ctx: ExperimentContext,
  base: { title: unknown; data: unknown[] },
  inner: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): TopLevelSpec {
  const head = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: base.title };
  if (baselineOnly(ctx))
    return { ...head, data: { values: base.data }, ...inner, ...extra } as unknown as TopLevelSpec;
  return {
    ...head,
    data: { values: base.data },
    facet: {
      column: {
        field: 'population',
        type: 'nominal',
        title: null,
        sort: ctx.populations.map((p) => p.label),
      },
    },
    spec: inner,
    ...extra,
  } as unknown as TopLevelSpec;
}

/** Render a figure with one column per population (`byPopulation`); returns the markdown that shows it. */
export function populationFigure(
  ctx: ExperimentContext,
  name: string,
  base: { title: unknown; data: unknown[] },
  inner: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<string> {
  return figure(ctx, name, byPopulation(ctx, base, inner, extra));
}

/** Format a number for the report. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && a < 10 ** -digits) return x.toExponential(2);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  return Number(x.toFixed(digits)).toString();
}

/** Percent with one decimal. */
export function pct(x: number, digits = 1): string {
  return `${(100 * x).toFixed(digits)}%`;
}

/** A markdown table. */
export function mdTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** What a report section is made of, in order. */
export interface ReportSection {
  /** The paper's claims (or the question), one line each. */
  claims: string[];
  figures: string[];
  /** Markdown blocks after the figures: tables, or a paragraph such as the constants used. @default [] */
  tables?: string[];
  /** What kind of measurement it is, e.g. `descriptive`, shown after **Measured**. @default none */
  measuredNote?: string;
  measured: string[];
  /** What the experiment sets beyond the scale, for the provenance line (see `provenance`). @default '' */
  config?: string;
  /** The data files line. */
  data: string;
}

/** The Markdown of one experiment's section: claims, figures, tables, what was measured, where it came from. */
export function reportSection(ctx: ExperimentContext, s: ReportSection): string {
  return [
    ...s.claims,
    '',
    ...s.figures.flatMap((f) => [f, '']),
    ...(s.tables ?? []).map((t) => `${t}\n`),
    s.measuredNote === undefined ? '**Measured:**' : `**Measured** (${s.measuredNote}):`,
    '',
    ...s.measured,
    '',
    provenance(ctx, s.config),
    s.data,
  ].join('\n');
}

/** The provenance line of a section: scenario, horizon, seeds, populations. */
export function provenance(ctx: ExperimentContext, extra = ''): string {
  const pops = ctx.populations.map((p) => (p.runDir ? `${p.label} (${p.runDir})` : p.label)).join(', ');
  return (
    `Config: scenario \`${ctx.scale.scenario}\`, \`periods=${ctx.scale.periods}\`${extra}; ` +
    `seeds ${ctx.seeds.join(', ')}; policies ${pops}.`
  );
}
