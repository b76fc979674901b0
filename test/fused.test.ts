/**
 * The fast path's hand-derived gradients (agents/common/head.ts, agents/tf/fused.ts):
 * finite differences of the loss head (both distributions, the clipped and
 * unclipped branches of the surrogate and of the value loss, REINFORCE), of the
 * MLP backward pass (tanh and relu, the small-layer JavaScript kernel and the
 * tfjs-op path), and the whole minibatch gradient and Adam step against tfjs's
 * gradient tape on the reference path (ppoLoss, RolePolicy.evaluate, Adam).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  actionColumns,
  emptyTerms,
  type HeadConfig,
  type HeadDist,
  headStats,
  outputWidth,
  policyGradientHead,
  SIDE,
  sideWidth,
} from '../agents/common/head.ts';
import { RoleRollout } from '../agents/common/buffer.ts';
import {
  gatherMinibatch,
  minibatchOrder,
  minibatchRows,
  packedMinibatch,
  packMinibatch,
  prepareRollout,
  sideRows,
} from '../agents/common/prepare.ts';
import { PpoConfigSchema } from '../agents/ppo/config.ts';
import { ppoLoss } from '../agents/ppo/ppo.ts';
import { initBackend } from '../agents/tf/backend.ts';
import {
  betaEntropy,
  betaLogPdf,
  betaTerms,
  digamma,
  gammaTriple,
  lgamma,
  trigamma,
} from '../agents/tf/distributions.ts';
import { FusedNets, layoutNets } from '../agents/tf/fused.ts';
import type { Activation } from '../agents/tf/mlp.ts';
import { atbJs, fwdJs, gdtJs, simdOn, type WasmMemory } from '../agents/tf/simd.ts';
import { minibatchShape, type PackedMinibatch, RolePolicy, stepPieces } from '../agents/tf/policy.ts';
import type { RoleSpec } from '../src/core/batched.ts';
import { Rng } from '../src/core/rng.ts';

beforeAll(async () => {
  await initBackend('cpu');
});

const PPO: HeadConfig = {
  mode: 'ppo',
  clipCoef: 0.2,
  clipVloss: true,
  entCoef: 0.01,
  vfCoef: 0.5,
  normAdv: true,
};

/** Central difference of f at x[i], with the step actually taken (x is float64). */
function fd(f: () => number, x: Float64Array, i: number, h: number): number {
  const x0 = x[i];
  x[i] = x0 + h;
  const up = f();
  x[i] = x0 - h;
  const down = f();
  x[i] = x0;
  return (up - down) / (2 * h);
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, abs = 1e-9) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    const tol = abs + rel * Math.max(Math.abs(want[i]), Math.abs(got[i]));
    if (!(Math.abs(got[i] - want[i]) <= tol)) {
      throw new Error(`element ${i}: got ${got[i]}, want ${want[i]} (tolerance ${tol})`);
    }
  }
}

/** Side rows from plain per-row values. */
function sideOf(
  dist: HeadDist,
  rows: { action: number[]; logp: number; adv: number; ret: number; value: number; mask: number }[],
): Float64Array {
  const S = sideWidth(dist);
  const a0 = actionColumns(dist);
  const out = new Float64Array(rows.length * S);
  rows.forEach((r, i) => {
    if (dist.kind === 'beta') {
      r.action.forEach((x, k) => {
        out[i * S + k] = Math.log(x);
        out[i * S + dist.dim + k] = Math.log1p(-x);
      });
    } else out[i * S] = r.action[0];
    out[i * S + a0 + SIDE.logp] = r.logp;
    out[i * S + a0 + SIDE.advantage] = r.adv;
    out[i * S + a0 + SIDE.ret] = r.ret;
    out[i * S + a0 + SIDE.value] = r.value;
    out[i * S + a0 + SIDE.mask] = r.mask;
  });
  return out;
}

describe('special functions of the fast path', () => {
  it('gammaTriple gives lgamma, digamma and trigamma at once', () => {
    const out = new Float64Array(3);
    for (const x of [0.3, 1, 1.7, 4.2, 6.99, 7, 30, 1234.5]) {
      gammaTriple(x, out, 0);
      expect(out[0]).toBeCloseTo(lgamma(x), 11);
      expect(out[1]).toBeCloseTo(digamma(x), 11);
      expect(out[2]).toBeCloseTo(trigamma(x), 11);
    }
  });
});

