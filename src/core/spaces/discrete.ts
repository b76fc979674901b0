import type { Rng } from '../rng.ts';
import { describe, isArrayLike } from '../validate.ts';
import { SeededSpace } from './seeding.ts';
import type { Space, SpaceJSON } from './space.ts';

/** Pick uniformly among the entries of `mask` that are 1; throw when there is none. */
export function sampleMasked(rng: Rng, mask: ArrayLike<number>, n: number, where: string): number {
  if (!isArrayLike(mask) || mask.length !== n) {
    throw new TypeError(`${where}: the mask must be a Uint8Array of length ${n}, got ${describe(mask)}.`);
  }
  let valid = 0;
  for (let i = 0; i < n; i++) {
    const m = mask[i];
    if (m !== 0 && m !== 1) {
      throw new RangeError(
        `${where}: mask[${i}] = ${describe(m)}; mask entries must be 0 (forbidden) or 1 (allowed).`,
      );
    }
    valid += m;
  }
  if (valid === 0) {
    throw new RangeError(
      `${where}: the mask allows no choice (all ${n} entries are 0). Allow at least one action, ` +
        'or skip the agent when it has nothing to do.',
    );
  }
  let k = rng.int(valid);
  for (let i = 0; i < n; i++) {
    if (mask[i] === 1 && k-- === 0) return i;
  }
  throw new Error('unreachable');
}

/**
 * The integers `start, ..., start + n - 1`: Gymnasium's `spaces.Discrete`.
 * `sample(mask)` takes a Uint8Array of n entries, 1 where the choice is allowed.
 */
export class Discrete extends SeededSpace implements Space<number> {
  readonly type = 'Discrete';
  readonly shape: readonly number[] = Object.freeze([]);

  /**
   * @param n Number of choices (> 0).
   * @param start Smallest element. @default 0
   * @param seed Seed of the sampling generator. @default DEFAULT_SPACE_SEED (0)
   */
  constructor(
    readonly n: number,
    readonly start = 0,
    seed?: number,
  ) {
    super();
    if (!Number.isSafeInteger(n) || n <= 0) {
      throw new RangeError(`Discrete: n must be a positive integer, got ${describe(n)}.`);
    }
    if (!Number.isSafeInteger(start)) {
      throw new RangeError(`Discrete: start must be an integer, got ${describe(start)}.`);
    }
    this.seed(seed);
  }

  contains(x: unknown): x is number {
    return typeof x === 'number' && Number.isInteger(x) && x >= this.start && x < this.start + this.n;
  }

  /** A random element; with `mask` (Uint8Array of n), only among the allowed ones. */
  sample(mask?: ArrayLike<number>): number {
    if (mask === undefined) return this.start + this.generator.int(this.n);
    return this.start + sampleMasked(this.generator, mask, this.n, 'Discrete.sample');
  }

  toJSON(): SpaceJSON {
    return { type: 'Discrete', n: this.n, start: this.start };
  }

  static fromJSON(json: SpaceJSON): Discrete {
    return new Discrete(json.n as number, (json.start as number | undefined) ?? 0);
  }
}
