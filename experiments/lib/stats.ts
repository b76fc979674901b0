/**
 * The numbers behind the figures: quantiles and quantile bands, bands over
 * seeds, load bins, period bins, reservoir samples. Pure functions, tested on
 * small known inputs in test/experiments-stats.test.ts.
 */
import type { Rng } from '../../src/core/rng.ts';

export { gini, pearson, spearman } from '../../src/core/stats.ts';

import { quantileSorted } from '../../src/core/stats.ts';

export { quantile, quantileSorted } from '../../src/core/stats.ts';

/** The five quantiles of a reward distribution drawn as a band. */
export interface QuantileBand {
  p10: number;
  p25: number;
  p50: number;
  p75: number;
  p90: number;
}

/** p10 / p25 / median / p75 / p90 of `values`. */
export function quantileBand(values: ArrayLike<number>): QuantileBand {
  const s = Float64Array.from(values).sort();
  return {
    p10: quantileSorted(s, 0.1),
    p25: quantileSorted(s, 0.25),
    p50: quantileSorted(s, 0.5),
    p75: quantileSorted(s, 0.75),
    p90: quantileSorted(s, 0.9),
  };
}

export function mean(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i];
  return s / n;
}

/** Sample standard deviation (n - 1); 0 for fewer than two values. */
export function sd(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return 0;
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < n; i++) s += (values[i] - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

/** Coefficient of variation sd / |mean| (population sd); 0 when the mean is 0. */
export function cv(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return 0;
  const m = mean(values);
  if (m === 0) return 0;
  let s = 0;
  for (let i = 0; i < n; i++) s += (values[i] - m) ** 2;
  return Math.sqrt(s / n) / Math.abs(m);
}

// Two-sided 95% Student-t critical values for 1..30 degrees of freedom.
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** Two-sided 95% Student-t critical value for `df` degrees of freedom (1.96 beyond 30). */
export function tCritical95(df: number): number {
  if (df < 1) return Number.NaN;
  return df <= 30 ? T95[df - 1] : 1.96;
}

/** Mean, min, max and the 95% t confidence interval of the mean over a set of runs. */
export interface SeedBand {
  n: number;
  mean: number;
  min: number;
  max: number;
  ciLo: number;
  ciHi: number;
}

/** A band as CSV columns: `<name>_mean`, `_min`, `_max`, `_ci_lo`, `_ci_hi`, in that order. */
export function bandColumns(name: string, b: SeedBand): Record<string, number> {
  return {
    [`${name}_mean`]: b.mean,
    [`${name}_min`]: b.min,
    [`${name}_max`]: b.max,
    [`${name}_ci_lo`]: b.ciLo,
    [`${name}_ci_hi`]: b.ciHi,
  };
}

/** Summarise one quantity over seeds; with one seed the CI collapses onto the value. */
export function seedBand(values: ArrayLike<number>): SeedBand {
  const n = values.length;
  if (n === 0)
    return { n, mean: Number.NaN, min: Number.NaN, max: Number.NaN, ciLo: Number.NaN, ciHi: Number.NaN };
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    if (values[i] < lo) lo = values[i];
    if (values[i] > hi) hi = values[i];
  }
  const m = mean(values);
  const half = n > 1 ? (tCritical95(n - 1) * sd(values)) / Math.sqrt(n) : 0;
  return { n, mean: m, min: lo, max: hi, ciLo: m - half, ciHi: m + half };
}

/** Per-index band over several equally long series (one series per seed). */
export function seriesBand(series: readonly ArrayLike<number>[]): SeedBand[] {
  if (series.length === 0) return [];
  const T = Math.min(...series.map((s) => s.length));
  const col = new Float64Array(series.length);
  const out: SeedBand[] = [];
  for (let t = 0; t < T; t++) {
    for (let s = 0; s < series.length; s++) col[s] = series[s][t];
    out.push(seedBand(col));
  }
  return out;
}

/** Running statistics of one load bin, mergeable over seeds, with a reservoir sample for quantiles. */
export interface BinAccumulator {
  n: number;
  sum: number;
  sumSq: number;
  /** Uniform sample of at most `capacity` values (reservoir sampling). */
  sample: number[];
}

export function newBin(): BinAccumulator {
  return { n: 0, sum: 0, sumSq: 0, sample: [] };
}

