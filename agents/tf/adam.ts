/**
 * Adam with global gradient-norm clipping, written out (PyTorch's update rule)
 * so that the learning rate can be annealed per step and the whole state (first
 * and second moments, step count) can be checkpointed and restored exactly.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  /** CleanRL uses 1e-5 rather than Adam's 1e-8. */
  eps?: number;
}

export class Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** Number of updates applied so far. */
  step = 0;
  readonly m: tf.Variable[];
  readonly v: tf.Variable[];

  constructor(
    readonly params: tf.Variable[],
    opts: AdamOptions = {},
  ) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-5;
    this.m = params.map((p) => tf.variable(tf.zerosLike(p), false, `${p.name}/adam_m`));
    this.v = params.map((p) => tf.variable(tf.zerosLike(p), false, `${p.name}/adam_v`));
  }

  /**
   * Clip the gradients to a global L2 norm of `maxGradNorm` (like
   * `torch.nn.utils.clip_grad_norm_`; skip with Infinity) and apply one Adam step.
   * `grads` are in the order of `params`; they are not disposed here.
   */
  apply(grads: tf.Tensor[], lr: number, maxGradNorm: number): void {
    this.step += 1;
    const bc1 = 1 - this.beta1 ** this.step;
    const bc2 = 1 - this.beta2 ** this.step;
    tf.tidy(() => {
      let scale: tf.Scalar | number = 1;
      if (Number.isFinite(maxGradNorm)) {
        const sq = grads.map((g) => tf.sum(tf.square(g)));
        const total = tf.sqrt(tf.addN(sq));
        scale = tf.minimum(1, tf.div(maxGradNorm, tf.add(total, 1e-6))) as tf.Scalar;
      }
      for (let i = 0; i < this.params.length; i++) {
        const g = tf.mul(grads[i], scale);
        const m = tf.add(tf.mul(this.m[i], this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i], this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), this.eps);
        this.params[i].assign(tf.sub(this.params[i], tf.mul(tf.div(m, denom), lr / bc1)));
      }
    });
  }

  /** The moment variables, in `params` order: m then v. */
  stateVariables(): tf.Variable[] {
    return [...this.m, ...this.v];
  }

  dispose(): void {
    for (const t of this.stateVariables()) t.dispose();
  }
}

/** The global L2 norm of a list of gradients, read back to JS. */
export function globalNorm(grads: tf.Tensor[]): number {
  return tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
}
