/**
 * The fast path of a role's two networks (actor and critic, CleanRL's MLPs): a
 * forward pass in few tfjs operations, a backward pass derived by hand (no
 * gradient tape), and one Adam step over a flat parameter vector.
 *
 * Parameters live in one Float32Array (actor then critic; per layer the weight
 * [in, out] row-major, then the bias, in `Mlp.variables()` order), with Adam's
 * moments beside it. The networks compute with *effective* weights derived from
 * them, so that each layer is one fused matMul (with its bias) and one cheap
 * activation:
 * - tanh layers use tanh(z) = 2 sigmoid(2 z) - 1 (exact), carry s = sigmoid(2 z),
 *   and fold the 2 and the - 1 into the next layer: for layer l with input scale
 *   a_l (1 for the input, 2 for a hidden s) and output scale g_l (2 into a
 *   sigmoid, 1 for the output layer),
 *     W~_l = g_l a_l W_l,   b~_l = g_l (b_l - [l > 0] colsum(W_l)).
 *   (tfjs-backend-wasm's Sigmoid is vectorised, its Tanh is not.)
 * - relu layers use W and b as they are and the matMul's fused relu.
 * The gradient of a true parameter follows from the effective ones:
 *   dW_l = g_l a_l dW~_l - [l > 0, tanh] g_l 1 (x) db~_l,   db_l = g_l db~_l.
 *
 * Backward, per layer, from G = d loss / d (effective pre-activation) [B, out]:
 *   dW~ = A^T G (A the layer's input [B, in]), db~ = colsum(G), and into the input
 *   dA = G W~^T, then G_prev = dA * s (1 - s) (tanh) or dA * [a > 0] (relu).
 * A^T G and colsum(G) are one kernel (agents/tf/simd.ts: WebAssembly SIMD on the
 * wasm backend, reading both operands in place) when G's width is a multiple of 8;
 * the output layer (4 or 1 wide) gets dW~^T = G^T A from the same kernel with the
 * roles swapped (`gradTransposed`); other shapes use tfjs's matMul of the
 * transposed A (tfjs-backend-wasm multiplies with XNNPACK only without transpose
 * flags, packing the right operand anew when it is a new tensor). For tanh layers
 * of such widths, (G W~^T) * s (1 - s) is one kernel too.
 */
import * as tf from '@tensorflow/tfjs';
import { defineKernel } from './kernels.ts';
import { atbJs, fwdJs, gdtJs, simdOn } from './simd.ts';
import type { Activation } from './mlp.ts';

/** One network's shape and where its parameters sit in the flat vector. */
export interface NetLayout {
  /** Widths [in, hidden..., out]. */
  dims: number[];
  activation: Activation;
  /** Offsets of each layer's weight and bias in the flat vector. */
  wOff: number[];
  bOff: number[];
}

/** Layouts of networks laid out one after the other; `size` is the flat vector's length. */
export function layoutNets(nets: readonly { dims: readonly number[]; activation: Activation }[]): {
  nets: NetLayout[];
  size: number;
} {
  let off = 0;
  const out: NetLayout[] = [];
  for (const n of nets) {
    const wOff: number[] = [];
    const bOff: number[] = [];
    for (let l = 0; l < n.dims.length - 1; l++) {
      wOff.push(off);
      off += n.dims[l] * n.dims[l + 1];
      bOff.push(off);
      off += n.dims[l + 1];
    }
    out.push({ dims: [...n.dims], activation: n.activation, wOff, bOff });
  }
  return { nets: out, size: off };
}

/** Input scale a_l and output scale g_l of layer l (1 and 1 for relu). */
function scales(net: NetLayout, l: number): { a: number; g: number; shift: boolean } {
  if (net.activation !== 'tanh') return { a: 1, g: 1, shift: false };
  const last = l === net.dims.length - 2;
  return { a: l === 0 ? 1 : 2, g: last ? 1 : 2, shift: l > 0 };
}

/**
 * Whether layer l's weight gradient comes transposed ([out, in]): the output layer's, when the
 * output is too narrow for the SIMD kernel's columns (a multiple of 8) and its input is not:
 * then dW~^T = dOut^T s is the kernel's product with the roles swapped.
 */
export function gradTransposed(net: NetLayout, l: number): boolean {
  const last = l === net.dims.length - 2;
  return last && net.dims[l + 1] % 8 !== 0 && net.dims[l] % 8 === 0;
}