describe('loss head: finite differences in float64', () => {
  // Rows chosen away from every kink (ratio at 1 +- clip, v - oldV at +- clip, equal branches).
  const beta: HeadDist = { kind: 'beta', dim: 2 };
  const cat: HeadDist = { kind: 'categorical', n: 3 };

  function check(
    dist: HeadDist,
    cfg: HeadConfig,
    actor: Float64Array,
    critic: Float64Array,
    side: Float64Array,
  ) {
    const rows = critic.length;
    const width = outputWidth(dist);
    const stats = headStats(side, rows, dist, cfg.normAdv);
    const loss = () => {
      const t = emptyTerms();
      policyGradientHead(actor, critic, side, rows, dist, cfg, stats, t);
      return t.loss;
    };
    const grads = {
      dActor: new Float64Array(rows * width),
      dCritic: new Float64Array(rows),
      dActorSum: new Float64Array(width),
      dCriticSum: new Float64Array(1),
    };
    const terms = emptyTerms();
    policyGradientHead(actor, critic, side, rows, dist, cfg, stats, terms, grads);
    expect(terms.loss).toBeCloseTo(loss(), 12);
    const numA = Float64Array.from(actor, (_, i) => fd(loss, actor, i, 1e-5));
    const numC = Float64Array.from(critic, (_, i) => fd(loss, critic, i, 1e-5));
    expectClose(grads.dActor, numA, 1e-6, 1e-9);
    expectClose(grads.dCritic, numC, 1e-6, 1e-9);
    const sums = new Float64Array(width);
    for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) sums[j] += grads.dActor[r * width + j];
    expectClose(grads.dActorSum, sums, 1e-12);
    return { terms, grads };
  }

  it('Beta: clipped and unclipped surrogate, clipped and unclipped value loss, a masked row', () => {
    // Old log-probabilities set so the ratios are 1.5 (clipped for A > 0), 0.6 (clipped for A < 0),
    // 1.05 (inside), 1.5 with A < 0 (unclipped branch wins outside the range), and a masked row.
    const actor = new Float64Array([
      0.3, -0.2, 1.1, 0.4, -0.5, 0.8, 0.1, -1.2, 0.9, 0.2, 0.3, -0.4, 0, 0.5, 0.6, 0.7, 1, 1, 1, 1,
    ]);
    const critic = new Float64Array([0.5, -0.3, 1.4, 0.05, 9]);
    const xs = [
      [0.3, 0.7],
      [0.55, 0.2],
      [0.8, 0.45],
      [0.1, 0.5],
      [0.5, 0.5],
    ];
    // New log-probabilities under `actor`, to place the ratios.
    const lp = xs.map((x, r) => {
      const s1 = sideOf(beta, [{ action: x, logp: 0, adv: 0, ret: 0, value: 0, mask: 1 }]);
      const out = new Float64Array(1);
      betaTerms(actor.subarray(r * 4, r * 4 + 4), 1, 2, s1, sideWidth(beta), 0, out, new Float64Array(1));
      return out[0];
    });
    const side = sideOf(beta, [
      { action: xs[0], logp: lp[0] - Math.log(1.5), adv: 1.3, ret: 0.2, value: 0.45, mask: 1 }, // value inside clip
      { action: xs[1], logp: lp[1] - Math.log(0.6), adv: -0.7, ret: 1.5, value: 0.2, mask: 1 }, // value clipped, far
      { action: xs[2], logp: lp[2] - Math.log(1.05), adv: 0.4, ret: -1, value: 1.1, mask: 1 },
      { action: xs[3], logp: lp[3] - Math.log(1.5), adv: -1.1, ret: 0.3, value: 0.6, mask: 1 },
      { action: xs[4], logp: 0, adv: 50, ret: 50, value: -50, mask: 0 },
    ]);
    const { terms, grads } = check(beta, PPO, actor, critic, side);
    // The masked row gets no gradient; the clipped surrogate (row 0: A > 0, ratio > 1.2) neither
    // from the surrogate: its gradient is the entropy bonus's alone.
    expect(Array.from(grads.dActor.subarray(16, 20))).toEqual([0, 0, 0, 0]);
    expect(grads.dCritic[4]).toBe(0);
    expect(terms.clipfrac).toBeCloseTo(0.75, 12);
    check(beta, { ...PPO, clipVloss: false }, actor, critic, side);
    check(beta, { ...PPO, normAdv: false }, actor, critic, side);
    check(beta, { ...PPO, mode: 'reinforce', clipVloss: false }, actor, critic, side);
  });

  it('categorical: the same branches', () => {
    const actor = new Float64Array([0.2, -1, 0.5, 1, 2, 3, -0.3, 0.1, 0.4, 0, 0, 0]);
    const critic = new Float64Array([0.1, 2.5, -0.4, 3]);
    const side = sideOf(cat, [
      { action: [2], logp: -1.6, adv: 0.8, ret: 0.2, value: 0.15, mask: 1 },
      { action: [0], logp: -2.1, adv: -1.2, ret: 1, value: 2, mask: 1 },
      { action: [1], logp: -0.6, adv: 0.3, ret: -2, value: -0.1, mask: 1 },
      { action: [1], logp: 0, adv: 9, ret: 9, value: 9, mask: 0 },
    ]);
    check(cat, PPO, actor, critic, side);
    check(cat, { ...PPO, clipVloss: false, normAdv: false }, actor, critic, side);
    check(cat, { ...PPO, mode: 'reinforce', clipVloss: false }, actor, critic, side);
  });

  it('the Beta head matches the closed-form log-density and entropy', () => {
    const actor = new Float64Array([0.4, -0.3, 1.2, 0.1]);
    const side = sideOf(beta, [{ action: [0.25, 0.9], logp: 0, adv: 0, ret: 0, value: 0, mask: 1 }]);
    const t = emptyTerms();
    const cfg: HeadConfig = { ...PPO, mode: 'reinforce', normAdv: false, entCoef: 0, vfCoef: 0 };
    policyGradientHead(actor, new Float64Array(1), side, 1, beta, cfg, headStats(side, 1, beta, false), t);
    const sp = (x: number) => Math.log1p(Math.exp(x));
    const [a0, a1, b0, b1] = [1 + sp(0.4), 1 + sp(-0.3), 1 + sp(1.2), 1 + sp(0.1)];
    expect(t.entropy).toBeCloseTo(betaEntropy(a0, b0) + betaEntropy(a1, b1), 10);
    // REINFORCE without advantages: pgLoss = -logp * 0.
    expect(t.pgLoss).toBeCloseTo(0, 12);
    const lp = betaLogPdf(0.25, a0, b0) + betaLogPdf(0.9, a1, b1);
    const ppo = emptyTerms();
    policyGradientHead(
      actor,
      new Float64Array(1),
      side,
      1,
      beta,
      { ...PPO, normAdv: false },
      headStats(side, 1, beta, false),
      ppo,
    );
    expect(-ppo.oldApproxKl).toBeCloseTo(lp, 10);
  });

  it('the terms of a minibatch are the sum of its pieces (fixed stats)', () => {
    const rng = new Rng(4);
    const rows = 9;
    const actor = Float64Array.from({ length: rows * 3 }, () => rng.normal());
    const critic = Float64Array.from({ length: rows }, () => rng.normal());
    const side = sideOf(
      cat,
      Array.from({ length: rows }, (_, i) => ({
        action: [rng.int(3)],
        logp: -1 + 0.3 * rng.normal(),
        adv: rng.normal(),
        ret: rng.normal(),
        value: rng.normal(),
        mask: i === 4 ? 0 : 1,
      })),
    );
    const stats = headStats(side, rows, cat, true);
    const whole = emptyTerms();
    policyGradientHead(actor, critic, side, rows, cat, PPO, stats, whole);
    const parts = emptyTerms();
    const S = sideWidth(cat);
    for (const [a, b] of [
      [0, 4],
      [4, 9],
    ]) {
      policyGradientHead(
        actor.subarray(a * 3, b * 3),
        critic.subarray(a, b),
        side.subarray(a * S, b * S),
        b - a,
        cat,
        PPO,
        stats,
        parts,
      );
    }
    for (const k of Object.keys(whole) as (keyof typeof whole)[]) expect(parts[k]).toBeCloseTo(whole[k], 12);
  });
});

