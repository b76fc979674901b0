import { describe, isArrayLike } from '../validate.ts';
import { SeededSpace } from './seeding.ts';
import type { Space, SpaceJSON } from './space.ts';

/**
 * n independent bits: Gymnasium's `spaces.MultiBinary`. Elements are Uint8Arrays
 * of 0/1. `sample(mask)` takes a Uint8Array of n entries, as in Gymnasium:
 * 0 forces the bit to 0, 1 forces it to 1, 2 leaves it random.
 */
export class MultiBinary extends SeededSpace implements Space<Uint8Array> {
  readonly type = 'MultiBinary';
  readonly shape: readonly number[];

  /**
   * @param n Number of bits (> 0).
   * @param seed Seed of the sampling generator. @default DEFAULT_SPACE_SEED (0)
   */
  constructor(
    readonly n: number,
    seed?: number,
  ) {
    super();
    if (!Number.isSafeInteger(n) || n <= 0) {
      throw new RangeError(`MultiBinary: n must be a positive integer, got ${describe(n)}.`);
    }
    this.shape = Object.freeze([n]);
    this.seed(seed);
  }

  contains(x: unknown): x is Uint8Array {
    if (!isArrayLike(x) || x.length !== this.n) return false;
    for (let i = 0; i < this.n; i++) if (x[i] !== 0 && x[i] !== 1) return false;
    return true;
  }

  sample(mask?: ArrayLike<number>): Uint8Array {
    if (mask !== undefined && (!isArrayLike(mask) || mask.length !== this.n)) {
      throw new TypeError(
        `MultiBinary.sample: the mask must be a Uint8Array of length ${this.n}, got ${describe(mask)}.`,
      );
    }
    const out = new Uint8Array(this.n);
    for (let i = 0; i < this.n; i++) {
      const m = mask === undefined ? 2 : mask[i];
      if (m !== 0 && m !== 1 && m !== 2) {
        throw new RangeError(
          `MultiBinary.sample: mask[${i}] = ${describe(m)}; use 0 (always 0), 1 (always 1) or 2 (random).`,
        );
      }
      out[i] = m === 2 ? this.generator.int(2) : m;
    }
    return out;
  }

  toJSON(): SpaceJSON {
    return { type: 'MultiBinary', n: this.n };
  }

  static fromJSON(json: SpaceJSON): MultiBinary {
    return new MultiBinary(json.n as number);
  }
}