/**
 * Shapes of one network's effective tensors, in order: per layer W~ [1, in, out], b~ [out], then
 * W~^T [1, out, in] for l > 0 (rank 3, the rank the matMul kernels take without a reshape).
 */
function effectiveShapes(net: NetLayout): number[][] {
  const s: number[][] = [];
  for (let l = 0; l < net.dims.length - 1; l++) {
    s.push([1, net.dims[l], net.dims[l + 1]], [net.dims[l + 1]]);
    if (l > 0) s.push([1, net.dims[l + 1], net.dims[l]]);
  }
  return s;
}

/** Write the effective tensors of `nets` from `theta` into `outs` (in `effectiveShapes` order, net after net). */
function writeEffective(theta: Float32Array, nets: readonly NetLayout[], outs: Float32Array[]): void {
  let k = 0;
  for (const net of nets) {
    for (let l = 0; l < net.dims.length - 1; l++) {
      const nin = net.dims[l];
      const nout = net.dims[l + 1];
      const { a, g, shift } = scales(net, l);
      const w = theta.subarray(net.wOff[l], net.wOff[l] + nin * nout);
      const b = theta.subarray(net.bOff[l], net.bOff[l] + nout);
      const we = outs[k++];
      const be = outs[k++];
      const wt = l > 0 ? outs[k++] : undefined;
      const ga = g * a;
      for (let i = 0; i < nin; i++) {
        for (let j = 0; j < nout; j++) {
          const x = ga * w[i * nout + j];
          we[i * nout + j] = x;
          if (wt) wt[j * nin + i] = x;
        }
      }
      for (let j = 0; j < nout; j++) {
        let s = 0;
        if (shift) for (let i = 0; i < nin; i++) s += w[i * nout + j];
        be[j] = g * (b[j] - s);
      }
    }
  }
}

interface EffectiveAttrs {
  theta: Float32Array;
  nets: NetLayout[];
}

const effectiveKernel = defineKernel<EffectiveAttrs>({
  name: 'CopronetMlpEffective',
  outputs: (_s, { nets }) => nets.flatMap(effectiveShapes),
  run: (_in, outs, _s, { theta, nets }) => writeEffective(theta, nets, outs),
});

/** Adam's hyperparameters and state for one step. */
export interface AdamStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** The step number after this one (1 for the first). */
  step: number;
  /** Global L2 norm the gradient is clipped to (Infinity: no clipping). */
  maxGradNorm: number;
}

interface AdamAttrs {
  theta: Float32Array;
  m: Float32Array;
  v: Float32Array;
  nets: NetLayout[];
  /** Omitted: only write the true gradient into `gradOut` (tests), change nothing. */
  adam?: AdamStep;
  /** Receives the true (unclipped) gradient of every parameter. */
  gradOut?: Float32Array;
  /** Receives the gradient's global norm before clipping. */
  info?: { gradNorm: number };
  /** Effective gradients of further pieces, computed elsewhere (another thread), after the inputs' pieces. */
  more?: Float32Array[];
}

let gradScratch = new Float64Array(0);

/**
 * The true gradient of every parameter (into `g`) from the effective gradients: the inputs hold
 * one or more pieces of a minibatch, each in `backward` order (net after net, per layer dW~ then
 * db~), and the pieces are summed.
 */
function trueGradient(nets: readonly NetLayout[], grads: Float32Array[], g: Float64Array): void {
  g.fill(0);
  let k = 0;
  while (k < grads.length) {
    for (const net of nets) {
      for (let l = 0; l < net.dims.length - 1; l++) {
        const nin = net.dims[l];
        const nout = net.dims[l + 1];
        const { a, g: gs, shift } = scales(net, l);
        const dw = grads[k++];
        const db = grads[k++];
        const ga = gs * a;
        const wo = net.wOff[l];
        const t = gradTransposed(net, l);
        for (let i = 0; i < nin; i++) {
          for (let j = 0; j < nout; j++) {
            const x = t ? dw[j * nin + i] : dw[i * nout + j];
            g[wo + i * nout + j] += ga * x - (shift ? gs * db[j] : 0);
          }
        }
        const bo = net.bOff[l];
        for (let j = 0; j < nout; j++) g[bo + j] += gs * db[j];
      }
    }
  }
}