/** The true parameters of a layout, float64, and a float64 forward pass of network n. */
function forward64(
  theta: Float64Array,
  dims: number[],
  act: Activation,
  wOff: number[],
  bOff: number[],
  x: Float64Array,
  B: number,
) {
  let h = x;
  for (let l = 0; l < dims.length - 1; l++) {
    const [nin, nout] = [dims[l], dims[l + 1]];
    const z = new Float64Array(B * nout);
    for (let r = 0; r < B; r++) {
      for (let j = 0; j < nout; j++) {
        let s = theta[bOff[l] + j];
        for (let i = 0; i < nin; i++) s += h[r * nin + i] * theta[wOff[l] + i * nout + j];
        const last = l === dims.length - 2;
        z[r * nout + j] = last ? s : act === 'tanh' ? Math.tanh(s) : Math.max(s, 0);
      }
    }
    h = z;
  }
  return h;
}

describe('MLP backward pass (effective weights): finite differences in float64', () => {
  for (const [act, B, hidden] of [
    ['tanh', 5, [6, 4]],
    ['relu', 5, [6, 4]],
    ['tanh', 300, [64, 64]], // 300 x 64 > the small-layer kernel: the tfjs-op path
    ['relu', 300, [64]],
  ] as const) {
    it(`${act}, ${B} rows, hidden ${hidden.join('-')}`, () => {
      const rng = new Rng(`mlp-${act}-${B}`);
      const dims = [3, ...hidden, 2];
      const { nets, size } = layoutNets([{ dims, activation: act }]);
      const theta = Float32Array.from({ length: size }, () => 0.6 * rng.normal());
      const x = Float32Array.from({ length: B * 3 }, () => rng.normal());
      const c = Float32Array.from({ length: B * 2 }, () => rng.normal());
      const fused = new FusedNets(nets);
      fused.refresh(theta);
      const grad = tf.tidy(() => {
        const xt = tf.tensor3d(x, [1, B, 3]);
        const { out, acts } = fused.forward(0, xt);
        // loss = sum(c * out): d loss / d out = c.
        const dOut = tf.tensor3d(c, [1, B, 2]);
        const o = out.dataSync();
        const want = forward64(
          Float64Array.from(theta),
          dims,
          act,
          nets[0].wOff,
          nets[0].bOff,
          Float64Array.from(x),
          B,
        );
        expectClose(o, want, 2e-5, 2e-6);
        return fused.gradient(fused.backward(0, xt, acts, dOut, tf.sum(dOut, [0, 1])), size);
      });
      fused.dispose();
      const t64 = Float64Array.from(theta);
      const loss = () => {
        const out = forward64(t64, dims, act, nets[0].wOff, nets[0].bOff, Float64Array.from(x), B);
        let s = 0;
        for (let i = 0; i < out.length; i++) s += c[i] * out[i];
        return s;
      };
      // Every parameter of the small nets; a sample of the big ones.
      const idx =
        size <= 200
          ? Array.from({ length: size }, (_, i) => i)
          : Array.from({ length: 60 }, () => rng.int(size));
      const num = idx.map((i) => fd(loss, t64, i, 1e-6));
      const got = idx.map((i) => grad[i]);
      const scale = Math.max(...num.map(Math.abs));
      expectClose(got, num, 1e-4, 1e-5 * scale);
    });
  }
});

