/**
 * A two-level (nested) bootstrap interval of a mean over grouped runs: the
 * groups are training seeds, the values inside a group are that seed's
 * evaluation episodes (held-out seeds). Each resample draws as many groups as
 * there are, with replacement, and inside each drawn group as many values as
 * it has, with replacement; the statistic is the mean over the drawn groups of
 * their means (every training seed weighs the same). The interval is the 2.5 /
 * 97.5 percentiles of the resampled statistics. So it carries both sources of
 * variation, training seeds and evaluation seeds; with a single training seed
 * it reduces to a bootstrap over the evaluation seeds, and says nothing about
 * how another training seed would do. Draws come from the project's seeded
 * `Rng`: the same values and seed give the same interval.
 */
import { Rng } from '../../src/core/rng.ts';
import { quantileSorted } from '../../src/core/stats.ts';

export interface NestedInterval {
  /** Mean over groups of the group means. */
  mean: number;
  lo: number;
  hi: number;
  /** Groups (training seeds) and values in all. */
  groups: number;
  n: number;
}

export interface NestedBootstrapOptions {
  /** Resamples. @default 2000 */
  reps?: number;
  /** Coverage. @default 0.95 */
  confidence?: number;
  /** Seed of the resampling generator. @default 0 */
  seed?: number;
}

const meanOf = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** The nested bootstrap interval of the mean of `groups` (each a non-empty list of values). */
export function nestedBootstrap(
  groups: readonly (readonly number[])[],
  opts: NestedBootstrapOptions = {},
): NestedInterval {
  const reps = opts.reps ?? 2000;
  const confidence = opts.confidence ?? 0.95;
  if (groups.length === 0 || groups.some((g) => g.length === 0)) {
    throw new Error('nestedBootstrap needs at least one group, and a value in every group');
  }
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`reps must be a positive integer, got ${reps}`);
  if (!(confidence > 0 && confidence < 1)) throw new Error(`confidence must be in (0, 1), got ${confidence}`);
  const n = groups.reduce((s, g) => s + g.length, 0);
  const mean = meanOf(groups.map(meanOf));
  const rng = new Rng(`nested-bootstrap:${opts.seed ?? 0}`);
  const stats = new Float64Array(reps);
  const G = groups.length;
  for (let r = 0; r < reps; r++) {
    let sum = 0;
    for (let g = 0; g < G; g++) {
      const group = groups[rng.int(G)];
      let s = 0;
      for (let i = 0; i < group.length; i++) s += group[rng.int(group.length)];
      sum += s / group.length;
    }
    stats[r] = sum / G;
  }
  stats.sort();
  const tail = (1 - confidence) / 2;
  return { mean, lo: quantileSorted(stats, tail), hi: quantileSorted(stats, 1 - tail), groups: G, n };
}
