/**
 * Figs. 8-9: the optimal load curve Lambda(L) with its constants (a, b, c, L*),
 * and coprocessor load vs reward coloured by the GAS load parameter alpha.
 */
import { loadScenario } from '../envs/scenarios/index.ts';
import { loadCurve } from '../src/sim/load-curve.ts';
import {
  type Experiment,
  figure,
  fmt,
  mdTable,
  pct,
  populationFigure,
  reportSection,
  writeCsv,
} from './lib/context.ts';
import { loadProfitAxes, networkConfigNote, networkRuns, networkSpecs } from './lib/network.ts';
import { mean, quantile, spearman } from './lib/stats.ts';
import { catalogEntry } from './catalog.ts';

/** Points of Lambda(L) on [0, 1]. */
const CURVE_POINTS = 201;

export const loadCurveExperiment: Experiment = {
  ...catalogEntry('load-curve'),
  cells: networkSpecs,
  async analyse(ctx, get) {
    const s = loadScenario(ctx.scale.scenario, { periods: ctx.scale.periods });
    const lc = s.loadCurve;
    const curve = Array.from({ length: CURVE_POINTS }, (_, i) => {
      const L = i / (CURVE_POINTS - 1);
      return {
        load: L,
        lambda: loadCurve(L, lc),
        piece: L <= lc.optimalLoad ? 'bonus (L <= L*)' : 'amplified slashing (L > L*)',
      };
    });
    const csvC = writeCsv(ctx, 'fig8-load-curve', curve);
    const consts = `a=${lc.a}, b=${lc.b}, c=${lc.c}, L*=${lc.optimalLoad}`;
    const fig8 = await figure(ctx, 'fig8-load-curve', {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: 'Fig. 8: economic-incentive optimal load curve',
        subtitle: `Lambda(L) = a(1 - L/L*) for L <= L*, -b((L - L*)/(1 - L*))^c above; ${consts}`,
      },
      width: 480,
      height: 280,
      layer: [
        {
          data: { values: curve },
          mark: { type: 'line', strokeWidth: 2.5 },
          encoding: {
            x: { field: 'load', type: 'quantitative', title: 'load L' },
            y: { field: 'lambda', type: 'quantitative', title: 'Lambda(L)' },
            color: {
              field: 'piece',
              type: 'nominal',
              title: null,
              legend: { labelLimit: 300, orient: 'bottom-left' },
              scale: {
                domain: ['bonus (L <= L*)', 'amplified slashing (L > L*)'],
                range: ['#31a354', '#de2d26'],
              },
            },
          },
        },
        {
          data: { values: [{ y: 0 }] },
          mark: { type: 'rule', color: '#999' },
          encoding: { y: { field: 'y', type: 'quantitative' } },
        },
        {
          data: { values: [{ x: lc.optimalLoad, label: `L* = ${lc.optimalLoad}` }] },
          layer: [
            {
              mark: { type: 'rule', strokeDash: [4, 4], color: '#555' },
              encoding: { x: { field: 'x', type: 'quantitative' } },
            },
            {
              mark: { type: 'text', align: 'left', dx: 4, dy: -6, fontSize: 12 },
              encoding: {
                x: { field: 'x', type: 'quantitative' },
                y: { datum: lc.a },
                text: { field: 'label' },
              },
            },
          ],
        },
      ],
    } as never);

    const rows: Record<string, number | string>[] = [];
    const measured: string[] = [];
    const table: (string | number)[][] = [];
    for (const pop of ctx.populations) {
      const runs = networkRuns(ctx, pop, get);
      const pts = runs.flatMap((r, i) => r.points.map((p) => ({ ...p, seed: ctx.seeds[i] })));
      for (const p of pts)
        rows.push({
          population: pop.label,
          seed: p.seed,
          load: p.load,
          profit: p.profit,
          alpha: p.alpha,
          lambda_alpha: loadCurve(p.alpha, lc),
        });
      const alphas = pts.map((p) => p.alpha);
      const below = pts.filter((p) => p.alpha <= lc.optimalLoad);
      const above = pts.filter((p) => p.alpha > lc.optimalLoad);
      const overLoad = pts.filter((p) => p.load > lc.optimalLoad).length / Math.max(1, pts.length);
      const rhoAlpha = spearman(
        pts.map((p) => p.alpha),
        pts.map((p) => p.profit),
      );
      const rhoLoad = spearman(
        pts.map((p) => p.load),
        pts.map((p) => p.profit),
      );
      const rhoAL = spearman(
        pts.map((p) => p.load),
        pts.map((p) => p.alpha),
      );
      const mp = (xs: typeof pts) => (xs.length > 0 ? fmt(mean(xs.map((p) => p.profit)), 2) : 'n/a');
      table.push([
        pop.label,
        fmt(mean(alphas)),
        `${fmt(quantile(alphas, 0.1))}-${fmt(quantile(alphas, 0.9))}`,
        pct(above.length / Math.max(1, pts.length)),
        pct(overLoad),
        mp(below),
        mp(above),
      ]);
      measured.push(
        `- ${pop.label}: alpha tracks load (Spearman(load, alpha) = ${fmt(rhoAL, 2)}) and both go with reward (Spearman(load, profit) = ${fmt(rhoLoad, 2)}, Spearman(alpha, profit) = ${fmt(rhoAlpha, 2)}); ${pct(above.length / Math.max(1, pts.length))} of coprocessor-periods have alpha above L* (where slashes are amplified) and ${pct(overLoad)} a raw load above L*. Mean period profit ${mp(below)} with alpha <= L* vs ${mp(above)} above.`,
      );
    }
    const csvP = writeCsv(ctx, 'fig9-load-reward-alpha', rows);
    const fig9 = await populationFigure(
      ctx,
      'fig9-load-reward-alpha',
      {
        title: {
          text: 'Fig. 9: coprocessor load vs reward, coloured by alpha',
          subtitle: `per-period samples, seeds ${ctx.seeds.join(', ')}; dashed: L* = ${lc.optimalLoad}`,
        },
        data: rows,
      },
      {
        width: 480,
        height: 320,
        layer: [
          {
            mark: { type: 'point', filled: true, size: 16, opacity: 0.6 },
            encoding: {
              ...loadProfitAxes(),
              color: {
                field: 'alpha',
                type: 'quantitative',
                title: 'alpha (GAS load)',
                scale: { scheme: 'plasma' },
              },
            },
          },
          {
            mark: { type: 'rule', strokeDash: [4, 4], color: '#555' },
            encoding: { x: { datum: lc.optimalLoad } },
          },
        ],
      },
    );
    const markdown = reportSection(ctx, {
      claims: [
        "**Paper (5.1-5.2):** a piecewise optimal load curve rewards unloaded uptime below the optimal load and amplifies slashing above it; the GAS load parameter alpha adapts to load without overreacting to spikes; the load-vs-reward-and-alpha scatter shows the balance between load management and incentives. (The curve's formula was lost from the paper's text; ours is in docs/MODEL.md, section The optimal load curve.)",
      ],
      figures: [fig8, fig9],
      tables: [
        `Constants: ${consts}; bonus paid per period = bonusScale x capacity x max(0, Lambda(alpha)) with bonusScale=${lc.bonusScale}; slash amplifier m(L) = 1 + max(0, -Lambda(L)), so m(1) = ${fmt(1 + lc.b)}.`,
        mdTable(
          [
            'population',
            'mean alpha',
            'alpha p10-p90',
            'alpha > L*',
            'load > L*',
            'mean profit (alpha <= L*)',
            'mean profit (alpha > L*)',
          ],
          table,
        ),
      ],
      measuredNote: 'descriptive; the paper states no number',
      measured,
      config: networkConfigNote(ctx),
      data: `Data: \`${csvC}\` (the curve), \`${csvP}\` (scatter sample with alpha and Lambda(alpha)).`,
    });
    return { title: 'Figs. 8-9: the load curve, and load vs reward by alpha', markdown };
  },
};