/** PyTorch's Adam rule over every element, in place (the moments kept in float32, as they are stored). */
function adamUpdate(
  theta: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float64Array,
  scale: number,
  beta1: number,
  beta2: number,
  eps: number,
  stepSize: number,
  sbc2: number,
): void {
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  const inv = 1 / sbc2;
  const n = theta.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i] * scale;
    const mi = Math.fround(beta1 * m[i] + c1 * gi);
    const vi = Math.fround(beta2 * v[i] + c2 * gi * gi);
    m[i] = mi;
    v[i] = vi;
    theta[i] = theta[i] - (stepSize * mi) / (Math.sqrt(vi) * inv + eps);
  }
}

/**
 * One Adam step (PyTorch's rule, CleanRL's global gradient-norm clipping first) over the flat
 * parameters, in place, from the effective gradients; outputs the new effective tensors.
 */
const adamKernel = defineKernel<AdamAttrs>({
  name: 'CopronetFlatAdam',
  outputs: (_s, { nets, adam }) => (adam ? nets.flatMap(effectiveShapes) : [[1]]),
  run: (grads, outs, _s, { theta, m, v, nets, adam, gradOut, info, more }) => {
    const P = theta.length;
    if (gradScratch.length < P) gradScratch = new Float64Array(P);
    const g = gradScratch.subarray(0, P);
    trueGradient(nets, more ? [...grads, ...more] : grads, g);
    let sq = 0;
    for (let i = 0; i < P; i++) sq += g[i] * g[i];
    const norm = Math.sqrt(sq);
    if (info) info.gradNorm = norm;
    if (gradOut) for (let i = 0; i < P; i++) gradOut[i] = g[i];
    if (!adam) {
      outs[0][0] = norm;
      return;
    }
    const scale = Number.isFinite(adam.maxGradNorm) ? Math.min(1, adam.maxGradNorm / (norm + 1e-6)) : 1;
    const { beta1, beta2, eps } = adam;
    const bc1 = 1 - beta1 ** adam.step;
    const sbc2 = Math.sqrt(1 - beta2 ** adam.step);
    adamUpdate(theta, m, v, g, scale, beta1, beta2, eps, adam.lr / bc1, sbc2);
    writeEffective(theta, nets, outs);
  },
});

