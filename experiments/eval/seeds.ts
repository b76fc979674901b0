/**
 * Held-out evaluation seeds: far from the small seeds training uses, and never
 * one of the run's training seeds.
 */
import { isSeed, SEED_RULE } from '../../src/core/validate.ts';

/** First held-out seed. @default 10_000 */
export const HELD_OUT_SEED_START = 10_000;

export interface HeldOutSeeds {
  seeds: number[];
  /** Training seeds that fell in the range and were skipped. */
  skipped: number[];
}

/**
 * `count` seeds `start, start + 1, ...`, skipping any training seed (reported
 * in `skipped` so the caller can warn).
 */
export function heldOutSeeds(
  count: number,
  trainSeeds: readonly number[] = [],
  start = HELD_OUT_SEED_START,
): HeldOutSeeds {
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`the number of evaluation seeds must be a positive integer, got ${count}`);
  }
  const train = new Set(trainSeeds);
  const seeds: number[] = [];
  const skipped: number[] = [];
  for (let s = start; seeds.length < count; s++) {
    if (!isSeed(s)) {
      throw new RangeError(
        `evaluation seed ${s} (${count} seeds from ${start}) is not ${SEED_RULE}: lower the first seed (--seed-start)`,
      );
    }
    if (train.has(s)) skipped.push(s);
    else seeds.push(s);
  }
  return { seeds, skipped };
}

/** Throw when an evaluation seed is also a training seed. */
export function assertHeldOut(seeds: readonly number[], trainSeeds: readonly number[]): void {
  const train = new Set(trainSeeds);
  const overlap = seeds.filter((s) => train.has(s));
  if (overlap.length > 0) {
    throw new Error(
      `evaluation seeds ${overlap.join(', ')} were also used in training; ` +
        'evaluate on held-out seeds (the default start 10000 skips training seeds)',
    );
  }
}
