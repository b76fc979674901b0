/**
 * The loss of one minibatch and its gradient with respect to the networks'
 * outputs, derived by hand and computed in one pass of JavaScript (float64): the
 * fused form of `ppoLoss` (agents/ppo/ppo.ts: CleanRL's clipped surrogate,
 * clipped value loss, entropy bonus, advantage normalisation over the live rows)
 * and of REINFORCE's loss (agents/reinforce/reinforce.ts). `headKernel` runs it
 * as one tfjs operation on the actor's and critic's output tensors.
 *
 * A minibatch row is described by its `side` row (see `sideWidth`): the action
 * (Beta: ln x and ln(1 - x) per dimension; categorical: its index), then the
 * collecting policy's log-probability, the advantage, the return, the
 * collecting critic's value and the live mask.
 *
 * Gradients, with N = max(sum of the mask, 1), m the row's mask, A its
 * (normalised) advantage, r = exp(logp - old logp):
 * - surrogate max(-A r, -A clip(r, 1 - c, 1 + c)): d/dr = -A on the unclipped branch (ties
 *   included) or when r is inside [1 - c, 1 + c], else 0; d/dlogp = r d/dr, times m / N;
 * - value loss 0.5 max((v - R)^2, (v_clip - R)^2): 2 (v - R) or 2 (v_clip - R) [inside the
 *   clip], times 0.5 vfCoef m / N;
 * - entropy bonus: d/dH = -entCoef m / N;
 * and through the distribution to the outputs (agents/tf/distributions.ts, `betaTerms`,
 * `categoricalTerms`). The tie-breaking matches tf.maximum's and tf.clipByValue's gradients.
 */
import { betaTerms, categoricalTerms } from '../tf/distributions.ts';
import { defineKernel } from '../tf/kernels.ts';

export type HeadDist = { kind: 'beta'; dim: number } | { kind: 'categorical'; n: number };

export interface HeadConfig {
  /** `ppo`: clipped surrogate and value loss; `reinforce`: -logp A and the plain value loss. */
  mode: 'ppo' | 'reinforce';
  clipCoef: number;
  clipVloss: boolean;
  entCoef: number;
  vfCoef: number;
  normAdv: boolean;
}

/** The loss terms of one minibatch (means over its live rows). */
export interface HeadTerms {
  loss: number;
  pgLoss: number;
  vLoss: number;
  entropy: number;
  oldApproxKl: number;
  approxKl: number;
  clipfrac: number;
}

export function emptyTerms(): HeadTerms {
  return { loss: 0, pgLoss: 0, vLoss: 0, entropy: 0, oldApproxKl: 0, approxKl: 0, clipfrac: 0 };
}

/** Columns of the action in a side row (Beta: ln x and ln(1 - x) per dimension; categorical: the index). */
export function actionColumns(dist: HeadDist): number {
  return dist.kind === 'beta' ? 2 * dist.dim : 1;
}

/** Width of the actor's output row (Beta: 2 dim, categorical: n logits). */
export function outputWidth(dist: HeadDist): number {
  return dist.kind === 'beta' ? 2 * dist.dim : dist.n;
}

/** Offsets, after the action columns, of the per-row values of a side row. */
export const SIDE = { logp: 0, advantage: 1, ret: 2, value: 3, mask: 4 } as const;

/** Width of a side row. */
export function sideWidth(dist: HeadDist): number {
  return actionColumns(dist) + 5;
}

/** Log-probability and entropy of every row (and their output derivatives), by distribution. */
export function distributionTerms(
  dist: HeadDist,
  out: ArrayLike<number>,
  rows: number,
  side: ArrayLike<number>,
  stride: number,
  logp: Float64Array,
  ent: Float64Array,
  dLogp?: Float64Array,
  dEnt?: Float64Array,
): void {
  if (dist.kind === 'beta') betaTerms(out, rows, dist.dim, side, stride, 0, logp, ent, dLogp, dEnt);
  else categoricalTerms(out, rows, dist.n, side, stride, 0, logp, ent, dLogp, dEnt);
}

let scratch = { rows: 0, logp: new Float64Array(0), ent: new Float64Array(0) };
let dScratch = { size: 0, dLogp: new Float64Array(0), dEnt: new Float64Array(0) };

