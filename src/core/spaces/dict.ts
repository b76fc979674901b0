import { describe } from '../validate.ts';
import { deriveSubSeeds, SeededSpace } from './seeding.ts';
import type { Space, SpaceJSON } from './space.ts';

/** The element type of a space. */
export type ElementOf<S> = S extends Space<infer T> ? T : never;

// biome-ignore lint/suspicious/noExplicitAny: a record of any spaces
export type SpaceRecord = Record<string, Space<any>>;

/** The element type of a `Dict` over the spaces `S`. */
export type DictElement<S extends SpaceRecord> = { [K in keyof S]: ElementOf<S[K]> };

/**
 * A record of named sub-spaces: Gymnasium's `spaces.Dict`. Elements are plain
 * objects with exactly the same keys. Keys are kept sorted (as Gymnasium does
 * for a plain dict), which fixes the order of `flatten` and of sub-seeds.
 *
 * Seeding: the Dict's seed (given or `DEFAULT_SPACE_SEED`) derives one
 * sub-seed per key and reseeds every child, at construction too.
 * `sample(mask)` takes an object of per-key masks.
 */
export class Dict<S extends SpaceRecord = SpaceRecord> extends SeededSpace implements Space<DictElement<S>> {
  readonly type = 'Dict';
  readonly shape = undefined;
  /** The sub-spaces, keys sorted. */
  readonly spaces: Readonly<S>;
  readonly keys: readonly (keyof S & string)[];

  /**
   * @param spaces The sub-spaces by name (at least one).
   * @param seed Seed from which every child's seed is derived. @default DEFAULT_SPACE_SEED (0)
   */
  constructor(spaces: S, seed?: number) {
    super();
    const keys = Object.keys(spaces).sort();
    if (keys.length === 0)
      throw new RangeError('Dict: give at least one sub-space, e.g. new Dict({ x: new Discrete(2) }).');
    const sorted = {} as S;
    for (const k of keys) {
      const s = spaces[k];
      if (!s || typeof s.contains !== 'function' || typeof s.sample !== 'function') {
        throw new TypeError(`Dict: the entry ${JSON.stringify(k)} is not a space, got ${describe(s)}.`);
      }
      (sorted as SpaceRecord)[k] = s;
    }
    this.spaces = Object.freeze(sorted);
    this.keys = Object.freeze(keys);
    this.seed(seed);
  }

  contains(x: unknown): x is DictElement<S> {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
    const xk = Object.keys(x);
    if (xk.length !== this.keys.length) return false;
    const rec = x as Record<string, unknown>;
    return this.keys.every((k) => k in rec && this.spaces[k].contains(rec[k]));
  }

  sample(mask?: { [K in keyof S]?: unknown }): DictElement<S> {
    if (mask !== undefined && (typeof mask !== 'object' || mask === null)) {
      throw new TypeError(`Dict.sample: the mask must be an object of per-key masks, got ${describe(mask)}.`);
    }
    const out = {} as Record<string, unknown>;
    for (const k of this.keys) out[k] = this.spaces[k].sample(mask?.[k]);
    return out as DictElement<S>;
  }

  /** Reseed: returns `[seed, ...child seeds]` (children in key order, flattened). */
  override seed(seed?: number): number[] {
    const [own] = super.seed(seed);
    const subs = deriveSubSeeds(own, this.keys.length);
    return [own, ...this.keys.flatMap((k, i) => this.spaces[k].seed(subs[i]))];
  }

  toJSON(): SpaceJSON {
    const spaces: Record<string, SpaceJSON> = {};
    for (const k of this.keys) spaces[k] = this.spaces[k].toJSON();
    return { type: 'Dict', spaces };
  }
}
