/**
 * The seed-sensitivity verdict shared by the single-agent and the parallel
 * checkers (the batched checker only warns, see batched-seed.ts).
 */
import { dataEquivalent } from './data.ts';
import type { Recorder } from './report.ts';

/**
 * Check `seed-sensitivity`: trajectories `t123` and `t456` of `steps` steps
 * from seeds 123 and 456 differ, unless the env is declared `deterministic`.
 * Gymnasium's `check_reset_seed_determinism` asserts that different seeds give
 * different generator states; an env that ignores its seed passes every
 * determinism check while it trains on a single trajectory.
 */
export function checkSeedsDiffer(
  rec: Recorder,
  t123: unknown,
  t456: unknown,
  steps: number,
  deterministic: boolean | undefined,
): void {
  if (dataEquivalent(t123, t456)) {
    rec.ensure(
      deterministic,
      'seed-sensitivity',
      () =>
        `seeds 123 and 456 gave identical ${steps}-step trajectories: the env seems to ignore opts.seed in reset. ` +
        'Reseed its Rng from the seed; if the env truly has no randomness, pass { deterministic: true }.',
    );
  } else rec.pass('seed-sensitivity');
}
