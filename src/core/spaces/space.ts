import type { Rng } from '../rng.ts';

/** JSON description of a space (its `toJSON()`), enough to rebuild it. */
export type SpaceJSON = { type: string; [key: string]: unknown };

/**
 * A set of valid observations or actions (Gymnasium's `gymnasium.spaces.Space`).
 * `sample` draws from the space's own seeded generator; `seed` resets it.
 */
export interface Space<T> {
  /** Shape of one element (`[]` for scalars, undefined for composite spaces). */
  readonly shape: readonly number[] | undefined;
  /** True when `x` is a valid element of this space. */
  contains(x: unknown): x is T;
  /** A random element, from this space's seeded generator. `mask` restricts discrete choices. */
  sample(mask?: unknown): T;
  /** Reseed this space (and, for composite spaces, its children) and return the seeds used. */
  seed(seed?: number): number[];
  /** The generator `sample` draws from. */
  readonly rng: Rng;
  toJSON(): SpaceJSON;
}