/** Reservoir sampling (algorithm R): keep a uniform sample of at most `capacity` of the items seen. */
export function reservoirAdd<T>(sample: T[], seen: number, item: T, capacity: number, rng: Rng): void {
  if (sample.length < capacity) sample.push(item);
  else {
    const r = Math.floor(rng.next() * seen);
    if (r < capacity) sample[r] = item;
  }
}

/** Add a value to a bin (`seen` is counted in the bin). */
export function binAdd(bin: BinAccumulator, value: number, capacity: number, rng: Rng): void {
  bin.n++;
  bin.sum += value;
  bin.sumSq += value * value;
  reservoirAdd(bin.sample, bin.n, value, capacity, rng);
}

/** Merge bins from several seeds (samples are concatenated). */
export function mergeBins(bins: readonly BinAccumulator[]): BinAccumulator {
  const out = newBin();
  for (const b of bins) {
    out.n += b.n;
    out.sum += b.sum;
    out.sumSq += b.sumSq;
    out.sample.push(...b.sample);
  }
  return out;
}

/** Index of the equal-width bin of [0, 1] that holds x (values at or above 1 go to the last bin). */
export function binIndex(x: number, bins: number): number {
  if (!(x > 0)) return 0;
  return Math.min(bins - 1, Math.floor(x * bins));
}

/** Summary of a bin: count, mean, sd (population, from the running sums), and sample quantiles. */
export interface BinStats {
  lo: number;
  hi: number;
  n: number;
  mean: number;
  sd: number;
  /** sd / |mean| (0 when the mean is 0). */
  cv: number;
  p10: number;
  p50: number;
  p90: number;
}

export function binStats(bin: BinAccumulator, lo: number, hi: number): BinStats {
  const n = bin.n;
  const m = n > 0 ? bin.sum / n : Number.NaN;
  const v = n > 0 ? Math.max(0, bin.sumSq / n - m * m) : Number.NaN;
  const s = Float64Array.from(bin.sample).sort();
  const sdv = Math.sqrt(v);
  return {
    lo,
    hi,
    n,
    mean: m,
    sd: sdv,
    cv: n > 0 && m !== 0 ? sdv / Math.abs(m) : 0,
    p10: quantileSorted(s, 0.1),
    p50: quantileSorted(s, 0.5),
    p90: quantileSorted(s, 0.9),
  };
}

/** Bin (x, y) pairs by x into `bins` equal bins of [0, 1] and summarise y per bin (exact quantiles). */
export function loadBins(xs: ArrayLike<number>, ys: ArrayLike<number>, bins: number): BinStats[] {
  const acc = Array.from({ length: bins }, newBin);
  for (let i = 0; i < xs.length; i++) {
    const b = acc[binIndex(xs[i], bins)];
    b.n++;
    b.sum += ys[i];
    b.sumSq += ys[i] * ys[i];
    b.sample.push(ys[i]);
  }
  return acc.map((b, i) => binStats(b, i / bins, (i + 1) / bins));
}

/**
 * Sum a (rows x periods) matrix, stored row-major, into bins of `binSize`
 * consecutive periods; the last bin may be shorter. Returns rows x ceil(periods / binSize).
 */
export function binPeriods(
  matrix: ArrayLike<number>,
  rows: number,
  periods: number,
  binSize: number,
): number[][] {
  const nb = Math.ceil(periods / binSize);
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const row = new Array<number>(nb).fill(0);
    for (let t = 0; t < periods; t++) row[Math.floor(t / binSize)] += matrix[r * periods + t];
    out.push(row);
  }
  return out;
}

/** Mean of `values` over the index window [from, to). */
export function windowMean(values: ArrayLike<number>, from: number, to: number): number {
  let s = 0;
  let n = 0;
  for (let i = Math.max(0, from); i < Math.min(values.length, to); i++) {
    if (Number.isFinite(values[i])) {
      s += values[i];
      n++;
    }
  }
  return n > 0 ? s / n : Number.NaN;
}

/** Keep about `points` evenly spaced indices of 0..n-1 (always the first and last). */
export function thinIndices(n: number, points: number): number[] {
  if (n <= points) return Array.from({ length: n }, (_, i) => i);
  const step = (n - 1) / (points - 1);
  const out = new Set<number>();
  for (let i = 0; i < points; i++) out.add(Math.round(i * step));
  return [...out].sort((a, b) => a - b);
}
