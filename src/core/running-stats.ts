/**
 * Running mean and variance of a stream of vectors (Gymnasium's
 * `RunningMeanStd`): batches are merged with the parallel algorithm of Chan et
 * al. (Welford's update generalised to batches), in float64.
 */

/** Checkpoint form of a `RunningMeanStd`. */
export interface RunningMeanStdJSON {
  mean: number[];
  var: number[];
  count: number;
}

/** Options of `RunningMeanStd`. */
export interface RunningMeanStdOptions {
  /**
   * Initial (pseudo-)count, with mean 0 and variance 1, as in Gymnasium. It keeps
   * the first normalised values bounded; 0 gives the exact sample statistics.
   * @default 1e-4
   */
  epsilon?: number;
}

export class RunningMeanStd {
  /** Per-dimension mean. */
  readonly mean: Float64Array;
  /** Per-dimension population variance. */
  readonly var: Float64Array;
  /** Number of vectors seen (plus the initial `epsilon`). */
  count: number;

  constructor(
    readonly dim: number,
    options: RunningMeanStdOptions = {},
  ) {
    if (!Number.isInteger(dim) || dim <= 0)
      throw new RangeError(`RunningMeanStd: dim must be a positive integer, got ${dim}.`);
    const epsilon = options.epsilon ?? 1e-4;
    if (!(epsilon >= 0)) throw new RangeError(`RunningMeanStd: epsilon must be >= 0, got ${epsilon}.`);
    this.mean = new Float64Array(dim);
    this.var = new Float64Array(dim).fill(1);
    this.count = epsilon;
  }

  /**
   * Add `rows` vectors stored row-major in `batch` (`rows * dim` entries). With
   * `mask`, only rows whose mask entry is non-zero count.
   */
  update(batch: ArrayLike<number>, rows = batch.length / this.dim, mask?: ArrayLike<number>): void {
    const d = this.dim;
    if (!Number.isInteger(rows) || batch.length < rows * d) {
      throw new RangeError(
        `RunningMeanStd.update: the batch has ${batch.length} entries, not ${rows} rows of ${d}.`,
      );
    }
    let n = 0;
    const bMean = new Float64Array(d);
    for (let r = 0; r < rows; r++) {
      if (mask && !mask[r]) continue;
      n++;
      for (let j = 0; j < d; j++) bMean[j] += batch[r * d + j];
    }
    if (n === 0) return;
    for (let j = 0; j < d; j++) bMean[j] /= n;
    const bVar = new Float64Array(d);
    for (let r = 0; r < rows; r++) {
      if (mask && !mask[r]) continue;
      for (let j = 0; j < d; j++) {
        const e = batch[r * d + j] - bMean[j];
        bVar[j] += e * e;
      }
    }
    for (let j = 0; j < d; j++) bVar[j] /= n;
    this.updateFromMoments(bMean, bVar, n);
  }

  /** Merge the statistics of a batch of `n` vectors with mean `bMean` and population variance `bVar`. */
  updateFromMoments(bMean: ArrayLike<number>, bVar: ArrayLike<number>, n: number): void {
    const tot = this.count + n;
    for (let j = 0; j < this.dim; j++) {
      const delta = bMean[j] - this.mean[j];
      const m2 = this.var[j] * this.count + bVar[j] * n + (delta * delta * this.count * n) / tot;
      this.mean[j] += (delta * n) / tot;
      this.var[j] = m2 / tot;
    }
    this.count = tot;
  }

  /** `(x - mean) / sqrt(var + epsilon)` for every row of `x`, written into `out` (default: a new array). */
  normalize(
    x: ArrayLike<number>,
    out: Float32Array = new Float32Array(x.length),
    epsilon = 1e-8,
    clip = Number.POSITIVE_INFINITY,
  ): Float32Array {
    const d = this.dim;
    if (x.length % d !== 0)
      throw new RangeError(`RunningMeanStd.normalize: ${x.length} entries is not a multiple of dim ${d}.`);
    for (let i = 0; i < x.length; i++) {
      const j = i % d;
      const v = (x[i] - this.mean[j]) / Math.sqrt(this.var[j] + epsilon);
      out[i] = Math.min(Math.max(v, -clip), clip);
    }
    return out;
  }

  toJSON(): RunningMeanStdJSON {
    return { mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }

  static fromJSON(json: RunningMeanStdJSON): RunningMeanStd {
    if (!json || json.mean?.length !== json.var?.length || !(json.count >= 0)) {
      throw new TypeError(
        'RunningMeanStd.fromJSON: expected { mean: number[], var: number[], count } from toJSON().',
      );
    }
    const rms = new RunningMeanStd(json.mean.length, { epsilon: json.count });
    rms.mean.set(json.mean);
    rms.var.set(json.var);
    return rms;
  }
}
