/**
 * The networks of one role: a policy (actor) and a value function (critic),
 * shared by every slot of that role (parameter sharing), plus their optimiser.
 *
 * Actions are handled in "raw" form inside the learner: a Box action is a
 * Beta sample in [0, 1]^dim (rescaled to the role's [low, high] for the env),
 * a Discrete action is its index. Sampling happens in JavaScript from the
 * caller's `Rng` (network outputs are read back with `dataSync`).
 */
import * as tf from '@tensorflow/tfjs';
import type { RoleSpec } from '../../src/core/batched.ts';
import type { Rng } from '../../src/core/rng.ts';
import { Adam } from './adam.ts';
import {
  betaParams,
  sampleBeta,
  sampleCategorical,
  tfBetaLogProbEntropy,
  tfCategoricalEntropy,
  tfCategoricalLogProb,
} from './distributions.ts';
import { type Activation, Mlp } from './mlp.ts';

export interface PolicyOptions {
  hidden: readonly number[];
  activation: Activation;
  /** Seed of the weight initialisation. */
  seed: number;
  /** Input width of the critic (obsDim, or obsDim + stateDim for a centralised critic). */
  criticInputDim: number;
  /** Adam epsilon. */
  adamEps: number;
  /** Prefix of the variable names (tfjs needs them unique per process). */
  scope: string;
}

function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

export class RolePolicy {
  readonly actor: Mlp;
  readonly critic: Mlp;
  readonly optimizer: Adam;
  /** Width of one raw action row (Box: dim; Discrete: 1). */
  readonly rawDim: number;

  constructor(
    readonly spec: RoleSpec,
    opts: PolicyOptions,
  ) {
    const a = spec.action;
    if (a.kind === 'box') {
      for (let i = 0; i < a.dim; i++) {
        if (!Number.isFinite(a.low[i]) || !Number.isFinite(a.high[i])) {
          throw new Error(
            `Role '${spec.name}' has an unbounded Box action (dim ${i}: [${a.low[i]}, ${a.high[i]}]); ` +
              'the Beta policy needs finite bounds: give the action space finite low/high.',
          );
        }
      }
    }
    this.rawDim = a.kind === 'box' ? a.dim : 1;
    const outDim = a.kind === 'box' ? 2 * a.dim : a.n;
    const common = { hidden: opts.hidden, activation: opts.activation, seed: opts.seed };
    this.actor = new Mlp({
      ...common,
      inputDim: spec.obsDim,
      outputDim: outDim,
      outputGain: 0.01,
      name: `${opts.scope}/${spec.name}/actor`,
      key: `${spec.name}/actor`,
    });
    this.critic = new Mlp({
      ...common,
      inputDim: opts.criticInputDim,
      outputDim: 1,
      outputGain: 1,
      name: `${opts.scope}/${spec.name}/critic`,
      key: `${spec.name}/critic`,
    });
    this.optimizer = new Adam(this.variables(), { eps: opts.adamEps });
  }

  /** Trainable variables: actor then critic. */
  variables(): tf.Variable[] {
    return [...this.actor.variables(), ...this.critic.variables()];
  }

  /**
   * One optimiser step: gradients of `objective().loss` over every trainable
   * variable, global-norm clipping and the Adam step. `objective().aux` holds
   * the monitoring values (kept out of the gradient); they are read back and returned.
   */
  gradientStep(
    objective: () => { loss: tf.Scalar; aux: tf.Tensor },
    lr: number,
    maxGradNorm: number,
  ): Float32Array {
    const vars = this.variables();
    let aux: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const o = objective();
      aux = tf.keep(o.aux);
      return o.loss;
    }, vars);
    this.optimizer.apply(
      vars.map((v) => grads[v.name]),
      lr,
      maxGradNorm,
    );
    value.dispose();
    tf.dispose(grads);
    const out = aux!.dataSync() as Float32Array;
    aux!.dispose();
    return out;
  }

  /** Every variable a checkpoint must hold (weights and optimiser moments). */
  stateVariables(): tf.Variable[] {
    return [...this.variables(), ...this.optimizer.stateVariables()];
  }

  /**
   * Act for `rows` slots: `obs` is `rows * obsDim`. Writes the raw actions
   * (`rows * rawDim`) and the env actions (`rows * actionDim`). With
   * `deterministic`, takes the Beta mean / the most likely category and draws nothing.
   */
  act(
    obs: Float32Array,
    rows: number,
    rng: Rng,
    raw: Float32Array,
    envAct: Float32Array,
    deterministic = false,
  ) {
    const out = tf.tidy(() =>
      this.actor.apply(tf.tensor2d(obs.slice(0, rows * this.spec.obsDim), [rows, this.spec.obsDim])),
    );
    const logits = out.dataSync();
    out.dispose();
    const a = this.spec.action;
    if (a.kind === 'box') {
      const d = a.dim;
      for (let r = 0; r < rows; r++) {
        for (let k = 0; k < d; k++) {
          const alpha = 1 + softplus(logits[r * 2 * d + k]);
          const beta = 1 + softplus(logits[r * 2 * d + d + k]);
          const x = deterministic ? alpha / (alpha + beta) : sampleBeta(alpha, beta, rng);
          raw[r * d + k] = x;
          envAct[r * d + k] = a.low[k] + x * (a.high[k] - a.low[k]);
        }
      }
    } else {
      for (let r = 0; r < rows; r++) {
        let k: number;
        if (deterministic) {
          k = 0;
          for (let j = 1; j < a.n; j++) if (logits[r * a.n + j] > logits[r * a.n + k]) k = j;
        } else {
          k = sampleCategorical(logits, r * a.n, a.n, rng);
        }
        raw[r] = k;
        envAct[r] = k;
      }
    }
  }

  /** Critic values of `rows` input rows (`rows * criticInputDim`), read back to JS. */
  values(input: Float32Array, rows: number): Float32Array {
    const dim = this.critic.opts.inputDim;
    const t = tf.tidy(() =>
      tf.reshape(this.critic.apply(tf.tensor2d(input.slice(0, rows * dim), [rows, dim])), [rows]),
    );
    const v = t.dataSync() as Float32Array;
    t.dispose();
    return v;
  }

  /** Critic values as a [batch] tensor; call inside tf.tidy. */
  valueTensor(input: tf.Tensor2D): tf.Tensor1D {
    return tf.reshape(this.critic.apply(input), [-1]) as tf.Tensor1D;
  }

  /** Log-probability and entropy of raw actions [batch, rawDim]; call inside tf.tidy. */
  evaluate(obs: tf.Tensor2D, raw: tf.Tensor2D): { logp: tf.Tensor1D; entropy: tf.Tensor1D } {
    const out = this.actor.apply(obs);
    const a = this.spec.action;
    if (a.kind === 'box') {
      const { alpha, beta } = betaParams(out, a.dim);
      return tfBetaLogProbEntropy(alpha, beta, raw);
    }
    const idx = tf.reshape(raw, [-1]) as tf.Tensor1D;
    return { logp: tfCategoricalLogProb(out, idx, a.n), entropy: tfCategoricalEntropy(out) };
  }

  dispose(): void {
    this.actor.dispose();
    this.critic.dispose();
    this.optimizer.dispose();
  }
}
