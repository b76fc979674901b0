/**
 * A bounded history of one metric for the learning curves: at most `cap`
 * points; when full, neighbouring points are averaged pairwise and each new
 * point then stands for twice as many iterations. Immutable: `pushSeries`
 * returns a new value, so the dashboard reducer stays pure.
 */
export interface Series {
  /** Completed points, each the mean of `stride` raw values. */
  readonly points: readonly number[];
  /** Raw values per point. */
  readonly stride: number;
  /** Sum and count of the raw values of the point being filled. */
  readonly pendingSum: number;
  readonly pendingN: number;
  /** Raw values pushed so far. */
  readonly count: number;
  /** Last raw value pushed (NaN before the first). */
  readonly last: number;
}

/** Longest history kept per series, in points. @default 512 */
export const SERIES_CAP = 512;

export const emptySeries: Series = {
  points: [],
  stride: 1,
  pendingSum: 0,
  pendingN: 0,
  count: 0,
  last: Number.NaN,
};

/** Append a raw value; non-finite values are ignored. */
export function pushSeries(s: Series, v: number, cap = SERIES_CAP): Series {
  if (!Number.isFinite(v)) return s;
  const pendingSum = s.pendingSum + v;
  const pendingN = s.pendingN + 1;
  const base = { count: s.count + 1, last: v };
  if (pendingN < s.stride) return { ...s, ...base, pendingSum, pendingN };
  let points = [...s.points, pendingSum / pendingN];
  let stride = s.stride;
  if (points.length > cap) {
    const halved: number[] = [];
    for (let i = 0; i + 1 < points.length; i += 2) halved.push((points[i] + points[i + 1]) / 2);
    if (points.length % 2 === 1) halved.push(points[points.length - 1]);
    points = halved;
    stride *= 2;
  }
  return { points, stride, pendingSum: 0, pendingN: 0, ...base };
}

/** The points to draw: completed points plus the mean of the partial one. */
export function seriesValues(s: Series): number[] {
  return s.pendingN > 0 ? [...s.points, s.pendingSum / s.pendingN] : [...s.points];
}
