import { describe, isArrayLike } from '../validate.ts';
import { SeededSpace } from './seeding.ts';
import type { Space, SpaceJSON } from './space.ts';

/** Element types a `Box` can hold. */
export type BoxDtype = 'float32' | 'float64' | 'int32';

/** The typed array of each dtype. */
export interface BoxArrays {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
}

/** An element of a Box: a flat typed array in row-major order (or a plain number array, when checking). */
export type BoxElement = Float32Array | Float64Array | Int32Array;

const ARRAY_OF = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
} as const;

/** Bounds in JSON: infinities are written as strings because JSON has no Infinity. */
type JsonBound = number | 'inf' | '-inf';

function boundToJSON(v: number): JsonBound {
  return v === Number.POSITIVE_INFINITY ? 'inf' : v === Number.NEGATIVE_INFINITY ? '-inf' : v;
}

function boundFromJSON(v: JsonBound): number {
  return v === 'inf' ? Number.POSITIVE_INFINITY : v === '-inf' ? Number.NEGATIVE_INFINITY : v;
}

/**
 * A (possibly unbounded) box in R^n: Gymnasium's `spaces.Box`. Elements are flat
 * typed arrays of `prod(shape)` entries in row-major order.
 *
 * `sample()` follows Gymnasium: uniform on bounded dimensions, normal on
 * unbounded ones, shifted exponential on half-bounded ones; int32 boxes draw
 * integers in [low, high].
 *
 * @example new Box(0, 1, [2, 3]) // six floats in [0, 1]
 */
export class Box<D extends BoxDtype = 'float32'> extends SeededSpace implements Space<BoxArrays[D]> {
  readonly type = 'Box';
  readonly shape: readonly number[];
  readonly dtype: D;
  /** Lower bounds, one per entry, in the Box's dtype (float64 for int32 boxes). */
  readonly low: Float32Array | Float64Array;
  /** Upper bounds, one per entry. */
  readonly high: Float32Array | Float64Array;
  /** Number of entries, `prod(shape)`. */
  readonly size: number;

  /**
   * @param low Lower bound: a number for every entry, or one per entry.
   * @param high Upper bound: a number for every entry, or one per entry.
   * @param shape Shape of an element. @default `[low.length]` when `low` or `high` is an array, else `[1]`
   * @param dtype Element type. @default 'float32'
   * @param seed Seed of the sampling generator. @default DEFAULT_SPACE_SEED (0)
   */
  constructor(
    low: number | ArrayLike<number>,
    high: number | ArrayLike<number>,
    shape?: readonly number[],
    dtype: D = 'float32' as D,
    seed?: number,
  ) {
    super();
    if (!(dtype in ARRAY_OF)) {
      throw new TypeError(`Box: unknown dtype ${describe(dtype)}; use 'float32', 'float64' or 'int32'.`);
    }
    const arrayLen =
      typeof low !== 'number' ? low.length : typeof high !== 'number' ? high.length : undefined;
    const s = shape ?? [arrayLen ?? 1];
    if (!s.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new RangeError(`Box: the shape must hold non-negative integers, got [${s}].`);
    }
    this.shape = Object.freeze([...s]);
    this.size = s.reduce((a, b) => a * b, 1);
    this.dtype = dtype;
    const Bound = dtype === 'float32' ? Float32Array : Float64Array;
    const fill = (v: number | ArrayLike<number>, name: string): Float32Array | Float64Array => {
      if (typeof v === 'number') return new Bound(this.size).fill(v);
      if (v.length !== this.size) {
        throw new RangeError(
          `Box: ${name} has ${v.length} entries but shape [${s}] needs ${this.size}. ` +
            `Pass a single number or ${this.size} numbers.`,
        );
      }
      return Bound.from(v);
    };
    this.low = fill(low, 'low');
    this.high = fill(high, 'high');
    for (let i = 0; i < this.size; i++) {
      if (Number.isNaN(this.low[i]) || Number.isNaN(this.high[i]) || this.low[i] > this.high[i]) {
        throw new RangeError(
          `Box: bound ${i} is [${this.low[i]}, ${this.high[i]}]; every low must be <= its high and neither NaN.`,
        );
      }
      if (dtype === 'int32') {
        this.low[i] = Math.ceil(this.low[i]);
        this.high[i] = Math.floor(this.high[i]);
      }
    }
    this.seed(seed);
  }

  /** True when every dimension has finite bounds on both sides. */
  isBounded(): boolean {
    for (let i = 0; i < this.size; i++) {
      if (!Number.isFinite(this.low[i]) || !Number.isFinite(this.high[i])) return false;
    }
    return true;
  }

  contains(x: unknown): x is BoxArrays[D] {
    if (!isArrayLike(x) || x.length !== this.size) return false;
    for (let i = 0; i < this.size; i++) {
      const v = x[i];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < this.low[i] || v > this.high[i]) return false;
      if (this.dtype === 'int32' && !Number.isInteger(v)) return false;
    }
    return true;
  }

  /** A random element. Box spaces take no mask. */
  sample(mask?: unknown): BoxArrays[D] {
    if (mask !== undefined) {
      throw new TypeError('Box.sample: Box spaces do not support masks; call sample() without arguments.');
    }
    const out = new ARRAY_OF[this.dtype](this.size) as BoxArrays[D];
    const rng = this.generator;
    const isInt = this.dtype === 'int32';
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i];
      const hi = isInt ? this.high[i] + 1 : this.high[i];
      const loOk = Number.isFinite(lo);
      const hiOk = Number.isFinite(hi);
      let v: number;
      if (loOk && hiOk) v = rng.uniform(lo, hi);
      else if (loOk) v = lo - Math.log(1 - rng.next());
      else if (hiOk) v = hi + Math.log(1 - rng.next());
      else v = rng.normal();
      if (isInt) v = Math.min(Math.floor(v), this.high[i]);
      out[i] = v;
      // Rounding to float32 can land just above a bound that is not a float32 number.
      if (out[i] > this.high[i]) out[i] = this.high[i];
    }
    return out;
  }

  toJSON(): SpaceJSON {
    return {
      type: 'Box',
      low: Array.from(this.low, boundToJSON),
      high: Array.from(this.high, boundToJSON),
      shape: [...this.shape],
      dtype: this.dtype,
    };
  }

  static fromJSON(json: SpaceJSON): Box<BoxDtype> {
    return new Box(
      (json.low as JsonBound[]).map(boundFromJSON),
      (json.high as JsonBound[]).map(boundFromJSON),
      json.shape as number[],
      json.dtype as BoxDtype,
    );
  }
}