const BOX: RoleSpec = {
  name: 'a',
  count: 1,
  obsDim: 5,
  action: { kind: 'box', dim: 2, low: new Float32Array([0, -1]), high: new Float32Array([1, 1]) },
};
const DISCRETE: RoleSpec = { name: 'a', count: 1, obsDim: 5, action: { kind: 'discrete', n: 3 } };

let scopeN = 0;
function policyOf(
  spec: RoleSpec,
  activation: Activation,
  hidden: number[],
  criticInputDim = spec.obsDim,
  seed: number | string = ++scopeN,
) {
  const p = new RolePolicy(spec, {
    hidden,
    activation,
    seed: 3,
    criticInputDim,
    adamEps: 1e-5,
    scope: `fused-${++scopeN}`,
  });
  const rng = new Rng(`weights-${seed}`);
  tf.tidy(() => {
    for (const v of p.variables())
      v.assign(
        tf.tensor(
          Float32Array.from({ length: v.size }, () => 0.6 * rng.normal()),
          v.shape,
        ),
      );
  });
  return p;
}

/** A random minibatch of B rows (every fifth masked) for the fast path and the reference. */
function minibatch(p: RolePolicy, B: number, stateDim = 0, seed = 1) {
  const rng = new Rng(`mb-${seed}`);
  const D = p.spec.obsDim;
  const obs = Float32Array.from({ length: B * D }, () => rng.normal());
  const crit = stateDim > 0 ? new Float32Array(B * (D + stateDim)) : undefined;
  if (crit) {
    for (let r = 0; r < B; r++) {
      crit.set(obs.subarray(r * D, (r + 1) * D), r * (D + stateDim));
      for (let k = 0; k < stateDim; k++) crit[r * (D + stateDim) + D + k] = rng.normal();
    }
  }
  const raw = Float32Array.from({ length: B * p.rawDim }, () =>
    p.dist.kind === 'beta' ? 0.05 + 0.9 * rng.next() : rng.int(3),
  );
  const mb = {
    logp: Float32Array.from({ length: B }, () => -1.5 + 0.6 * rng.normal()),
    advantages: Float32Array.from({ length: B }, () => rng.normal()),
    returns: Float32Array.from({ length: B }, () => rng.normal()),
    values: Float32Array.from({ length: B }, () => rng.normal()),
    mask: Float32Array.from({ length: B }, (_, i) => (i % 5 === 4 ? 0 : 1)),
  };
  const S = sideWidth(p.dist);
  const a0 = actionColumns(p.dist);
  const side = new Float32Array(B * S);
  for (let r = 0; r < B; r++) {
    if (p.dist.kind === 'beta') {
      for (let k = 0; k < p.rawDim; k++) {
        side[r * S + k] = Math.log(raw[r * p.rawDim + k]);
        side[r * S + p.rawDim + k] = Math.log1p(-raw[r * p.rawDim + k]);
      }
    } else side[r * S] = raw[r];
    side[r * S + a0 + SIDE.logp] = mb.logp[r];
    side[r * S + a0 + SIDE.advantage] = mb.advantages[r];
    side[r * S + a0 + SIDE.ret] = mb.returns[r];
    side[r * S + a0 + SIDE.value] = mb.values[r];
    side[r * S + a0 + SIDE.mask] = mb.mask[r];
  }
  const packed: PackedMinibatch = {
    rows: B,
    obs,
    critic: crit,
    side,
    live: mb.mask.reduce((a, b) => a + b, 0),
  };
  return { packed, obs, crit, raw, mb };
}

