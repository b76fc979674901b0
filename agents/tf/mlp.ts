/**
 * A plain multi-layer perceptron on tfjs variables, initialised like CleanRL's
 * `layer_init`: orthogonal weights with a gain, zero biases. Initial weights
 * come from the project's seeded `Rng` (tfjs has no global seed), so the same
 * seed gives the same network on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng.ts';

export type Activation = 'tanh' | 'relu';

export interface MlpOptions {
  /** Input width. */
  inputDim: number;
  /** Hidden layer widths, e.g. `[64, 64]`. */
  hidden: readonly number[];
  /** Output width. */
  outputDim: number;
  /** Gain of the orthogonal initialisation of the last layer (CleanRL: 0.01 policy, 1 value). */
  outputGain: number;
  activation: Activation;
  /** Seed of the initialisation (any string or number). */
  seed: string | number;
  /** Name prefix of the variables (unique in the process), e.g. `t1/operator/actor`. */
  name: string;
  /** Key of the initialisation stream (default: `name`), e.g. `operator/actor`. */
  key?: string;
}

/**
 * Orthogonal matrix of shape [rows, cols] (row-major), times `gain`: a Gaussian
 * matrix orthonormalised by modified Gram-Schmidt (what `torch.nn.init.orthogonal_`
 * computes through QR, up to signs).
 */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  const n = Math.max(rows, cols);
  const m = Math.min(rows, cols);
  // q holds m column vectors of length n.
  const q: Float64Array[] = [];
  for (let j = 0; j < m; j++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = rng.normal();
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += v[i] * q[k][i];
      for (let i = 0; i < n; i++) v[i] -= dot * q[k][i];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < n; i++) v[i] /= norm;
    q.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // rows >= cols: W = Q (n x m); otherwise W = Q^T.
      out[r * cols + c] = gain * (rows >= cols ? q[c][r] : q[r][c]);
    }
  }
  return out;
}

/**
 * `a b` for a [batch, in] activation and an [in, out] weight, whose gradient
 * transposes explicitly. tfjs-backend-wasm 4.22 runs matMul with transposeA or
 * transposeB several times slower than a transpose followed by a plain matMul
 * (measured on [25000, 64]: 162 ms against 16 ms), and tf.matMul's own
 * gradient uses those flags: at paper scale they were 70% of the PPO update.
 */
export const denseMatMul = tf.customGrad(((a: tf.Tensor2D, b: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, tf.transpose(sb)), tf.matMul(tf.transpose(sa), g)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
  a: tf.Tensor2D,
  b: tf.Tensor2D,
) => tf.Tensor2D;

/**
 * tanh as 2 sigmoid(2x) - 1 (equal to within 2.1e-7): tfjs-backend-wasm's Tanh
 * kernel is scalar, its Sigmoid vectorised (25000 x 64: 49 ms against 13 ms).
 */
export function fastTanh(x: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(tf.mul(tf.sigmoid(tf.mul(x, 2)), 2), 1);
}

export class Mlp {
  private readonly w: tf.Variable[] = [];
  private readonly b: tf.Variable[] = [];
  readonly activation: Activation;
  /**
   * Called before the variables are handed out (`weights`, `biases`, `variables()`): the owner of
   * a faster copy of the parameters (RolePolicy's flat vector) writes them back first.
   */
  beforeRead?: () => void;

  constructor(readonly opts: MlpOptions) {
    this.activation = opts.activation;
    const rng = new Rng(`mlp:${opts.seed}:${opts.key ?? opts.name}`);
    const dims = [opts.inputDim, ...opts.hidden, opts.outputDim];
    for (let l = 0; l < dims.length - 1; l++) {
      const last = l === dims.length - 2;
      const gain = last ? opts.outputGain : Math.SQRT2;
      const w = orthogonal(dims[l], dims[l + 1], gain, rng);
      this.w.push(tf.variable(tf.tensor2d(w, [dims[l], dims[l + 1]]), true, `${opts.name}/w${l}`));
      this.b.push(tf.variable(tf.zeros([dims[l + 1]]), true, `${opts.name}/b${l}`));
    }
  }

  /** Widths [inputDim, ...hidden, outputDim]. */
  get dims(): number[] {
    return [this.opts.inputDim, ...this.opts.hidden, this.opts.outputDim];
  }

  /** The weight variables [in, out], in layer order. */
  get weights(): readonly tf.Variable[] {
    this.beforeRead?.();
    return this.w;
  }

  /** The bias variables [out], in layer order. */
  get biases(): readonly tf.Variable[] {
    this.beforeRead?.();
    return this.b;
  }

  /**
   * Forward pass of a [batch, inputDim] tensor through the variables, differentiable with tfjs's
   * gradient tape (the reference the fast path of agents/tf/fused.ts is tested against); call
   * inside `tf.tidy`.
   */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    let h = x;
    const weights = this.weights;
    const biases = this.biases;
    const n = weights.length;
    for (let l = 0; l < n; l++) {
      h = tf.add(denseMatMul(h, weights[l] as tf.Tensor2D), biases[l]);
      if (l < n - 1) h = this.activation === 'tanh' ? fastTanh(h) : tf.relu(h);
    }
    return h;
  }

  /** All trainable variables, weights and biases interleaved, in layer order. */
  variables(): tf.Variable[] {
    this.beforeRead?.();
    return this.rawVariables();
  }

  /** The variables as they are, without `beforeRead` (for the owner of the flat copy). */
  rawVariables(): tf.Variable[] {
    const out: tf.Variable[] = [];
    for (let l = 0; l < this.w.length; l++) out.push(this.w[l], this.b[l]);
    return out;
  }

  dispose(): void {
    for (const v of this.rawVariables()) v.dispose();
  }
}
