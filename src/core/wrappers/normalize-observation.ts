import type { Env, Info, ResetOptions, StepResult } from '../env.ts';
import { RunningMeanStd } from '../running-stats.ts';
import { Box, type BoxElement } from '../spaces/box.ts';
import type { Space } from '../spaces/space.ts';
import { Wrapper } from './wrapper.ts';

/** Options of `NormalizeObservation`. */
export interface NormalizeObservationOptions {
  /**
   * Added to the variance before the square root.
   * @default 1e-8
   */
  epsilon?: number;
  /**
   * Update the running statistics with every observation; set to false (now or
   * later through `updateRunningMean`) to freeze them for evaluation.
   * @default true
   */
  updateRunningMean?: boolean;
}

/**
 * Normalise Box observations to roughly zero mean and unit variance with a
 * running estimate (Gymnasium's `NormalizeObservation`):
 * `(obs - mean) / sqrt(var + epsilon)`. Statistics are updated with each
 * observation before it is normalised. The observation space becomes an
 * unbounded float32 Box of the same shape.
 */
export class NormalizeObservation<Act> extends Wrapper<BoxElement, Act, Float32Array, Act> {
  /** The running statistics (checkpoint them with `rms.toJSON()`). */
  rms: RunningMeanStd;
  /** False freezes the statistics (evaluation). */
  updateRunningMean: boolean;
  private readonly epsilon: number;
  private readonly space: Box<'float32'>;

  constructor(env: Env<BoxElement, Act>, options: NormalizeObservationOptions = {}) {
    super(env);
    const inner = env.observationSpace;
    if (!(inner instanceof Box)) {
      throw new TypeError(
        'NormalizeObservation: the observation space must be a Box; flatten other spaces first.',
      );
    }
    this.epsilon = options.epsilon ?? 1e-8;
    this.updateRunningMean = options.updateRunningMean ?? true;
    this.rms = new RunningMeanStd(inner.size);
    this.space = new Box(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, inner.shape, 'float32');
  }

  override get observationSpace(): Space<Float32Array> {
    return this.space;
  }

  override reset(opts?: ResetOptions): { observation: Float32Array; info: Info } {
    const r = super.reset(opts);
    return { observation: this.normalize(r.observation), info: r.info };
  }

  override step(action: Act): StepResult<Float32Array> {
    const r = super.step(action);
    return { ...r, observation: this.normalize(r.observation) };
  }

  private normalize(obs: ArrayLike<number>): Float32Array {
    if (this.updateRunningMean) this.rms.update(obs, 1);
    return this.rms.normalize(obs, new Float32Array(obs.length), this.epsilon);
  }
}