/** The reference loss on the same minibatch, through tfjs's tape. */
function referenceGradient(p: RolePolicy, m: ReturnType<typeof minibatch>, cfg = PpoConfigSchema.parse({})) {
  const B = m.packed.rows;
  const vars = p.variables();
  const { value, grads } = tf.variableGrads(() => {
    const { logp, entropy } = p.evaluate(
      tf.tensor2d(m.obs, [B, p.spec.obsDim]),
      tf.tensor2d(m.raw, [B, p.rawDim]),
    );
    const cIn = m.crit ?? m.obs;
    const v = p.valueTensor(tf.tensor2d(cIn, [B, cIn.length / B]));
    return ppoLoss(logp, entropy, v, m.mb, cfg).loss;
  }, vars);
  const flat = new Float32Array(vars.reduce((n, v) => n + v.size, 0));
  let off = 0;
  for (const v of vars) {
    flat.set(grads[v.name].dataSync() as Float32Array, off);
    off += v.size;
  }
  const loss = value.dataSync()[0];
  value.dispose();
  tf.dispose(grads);
  return { loss, grad: flat };
}

describe('the whole minibatch gradient against the gradient tape', () => {
  for (const [name, spec, act, hidden, B, stateDim] of [
    ['Beta, tanh', BOX, 'tanh', [8, 6], 12, 0],
    ['Beta, relu', BOX, 'relu', [8, 6], 12, 0],
    ['categorical, tanh', DISCRETE, 'tanh', [8, 6], 12, 0],
    ['categorical, relu', DISCRETE, 'relu', [8], 12, 0],
    ['Beta, tanh, centralised critic', BOX, 'tanh', [8, 6], 12, 4],
    ['Beta, tanh 64-64, 300 rows (tfjs-op path)', BOX, 'tanh', [64, 64], 300, 0],
    ['categorical, tanh, 4500 rows in two pieces', DISCRETE, 'tanh', [8, 8], 4500, 0],
  ] as const) {
    it(name, () => {
      const p = policyOf(spec, act, [...hidden], spec.obsDim + stateDim);
      const m = minibatch(p, B, stateDim);
      const ref = referenceGradient(p, m);
      const { terms, grad } = p.fusedGradient(m.packed, PPO);
      // The fast path's own tensors (effective weights, a column of ones) exist from its first use on.
      const before = tf.memory().numTensors;
      expect(p.fusedGradient(m.packed, PPO).grad).toEqual(grad);
      expect(tf.memory().numTensors).toBe(before);
      expect(terms.loss).toBeCloseTo(ref.loss, 4);
      const scale = Math.max(...Array.from(ref.grad, Math.abs));
      expectClose(grad, ref.grad, 1e-3, 2e-5 * scale);
      p.dispose();
    });
  }

  it('one Adam step on the flat vector is the reference Adam step (clipped and not)', () => {
    for (const maxGradNorm of [0.05, Number.POSITIVE_INFINITY]) {
      const fast = policyOf(BOX, 'tanh', [8, 6], 5, 'adam');
      const slow = policyOf(BOX, 'tanh', [8, 6], 5, 'adam');
      const m = minibatch(fast, 12);
      fast.fusedStep(m.packed, PPO, 1e-2, maxGradNorm);
      // The reference step: the tape's gradient, then the Adam class (tfjs ops).
      slow.gradientStep(
        () => {
          const { logp, entropy } = slow.evaluate(tf.tensor2d(m.obs, [12, 5]), tf.tensor2d(m.raw, [12, 2]));
          const v = slow.valueTensor(tf.tensor2d(m.obs, [12, 5]));
          const t = ppoLoss(logp, entropy, v, m.mb, PpoConfigSchema.parse({}));
          return { loss: t.loss, aux: tf.stack([t.pgLoss]) };
        },
        1e-2,
        maxGradNorm,
      );
      expect(fast.optimizer.step).toBe(1);
      const a = fast.stateVariables().map((v) => Array.from(v.dataSync()));
      const b = slow.stateVariables().map((v) => Array.from(v.dataSync()));
      for (let i = 0; i < a.length; i++) expectClose(a[i], b[i], 1e-3, 1e-7);
      fast.dispose();
      slow.dispose();
    }
  });
});

