import type { Env, Info, ResetOptions, StepResult } from '../env.ts';
import { Wrapper } from './wrapper.ts';

/**
 * Truncate episodes after `maxEpisodeSteps` steps (Gymnasium's `TimeLimit`):
 * the step that reaches the limit returns `truncated: true`.
 */
export class TimeLimit<Obs, Act> extends Wrapper<Obs, Act> {
  private elapsed = 0;

  /** @param maxEpisodeSteps Steps after which an episode is truncated (> 0). */
  constructor(
    env: Env<Obs, Act>,
    readonly maxEpisodeSteps: number,
  ) {
    super(env);
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps <= 0) {
      throw new RangeError(`TimeLimit: maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}.`);
    }
  }

  /** Steps taken in the current episode. */
  get elapsedSteps(): number {
    return this.elapsed;
  }

  override reset(opts?: ResetOptions): { observation: Obs; info: Info } {
    const r = super.reset(opts);
    this.elapsed = 0;
    return r;
  }

  override step(action: Act): StepResult<Obs> {
    const r = super.step(action);
    this.elapsed++;
    if (this.elapsed >= this.maxEpisodeSteps && !r.truncated) return { ...r, truncated: true };
    return r;
  }
}
