/**
 * Aggregate metrics with stratified-bootstrap confidence intervals, after
 * rliable (Agarwal et al. 2021, `rliable/metrics.py` and `library.py`).
 *
 * Scores are a `runs x tasks` matrix: `scores[n][m]` is run (seed) `n` on task
 * (scenario) `m`. Every task must have the same number of runs.
 *
 * - mean: the mean over tasks of the per-task mean over runs (`aggregate_mean`);
 * - IQM: the 25% trimmed mean of all scores pooled (`aggregate_iqm`, i.e.
 *   `scipy.stats.trim_mean(scores, 0.25, axis=None)`: `floor(0.25 * N)` values
 *   cut from each end, no fractional weighting);
 * - CIs: stratified bootstrap (`StratifiedBootstrap`): each resample draws, for
 *   every task independently, `runs` run indices with replacement; the
 *   aggregate is recomputed on the resample, and the interval is the 2.5 / 97.5
 *   percentiles of the resampled aggregates (`method='percentile'`, numpy's
 *   linear interpolation). The draws come from the project's seeded `Rng`.
 */
import { quantileSorted } from '../../src/core/stats.ts';
import { mean as ssMean } from 'simple-statistics';
import { Rng } from '../../src/core/rng.ts';

/** Scores as `runs x tasks`: `scores[run][task]`. */
export type ScoreMatrix = readonly (readonly number[])[];

/** A closed interval `[low, high]`. */
export type Interval = [number, number];

/** Mean of a non-empty list (compensated summation, via simple-statistics). */
export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new Error('mean of an empty sample: pass at least one value');
  return ssMean(values as number[]);
}

/**
 * `scipy.stats.trim_mean(values, proportion)`: sort, cut `floor(proportion * n)`
 * values from each end, average the rest.
 */
export function trimMean(values: readonly number[], proportion: number): number {
  const n = values.length;
  if (n === 0) throw new Error('trimmed mean of an empty sample: pass at least one value');
  if (!(proportion >= 0 && proportion < 0.5)) {
    throw new Error(`trim proportion must be in [0, 0.5), got ${proportion}`);
  }
  const cut = Math.floor(proportion * n);
  const sorted = Float64Array.from(values).sort();
  return mean(Array.from(sorted.subarray(cut, n - cut)));
}

/** Interquartile mean: the 25% trimmed mean. */
export function iqm(values: readonly number[]): number {
  return trimMean(values, 0.25);
}

/** `np.percentile(sorted, p)` with the default linear interpolation; `p` in [0, 100]. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new Error('percentile of an empty sample: pass at least one value');
  return quantileSorted(sorted, p / 100);
}

function checkMatrix(scores: ScoreMatrix): { runs: number; tasks: number } {
  const runs = scores.length;
  if (runs === 0) throw new Error('no runs: the score matrix needs at least one row (one seed)');
  const tasks = scores[0].length;
  if (tasks === 0) throw new Error('no tasks: the score matrix needs at least one column (one scenario)');
  for (const row of scores) {
    if (row.length !== tasks) {
      throw new Error(
        `ragged score matrix: rows have ${tasks} and ${row.length} tasks; give every task the same runs`,
      );
    }
  }
  return { runs, tasks };
}

/** rliable `aggregate_mean`: mean over tasks of the per-task mean over runs. */
export function aggregateMean(scores: ScoreMatrix): number {
  const { runs, tasks } = checkMatrix(scores);
  const perTask: number[] = [];
  for (let m = 0; m < tasks; m++) {
    const col: number[] = [];
    for (let n = 0; n < runs; n++) col.push(scores[n][m]);
    perTask.push(mean(col));
  }
  return mean(perTask);
}

/** rliable `aggregate_iqm`: the 25% trimmed mean of all scores pooled. */
export function aggregateIqm(scores: ScoreMatrix): number {
  checkMatrix(scores);
  return iqm(scores.flat());
}

export interface BootstrapOptions {
  /** Number of bootstrap resamples. @default 2000 */
  reps?: number;
  /** Coverage of the interval. @default 0.95 */
  confidence?: number;
  /** Seed of the resampling generator (the same seed gives the same intervals). @default 0 */
  seed?: number;
}

/** The defaults of `BootstrapOptions`, resolved. */
export const DEFAULT_BOOTSTRAP: Required<BootstrapOptions> = { reps: 2000, confidence: 0.95, seed: 0 };

/** An aggregate function of a score matrix, e.g. `aggregateMean`. */
export type Aggregate = (scores: ScoreMatrix) => number;

/**
 * Stratified-bootstrap percentile intervals of several aggregates, computed on
 * the same resamples (as rliable does when `func` returns an array).
 */
export function stratifiedBootstrapCis(
  scores: ScoreMatrix,
  aggregates: readonly Aggregate[],
  opts: BootstrapOptions = {},
): Interval[] {
  const { reps, confidence, seed } = { ...DEFAULT_BOOTSTRAP, ...opts };
  if (!Number.isInteger(reps) || reps < 1)
    throw new Error(`bootstrap reps must be a positive integer, got ${reps}`);
  if (!(confidence > 0 && confidence < 1)) throw new Error(`confidence must be in (0, 1), got ${confidence}`);
  const { runs, tasks } = checkMatrix(scores);
  const rng = new Rng(seed);
  const results = aggregates.map(() => new Float64Array(reps));
  const sample: number[][] = Array.from({ length: runs }, () => new Array<number>(tasks));
  for (let r = 0; r < reps; r++) {
    // Each task (stratum) resamples its runs independently.
    for (let m = 0; m < tasks; m++) {
      for (let n = 0; n < runs; n++) sample[n][m] = scores[rng.int(runs)][m];
    }
    for (let a = 0; a < aggregates.length; a++) results[a][r] = aggregates[a](sample);
  }
  const tail = (100 * (1 - confidence)) / 2;
  return results.map((res) => {
    res.sort();
    return [percentileSorted(res, tail), percentileSorted(res, 100 - tail)] as Interval;
  });
}

/** One aggregate of one metric: point estimates and their intervals. */
export interface MetricSummary {
  /** Mean over tasks of the mean over runs. */
  mean: number;
  /** 95% (by default) stratified-bootstrap interval of the mean. */
  meanCi: Interval;
  /** Interquartile mean of all runs. */
  iqm: number;
  /** Stratified-bootstrap interval of the IQM. */
  iqmCi: Interval;
}

/** Mean and IQM of a score matrix with their stratified-bootstrap intervals. */
export function summarize(scores: ScoreMatrix, opts: BootstrapOptions = {}): MetricSummary {
  const [meanCi, iqmCi] = stratifiedBootstrapCis(scores, [aggregateMean, aggregateIqm], opts);
  return { mean: aggregateMean(scores), meanCi, iqm: aggregateIqm(scores), iqmCi };
}

/** Do two closed intervals share a point? */
export function intervalsOverlap(a: Interval, b: Interval): boolean {
  return a[0] <= b[1] && b[0] <= a[1];
}