describe('the flat parameters and the variables', () => {
  it('reading the variables writes the flat copy back; assigning them is seen by the fast path', () => {
    const p = policyOf(DISCRETE, 'tanh', [8]);
    const m = minibatch(p, 10);
    const w0 = Array.from(p.actor.weights[0].dataSync());
    p.fusedStep(m.packed, PPO, 1e-2, 0.5);
    const w1 = Array.from(p.actor.weights[0].dataSync());
    expect(w1).not.toEqual(w0);
    expect(p.optimizer.m[0].dataSync().some((x) => x !== 0)).toBe(true);
    // An outside assign (a checkpoint restore) is what the next fast computation uses.
    const out = () => Array.from(p.forwardRows(m.obs, null, 10).actor!);
    const moved = out();
    tf.tidy(() => p.actor.weights[0].assign(tf.tensor(w0, p.actor.weights[0].shape)));
    expect(out()).not.toEqual(moved);
    tf.tidy(() => p.actor.weights[0].assign(tf.tensor(w1, p.actor.weights[0].shape)));
    expect(out()).toEqual(moved);
    p.dispose();
  });

  it('minibatch shapes: exact up to 1024 rows, then equal pieces of an odd multiple of 16 rows', () => {
    expect(minibatchRows(512, 4)).toBe(128);
    expect(minibatchRows(1280, 4)).toBe(320);
    for (const n of [1025, 4000, 4001, 8192, 25_000, 100_000]) {
      const B = minibatchShape(n);
      expect(B).toBeGreaterThanOrEqual(n);
      expect(B).toBeLessThan(n * 1.05 + 32);
      const { pieces, rows } = stepPieces(B);
      expect(pieces * rows).toBe(B);
      expect((rows / 16) % 2).toBe(1);
      // two threads share a minibatch equally (sharedPieces)
      if (pieces > 1) expect(pieces % 2).toBe(0);
    }
  });
});

