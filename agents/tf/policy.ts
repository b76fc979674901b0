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
  betaTerms,
  categoricalTerms,
  sampleBeta,
  sampleCategorical,
  tfBetaLogProbEntropy,
  tfCategoricalEntropy,
  tfCategoricalLogProb,
} from './distributions.ts';
import { FusedNets, layoutNets } from './fused.ts';
import {
  emptyTerms,
  type HeadConfig,
  type HeadDist,
  type HeadStats,
  type HeadTerms,
  headKernel,
  headStats,
} from '../common/head.ts';
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

/**
 * Rows of a minibatch that go through the networks at once: bigger minibatches are split (their
 * gradients summed), so that a piece's activations stay in cache; tfjs-backend-wasm packs a
 * matMul's right operand, the [rows, 64] activations in the weight gradients.
 */
export const STEP_CHUNK = 4000;

/**
 * How `fusedStep` splits a minibatch of `rows` rows: `pieces` pieces of `rows` rows (the last may
 * be shorter); an even number of pieces when more than one, so that two threads share a
 * minibatch equally (`sharedPieces`).
 */
export function stepPieces(rows: number): { pieces: number; rows: number } {
  let pieces = Math.ceil(rows / STEP_CHUNK);
  if (pieces > 1 && pieces % 2 === 1) pieces += 1;
  return { pieces, rows: Math.ceil(rows / pieces) };
}

/**
 * How `fusedStepShared` shares a minibatch of `rows` rows between two threads: the pieces of
 * `stepPieces` (an even number), the first half (rows [0, localRows)) on the calling thread, the
 * rest on the other.
 */
export function sharedPieces(rows: number): { pieces: number; pieceRows: number; localRows: number } {
  const { pieces, rows: pieceRows } = stepPieces(rows);
  return { pieces, pieceRows, localRows: Math.floor(pieces / 2) * pieceRows };
}

/** What `fusedStepShared` asks of the other thread: the pieces from row `from` on, with these parameters and statistics. */
export interface PieceRequest {
  theta: Float32Array;
  stats: HeadStats;
  from: number;
  pieceRows: number;
}

/** The other thread's pieces (`RolePolicy.remotePieces`): per piece its effective gradients (`backward` order) and loss terms. */
export interface RemotePieces {
  grads: Float32Array[][];
  terms: HeadTerms[];
}

/**
 * A minibatch size of at least `n` rows that splits into equal pieces whose row count is an odd
 * multiple of 16 (above 1024 rows; `n` itself below): a transpose of [rows, 64] runs 15 to 20
 * times slower on tfjs-backend-wasm when rows is a multiple of 512 (cache-set aliasing of the
 * output's rows), and a run sees few distinct shapes while its live count drifts.
 */
export function minibatchShape(n: number): number {
  if (n <= 1024) return n;
  for (let B = 16 * Math.ceil(n / 16); ; B += 16) {
    const { pieces, rows } = stepPieces(B);
    if (pieces * rows === B && (rows / 16) % 2 === 1) return B;
  }
}

function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** One minibatch as plain rows (agents/common/prepare.ts builds it; agents/common/head.ts reads `side`). */
export interface PackedMinibatch {
  rows: number;
  /** Actor input rows, rows x obsDim. */
  obs: Float32Array;
  /** Critic input rows (rows x criticInputDim) when they differ from `obs` (centralised critic). */
  critic?: Float32Array;
  /** Side rows, rows x sideWidth (action, old log-probability, advantage, return, old value, mask). */
  side: Float32Array;
  /** Number of live rows. */
  live: number;
}

/** A policy's whole trainable state as flat arrays (see `RolePolicy.flatState`). */
export interface FlatPolicyState {
  theta: Float32Array;
  m: Float32Array;
  v: Float32Array;
  /** Adam's step count. */
  step: number;
}

