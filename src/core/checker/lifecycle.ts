/**
 * Checks of the env's life cycle that every checker runs: no step before the
 * first reset, and a close that may be called twice.
 */
import { throws } from './data.ts';
import type { Recorder } from './report.ts';

/**
 * Check `step-before-reset`: stepping a fresh env throws. `stepOnce` steps it
 * once with a valid action. Gymnasium enforces this with its `OrderEnforcing`
 * wrapper (`ResetNeeded`); an env that steps from an unreset state returns
 * garbage that nothing downstream can tell from data.
 */
export function checkStepBeforeReset(rec: Recorder, stepOnce: () => unknown): void {
  rec.ensure(
    throws(stepOnce),
    'step-before-reset',
    () =>
      'step() before the first reset() did not throw. Keep a "needs reset" flag and throw an Error that says to call ' +
      'reset() first. (If you passed an env that was already reset, pass a fresh one or a factory.)',
  );
  rec.pass('step-before-reset');
}

/**
 * Check `close`: `close()` may be called twice. Gymnasium's `check_env` closes
 * a fresh env twice and warns when the second call raises; here it is an
 * error, since wrappers, vector envs and `finally` blocks all close what they hold.
 */
export function checkCloseTwice(rec: Recorder, env: { close(): void }): void {
  try {
    env.close();
    env.close();
  } catch (e) {
    rec.fail(
      'close',
      `calling close() twice must be allowed, the second call threw: ${(e as Error).message}. Make close() idempotent.`,
    );
  }
  rec.pass('close');
}