describe('on the wasm backend', () => {
  it('the JavaScript kernels read and write the wasm heap: the same gradient as on cpu', async () => {
    const grads: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await initBackend(backend);
      for (const [spec, B] of [
        [BOX, 12],
        [DISCRETE, 300],
      ] as const) {
        const p = policyOf(spec, 'tanh', [64, 64], 5, `wasm-${B}`);
        grads.push(p.fusedGradient(minibatch(p, B).packed, PPO).grad);
        p.dispose();
      }
    }
    await initBackend('cpu');
    for (let i = 0; i < 2; i++) {
      const scale = Math.max(...Array.from(grads[i], Math.abs));
      expectClose(grads[i + 2], grads[i], 1e-3, 1e-5 * scale);
    }
  });
});

describe('the WebAssembly SIMD kernels', () => {
  it('matches the JavaScript product on the wasm heap, odd shapes included', async () => {
    await initBackend('wasm');
    const be = tf.backend() as unknown as {
      wasm: { asm: { memory: WasmMemory } };
      typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
    };
    const simd = simdOn(be.wasm.asm.memory);
    expect(simd).not.toBeNull();
    const rng = new Rng('atb');
    /** A tensor of `shape` filled from `draw`, in row-major order. */
    const random = (shape: number[], draw = () => rng.normal()) =>
      tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, draw), shape);
    for (const [rows, n, m] of [
      [1, 1, 8],
      [63, 3, 8],
      [65, 7, 16],
      [130, 6, 24],
      [129, 19, 64],
      [300, 64, 64],
    ]) {
      const [a, g, c, s] = [random([1, rows, n]), random([1, rows, m]), tf.zeros([n, m]), tf.zeros([m])];
      const [av, gv, cv, sv] = [a, g, c, s].map((t) => be.typedArrayFromHeap(t));
      simd!.atb(av.byteOffset, gv.byteOffset, cv.byteOffset, rows, n, m);
      simd!.colsum(gv.byteOffset, sv.byteOffset, rows, m);
      const cj = new Float32Array(n * m);
      const sj = new Float32Array(m);
      atbJs(av, gv, cj, sj, rows, n, m);
      expectClose(cv, cj, 1e-5, 1e-4);
      expectClose(sv, sj, 1e-5, 1e-4);
      tf.dispose([a, g, c, s]);
    }
    // (G W) * S * (1 - S), the gradient into a tanh layer's input.
    for (const [rows, k, n] of [
      [1, 1, 8],
      [5, 4, 16],
      [130, 7, 24],
      [301, 64, 64],
    ]) {
      const [g, w, sg, o] = [
        random([1, rows, k]),
        random([1, k, n]),
        random([1, rows, n], () => rng.next()),
        tf.zeros([1, rows, n]),
      ];
      const [gv, wv, sv, ov] = [g, w, sg, o].map((t) => be.typedArrayFromHeap(t));
      simd!.gdt(gv.byteOffset, wv.byteOffset, sv.byteOffset, ov.byteOffset, rows, k, n, 0);
      const oj = new Float32Array(rows * n);
      gdtJs(gv, wv, sv, oj, rows, k, n);
      expectClose(ov, oj, 1e-5, 1e-5);
      tf.dispose([g, w, sg, o]);
    }
    // A W + b, plain and relu'd: a dense layer's forward product.
    for (const [rows, k, n, relu] of [
      [1, 1, 8, 0],
      [7, 19, 64, 1],
      [130, 64, 64, 0],
      [301, 5, 16, 1],
    ]) {
      const [a, w, b, o] = [random([1, rows, k]), random([1, k, n]), random([n]), tf.zeros([1, rows, n])];
      const [av, wv, bv, ov] = [a, w, b, o].map((t) => be.typedArrayFromHeap(t));
      simd!.fwd(av.byteOffset, wv.byteOffset, bv.byteOffset, ov.byteOffset, rows, k, n, relu);
      const oj = new Float32Array(rows * n);
      fwdJs(av, wv, bv, oj, rows, k, n, relu === 1);
      expectClose(ov, oj, 1e-5, 1e-5);
      tf.dispose([a, w, b, o]);
    }
    await initBackend('cpu');
  });
});

