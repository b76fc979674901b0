import { EnvCheckError } from '../../src/core/checker/index.ts';

/**
 * Every check `checkEnv` runs on a conforming single-agent env with a render
 * mode, in order: a checker that silently skipped one fails the tests that
 * compare against it.
 */
export const SINGLE_AGENT_CHECKS = [
  'env-structure',
  'spaces-stable',
  'spaces-valid',
  'step-before-reset',
  'reset-return',
  'reset-seed',
  'reset-options',
  'step-return',
  'determinism',
  'seed-sensitivity',
  'render',
  'close',
];

/** The EnvCheckError that `fn` throws (any other error is rethrown); fails when the check passes. */
export function failure(fn: () => unknown): EnvCheckError {
  try {
    fn();
  } catch (e) {
    if (e instanceof EnvCheckError) return e;
    throw e;
  }
  throw new Error('expected an EnvCheckError, but the check passed');
}
