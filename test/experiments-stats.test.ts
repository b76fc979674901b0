import { describe, expect, it } from 'vitest';
import { spreadTrend } from '../experiments/coprocessor-load.ts';
import { blockMeans } from '../experiments/lib/network.ts';
import {
  binIndex,
  binPeriods,
  binStats,
  loadBins,
  mergeBins,
  newBin,
  quantileBand,
  quantileSorted,
  reservoirAdd,
  seedBand,
  seriesBand,
  spearman,
  tCritical95,
  thinIndices,
  windowMean,
} from '../experiments/lib/stats.ts';
import { convergenceWindow } from '../experiments/reward-distribution.ts';
import { markPareto, type SweepPoint } from '../experiments/sweep-slashing.ts';
import { flowGraph } from '../experiments/task-flow.ts';
import { Rng } from '../src/core/rng.ts';

describe('quantiles', () => {
  it('interpolates linearly between order statistics (numpy default)', () => {
    const xs = [1, 2, 3, 4, 5];
    expect(quantileSorted(xs, 0)).toBe(1);
    expect(quantileSorted(xs, 0.1)).toBeCloseTo(1.4, 12);
    expect(quantileSorted(xs, 0.5)).toBe(3);
    expect(quantileSorted(xs, 0.9)).toBeCloseTo(4.6, 12);
    expect(quantileSorted(xs, 1)).toBe(5);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });

  it('gives the p10/p25/median/p75/p90 band of unsorted values', () => {
    const b = quantileBand([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]);
    expect(b.p10).toBeCloseTo(1.9, 12);
    expect(b.p25).toBeCloseTo(3.25, 12);
    expect(b.p50).toBeCloseTo(5.5, 12);
    expect(b.p75).toBeCloseTo(7.75, 12);
    expect(b.p90).toBeCloseTo(9.1, 12);
  });
});

describe('bands over seeds', () => {
  it('mean, min, max and the 95% t interval', () => {
    const b = seedBand([1, 2, 3]);
    expect(b.mean).toBe(2);
    expect(b.min).toBe(1);
    expect(b.max).toBe(3);
    const half = 4.303 / Math.sqrt(3);
    expect(b.ciLo).toBeCloseTo(2 - half, 10);
    expect(b.ciHi).toBeCloseTo(2 + half, 10);
    expect(seedBand([7]).ciLo).toBe(7);
    expect(tCritical95(1)).toBe(12.706);
    expect(tCritical95(100)).toBe(1.96);
  });

  it('summarises each period across series', () => {
    const band = seriesBand([
      [1, 10],
      [3, 20],
    ]);
    expect(band.map((b) => b.mean)).toEqual([2, 15]);
    expect(band.map((b) => b.max)).toEqual([3, 20]);
  });
});

describe('load bins', () => {
  it('bins x on [0, 1] (1 and above in the last bin, 0 and below in the first)', () => {
    expect(binIndex(0, 10)).toBe(0);
    expect(binIndex(-0.2, 10)).toBe(0);
    expect(binIndex(0.1, 10)).toBe(1);
    expect(binIndex(0.999, 10)).toBe(9);
    expect(binIndex(1, 10)).toBe(9);
    expect(binIndex(1.7, 10)).toBe(9);
  });

  it('summarises y per load bin: count, mean, sd, quantiles', () => {
    const bins = loadBins([0.05, 0.15, 0.95, 1.0, 0.12], [1, 2, 3, 5, 4], 10);
    expect(bins.map((b) => b.n)).toEqual([1, 2, 0, 0, 0, 0, 0, 0, 0, 2]);
    expect(bins[1].mean).toBe(3);
    expect(bins[1].sd).toBeCloseTo(1, 12);
    expect(bins[9].mean).toBe(4);
    expect(bins[9].p50).toBe(4);
    expect(bins[9].lo).toBeCloseTo(0.9, 12);
    expect(bins[2].mean).toBeNaN();
  });

  it('merges running sums exactly across seeds', () => {
    const rng = new Rng(1);
    const a = newBin();
    const b = newBin();
    for (const v of [1, 2, 3]) binAddExact(a, v, rng);
    for (const v of [4, 5]) binAddExact(b, v, rng);
    const m = binStats(mergeBins([a, b]), 0, 1);
    expect(m.n).toBe(5);
    expect(m.mean).toBe(3);
    expect(m.sd).toBeCloseTo(Math.sqrt(2), 12);
    expect(m.p50).toBe(3);
  });

  it('finds a spread that grows with load, and its CV trend', () => {
    const bins = loadBins(
      [0.05, 0.05, 0.05, 0.55, 0.55, 0.55, 0.95, 0.95, 0.95],
      [9, 10, 11, 18, 20, 22, 25, 30, 35],
      10,
    );
    const tr = spreadTrend(bins, 3)!;
    expect(tr.bins.length).toBe(3);
    expect(tr.rhoSd).toBe(1);
    expect(tr.low.sd).toBeLessThan(tr.high.sd);
    expect(spreadTrend(bins, 4)).toBeUndefined();
  });
});

