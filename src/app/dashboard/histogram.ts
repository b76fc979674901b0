/** Histograms drawn as one-line block sparklines or short vertical bar charts. */

const BLOCKS = ' ▁▂▃▄▅▆▇█';

/** Counts of the finite `values` in `bins` equal bins over [lo, hi] (values outside are clamped). */
export function binCounts(values: ArrayLike<number>, bins: number, lo: number, hi: number): number[] {
  const counts = new Array<number>(Math.max(1, bins)).fill(0);
  const span = hi - lo || 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const b = Math.floor(((v - lo) / span) * counts.length);
    counts[Math.min(counts.length - 1, Math.max(0, b))]++;
  }
  return counts;
}

/** One character per count, scaled to the largest: `▁▃█▅`. Zero prints as a space. */
export function sparkline(values: readonly number[], max = Math.max(0, ...values)): string {
  return values
    .map((v) => {
      if (!(v > 0) || !(max > 0)) return ' ';
      return BLOCKS[Math.max(1, Math.round((v / max) * 8))];
    })
    .join('');
}

/** One character per value, scaled from the smallest (`▁`) to the largest (`█`): shows a trend. */
export function trendline(values: readonly number[]): string {
  const finite = values.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return values
    .map((v) => {
      if (!Number.isFinite(v)) return ' ';
      return BLOCKS[hi - lo > 1e-12 ? 1 + Math.round(((v - lo) / (hi - lo)) * 7) : 4];
    })
    .join('');
}

/** A vertical bar chart of `counts`, `height` rows tall, one column per count. Returns rows top first. */
export function barRows(counts: readonly number[], height: number): string[] {
  const max = Math.max(0, ...counts);
  const rows: string[] = [];
  for (let r = height - 1; r >= 0; r--) {
    rows.push(
      counts
        .map((c) => {
          if (!(max > 0) || c <= 0) return r === 0 && c > 0 ? '▁' : ' ';
          const eighths = Math.max(1, Math.round((c / max) * height * 8)) - r * 8;
          return eighths <= 0 ? ' ' : BLOCKS[Math.min(8, eighths)];
        })
        .join(''),
    );
  }
  return rows;
}

/** Mean of the finite values (NaN when there are none). */
export function finiteMean(values: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) {
      sum += values[i];
      n++;
    }
  }
  return n > 0 ? sum / n : Number.NaN;
}
