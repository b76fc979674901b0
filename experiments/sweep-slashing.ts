/**
 * Beyond the paper: which slashing factor and load-curve constants keep
 * integrity (few undetected shirks) while keeping operators in the network?
 * A grid over slashing factor x load-curve b x L* x seeds, reporting welfare
 * (total profit of both roles), active operators at the end and undetected
 * shirks, and the frontier between integrity and participation.
 */
import type { SummaryResult } from './lib/cells.ts';
import {
  cellSpec,
  type Experiment,
  type ExperimentContext,
  fmt,
  mdTable,
  pct,
  type Population,
  populationFigure,
  writeCsv,
} from './lib/context.ts';
import { mean } from './lib/stats.ts';
import { catalogEntry } from './catalog.ts';

/** Integrity bound: undetected shirks per task at most this. @default 0.001 (0.1% of tasks) */
export const INTEGRITY_BOUND = 0.001;
/** Participation bound: share of operators still active at the end at least this. @default 0.9 */
export const ACTIVE_BOUND = 0.9;

/**
 * The feasible region of the integrity-vs-participation charts (this one and `experiment strategic`'s): a
 * green rectangle from the chart's left edge (`floor / 2`, where a rate of 0 is drawn at `floor` on the log
 * axis) to `INTEGRITY_BOUND`, and from `ACTIVE_BOUND` to the top, as a vega-lite layer.
 */
export function feasibleRegionLayer(floor: number) {
  return {
    data: { values: [{ x: floor / 2, x2: INTEGRITY_BOUND, y: ACTIVE_BOUND, y2: 1.02 }] },
    mark: { type: 'rect' as const, color: '#31a354', opacity: 0.12 },
    encoding: {
      x: { field: 'x', type: 'quantitative' as const },
      x2: { field: 'x2' },
      y: { field: 'y', type: 'quantitative' as const },
      y2: { field: 'y2' },
    },
  };
}

export interface SweepPoint {
  population: string;
  factor: number;
  b: number;
  optimalLoad: number;
  welfare: number;
  activeShare: number;
  activeCopShare: number;
  undetectedRate: number;
  feasible: boolean;
  pareto: boolean;
}

/**
 * Mark the Pareto-efficient points of (undetected rate: lower is better,
 * active share: higher is better) within each population.
 */
export function markPareto(points: SweepPoint[]): SweepPoint[] {
  for (const p of points) {
    p.pareto = !points.some(
      (q) =>
        q !== p &&
        q.population === p.population &&
        q.undetectedRate <= p.undetectedRate &&
        q.activeShare >= p.activeShare &&
        (q.undetectedRate < p.undetectedRate || q.activeShare > p.activeShare),
    );
  }
  return points;
}

function overrides(factor: number, b: number, optimalLoad: number): Record<string, unknown> {
  return { slashing: { factor }, loadCurve: { b, optimalLoad } };
}

function grid(ctx: ExperimentContext): { factor: number; b: number; optimalLoad: number }[] {
  const g = ctx.scale.sweep;
  return g.factors.flatMap((factor) =>
    g.b.flatMap((b) => g.optimalLoad.map((optimalLoad) => ({ factor, b, optimalLoad }))),
  );
}

function specs(ctx: ExperimentContext, pop: Population) {
  return grid(ctx).flatMap((c) =>
    ctx.sweepSeeds.map((seed) => ({
      ...c,
      seed,
      spec: cellSpec(ctx, 'summary', pop, seed, overrides(c.factor, c.b, c.optimalLoad)),
    })),
  );
}

