import { describe } from '../validate.ts';
import type { ElementOf } from './dict.ts';
import { deriveSubSeeds, SeededSpace } from './seeding.ts';
import type { Space } from './space.ts';
import type { SpaceJSON } from './space.ts';

// biome-ignore lint/suspicious/noExplicitAny: a list of any spaces
export type SpaceList = readonly Space<any>[];

/** The element type of a `Tuple` over the spaces `S`. */
export type TupleElement<S extends SpaceList> = { -readonly [K in keyof S]: ElementOf<S[K]> };

/**
 * A fixed-length sequence of sub-spaces: Gymnasium's `spaces.Tuple`. Elements
 * are arrays. Seeding and masks work as for `Dict`, by position.
 */
export class Tuple<S extends SpaceList = SpaceList> extends SeededSpace implements Space<TupleElement<S>> {
  readonly type = 'Tuple';
  readonly shape = undefined;
  readonly spaces: S;

  /**
   * @param spaces The sub-spaces (at least one).
   * @param seed Seed from which every child's seed is derived. @default DEFAULT_SPACE_SEED (0)
   */
  constructor(spaces: S, seed?: number) {
    super();
    if (spaces.length === 0)
      throw new RangeError('Tuple: give at least one sub-space, e.g. new Tuple([new Discrete(2)]).');
    spaces.forEach((s, i) => {
      if (!s || typeof s.contains !== 'function' || typeof s.sample !== 'function') {
        throw new TypeError(`Tuple: entry ${i} is not a space, got ${describe(s)}.`);
      }
    });
    this.spaces = Object.freeze([...spaces]) as unknown as S;
    this.seed(seed);
  }

  contains(x: unknown): x is TupleElement<S> {
    return (
      Array.isArray(x) && x.length === this.spaces.length && this.spaces.every((s, i) => s.contains(x[i]))
    );
  }

  sample(mask?: readonly unknown[]): TupleElement<S> {
    if (mask !== undefined && (!Array.isArray(mask) || mask.length !== this.spaces.length)) {
      throw new TypeError(
        `Tuple.sample: pass one mask per entry (${this.spaces.length}), got ${describe(mask)}.`,
      );
    }
    return this.spaces.map((s, i) => s.sample(mask?.[i])) as TupleElement<S>;
  }

  /** Reseed: returns `[seed, ...child seeds]` (flattened). */
  override seed(seed?: number): number[] {
    const [own] = super.seed(seed);
    const subs = deriveSubSeeds(own, this.spaces.length);
    return [own, ...this.spaces.flatMap((s, i) => s.seed(subs[i]))];
  }

  toJSON(): SpaceJSON {
    return { type: 'Tuple', spaces: this.spaces.map((s) => s.toJSON()) };
  }
}