function rowScratch(rows: number) {
  if (scratch.rows < rows) {
    scratch = { rows, logp: new Float64Array(rows), ent: new Float64Array(rows) };
  }
  return scratch;
}

let sums = new Float64Array(0);
function sumScratch(width: number): Float64Array {
  if (sums.length < width) sums = new Float64Array(width);
  sums.fill(0, 0, width);
  return sums;
}

function elemScratch(size: number) {
  if (dScratch.size < size) dScratch = { size, dLogp: new Float64Array(size), dEnt: new Float64Array(size) };
  return dScratch;
}

export interface HeadGrads {
  /** d loss / d actor output, rows x outputWidth. */
  dActor: Float32Array | Float64Array;
  /** d loss / d critic output, rows. */
  dCritic: Float32Array | Float64Array;
  /** Column sums of dActor and dCritic (the output layers' bias gradients). */
  dActorSum: Float32Array | Float64Array;
  dCriticSum: Float32Array | Float64Array;
}

/**
 * What makes a minibatch's loss a sum over its rows: N = max(live rows, 1) and the advantage
 * normalisation (zero mean, unbiased unit std over the live rows; without `normAdv`, mean 0 and
 * scale 1). With them fixed, any subset of the rows can go through the head on its own.
 */
export interface HeadStats {
  count: number;
  advMean: number;
  advDenom: number;
}

/** The `HeadStats` of a minibatch's side rows. */
export function headStats(
  side: ArrayLike<number>,
  rows: number,
  dist: HeadDist,
  normAdv: boolean,
): HeadStats {
  const stride = sideWidth(dist);
  const a0 = actionColumns(dist);
  let live = 0;
  let advSum = 0;
  for (let r = 0; r < rows; r++) {
    const m = side[r * stride + a0 + SIDE.mask];
    live += m;
    advSum += m * side[r * stride + a0 + SIDE.advantage];
  }
  const count = Math.max(live, 1);
  if (!normAdv) return { count, advMean: 0, advDenom: 1 };
  const mean = advSum / count;
  let sq = 0;
  for (let r = 0; r < rows; r++) {
    const c = (side[r * stride + a0 + SIDE.advantage] - mean) * side[r * stride + a0 + SIDE.mask];
    sq += c * c;
  }
  return { count, advMean: mean, advDenom: Math.sqrt(sq / Math.max(count - 1, 1)) + 1e-8 };
}

/**
 * The loss of `rows` rows of a minibatch (its `stats`) from the actor outputs (rows x
 * outputWidth), critic outputs (rows) and side rows: adds the rows' share of every term to
 * `terms` (so the terms of a whole minibatch are the sum over its pieces), and with `grads`
 * writes the gradient. Float64 inside.
 */
