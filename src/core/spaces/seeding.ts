/**
 * Seeding rules shared by every space.
 *
 * A space that is never seeded explicitly uses `DEFAULT_SPACE_SEED`, so that
 * `sample()` is reproducible from the first call. Composite spaces (`Dict`,
 * `Tuple`) derive one sub-seed per child from their own seed, the way
 * Gymnasium does: a generator seeded with the parent seed draws integers in
 * [0, 2^31 - 1) in child order.
 */
import { Rng } from '../rng.ts';
import { assertSeed } from '../validate.ts';

/** The seed every space uses until `seed()` is called with another. */
export const DEFAULT_SPACE_SEED = 0;

/** Largest sub-seed (exclusive), Gymnasium's `np.iinfo(np.int32).max`. */
const INT32_MAX = 0x7fffffff;

/** Check a seed (undefined means `DEFAULT_SPACE_SEED`) and build its generator. */
export function seededRng(seed: number | undefined): { seed: number; rng: Rng } {
  const s = seed ?? DEFAULT_SPACE_SEED;
  assertSeed(s, 'space.seed()');
  return { seed: s, rng: new Rng(s) };
}

/** `count` sub-seeds derived deterministically from `seed`. */
export function deriveSubSeeds(seed: number, count: number): number[] {
  const rng = new Rng(`space:${seed}`);
  return Array.from({ length: count }, () => rng.int(INT32_MAX));
}

/**
 * The generator of a space and the `seed()` that resets it. Every space
 * extends this; composite spaces override `seed` to reseed their children.
 */
export abstract class SeededSpace {
  /** Set by `seed()`, which every constructor calls once it has checked its arguments. */
  protected generator!: Rng;

  /** The generator `sample` draws from. */
  get rng(): Rng {
    return this.generator;
  }

  /** Reseed (undefined means `DEFAULT_SPACE_SEED`) and return the seeds used. */
  seed(seed?: number): number[] {
    const r = seededRng(seed);
    this.generator = r.rng;
    return [r.seed];
  }
}
