/**
 * Action distributions: log-probabilities and entropies as differentiable tfjs
 * ops (for the losses) and samplers in JavaScript (for acting, drawn from the
 * project's `Rng` so runs are reproducible).
 *
 * - Categorical over logits, for Discrete actions. The log-probability is taken
 *   as `oneHot(a) * logSoftmax(logits)`: the gradient of `tf.gather` has no
 *   kernel on the wasm backend.
 * - Beta on [0, 1] per dimension, for Box actions, with alpha, beta = 1 +
 *   softplus(network output): unimodal, bounded, exact log-probability and
 *   entropy. Samples are rescaled to the role's [low, high] outside.
 *
 * tfjs has no lgamma / digamma ops: the Beta terms are one custom op whose
 * special functions (recurrence plus asymptotic series, float64) run in
 * JavaScript, with analytic gradients.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../src/core/rng.ts';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
/** Beta samples are kept this far inside (0, 1) so their log-probability is finite. */
export const BETA_EDGE = 1e-6;

// ---------------------------------------------------------------------------
// Special functions, JavaScript (float64) versions: samplers and tests.

/** log Gamma(x) for x > 0 (shift to x >= 7, then Stirling's series). */
export function lgamma(x: number): number {
  let shift = 0;
  while (x < 7) {
    shift += Math.log(x);
    x += 1;
  }
  const z2 = 1 / (x * x);
  const series = (1 / x) * (1 / 12 - z2 * (1 / 360 - z2 * (1 / 1260 - z2 * (1 / 1680 - z2 / 1188))));
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + series - shift;
}

/** digamma(x) for x > 0. */
export function digamma(x: number): number {
  let shift = 0;
  while (x < 7) {
    shift += 1 / x;
    x += 1;
  }
  const z2 = 1 / (x * x);
  return (
    Math.log(x) -
    0.5 / x -
    z2 * (1 / 12 - z2 * (1 / 120 - z2 * (1 / 252 - z2 * (1 / 240 - z2 / 132)))) -
    shift
  );
}

/** trigamma(x) = digamma'(x) for x > 0. */
export function trigamma(x: number): number {
  let shift = 0;
  while (x < 7) {
    shift += 1 / (x * x);
    x += 1;
  }
  const z = 1 / x;
  const z2 = z * z;
  return z + z2 / 2 + z * z2 * (1 / 6 - z2 * (1 / 30 - z2 * (1 / 42 - z2 / 30))) + shift;
}

