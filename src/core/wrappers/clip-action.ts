import type { Env, StepResult } from '../env.ts';
import { Box, type BoxElement } from '../spaces/box.ts';
import type { Space } from '../spaces/space.ts';
import { Wrapper } from './wrapper.ts';

/**
 * Clip continuous actions to the wrapped env's Box bounds (Gymnasium's
 * `ClipAction`). The wrapper's action space is the unbounded Box of the same
 * shape: any finite action is accepted, NaN is still an error.
 */
export class ClipAction<Obs> extends Wrapper<Obs, BoxElement, Obs, BoxElement> {
  private readonly space: Box<'float32' | 'float64' | 'int32'>;
  private readonly inner: Box<'float32' | 'float64' | 'int32'>;

  constructor(env: Env<Obs, BoxElement>) {
    super(env);
    const inner = env.actionSpace;
    if (!(inner instanceof Box)) throw new TypeError('ClipAction: the action space must be a Box.');
    this.inner = inner;
    this.space = new Box(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, inner.shape, inner.dtype);
  }

  override get actionSpace(): Space<BoxElement> {
    return this.space;
  }

  override step(action: BoxElement): StepResult<Obs> {
    this.assertStepAllowed(action);
    const { low, high, size, dtype } = this.inner;
    const out =
      dtype === 'float64'
        ? new Float64Array(size)
        : dtype === 'int32'
          ? new Int32Array(size)
          : new Float32Array(size);
    for (let i = 0; i < size; i++) out[i] = Math.min(Math.max(action[i], low[i]), high[i]);
    return this.env.step(out);
  }
}