function binAddExact(bin: ReturnType<typeof newBin>, v: number, rng: Rng): void {
  bin.n++;
  bin.sum += v;
  bin.sumSq += v * v;
  reservoirAdd(bin.sample, bin.n, v, 100, rng);
}

describe('period bins, windows, thinning', () => {
  it('sums a rows x periods matrix into period bins (last bin shorter)', () => {
    // two coprocessors, five periods
    const m = [1, 2, 3, 4, 5, 10, 20, 30, 40, 50];
    expect(binPeriods(m, 2, 5, 2)).toEqual([
      [3, 7, 5],
      [30, 70, 50],
    ]);
  });

  it('block means carry the block centre period (1-based)', () => {
    expect(blockMeans([1, 2, 3, 4, 5], 2)).toEqual([
      { period: 2, value: 2 },
      { period: 4.5, value: 4.5 },
    ]);
  });

  it('window means skip non-finite values', () => {
    expect(windowMean([1, Number.NaN, 3, 10], 0, 3)).toBe(2);
  });

  it('thins to evenly spaced indices keeping both ends', () => {
    expect(thinIndices(10, 4)).toEqual([0, 3, 6, 9]);
    expect(thinIndices(3, 10)).toEqual([0, 1, 2]);
  });

  it('compares whole demand seasons when the horizon holds three', () => {
    expect(convergenceWindow(1000, 100)).toBe(100);
    expect(convergenceWindow(300, 100)).toBe(100);
    expect(convergenceWindow(200, 100)).toBe(20);
  });
});

describe('reservoir sampling', () => {
  it('keeps at most `capacity` items, each item about equally likely', () => {
    const rng = new Rng(7);
    const hits = new Array<number>(10).fill(0);
    for (let rep = 0; rep < 2000; rep++) {
      const sample: number[] = [];
      for (let i = 0; i < 10; i++) reservoirAdd(sample, i + 1, i, 3, rng);
      expect(sample.length).toBe(3);
      for (const x of sample) hits[x]++;
    }
    // expected 600 each
    for (const h of hits) expect(Math.abs(h - 600)).toBeLessThan(90);
  });
});

describe('Spearman rank correlation', () => {
  it('is 1 for monotone, -1 for reversed, handles ties', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 45])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // ranks of [1, 1, 2] are [1.5, 1.5, 3]
    expect(spearman([1, 1, 2], [1, 2, 3])).toBeCloseTo(0.8660254, 6);
  });
});

describe('task-flow graph', () => {
  it('lays out two columns ranked by volume and sorts edges by tasks', () => {
    // operator 0 -> coprocessor 0: 3 tasks; operator 1 -> coprocessor 0: 1, -> coprocessor 1: 6
    const g = flowGraph([3, 0, 1, 6], 2, 2, [0, 1]);
    expect(g.total).toBe(10);
    expect(g.edges.map((e) => [e.op, e.cop, e.tasks])).toEqual([
      [1, 1, 6],
      [0, 0, 3],
      [1, 0, 1],
    ]);
    const op = g.nodes.filter((n) => n.role === 'operator');
    const cop = g.nodes.filter((n) => n.role === 'coprocessor');
    expect(op.map((n) => n.volume)).toEqual([3, 7]);
    expect(op.map((n) => n.y)).toEqual([0, 1]); // the busier operator on top
    expect(cop.map((n) => n.volume)).toEqual([4, 6]);
    expect(cop.map((n) => n.y)).toEqual([0, 1]);
    expect(cop[1].malicious).toBe(1);
    expect(g.edges[0]).toMatchObject({ x: 0, y: 1, x2: 1, y2: 1 });
  });
});

describe('sweep frontier', () => {
  it('marks the Pareto-efficient settings of integrity and participation per population', () => {
    const p = (population: string, undetectedRate: number, activeShare: number): SweepPoint => ({
      population,
      factor: 0,
      b: 1,
      optimalLoad: 0.7,
      welfare: 0,
      activeShare,
      activeCopShare: 1,
      undetectedRate,
      feasible: false,
      pareto: false,
    });
    const pts = markPareto([
      p('a', 0.01, 1),
      p('a', 0.001, 0.9),
      p('a', 0.002, 0.8),
      p('a', 0.0001, 0),
      p('b', 0.5, 0.1),
    ]);
    expect(pts.map((x) => x.pareto)).toEqual([true, true, false, true, true]);
  });
});