export const sweepSlashingExperiment: Experiment = {
  ...catalogEntry('sweep-slashing'),
  cells(ctx) {
    return ctx.populations.flatMap((pop) => specs(ctx, pop).map((c) => c.spec));
  },
  async analyse(ctx, get) {
    const cellRows: Record<string, number | string>[] = [];
    const points: SweepPoint[] = [];
    for (const pop of ctx.populations) {
      const all = specs(ctx, pop).map((c) => ({ ...c, r: get(c.spec) as SummaryResult }));
      for (const c of all) {
        cellRows.push({
          population: pop.label,
          factor: c.factor,
          b: c.b,
          optimal_load: c.optimalLoad,
          seed: c.seed,
          welfare: c.r.welfare,
          operator_profit: c.r.operatorProfit,
          coprocessor_profit: c.r.coprocessorProfit,
          active_operators_end: c.r.activeOperatorsEnd,
          active_coprocessors_end: c.r.activeCoprocessorsEnd,
          tasks: c.r.tasks,
          shirks: c.r.shirks,
          undetected_shirks: c.r.undetectedShirks,
          completion: c.r.completion,
        });
      }
      for (const g of grid(ctx)) {
        const runs = all
          .filter((c) => c.factor === g.factor && c.b === g.b && c.optimalLoad === g.optimalLoad)
          .map((c) => c.r);
        const tasks = runs.reduce((s, r) => s + r.tasks, 0);
        const p: SweepPoint = {
          population: pop.label,
          ...g,
          welfare: mean(runs.map((r) => r.welfare)),
          activeShare: mean(runs.map((r) => r.activeOperatorsEnd / r.nOps)),
          activeCopShare: mean(runs.map((r) => r.activeCoprocessorsEnd / r.nCops)),
          undetectedRate: runs.reduce((s, r) => s + r.undetectedShirks, 0) / Math.max(1, tasks),
          feasible: false,
          pareto: false,
        };
        p.feasible = p.undetectedRate <= INTEGRITY_BOUND && p.activeShare >= ACTIVE_BOUND;
        points.push(p);
      }
    }
    markPareto(points);
    const csvCells = writeCsv(ctx, 'sweep-slashing-cells', cellRows);
    const csv = writeCsv(
      ctx,
      'sweep-slashing',
      points.map((p) => ({
        population: p.population,
        factor: p.factor,
        b: p.b,
        optimal_load: p.optimalLoad,
        welfare_mean: p.welfare,
        active_operator_share_end: p.activeShare,
        active_coprocessor_share_end: p.activeCopShare,
        undetected_shirk_rate: p.undetectedRate,
        feasible: p.feasible ? 1 : 0,
        pareto: p.pareto ? 1 : 0,
      })),
    );
    // Log scale on the x axis: an undetected rate of 0 is drawn at a floor.
    const floor = 1e-6;
    const plot = points.map((p) => ({
      ...p,
      factor: String(p.factor),
      curve: `b=${p.b}, L*=${p.optimalLoad}`,
      rate: Math.max(floor, p.undetectedRate),
      status: p.feasible ? 'feasible' : 'not feasible',
    }));
    const factorColor = {
      field: 'factor',
      type: 'ordinal',
      title: 'slashing factor',
      sort: ctx.scale.sweep.factors.map(String),
      scale: { scheme: 'viridis' },
    };
    const figA = await populationFigure(
      ctx,
      'sweep-slashing-frontier',
      {
        title: {
          text: 'Integrity vs participation over slashing factor and load curve',
          subtitle: `green: undetected shirks <= ${pct(INTEGRITY_BOUND)} of tasks and >= ${pct(ACTIVE_BOUND, 0)} of operators active; line: Pareto frontier`,
        },
        data: plot,
      },
      {
        width: 500,
        height: 320,
        layer: [
          feasibleRegionLayer(floor),
          {
            transform: [{ filter: 'datum.pareto' }],
            mark: { type: 'line', color: '#555', strokeDash: [3, 3] },
            encoding: {
              x: { field: 'rate', type: 'quantitative' },
              y: { field: 'activeShare', type: 'quantitative' },
              order: { field: 'rate' },
            },
          },
          {
            mark: { type: 'point', filled: true, size: 70, opacity: 0.85 },
            encoding: {
              x: {
                field: 'rate',
                type: 'quantitative',
                scale: { type: 'log' },
                title: 'undetected shirks per task (log)',
              },
              y: {
                field: 'activeShare',
                type: 'quantitative',
                title: 'operators active at the end (share)',
                scale: { domain: [0, 1.02] },
              },
              color: factorColor,
              shape: { field: 'curve', type: 'nominal', title: 'load curve' },
            },
          },
        ],
      },
    );
    const figB = await populationFigure(
      ctx,
      'sweep-slashing-welfare',
      {
        title: {
          text: 'Welfare (total profit of both roles) over the grid',
          subtitle: 'check mark: feasible (integrity and participation bounds met)',
        },
        data: plot,
      },
      {
        width: 420,
        height: 260,
        layer: [
          {
            mark: { type: 'rect' },
            encoding: {
              x: {
                field: 'factor',
                type: 'ordinal',
                sort: ctx.scale.sweep.factors.map(String),
                title: 'slashing factor',
              },
              y: { field: 'curve', type: 'nominal', title: 'load curve' },
              color: {
                field: 'welfare',
                type: 'quantitative',
                title: 'welfare',
                scale: { scheme: 'blues' },
              },
            },
          },
          {
            transform: [{ filter: 'datum.feasible' }],
            mark: { type: 'text', text: '✓', fontSize: 16, color: '#d95f0e', fontWeight: 'bold' },
            encoding: {
              x: { field: 'factor', type: 'ordinal', sort: ctx.scale.sweep.factors.map(String) },
              y: { field: 'curve', type: 'nominal' },
            },
          },
        ],
      },
    );
    const sections: string[] = [];
    for (const pop of ctx.populations) {
      const pts = points.filter((p) => p.population === pop.label);
      const feas = pts.filter((p) => p.feasible).sort((a, b) => b.welfare - a.welfare);
      const best = pts.reduce((a, b) => (b.welfare > a.welfare ? b : a));
      const curves = [...new Set(pts.map((p) => `b=${p.b}, L*=${p.optimalLoad}`))];
      const perCurve = curves.map((c) => {
        const fs = pts
          .filter((p) => `b=${p.b}, L*=${p.optimalLoad}` === c && p.feasible)
          .map((p) => p.factor);
        return [c, fs.length > 0 ? fs.join(', ') : 'none'];
      });
      const byFactor = ctx.scale.sweep.factors.map((f) => {
        const fp = pts.filter((p) => p.factor === f);
        return [
          f,
          pct(mean(fp.map((p) => p.activeShare))),
          mean(fp.map((p) => p.undetectedRate)).toExponential(2),
          fmt(mean(fp.map((p) => p.welfare))),
          `${fp.filter((p) => p.feasible).length}/${fp.length}`,
        ];
      });
      sections.push(
        [
          `**${pop.label}**`,
          '',
          mdTable(
            [
              'slashing factor',
              'operators active at end',
              'undetected shirks / task',
              'welfare',
              'feasible load curves',
            ],
            byFactor,
          ),
          '',
          mdTable(['load curve', 'feasible slashing factors'], perCurve),
          '',
          feas.length > 0
            ? `Feasible settings, best welfare first: ${feas
                .slice(0, 8)
                .map(
                  (p) =>
                    `factor ${p.factor}, b=${p.b}, L*=${p.optimalLoad} (welfare ${fmt(p.welfare)}, ${pct(p.activeShare)} active, ${p.undetectedRate.toExponential(1)} undetected/task)`,
                )
                .join(
                  '; ',
                )}. The unconstrained welfare maximum is factor ${best.factor}, b=${best.b}, L*=${best.optimalLoad} (${fmt(best.welfare)}, ${best.feasible ? 'feasible' : `not feasible: ${best.undetectedRate.toExponential(1)} undetected/task, ${pct(best.activeShare)} active`}); the best feasible setting gives up ${pct(1 - feas[0].welfare / best.welfare)} of it.`
            : `No setting meets both bounds: integrity needs more slashing than participation allows at this horizon.`,
          '',
          `Pareto frontier (no other setting has fewer undetected shirks and more operators active): ${pts
            .filter((p) => p.pareto)
            .sort((a, b) => a.undetectedRate - b.undetectedRate)
            .map(
              (p) =>
                `factor ${p.factor}, b=${p.b}, L*=${p.optimalLoad}: ${p.undetectedRate.toExponential(1)} undetected/task, ${pct(p.activeShare)} active`,
            )
            .join('; ')}.`,
        ].join('\n'),
      );
    }
    const g = ctx.scale.sweep;
    const markdown = [
      `**Question (paper 6.1):** which parameters tune slashing to deter misbehaviour while keeping participation? Here a setting is *feasible* when undetected shirks stay at or under ${pct(INTEGRITY_BOUND)} of tasks and at least ${pct(ACTIVE_BOUND, 0)} of operators are still active at the end.`,
      '',
      figA,
      '',
      figB,
      '',
      ...sections,
      '',
      `Config: scenario \`${ctx.scale.scenario}\`, \`periods=${ctx.scale.periods}\`; grid slashing.factor in {${g.factors.join(', ')}} x loadCurve.b in {${g.b.join(', ')}} x loadCurve.optimalLoad in {${g.optimalLoad.join(', ')}}; seeds ${ctx.sweepSeeds.join(', ')}; policies ${ctx.populations.map((p) => p.label).join(', ')}. Welfare = total profit of operators and coprocessors over the episode (mean over seeds); the undetected rate pools seeds.`,
      `Data: \`${csv}\` (per setting), \`${csvCells}\` (per seed).`,
    ].join('\n');
    return {
      title: 'Sweep: slashing factor and load-curve constants (integrity vs participation)',
      markdown,
    };
  },
};