export function policyGradientHead(
  actor: ArrayLike<number>,
  critic: ArrayLike<number>,
  side: ArrayLike<number>,
  rows: number,
  dist: HeadDist,
  cfg: HeadConfig,
  stats: HeadStats,
  terms: HeadTerms,
  grads?: HeadGrads,
): void {
  const stride = sideWidth(dist);
  const a0 = actionColumns(dist);
  const width = outputWidth(dist);
  const { logp, ent } = rowScratch(rows);
  const d = grads ? elemScratch(rows * width) : undefined;
  distributionTerms(dist, actor, rows, side, stride, logp, ent, d?.dLogp, d?.dEnt);

  const { count, advMean, advDenom } = stats;
  const c = cfg.clipCoef;
  const ppo = cfg.mode === 'ppo';
  const clipV = ppo && cfg.clipVloss;
  const entCoef = cfg.entCoef;
  const vHalf = 0.5 * cfg.vfCoef;
  const [oLogp, oAdv, oRet, oValue, oMask] = [
    a0 + SIDE.logp,
    a0 + SIDE.advantage,
    a0 + SIDE.ret,
    a0 + SIDE.value,
    a0 + SIDE.mask,
  ];
  const dLogp = d?.dLogp;
  const dEnt = d?.dEnt;
  const dActor = grads?.dActor;
  const dCritic = grads?.dCritic;
  let pg = 0;
  let vl = 0;
  let h = 0;
  let oldKl = 0;
  let kl = 0;
  let clipped = 0;
  let sumC = 0;
  const sumA = grads ? sumScratch(width) : undefined;
  for (let r = 0; r < rows; r++) {
    const o = r * stride;
    const m = side[o + oMask];
    const w = m / count;
    const A = ((side[o + oAdv] - advMean) * m) / advDenom;
    const lp = logp[r];
    let gLogp: number;
    if (ppo) {
      const logratio = lp - side[o + oLogp];
      const ratio = Math.exp(logratio);
      oldKl += m * -logratio;
      kl += m * (ratio - 1 - logratio);
      if (Math.abs(ratio - 1) > c) clipped += m;
      const pg1 = -A * ratio;
      const rc = ratio < 1 - c ? 1 - c : ratio > 1 + c ? 1 + c : ratio;
      const pg2 = -A * rc;
      pg += m * (pg1 >= pg2 ? pg1 : pg2);
      const inside = ratio >= 1 - c && ratio <= 1 + c;
      gLogp = pg1 >= pg2 || inside ? -A * ratio * w : 0;
    } else {
      pg += m * -lp * A;
      gLogp = -A * w;
    }
    // ALGO LOGIC: value loss (clipped around the collecting critic's value with clipVloss)
    const v = critic[r];
    const R = side[o + oRet];
    const du = v - R;
    let row = du * du;
    let gv = 2 * du;
    if (clipV) {
      const oldV = side[o + oValue];
      const dv = v - oldV;
      const vcp = oldV + (dv < -c ? -c : dv > c ? c : dv);
      const dc = vcp - R;
      if (dc * dc > row) {
        row = dc * dc;
        gv = dv >= -c && dv <= c ? 2 * dc : 0;
      }
    }
    vl += m * row;
    h += m * ent[r];
    if (dActor && dCritic && dLogp && dEnt && sumA) {
      const gEnt = -entCoef * w;
      const q = r * width;
      for (let j = 0; j < width; j++) {
        const g = gLogp * dLogp[q + j] + gEnt * dEnt[q + j];
        dActor[q + j] = g;
        sumA[j] += g;
      }
      const gc = vHalf * w * gv;
      dCritic[r] = gc;
      sumC += gc;
    }
  }
  const pgLoss = pg / count;
  const vLoss = (0.5 * vl) / count;
  const entropy = h / count;
  terms.pgLoss += pgLoss;
  terms.vLoss += vLoss;
  terms.entropy += entropy;
  terms.oldApproxKl += oldKl / count;
  terms.approxKl += kl / count;
  terms.clipfrac += clipped / count;
  terms.loss += pgLoss - cfg.entCoef * entropy + cfg.vfCoef * vLoss;
  if (grads && sumA) {
    for (let j = 0; j < width; j++) grads.dActorSum[j] = sumA[j];
    grads.dCriticSum[0] = sumC;
  }
}

interface HeadAttrs {
  dist: HeadDist;
  cfg: HeadConfig;
  stats: HeadStats;
  /** The rows' share of the minibatch's loss terms is added here when the kernel runs. */
  terms: HeadTerms;
}

/**
 * The head as one tfjs operation: inputs the actor outputs [..., rows, outputWidth], the critic
 * outputs [..., rows, 1] and the side rows [rows, sideWidth]; outputs d loss / d actor output
 * and d loss / d critic output (the shapes of the outputs) and their column sums
 * [outputWidth] and [1]. The rows' share of the loss terms is added to `attrs.terms`.
 */
export const headKernel = defineKernel<HeadAttrs>({
  name: 'CopronetPolicyGradientHead',
  outputs: (shapes) => [shapes[0], shapes[1], [shapes[0][shapes[0].length - 1]], [1]],
  run: (
    [actor, critic, side],
    [dActor, dCritic, dActorSum, dCriticSum],
    shapes,
    { dist, cfg, stats, terms },
  ) => {
    policyGradientHead(actor, critic, side, shapes[2][0], dist, cfg, stats, terms, {
      dActor,
      dCritic,
      dActorSum,
      dCriticSum,
    });
  },
});