/** Log density of Beta(a, b) at x in (0, 1). */
export function betaLogPdf(x: number, a: number, b: number): number {
  return (a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - (lgamma(a) + lgamma(b) - lgamma(a + b));
}

/** Differential entropy of Beta(a, b). */
export function betaEntropy(a: number, b: number): number {
  const lbeta = lgamma(a) + lgamma(b) - lgamma(a + b);
  return lbeta - (a - 1) * digamma(a) - (b - 1) * digamma(b) + (a + b - 2) * digamma(a + b);
}

/**
 * log Gamma, digamma and trigamma of x > 0 at once, into `out[at]`, `out[at + 1]`, `out[at + 2]`:
 * one shift to x >= 7 (a product under one log, sums of 1/x and 1/x^2), then the three series.
 */
export function gammaTriple(x: number, out: Float64Array, at: number): void {
  let prod = 1;
  let psiShift = 0;
  let triShift = 0;
  while (x < 7) {
    prod *= x;
    const inv = 1 / x;
    psiShift += inv;
    triShift += inv * inv;
    x += 1;
  }
  const z = 1 / x;
  const z2 = z * z;
  const lx = Math.log(x);
  out[at] =
    (x - 0.5) * lx -
    x +
    HALF_LOG_2PI +
    z * (1 / 12 - z2 * (1 / 360 - z2 * (1 / 1260 - z2 * (1 / 1680 - z2 / 1188)))) -
    (prod === 1 ? 0 : Math.log(prod));
  out[at + 1] =
    lx - 0.5 * z - z2 * (1 / 12 - z2 * (1 / 120 - z2 * (1 / 252 - z2 * (1 / 240 - z2 / 132)))) - psiShift;
  out[at + 2] = z + z2 / 2 + z * z2 * (1 / 6 - z2 * (1 / 30 - z2 * (1 / 42 - z2 / 30))) + triShift;
}

const G = new Float64Array(9);

/**
 * Beta terms of `rows` rows straight from the actor's outputs, in float64: for row r,
 * `out[r * 2d + k]` and `out[r * 2d + d + k]` are the raw outputs of dimension k (alpha, beta =
 * 1 + softplus), `side[r * stride + at + k]` holds ln x and `side[r * stride + at + d + k]`
 * ln(1 - x) of the action. Writes the summed log-density `logp[r]` and entropy `ent[r]`; with
 * `dLogp` and `dEnt` (rows x 2d), also their derivatives with respect to each raw output:
 *   d logp / d alpha = ln x - psi(alpha) + psi(alpha + beta)
 *   d H / d alpha    = -(alpha - 1) psi'(alpha) + (alpha + beta - 2) psi'(alpha + beta)
 * (and symmetrically for beta), times d alpha / d output = sigmoid(output).
 */
export function betaTerms(
  out: ArrayLike<number>,
  rows: number,
  d: number,
  side: ArrayLike<number>,
  stride: number,
  at: number,
  logp: Float64Array,
  ent: Float64Array,
  dLogp?: Float64Array,
  dEnt?: Float64Array,
): void {
  const w = 2 * d;
  for (let r = 0; r < rows; r++) {
    let lp = 0;
    let h = 0;
    for (let k = 0; k < d; k++) {
      const oa = out[r * w + k];
      const ob = out[r * w + d + k];
      const ea = Math.exp(-Math.abs(oa));
      const eb = Math.exp(-Math.abs(ob));
      // softplus(o) = max(o, 0) + log1p(exp(-|o|)); sigmoid from the same exponential.
      const a = 1 + Math.max(oa, 0) + Math.log1p(ea);
      const b = 1 + Math.max(ob, 0) + Math.log1p(eb);
      gammaTriple(a, G, 0);
      gammaTriple(b, G, 3);
      gammaTriple(a + b, G, 6);
      const lnx = side[r * stride + at + k];
      const ln1mx = side[r * stride + at + d + k];
      const lbeta = G[0] + G[3] - G[6];
      const s2 = a + b - 2;
      lp += (a - 1) * lnx + (b - 1) * ln1mx - lbeta;
      h += lbeta - (a - 1) * G[1] - (b - 1) * G[4] + s2 * G[7];
      if (dLogp && dEnt) {
        const sa = oa >= 0 ? 1 / (1 + ea) : ea / (1 + ea);
        const sb = ob >= 0 ? 1 / (1 + eb) : eb / (1 + eb);
        dLogp[r * w + k] = sa * (lnx - G[1] + G[7]);
        dLogp[r * w + d + k] = sb * (ln1mx - G[4] + G[7]);
        dEnt[r * w + k] = sa * (-(a - 1) * G[2] + s2 * G[8]);
        dEnt[r * w + d + k] = sb * (-(b - 1) * G[5] + s2 * G[8]);
      }
    }
    logp[r] = lp;
    ent[r] = h;
  }
}

/**
 * Categorical terms of `rows` rows of `n` logits, in float64: the log-probability `logp[r]` of
 * the action `side[r * stride + at]` and the entropy `ent[r]`; with `dLogp` and `dEnt`
 * (rows x n), their derivatives with respect to each logit:
 *   d logp / d o_j = [j = a] - p_j,   d H / d o_j = -p_j (log p_j + H).
 */
export function categoricalTerms(
  out: ArrayLike<number>,
  rows: number,
  n: number,
  side: ArrayLike<number>,
  stride: number,
  at: number,
  logp: Float64Array,
  ent: Float64Array,
  dLogp?: Float64Array,
  dEnt?: Float64Array,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let max = -Infinity;
    for (let j = 0; j < n; j++) max = Math.max(max, out[o + j]);
    let total = 0;
    for (let j = 0; j < n; j++) total += Math.exp(out[o + j] - max);
    const lse = max + Math.log(total);
    let h = 0;
    for (let j = 0; j < n; j++) {
      const lpj = out[o + j] - lse;
      h -= Math.exp(lpj) * lpj;
    }
    const action = side[r * stride + at];
    logp[r] = out[o + action] - lse;
    ent[r] = h;
    if (dLogp && dEnt) {
      for (let j = 0; j < n; j++) {
        const lpj = out[o + j] - lse;
        const pj = Math.exp(lpj);
        dLogp[o + j] = (j === action ? 1 : 0) - pj;
        dEnt[o + j] = -pj * (lpj + h);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Samplers.

/** Gamma(shape, 1) deviate for shape >= 1 (Marsaglia and Tsang 2000). */
export function sampleGamma(shape: number, rng: Rng): number {
  if (shape < 1) {
    // Boost: Gamma(a) = Gamma(a + 1) * U^(1/a).
    return sampleGamma(shape + 1, rng) * rng.next() ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    let v = 1 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Beta(a, b) deviate, kept inside [BETA_EDGE, 1 - BETA_EDGE]. */
export function sampleBeta(a: number, b: number, rng: Rng): number {
  const x = sampleGamma(a, rng);
  const y = sampleGamma(b, rng);
  const s = x / (x + y);
  return Math.min(1 - BETA_EDGE, Math.max(BETA_EDGE, Number.isFinite(s) ? s : 0.5));
}

/** Categorical draw from `n` logits starting at `offset`. */
export function sampleCategorical(logits: ArrayLike<number>, offset: number, n: number, rng: Rng): number {
  let max = -Infinity;
  for (let k = 0; k < n; k++) max = Math.max(max, logits[offset + k]);
  let total = 0;
  for (let k = 0; k < n; k++) total += Math.exp(logits[offset + k] - max);
  let u = rng.next() * total;
  for (let k = 0; k < n; k++) {
    u -= Math.exp(logits[offset + k] - max);
    if (u < 0) return k;
  }
  return n - 1;
}

// ---------------------------------------------------------------------------
// tfjs versions (differentiable). Call inside tf.tidy.

/** Beta parameters from raw network outputs [batch, 2 * dim]: alpha, beta = 1 + softplus. */
export function betaParams(raw: tf.Tensor2D, dim: number): { alpha: tf.Tensor2D; beta: tf.Tensor2D } {
  const [a, b] = tf.split(raw, [dim, dim], 1) as [tf.Tensor2D, tf.Tensor2D];
  return { alpha: tf.add(tf.softplus(a), 1), beta: tf.add(tf.softplus(b), 1) };
}

/**
 * One custom op for the Beta terms: from alpha, beta, x (all [batch, dim]) it
 * returns [batch, 2 * dim]: the elementwise log-densities, then the elementwise
 * entropies. The special functions run in JavaScript (float64) on the values
 * read back, with the analytic gradients
 *   d logp / da = ln x - psi(a) + psi(a + b),  d logp / db = ln(1 - x) - psi(b) + psi(a + b),
 *   d H / da = -(a - 1) psi'(a) + (a + b - 2) psi'(a + b), and symmetrically for b.
 * tfjs has no lgamma / digamma ops, and building them from elementary ops costs
 * hundreds of small kernels per step; this costs a handful.
 */
const betaTermsOp = tf.customGrad(((
  alpha: tf.Tensor2D,
  beta: tf.Tensor2D,
  x: tf.Tensor2D,
  save: tf.GradSaveFunc,
) => {
  save([alpha, beta, x]);
  const [rows, d] = alpha.shape;
  const a = alpha.dataSync();
  const b = beta.dataSync();
  const xs = x.dataSync();
  const out = new Float32Array(rows * 2 * d);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < d; k++) {
      const i = r * d + k;
      const ai = a[i];
      const bi = b[i];
      const lbeta = lgamma(ai) + lgamma(bi) - lgamma(ai + bi);
      out[r * 2 * d + k] = (ai - 1) * Math.log(xs[i]) + (bi - 1) * Math.log1p(-xs[i]) - lbeta;
      out[r * 2 * d + d + k] =
        lbeta - (ai - 1) * digamma(ai) - (bi - 1) * digamma(bi) + (ai + bi - 2) * digamma(ai + bi);
    }
  }
  return {
    value: tf.tensor2d(out, [rows, 2 * d]),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const g = dy.dataSync();
      const sa = saved[0].dataSync();
      const sb = saved[1].dataSync();
      const sx = saved[2].dataSync();
      const da = new Float32Array(rows * d);
      const db = new Float32Array(rows * d);
      for (let r = 0; r < rows; r++) {
        for (let k = 0; k < d; k++) {
          const i = r * d + k;
          const ai = sa[i];
          const bi = sb[i];
          const gl = g[r * 2 * d + k];
          const gh = g[r * 2 * d + d + k];
          const psiS = digamma(ai + bi);
          const triS = trigamma(ai + bi);
          da[i] =
            gl * (Math.log(sx[i]) - digamma(ai) + psiS) +
            gh * (-(ai - 1) * trigamma(ai) + (ai + bi - 2) * triS);
          db[i] =
            gl * (Math.log1p(-sx[i]) - digamma(bi) + psiS) +
            gh * (-(bi - 1) * trigamma(bi) + (ai + bi - 2) * triS);
        }
      }
      return [tf.tensor2d(da, [rows, d]), tf.tensor2d(db, [rows, d]), tf.zerosLike(saved[2])];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * Summed log-density of `x` in (0, 1)^dim and summed entropy, both [batch], for Beta(alpha, beta).
 * Differentiable in alpha and beta. Call inside tf.tidy.
 */
export function tfBetaLogProbEntropy(
  alpha: tf.Tensor2D,
  beta: tf.Tensor2D,
  x: tf.Tensor2D,
): { logp: tf.Tensor1D; entropy: tf.Tensor1D } {
  const d = alpha.shape[1];
  const terms = betaTermsOp(alpha, beta, x) as tf.Tensor2D;
  const [lp, h] = tf.split(terms, [d, d], 1);
  return { logp: tf.sum(lp, 1) as tf.Tensor1D, entropy: tf.sum(h, 1) as tf.Tensor1D };
}

/** Log-probability of integer actions (given as a [batch] float tensor) under logits [batch, n]. */
export function tfCategoricalLogProb(logits: tf.Tensor2D, actions: tf.Tensor1D, n: number): tf.Tensor1D {
  const oneHot = tf.oneHot(tf.cast(actions, 'int32'), n);
  return tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1);
}

/** Entropy of the categorical distributions: [batch]. */
export function tfCategoricalEntropy(logits: tf.Tensor2D): tf.Tensor1D {
  const logp = tf.logSoftmax(logits);
  return tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1)) as tf.Tensor1D;
}