/** `a b` (+ bias, with relu) of rank-3 tensors [1, rows, k] x [1, k, n]: tfjs's kernel without the op's reshapes. */
function matMul(a: tf.Tensor, b: tf.Tensor, bias?: tf.Tensor, relu = false): tf.Tensor3D {
  const inputs: tf.NamedTensorMap = bias ? { a, b, bias } : { a, b };
  const attrs = {
    transposeA: false,
    transposeB: false,
    activation: relu ? 'relu' : 'linear',
    leakyreluAlpha: 0,
  };
  return tf
    .engine()
    .runKernel(
      bias ? '_FusedMatMul' : 'BatchMatMul',
      inputs,
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor3D;
}

/** [1, r, c] into [1, c, r]. */
function transpose3(x: tf.Tensor): tf.Tensor3D {
  return tf.transpose(x, [0, 2, 1]) as tf.Tensor3D;
}

/** Weight gradient and bias gradient of a layer at once: C = A^T G [1, n, m] and colsum(G) [m]. */
const atbKernel = defineKernel<Record<string, never>>({
  name: 'CopronetAtB',
  outputs: ([a, g]) => [[1, a[a.length - 1], g[g.length - 1]], [g[g.length - 1]]],
  run: ([a, g], [c, s], [sa, sg], _attrs, memory) => {
    const rows = sa[sa.length - 2];
    const n = sa[sa.length - 1];
    const m = sg[sg.length - 1];
    const simd = memory && a.buffer === memory.buffer && m % 8 === 0 && rows > 0 ? simdOn(memory) : null;
    if (simd) {
      simd.atb(a.byteOffset, g.byteOffset, c.byteOffset, rows, n, m);
      simd.colsum(g.byteOffset, s.byteOffset, rows, m);
    } else {
      atbJs(a, g, c, s, rows, n, m);
    }
  },
});

/**
 * The gradient into a tanh layer's input in one pass: G_prev = (G W~^T) * s (1 - s), for G
 * [1, rows, k], W~^T [1, k, n] and the layer's input activation s [1, rows, n].
 */
const tanhBackpropKernel = defineKernel<Record<string, never>>({
  name: 'CopronetTanhBackprop',
  outputs: (shapes) => [shapes[2]],
  run: ([g, w, s], [o], [sg, sw], _attrs, memory) => {
    const rows = sg[sg.length - 2];
    const k = sg[sg.length - 1];
    const n = sw[sw.length - 1];
    const simd = memory && g.buffer === memory.buffer && n % 8 === 0 && rows > 0 ? simdOn(memory) : null;
    if (simd) simd.gdt(g.byteOffset, w.byteOffset, s.byteOffset, o.byteOffset, rows, k, n, 0);
    else gdtJs(g, w, s, o, rows, k, n);
  },
});

/** A dense layer's forward product A W + b (relu'd with `relu`) for A [1, rows, k], W [1, k, n], b [n]. */
const denseKernel = defineKernel<{ relu: boolean }>({
  name: 'CopronetDense',
  outputs: ([sa, sw]) => [[1, sa[sa.length - 2], sw[sw.length - 1]]],
  run: ([a, w, b], [o], [sa, sw], { relu }, memory) => {
    const rows = sa[sa.length - 2];
    const k = sa[sa.length - 1];
    const n = sw[sw.length - 1];
    const simd = memory && a.buffer === memory.buffer && n % 8 === 0 && rows > 0 ? simdOn(memory) : null;
    if (simd) simd.fwd(a.byteOffset, w.byteOffset, b.byteOffset, o.byteOffset, rows, k, n, relu ? 1 : 0);
    else fwdJs(a, w, b, o, rows, k, n, relu);
  },
});

interface ActGradAttrs {
  activation: Activation;
}

/** G = dA * s (1 - s) (tanh, s = sigmoid(2 z)) or dA * [a > 0] (relu), in one pass. */
const actGradKernel = defineKernel<ActGradAttrs>({
  name: 'CopronetActivationGrad',
  outputs: ([shape]) => [shape],
  run: ([dA, s], [G], _shapes, { activation }) => {
    if (activation === 'tanh') tanhGrad(dA, s, G, G.length);
    else reluGrad(dA, s, G, G.length);
  },
});

function tanhGrad(dA: Float32Array, s: Float32Array, G: Float32Array, size: number): void {
  for (let i = 0; i < size; i++) {
    const si = s[i];
    G[i] = dA[i] * si * (1 - si);
  }
}

function reluGrad(dA: Float32Array, a: Float32Array, G: Float32Array, size: number): void {
  for (let i = 0; i < size; i++) G[i] = a[i] > 0 ? dA[i] : 0;
}

/** Up to this many elements, an activation gradient is one JavaScript kernel; above, a few vectorised tfjs ops. */
const SMALL_ACT_GRAD = 16_384;

/** The effective tensors of every network, as tfjs tensors (kept; replaced after each step). */
export class FusedNets {
  private eff: tf.Tensor[] = [];
  /** Per network, per layer: index of W~, b~ and W~^T in `eff`. */
  private readonly index: { w: number; b: number; wt: number }[][];
  /** Tensors of ones for the minibatch (piece) sizes in use (`onesOf`). */
  private readonly ones = new Map<number, tf.Tensor3D>();

  /** Forward products through the SIMD kernel (on the wasm backend, where it assembles). */
  private get simdForward(): boolean {
    return tf.getBackend() === 'wasm';
  }

  constructor(readonly nets: NetLayout[]) {
    let k = 0;
    this.index = nets.map((net) => {
      const out: { w: number; b: number; wt: number }[] = [];
      for (let l = 0; l < net.dims.length - 1; l++) {
        const w = k++;
        const b = k++;
        const wt = l > 0 ? k++ : -1;
        out.push({ w, b, wt });
      }
      return out;
    });
  }

  /** Recompute the effective tensors from `theta` (after a load). */
  refresh(theta: Float32Array): void {
    this.replace(tf.tidy(() => effectiveKernel([], { theta, nets: this.nets })));
  }

  private replace(next: tf.Tensor[]): void {
    for (const t of next) tf.keep(t);
    tf.dispose(this.eff);
    this.eff = next;
  }

  get ready(): boolean {
    return this.eff.length > 0;
  }

  /**
   * Forward pass of network `n` on x [1, B, in]; call inside tf.tidy. Returns the output
   * [1, B, out] and the hidden activations (s = sigmoid(2 z) for tanh, relu(z) for relu) the
   * backward pass needs.
   */
  forward(n: number, x: tf.Tensor3D): { out: tf.Tensor3D; acts: tf.Tensor3D[] } {
    const net = this.nets[n];
    const L = net.dims.length - 1;
    const acts: tf.Tensor3D[] = [];
    let h = x;
    for (let l = 0; l < L; l++) {
      const { w, b } = this.index[n][l];
      const hidden = l < L - 1;
      const relu = hidden && net.activation === 'relu';
      // The SIMD kernel on the wasm backend where the width allows; tfjs's matMul elsewhere.
      const simd = this.simdForward && net.dims[l + 1] % 8 === 0;
      const z = simd
        ? (denseKernel([h, this.eff[w], this.eff[b]], { relu })[0] as tf.Tensor3D)
        : matMul(h, this.eff[w], this.eff[b], relu);
      h = hidden && !relu ? (tf.sigmoid(z) as tf.Tensor3D) : z;
      if (hidden) acts.push(h);
    }
    return { out: h, acts };
  }

  /** A kept [1, 1, B] tensor of ones: colsum(G) = 1^T G, on XNNPACK's packing of G cached from its dW~ product. */
  private onesOf(B: number): tf.Tensor3D {
    let t = this.ones.get(B);
    if (!t) {
      // A minibatch has at most two piece sizes; a new minibatch size starts afresh.
      if (this.ones.size >= 2) this.disposeOnes();
      t = tf.keep(tf.ones([1, 1, B])) as tf.Tensor3D;
      this.ones.set(B, t);
    }
    return t;
  }

  private disposeOnes(): void {
    for (const t of this.ones.values()) t.dispose();
    this.ones.clear();
  }

  /**
   * Backward pass of network `n`: from d loss / d output `dOut` [1, B, out] and its column sum,
   * the forward's input `x` and activations, the effective gradients in Adam's input order
   * (per layer dW~ [in, out], or [out, in] when `gradTransposed`, then db~). Call inside tf.tidy.
   */
  backward(
    n: number,
    x: tf.Tensor3D,
    acts: tf.Tensor3D[],
    dOut: tf.Tensor3D,
    dOutSum: tf.Tensor,
  ): tf.Tensor[] {
    const net = this.nets[n];
    const L = net.dims.length - 1;
    const B = x.shape[1];
    const grads: tf.Tensor[] = new Array(2 * L);
    let G = dOut;
    for (let l = L - 1; l >= 0; l--) {
      const input = l === 0 ? x : acts[l - 1];
      if (net.dims[l + 1] % 8 === 0) {
        [grads[2 * l], grads[2 * l + 1]] = atbKernel([input, G], {});
      } else if (gradTransposed(net, l)) {
        // The output layer: dW~^T = dOut^T s (the kernel's column sums of s are not needed).
        grads[2 * l] = atbKernel([G, input], {})[0];
        grads[2 * l + 1] = dOutSum;
      } else {
        grads[2 * l] = matMul(transpose3(input), G);
        grads[2 * l + 1] = l === L - 1 ? dOutSum : matMul(this.onesOf(B), G);
      }
      if (l === 0) break;
      // Into the layer's input, then through the activation of the layer below.
      const wt = this.eff[this.index[n][l].wt];
      const s = acts[l - 1];
      if (net.activation === 'tanh' && net.dims[l] % 8 === 0) {
        G = tanhBackpropKernel([G, wt, s], {})[0] as tf.Tensor3D;
        continue;
      }
      const dA = matMul(G, wt);
      if (dA.size <= SMALL_ACT_GRAD)
        G = actGradKernel([dA, s], { activation: net.activation })[0] as tf.Tensor3D;
      else if (net.activation === 'tanh') G = tf.mul(tf.mul(dA, s), tf.sub(1, s)) as tf.Tensor3D;
      else G = tf.mul(dA, tf.step(s)) as tf.Tensor3D;
    }
    return grads;
  }

  /**
   * Adam step over `theta` (in place, with moments `m`, `v`) from the effective gradients of
   * every network (their `backward` outputs, net after net, for every piece of the minibatch:
   * the pieces are summed, then those of `more`: further pieces computed elsewhere, as arrays);
   * the effective tensors are replaced.
   */
  step(
    grads: tf.Tensor[],
    theta: Float32Array,
    m: Float32Array,
    v: Float32Array,
    adam: AdamStep,
    more?: Float32Array[],
  ): void {
    this.replace(adamKernel(grads, { theta, m, v, nets: this.nets, adam, more }));
  }

  /** The true gradient of every parameter from the effective ones, changing nothing (tests). */
  gradient(grads: tf.Tensor[], size: number): Float32Array {
    const gradOut = new Float32Array(size);
    const [t] = adamKernel(grads, {
      theta: new Float32Array(size),
      m: new Float32Array(size),
      v: new Float32Array(size),
      nets: this.nets,
      gradOut,
    });
    t.dispose();
    return gradOut;
  }

  dispose(): void {
    tf.dispose(this.eff);
    this.eff = [];
    this.disposeOnes();
  }
}
