/**
 * The baseline-trace cells shared by Figs. 3-9: one `network` episode per
 * population and seed at the scale's horizon and the scenario's own slashing
 * factor. Every figure experiment asks for the same cells, so `experiment
 * paper` computes them once.
 */
import { loadScenario } from '../../envs/scenarios/index.ts';
import type { CellSpec, NetworkResult } from './cells.ts';
import { cellSpec, type ExperimentContext, type Population } from './context.ts';

export function networkSpecs(ctx: ExperimentContext): CellSpec[] {
  return ctx.populations.flatMap((pop) => ctx.seeds.map((seed) => cellSpec(ctx, 'network', pop, seed)));
}

export function networkRuns(
  ctx: ExperimentContext,
  pop: Population,
  get: (spec: CellSpec) => unknown,
): NetworkResult[] {
  return ctx.seeds.map((seed) => get(cellSpec(ctx, 'network', pop, seed)) as NetworkResult);
}

/** Block means of a series, about `points` blocks (smooths per-period noise for plotting). */
export function blockMeans(series: ArrayLike<number>, points: number): { period: number; value: number }[] {
  const n = series.length;
  const size = Math.max(1, Math.ceil(n / points));
  const out: { period: number; value: number }[] = [];
  for (let s = 0; s < n; s += size) {
    let sum = 0;
    const e = Math.min(n, s + size);
    for (let t = s; t < e; t++) sum += series[t];
    out.push({ period: (s + e + 1) / 2, value: sum / (e - s) });
  }
  return out;
}

/** Provenance suffix of the network cells: the scenario's own slashing factor. */
export function networkConfigNote(ctx: ExperimentContext): string {
  const s = loadScenario(ctx.scale.scenario, { periods: ctx.scale.periods });
  return `, \`slashing.factor=${s.slashing.factor}\` (scenario default), auction \`${s.auction.mechanism}\``;
}

/** The x and y encodings of a scatter of per-period (load, profit) samples of coprocessors (Figs. 6 and 9). */
export function loadProfitAxes(): Record<'x' | 'y', Record<string, unknown>> {
  return {
    x: {
      field: 'load',
      type: 'quantitative',
      title: 'coprocessor load in the period',
      scale: { domain: [0, 1] },
    },
    y: { field: 'profit', type: 'quantitative', title: 'coprocessor profit in the period' },
  };
}
