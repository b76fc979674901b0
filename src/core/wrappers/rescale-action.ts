import type { Env, StepResult } from '../env.ts';
import { Box, type BoxElement } from '../spaces/box.ts';
import type { Space } from '../spaces/space.ts';
import { Wrapper } from './wrapper.ts';

/**
 * Let the agent act in `[minAction, maxAction]` and map actions affinely onto
 * the wrapped env's Box bounds, then clip (Gymnasium's `RescaleAction`). The
 * wrapped Box must be float and bounded.
 *
 * @example new RescaleAction(env, -1, 1) // a policy with tanh outputs
 */
export class RescaleAction<Obs> extends Wrapper<Obs, BoxElement, Obs, BoxElement> {
  private readonly space: Box<'float32' | 'float64'>;
  private readonly inner: Box<'float32' | 'float64'>;

  /**
   * @param minAction Lower bound the agent acts in: one number, or one per entry.
   * @param maxAction Upper bound the agent acts in: one number, or one per entry.
   */
  constructor(
    env: Env<Obs, BoxElement>,
    minAction: number | ArrayLike<number>,
    maxAction: number | ArrayLike<number>,
  ) {
    super(env);
    const inner = env.actionSpace;
    if (!(inner instanceof Box) || inner.dtype === 'int32') {
      throw new TypeError('RescaleAction: the action space must be a float32 or float64 Box.');
    }
    if (!inner.isBounded()) {
      throw new RangeError('RescaleAction: the wrapped action Box must have finite bounds to rescale onto.');
    }
    this.inner = inner as Box<'float32' | 'float64'>;
    this.space = new Box(minAction, maxAction, inner.shape, this.inner.dtype);
    for (let i = 0; i < this.space.size; i++) {
      if (
        !(this.space.low[i] < this.space.high[i]) ||
        !Number.isFinite(this.space.high[i] - this.space.low[i])
      ) {
        throw new RangeError(
          `RescaleAction: need finite minAction < maxAction, got [${this.space.low[i]}, ${this.space.high[i]}] at ${i}.`,
        );
      }
    }
  }

  override get actionSpace(): Space<BoxElement> {
    return this.space;
  }

  override step(action: BoxElement): StepResult<Obs> {
    this.assertStepAllowed(action);
    const { low, high, size, dtype } = this.inner;
    const out = dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const a = this.space.low[i];
      const b = this.space.high[i];
      const v = low[i] + ((high[i] - low[i]) * (action[i] - a)) / (b - a);
      out[i] = Math.min(Math.max(v, low[i]), high[i]);
    }
    return this.env.step(out);
  }
}
