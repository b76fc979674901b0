import { RunningMeanStd, type RunningMeanStdJSON } from '../running-stats.ts';

/** Options of `BatchObsNormalizer`. */
export interface BatchObsNormalizerOptions {
  /**
   * Added to the variance before the square root.
   * @default 1e-8
   */
  epsilon?: number;
  /**
   * Normalised values are clipped to [-clip, clip] (SB3's VecNormalize uses 10).
   * @default Infinity
   */
  clip?: number;
  /**
   * Initial pseudo-count of the running statistics (see `RunningMeanStd`).
   * @default 1e-4
   */
  initialCount?: number;
}

/** Checkpoint form of a `BatchObsNormalizer`. */
export interface BatchObsNormalizerJSON {
  rms: RunningMeanStdJSON;
  epsilon: number;
  clip: number | null;
  frozen: boolean;
}

/**
 * Observation normaliser for batches of shape [n, dim] (a role's Float32Array
 * in the batched view): updates running statistics with the live rows, then
 * returns `(obs - mean) / sqrt(var + epsilon)`, clipped. Set `frozen` for
 * evaluation; checkpoint with `toJSON()` / `BatchObsNormalizer.fromJSON()`.
 */
export class BatchObsNormalizer {
  readonly rms: RunningMeanStd;
  readonly epsilon: number;
  readonly clip: number;
  /** When true, `normalize` leaves the statistics unchanged. */
  frozen = false;

  constructor(
    readonly dim: number,
    options: BatchObsNormalizerOptions = {},
  ) {
    this.rms = new RunningMeanStd(dim, { epsilon: options.initialCount ?? 1e-4 });
    this.epsilon = options.epsilon ?? 1e-8;
    this.clip = options.clip ?? Number.POSITIVE_INFINITY;
    if (!(this.clip > 0)) throw new RangeError(`BatchObsNormalizer: clip must be > 0, got ${this.clip}.`);
  }

  /**
   * Normalise `batch` (`n * dim` entries). Unless frozen, first add its rows
   * to the statistics; `mask` (1 = live slot) limits that update to live rows.
   * Writes into `out` when given (may be `batch` itself).
   */
  normalize(batch: Float32Array, mask?: ArrayLike<number>, out?: Float32Array): Float32Array {
    if (batch.length % this.dim !== 0) {
      throw new RangeError(
        `BatchObsNormalizer: the batch has ${batch.length} entries, not a multiple of dim ${this.dim}.`,
      );
    }
    const rows = batch.length / this.dim;
    if (mask && mask.length !== rows) {
      throw new RangeError(`BatchObsNormalizer: the mask has ${mask.length} entries for ${rows} rows.`);
    }
    if (!this.frozen) this.rms.update(batch, rows, mask);
    return this.rms.normalize(batch, out ?? new Float32Array(batch.length), this.epsilon, this.clip);
  }

  toJSON(): BatchObsNormalizerJSON {
    return {
      rms: this.rms.toJSON(),
      epsilon: this.epsilon,
      clip: Number.isFinite(this.clip) ? this.clip : null,
      frozen: this.frozen,
    };
  }

  static fromJSON(json: BatchObsNormalizerJSON): BatchObsNormalizer {
    const rms = RunningMeanStd.fromJSON(json.rms);
    const n = new BatchObsNormalizer(rms.dim, { epsilon: json.epsilon, clip: json.clip ?? undefined });
    n.rms.mean.set(rms.mean);
    n.rms.var.set(rms.var);
    n.rms.count = rms.count;
    n.frozen = json.frozen;
    return n;
  }
}
