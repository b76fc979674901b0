/**
 * Small statistics the model itself needs (the evaluation's bootstrap lives with the evaluation).
 */

/**
 * Gini coefficient of a set of amounts (0 = all equal, toward 1 = one holds all).
 * Negative amounts (losses) are shifted so the minimum is 0, the usual convention for profits.
 */
export function gini(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return 0;
  const xs = Float64Array.from(values as ArrayLike<number>).sort();
  const shift = xs[0] < 0 ? -xs[0] : 0;
  let sum = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i] + shift;
    sum += x;
    weighted += (i + 1) * x;
  }
  if (sum === 0) return 0;
  return (2 * weighted) / (n * sum) - (n + 1) / n;
}

/**
 * Quantile q in [0, 1] of values already sorted ascending, by linear
 * interpolation between order statistics (R type 7, numpy's default). NaN when empty.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const w = h - lo;
  return w === 0 ? sorted[lo] : sorted[lo] + w * (sorted[hi] - sorted[lo]);
}

/** Quantile q of unsorted values (copies, then sorts). */
export function quantile(values: ArrayLike<number>, q: number): number {
  return quantileSorted(Float64Array.from(values).sort(), q);
}

/** Spearman rank correlation (average ranks for ties). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ra = ranks(a);
  const rb = ranks(b);
  return pearson(ra, rb);
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

function ranks(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((p, q) => x[p] - x[q]);
  const r = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && x[idx[j + 1]] === x[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let q = i; q <= j; q++) r[idx[q]] = avg;
    i = j + 1;
  }
  return r;
}