export class RolePolicy {
  readonly actor: Mlp;
  readonly critic: Mlp;
  readonly optimizer: Adam;
  /** Width of one raw action row (Box: dim; Discrete: 1). */
  readonly rawDim: number;
  /** The distribution the actor parameterises, for the loss head. */
  readonly dist: HeadDist;
  /** Flat parameters (actor then critic, `variables()` order) and Adam's moments. */
  private readonly theta: Float32Array;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private readonly offsets: number[];
  private readonly fused: FusedNets;
  /** The variables' data as of the last sync (a change means an outside assign). */
  private synced: tf.DataId[] = [];
  /** The flat copy is ahead of the variables. */
  private dirty = false;

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
    this.optimizer = new Adam(this.rawVariables(), { eps: opts.adamEps });
    this.dist = a.kind === 'box' ? { kind: 'beta', dim: a.dim } : { kind: 'categorical', n: a.n };
    const { nets, size } = layoutNets([
      { dims: this.actor.dims, activation: opts.activation },
      { dims: this.critic.dims, activation: opts.activation },
    ]);
    this.theta = new Float32Array(size);
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
    this.offsets = [];
    let off = 0;
    for (const x of this.rawVariables()) {
      this.offsets.push(off);
      off += x.size;
    }
    this.fused = new FusedNets(nets);
    const push = () => this.push();
    this.actor.beforeRead = push;
    this.critic.beforeRead = push;
  }

  /** Trainable variables: actor then critic (current: the flat copy is written back first). */
  variables(): tf.Variable[] {
    this.push();
    return this.rawVariables();
  }

  private rawVariables(): tf.Variable[] {
    return [...this.actor.rawVariables(), ...this.critic.rawVariables()];
  }

  /** Parameters, then Adam's m, then v: the variables the flat copy mirrors. */
  private mirrored(): tf.Variable[] {
    return [...this.rawVariables(), ...this.optimizer.m, ...this.optimizer.v];
  }

  /** Bring the flat copy up to date: reload it when a variable was assigned since the last sync. */
  private pull(): void {
    const vars = this.mirrored();
    let stale = vars.length !== this.synced.length || !this.fused.ready;
    for (let i = 0; !stale && i < vars.length; i++) stale = vars[i].dataId !== this.synced[i];
    if (!stale) return;
    if (this.dirty)
      throw new Error('RolePolicy: the variables changed while the flat parameters were ahead.');
    const n = this.offsets.length;
    const targets = [this.theta, this.m, this.v];
    for (let i = 0; i < vars.length; i++) {
      targets[Math.floor(i / n)].set(vars[i].dataSync() as Float32Array, this.offsets[i % n]);
    }
    this.synced = vars.map((x) => x.dataId);
    this.fused.refresh(this.theta);
  }

  /** Write the flat copy back to the variables when it is ahead of them. */
  private push(): void {
    if (!this.dirty) return;
    const vars = this.mirrored();
    const n = this.offsets.length;
    const sources = [this.theta, this.m, this.v];
    tf.tidy(() => {
      for (let i = 0; i < vars.length; i++) {
        const off = this.offsets[i % n];
        const src = sources[Math.floor(i / n)].slice(off, off + vars[i].size);
        vars[i].assign(tf.tensor(src, vars[i].shape, 'float32'));
      }
    });
    this.synced = vars.map((x) => x.dataId);
    this.dirty = false;
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

  /**
   * The flat parameters, Adam's moments and its step count (copies, current): with
   * `loadFlatState`, how a policy's update runs on another thread (agents/trainer/update-thread.ts).
   */
  flatState(): FlatPolicyState {
    this.pull();
    return { theta: this.theta.slice(), m: this.m.slice(), v: this.v.slice(), step: this.optimizer.step };
  }

  /**
   * Continue from a `flatState()` of a policy of the same shape: the same parameters, moments and
   * step count, bit for bit (the variables are written from them before they are next read).
   */
  loadFlatState(s: FlatPolicyState): void {
    const P = this.theta.length;
    if (s.theta.length !== P || s.m.length !== P || s.v.length !== P) {
      throw new Error(
        `RolePolicy.loadFlatState(): ${s.theta.length}/${s.m.length}/${s.v.length} values for a policy of ${P} parameters`,
      );
    }
    this.theta.set(s.theta);
    this.m.set(s.m);
    this.v.set(s.v);
    this.optimizer.step = s.step;
    this.fused.refresh(this.theta);
    this.synced = this.mirrored().map((x) => x.dataId);
    this.dirty = true;
  }

  /**
   * Take flat parameters (`flatState().theta` of a policy of the same shape) and keep the moments:
   * how another thread evaluates and differentiates under the trainer's parameters.
   */
  loadParameters(theta: Float32Array): void {
    if (theta.length !== this.theta.length) {
      throw new Error(
        `RolePolicy.loadParameters(): ${theta.length} values for a policy of ${this.theta.length} parameters`,
      );
    }
    this.pull();
    this.theta.set(theta);
    this.fused.refresh(this.theta);
    this.dirty = true;
  }

  /** Every variable a checkpoint must hold (weights and optimiser moments), current. */
  stateVariables(): tf.Variable[] {
    return [...this.variables(), ...this.optimizer.stateVariables()];
  }

  /**
   * One optimiser step on a minibatch through the fast path: both forward passes, the loss head
   * (`cfg`: PPO's or REINFORCE's loss), the hand-derived backward pass, global-norm clipping and
   * Adam over the flat parameters. Returns the minibatch's loss terms.
   */
  fusedStep(mb: PackedMinibatch, cfg: HeadConfig, lr: number, maxGradNorm: number): HeadTerms {
    this.pull();
    const terms = emptyTerms();
    tf.tidy(() => this.adamStep(this.fusedBackward(mb, cfg, terms), lr, maxGradNorm));
    this.dirty = true;
    return terms;
  }

  /** The loss terms and the true gradient of every parameter (flat, `variables()` order) on a minibatch; changes nothing. */
  fusedGradient(mb: PackedMinibatch, cfg: HeadConfig): { terms: HeadTerms; grad: Float32Array } {
    this.pull();
    const terms = emptyTerms();
    const grad = tf.tidy(() => this.fused.gradient(this.fusedBackward(mb, cfg, terms), this.theta.length));
    return { terms, grad };
  }

  /**
   * `fusedStep` with the minibatch shared with another thread (agents/trainer/update-thread.ts):
   * pieces [0, local) of `sharedPieces` run here, the rest there (`remote`, from the same
   * parameters, by `remotePieces`), and the Adam step sums every piece's gradient in piece order
   * and adds the loss terms in that order: the numbers of `fusedStep`, bit for bit. `mb` needs its
   * side rows whole (the advantage statistics) and its inputs for the rows here.
   */
  async fusedStepShared(
    mb: PackedMinibatch,
    cfg: HeadConfig,
    lr: number,
    maxGradNorm: number,
    remote: (req: PieceRequest) => Promise<RemotePieces>,
  ): Promise<HeadTerms> {
    this.pull();
    const B = mb.rows;
    const { pieceRows, localRows } = sharedPieces(B);
    const stats = headStats(mb.side, B, this.dist, cfg.normAdv);
    const pending = remote({ theta: this.theta.slice(), stats, from: localRows, pieceRows });
    const terms = emptyTerms();
    const local = tf.tidy(() => this.fusedBackward(mb, cfg, terms, stats, pieceRows, localRows));
    let got: RemotePieces;
    try {
      got = await pending;
    } catch (err) {
      tf.dispose(local);
      throw err;
    }
    for (const t of got.terms) {
      for (const k of Object.keys(terms) as (keyof HeadTerms)[]) terms[k] += t[k];
    }
    tf.tidy(() => this.adamStep(local, lr, maxGradNorm, got.grads.flat()));
    tf.dispose(local);
    this.dirty = true;
    return terms;
  }

  /**
   * The other side of `fusedStepShared`: every piece of `mb` (the minibatch's rows from `from` on,
   * in pieces of `pieceRows`) under the current parameters (`loadParameters`), read back: each
   * piece's effective gradients and its share of the loss terms. Changes no parameter or moment.
   */
  remotePieces(mb: PackedMinibatch, cfg: HeadConfig, stats: HeadStats, pieceRows: number): RemotePieces {
    this.pull();
    const out: RemotePieces = { grads: [], terms: [] };
    for (let start = 0; start < mb.rows; start += pieceRows) {
      const rows = Math.min(pieceRows, mb.rows - start);
      const terms = emptyTerms();
      const grads = tf.tidy(() => this.piece(mb, start, rows, cfg, stats, terms));
      out.grads.push(grads.map((g) => g.dataSync() as Float32Array));
      out.terms.push(terms);
      tf.dispose(grads);
    }
    return out;
  }

  /** Global-norm clipping and Adam over the flat parameters from the pieces' effective gradients (then `more`'s). */
  private adamStep(grads: tf.Tensor[], lr: number, maxGradNorm: number, more?: Float32Array[]): void {
    const o = this.optimizer;
    o.step += 1;
    this.fused.step(
      grads,
      this.theta,
      this.m,
      this.v,
      { lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, step: o.step, maxGradNorm },
      more,
    );
  }

  /**
   * Forward, loss head and backward of the first `rows` rows of a minibatch (default all), in
   * pieces of `pieceRows` (default: `stepPieces`, at most STEP_CHUNK; the loss is a sum over rows
   * once `headStats` are fixed; the Adam kernel sums the pieces' gradients): a piece's
   * activations stay in the processor's cache. Call inside tf.tidy.
   */
  private fusedBackward(
    mb: PackedMinibatch,
    cfg: HeadConfig,
    terms: HeadTerms,
    stats = headStats(mb.side, mb.rows, this.dist, cfg.normAdv),
    pieceRows = stepPieces(mb.rows).rows,
    rows = mb.rows,
  ): tf.Tensor[] {
    const grads: tf.Tensor[] = [];
    for (let start = 0; start < rows; start += pieceRows) {
      grads.push(...this.piece(mb, start, Math.min(pieceRows, rows - start), cfg, stats, terms));
    }
    return grads;
  }

  /** One piece of a minibatch, rows [start, start + rows): its effective gradients (`backward` order); adds its loss terms. */
  private piece(
    mb: PackedMinibatch,
    start: number,
    rows: number,
    cfg: HeadConfig,
    stats: HeadStats,
    terms: HeadTerms,
  ): tf.Tensor[] {
    const D = this.spec.obsDim;
    const cDim = this.critic.opts.inputDim;
    const S = mb.side.length / mb.rows;
    const x = tf.tensor3d(mb.obs.subarray(start * D, (start + rows) * D), [1, rows, D]);
    const xc = mb.critic
      ? tf.tensor3d(mb.critic.subarray(start * cDim, (start + rows) * cDim), [1, rows, cDim])
      : x;
    const side = tf.tensor2d(mb.side.subarray(start * S, (start + rows) * S), [rows, S]);
    const a = this.fused.forward(0, x);
    const c = this.fused.forward(1, xc);
    const [dA, dC, dAs, dCs] = headKernel([a.out, c.out, side], { dist: this.dist, cfg, stats, terms });
    return [
      ...this.fused.backward(0, x, a.acts, dA as tf.Tensor3D, dAs),
      ...this.fused.backward(1, xc, c.acts, dC as tf.Tensor3D, dCs),
    ];
  }

  /**
   * Actor outputs (rows x actor output width) of `obs` and critic values (rows) of `criticIn`
   * (either may be null; pass the same array for both to upload it once), read back.
   */
  forwardRows(
    obs: Float32Array | null,
    criticIn: Float32Array | null,
    rows: number,
  ): { actor: Float32Array | null; critic: Float32Array | null } {
    this.pull();
    const outs = tf.tidy(() => {
      const r: tf.Tensor[] = [];
      const D = this.spec.obsDim;
      const x = obs ? tf.tensor3d(obs.subarray(0, rows * D), [1, rows, D]) : null;
      if (x) r.push(this.fused.forward(0, x).out);
      if (criticIn) {
        const dim = this.critic.opts.inputDim;
        const xc = criticIn === obs && x ? x : tf.tensor3d(criticIn.subarray(0, rows * dim), [1, rows, dim]);
        r.push(this.fused.forward(1, xc).out);
      }
      return r;
    });
    const data = outs.map((t) => t.dataSync() as Float32Array);
    tf.dispose(outs);
    return { actor: obs ? data[0] : null, critic: criticIn ? data[obs ? 1 : 0] : null };
  }

  /** Log-probabilities (float64 math) of raw actions (rows x rawDim) under actor outputs from `forwardRows`. */
  logProbsOf(actorOut: Float32Array, raw: Float32Array, rows: number): Float32Array {
    const logp = new Float64Array(rows);
    const ent = new Float64Array(rows);
    const d = this.rawDim;
    if (this.dist.kind === 'beta') {
      const side = new Float64Array(rows * 2 * d);
      for (let r = 0; r < rows; r++) {
        for (let k = 0; k < d; k++) {
          side[r * 2 * d + k] = Math.log(raw[r * d + k]);
          side[r * 2 * d + d + k] = Math.log1p(-raw[r * d + k]);
        }
      }
      betaTerms(actorOut, rows, d, side, 2 * d, 0, logp, ent);
    } else {
      categoricalTerms(actorOut, rows, this.dist.n, raw, 1, 0, logp, ent);
    }
    return Float32Array.from(logp);
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
    const logits = this.forwardRows(obs, null, rows).actor!;
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
    return this.forwardRows(null, input, rows).critic!;
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
    this.fused.dispose();
  }
}
