import { describe, expect, it } from 'vitest';
import {
  aggregateIqm,
  aggregateMean,
  intervalsOverlap,
  iqm,
  percentileSorted,
  stratifiedBootstrapCis,
  summarize,
  trimMean,
} from '../experiments/eval/stats.ts';
import { Rng } from '../src/core/rng.ts';

describe('aggregates', () => {
  it('IQM follows scipy.stats.trim_mean(x, 0.25): floor(0.25 n) cut from each end', () => {
    // n = 10: cut 2 from each end of the sorted values -> mean(2..7) = 4.5 (the outlier 100 is cut).
    expect(iqm([0, 1, 2, 3, 4, 5, 6, 7, 8, 100])).toBe(4.5);
    // n = 9: cut floor(2.25) = 2 -> mean(3, 4, 6, 7, 8) = 5.6.
    expect(iqm([9, 1, 8, 2, 7, 3, 6, 4, 100])).toBeCloseTo(5.6, 12);
    // n = 3: nothing cut, the mean.
    expect(iqm([1, 2, 6])).toBe(3);
    // n = 4: cut 1 from each end.
    expect(iqm([10, -50, 20, 1000])).toBe(15);
    expect(trimMean([1, 2, 3, 4, 5], 0)).toBe(3);
    expect(() => trimMean([1], 0.5)).toThrow(/\[0, 0.5\)/);
  });

  it('aggregate mean is the mean over tasks of per-task means; IQM pools every score', () => {
    // runs x tasks
    const scores = [
      [1, 10],
      [3, 30],
      [5, 50],
      [7, 1000],
    ];
    expect(aggregateMean(scores)).toBe((4 + 272.5) / 2);
    // pooled: 1 3 5 7 10 30 50 1000 -> cut 2 each end -> mean(5, 7, 10, 30) = 13
    expect(aggregateIqm(scores)).toBe(13);
    expect(() => aggregateMean([[1, 2], [3]])).toThrow(/ragged/);
    expect(() => aggregateMean([])).toThrow(/no runs/);
  });

  it('percentiles interpolate linearly like numpy', () => {
    const xs = [1, 2, 3, 4];
    expect(percentileSorted(xs, 0)).toBe(1);
    expect(percentileSorted(xs, 100)).toBe(4);
    expect(percentileSorted(xs, 50)).toBe(2.5);
    expect(percentileSorted(xs, 2.5)).toBeCloseTo(1.075, 12);
    expect(percentileSorted(xs, 97.5)).toBeCloseTo(3.925, 12);
  });
});

describe('stratified bootstrap', () => {
  it('the interval of a constant sample is a point', () => {
    const s = summarize([[0.1], [0.1], [0.1], [0.1], [0.1]], { reps: 300 });
    expect(s.meanCi[0]).toBe(s.mean);
    expect(s.meanCi[1]).toBe(s.mean);
    expect(s.iqmCi).toEqual([s.iqm, s.iqm]);
  });

  it('resamples runs within each task: constant tasks give a point interval even when tasks differ', () => {
    // A pooled (unstratified) bootstrap would mix 0s and 100s and give a wide interval.
    const scores = [
      [0, 100],
      [0, 100],
      [0, 100],
    ];
    const [ci] = stratifiedBootstrapCis(scores, [aggregateMean], { reps: 500 });
    expect(ci).toEqual([50, 50]);
  });

  it('is reproducible from its seed', () => {
    const rng = new Rng(3);
    const scores = Array.from({ length: 12 }, () => [rng.normal(), rng.normal(5, 2)]);
    const a = stratifiedBootstrapCis(scores, [aggregateMean, aggregateIqm], { reps: 400, seed: 7 });
    const b = stratifiedBootstrapCis(scores, [aggregateMean, aggregateIqm], { reps: 400, seed: 7 });
    const c = stratifiedBootstrapCis(scores, [aggregateMean, aggregateIqm], { reps: 400, seed: 8 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('the 95% interval of the mean covers the true mean about 95% of the time on normal samples', () => {
    const rng = new Rng(11);
    const trials = 200;
    let covered = 0;
    let width = 0;
    for (let t = 0; t < trials; t++) {
      const scores = Array.from({ length: 30 }, () => [rng.normal(2, 1)]);
      const [ci] = stratifiedBootstrapCis(scores, [aggregateMean], { reps: 400, seed: t });
      if (ci[0] <= 2 && 2 <= ci[1]) covered++;
      width += ci[1] - ci[0];
    }
    const coverage = covered / trials;
    expect(coverage).toBeGreaterThan(0.88);
    expect(coverage).toBeLessThan(0.99);
    // Width near 2 * 1.96 / sqrt(30) = 0.716.
    expect(width / trials).toBeGreaterThan(0.6);
    expect(width / trials).toBeLessThan(0.8);
  });

  it('rejects bad settings and tells overlap of intervals', () => {
    expect(() => stratifiedBootstrapCis([[1]], [aggregateMean], { reps: 0 })).toThrow(/reps/);
    expect(() => stratifiedBootstrapCis([[1]], [aggregateMean], { confidence: 1 })).toThrow(/confidence/);
    expect(intervalsOverlap([0, 1], [1, 2])).toBe(true);
    expect(intervalsOverlap([0, 1], [1.5, 2])).toBe(false);
  });
});
