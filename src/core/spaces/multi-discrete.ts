import { describe, isArrayLike } from '../validate.ts';
import { sampleMasked } from './discrete.ts';
import { SeededSpace } from './seeding.ts';
import type { Space, SpaceJSON } from './space.ts';

/**
 * A vector of independent discrete choices, entry i in `0..nvec[i]-1`:
 * Gymnasium's `spaces.MultiDiscrete` (flat `nvec`). Elements are Int32Arrays.
 * `sample(masks)` takes one Uint8Array mask per entry (or undefined to leave an entry free).
 */
export class MultiDiscrete extends SeededSpace implements Space<Int32Array> {
  readonly type = 'MultiDiscrete';
  readonly shape: readonly number[];
  readonly nvec: Int32Array;

  /**
   * @param nvec Number of choices of each entry (each > 0).
   * @param seed Seed of the sampling generator. @default DEFAULT_SPACE_SEED (0)
   */
  constructor(nvec: ArrayLike<number>, seed?: number) {
    super();
    const arr = Array.from(nvec);
    if (arr.length === 0 || !arr.every((v) => Number.isInteger(v) && v > 0 && v <= 0x7fffffff)) {
      throw new RangeError(
        `MultiDiscrete: nvec must be a non-empty list of positive integers, got ${describe(nvec)}.`,
      );
    }
    this.nvec = Int32Array.from(arr);
    this.shape = Object.freeze([arr.length]);
    this.seed(seed);
  }

  contains(x: unknown): x is Int32Array {
    if (!isArrayLike(x) || x.length !== this.nvec.length) return false;
    for (let i = 0; i < this.nvec.length; i++) {
      const v = x[i];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= this.nvec[i]) return false;
    }
    return true;
  }

  sample(masks?: ArrayLike<ArrayLike<number> | undefined>): Int32Array {
    if (masks !== undefined && (!isArrayLike(masks) || masks.length !== this.nvec.length)) {
      throw new TypeError(
        `MultiDiscrete.sample: pass one mask per entry (${this.nvec.length} in all), got ${describe(masks)}.`,
      );
    }
    const out = new Int32Array(this.nvec.length);
    for (let i = 0; i < out.length; i++) {
      const m = masks?.[i];
      out[i] =
        m === undefined
          ? this.generator.int(this.nvec[i])
          : sampleMasked(this.generator, m, this.nvec[i], `MultiDiscrete.sample (entry ${i})`);
    }
    return out;
  }

  toJSON(): SpaceJSON {
    return { type: 'MultiDiscrete', nvec: Array.from(this.nvec) };
  }

  static fromJSON(json: SpaceJSON): MultiDiscrete {
    return new MultiDiscrete(json.nvec as number[]);
  }
}