describe('a whole PPO update', () => {
  it('ends where the reference path (tape, ppoLoss, the Adam class) ends, minibatch for minibatch', () => {
    const spec: RoleSpec = {
      name: 'op',
      count: 5,
      obsDim: 6,
      action: { kind: 'box', dim: 2, low: new Float32Array(2), high: new Float32Array([1, 1]) },
    };
    const cfg = PpoConfigSchema.parse({ learningRate: 1e-3, entCoef: 0.01 });
    const make = (seed: string) => policyOf(spec, 'tanh', [16, 16], 6, seed);
    const fast = make('whole');
    const slow = make('whole');
    const [T, N, D] = [32, 5, 6];
    const ro = new RoleRollout({ numSteps: T, count: N, obsDim: D, rawDim: 2, stateDim: 0 });
    const rng = new Rng('whole-update');
    const obs = new Float32Array(N * D);
    const raw = new Float32Array(N * 2);
    const env = new Float32Array(N * 2);
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < obs.length; i++) obs[i] = rng.normal();
      fast.act(obs, N, rng, raw, env);
      ro.obs.set(obs, t * N * D);
      ro.raw.set(raw, t * N * 2);
      for (let i = 0; i < N; i++) {
        ro.active[t * N + i] = i < 3 || t < 20 ? 1 : 0;
        ro.rewards[t * N + i] = env[i * 2] - 0.5 + 0.1 * rng.normal();
      }
    }
    ro.nextObs.set(obs);
    ro.nextActive.fill(1);
    prepareRollout(fast, ro, cfg);
    const side = sideRows(ro, fast.dist);
    const order = new Rng('order');
    const head: HeadConfig = { ...PPO, entCoef: cfg.entCoef };
    for (let epoch = 0; epoch < 4; epoch++) {
      const { order: perm, mbRows } = minibatchOrder(ro.size, 4, order);
      const mb = packedMinibatch(ro, fast.dist, mbRows);
      for (let m = 0; m < 4; m++) {
        packMinibatch(ro, side, fast.dist, perm, m * mbRows, mb);
        fast.fusedStep(mb, head, 1e-3, 0.5);
        const g = gatherMinibatch(ro, perm, m * mbRows, mbRows);
        slow.gradientStep(
          () => {
            const { logp, entropy } = slow.evaluate(
              tf.tensor2d(g.obs, [mbRows, D]),
              tf.tensor2d(g.raw, [mbRows, 2]),
            );
            const v = slow.valueTensor(tf.tensor2d(g.criticIn, [mbRows, D]));
            const t = ppoLoss(logp, entropy, v, g, cfg);
            return { loss: t.loss, aux: tf.stack([t.pgLoss]) };
          },
          1e-3,
          0.5,
        );
      }
    }
    const a = fast.stateVariables().map((v) => Array.from(v.dataSync()));
    const b = slow.stateVariables().map((v) => Array.from(v.dataSync()));
    const init = make('whole')
      .variables()
      .map((v) => Array.from(v.dataSync()));
    let moved = 0;
    for (let i = 0; i < init.length; i++)
      for (let k = 0; k < init[i].length; k++) moved = Math.max(moved, Math.abs(a[i][k] - init[i][k]));
    expect(moved).toBeGreaterThan(5e-3);
    for (let i = 0; i < a.length; i++) expectClose(a[i], b[i], 1e-3, 1e-6);
    fast.dispose();
    slow.dispose();
  });
});
