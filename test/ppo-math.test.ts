import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeGae, explainedVariance } from '../agents/common/buffer.ts';
import { PpoConfigSchema } from '../agents/ppo/config.ts';
import { ppoLoss } from '../agents/ppo/ppo.ts';
import { initBackend } from '../agents/tf/backend.ts';
import {
  betaEntropy,
  betaLogPdf,
  digamma,
  lgamma,
  sampleBeta,
  sampleCategorical,
  tfBetaLogProbEntropy,
  tfCategoricalEntropy,
  tfCategoricalLogProb,
  trigamma,
} from '../agents/tf/distributions.ts';
import { denseMatMul, fastTanh, orthogonal } from '../agents/tf/mlp.ts';
import { Rng } from '../src/core/rng.ts';

beforeAll(async () => {
  await initBackend('cpu');
});

/** Composite Simpson rule on [a, b] with n (even) intervals. */
function simpson(f: (x: number) => number, a: number, b: number, n = 20_000): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

describe('special functions', () => {
  it('lgamma, digamma and trigamma match known values', () => {
    expect(lgamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 10);
    expect(lgamma(1)).toBeCloseTo(0, 10);
    expect(lgamma(10)).toBeCloseTo(Math.log(362880), 9);
    expect(lgamma(123.4)).toBeCloseTo(lgamma(122.4) + Math.log(122.4), 8);
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 10);
    expect(digamma(0.5)).toBeCloseTo(-0.5772156649015329 - 2 * Math.LN2, 10);
    expect(trigamma(1)).toBeCloseTo(Math.PI ** 2 / 6, 9);
    // Derivatives by central differences.
    for (const x of [1, 1.7, 4.2, 30]) {
      const h = 1e-4;
      expect(digamma(x)).toBeCloseTo((lgamma(x + h) - lgamma(x - h)) / (2 * h), 7);
      expect(trigamma(x)).toBeCloseTo((digamma(x + h) - digamma(x - h)) / (2 * h), 7);
    }
  });
});

describe('Beta distribution', () => {
  it('log-density matches the closed form of Beta(2, 3) and integrates to 1', () => {
    for (const x of [0.05, 0.3, 0.5, 0.9]) {
      expect(betaLogPdf(x, 2, 3)).toBeCloseTo(Math.log(12 * x * (1 - x) ** 2), 10);
    }
    for (const [a, b] of [
      [1, 1],
      [2.5, 1.5],
      [7, 3.3],
    ]) {
      expect(simpson((x) => Math.exp(betaLogPdf(x, a, b)), 1e-12, 1 - 1e-12)).toBeCloseTo(1, 5);
    }
  });

  it('entropy matches numeric integration of -p log p', () => {
    for (const [a, b] of [
      [1, 1],
      [2, 3],
      [1.3, 8.5],
      [20, 20],
    ]) {
      const numeric = simpson(
        (x) => {
          const lp = betaLogPdf(x, a, b);
          return Number.isFinite(lp) ? -Math.exp(lp) * lp : 0;
        },
        1e-12,
        1 - 1e-12,
      );
      expect(betaEntropy(a, b)).toBeCloseTo(numeric, 4);
    }
    expect(betaEntropy(1, 1)).toBeCloseTo(0, 10);
  });

  it('the tfjs op returns the same log-probabilities and entropies, summed over dims', () => {
    const alpha = [
      [2, 1.5],
      [7, 1],
    ];
    const beta = [
      [3, 4],
      [3.3, 1],
    ];
    const x = [
      [0.3, 0.8],
      [0.6, 0.25],
    ];
    const { logp, entropy } = tf.tidy(() => {
      const r = tfBetaLogProbEntropy(tf.tensor2d(alpha), tf.tensor2d(beta), tf.tensor2d(x));
      return { logp: r.logp.arraySync() as number[], entropy: r.entropy.arraySync() as number[] };
    });
    for (let i = 0; i < 2; i++) {
      const lp = betaLogPdf(x[i][0], alpha[i][0], beta[i][0]) + betaLogPdf(x[i][1], alpha[i][1], beta[i][1]);
      const h = betaEntropy(alpha[i][0], beta[i][0]) + betaEntropy(alpha[i][1], beta[i][1]);
      expect(logp[i]).toBeCloseTo(lp, 5);
      expect(entropy[i]).toBeCloseTo(h, 5);
    }
  });

  it('gradients of log-probability and entropy match finite differences', () => {
    const a0 = [1.7, 3.2];
    const b0 = [2.4, 1.1];
    const x0 = [0.35, 0.7];
    const w = 0.37; // mix both outputs into one scalar
    const f = (a: number[], b: number[]) =>
      a.reduce((s, _, k) => s + betaLogPdf(x0[k], a[k], b[k]) + w * betaEntropy(a[k], b[k]), 0);
    const [ga, gb] = tf.tidy(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
        const r = tfBetaLogProbEntropy(a as tf.Tensor2D, b as tf.Tensor2D, tf.tensor2d([x0]));
        return tf.sum(tf.add(r.logp, tf.mul(w, r.entropy)));
      });
      return g([tf.tensor2d([a0]), tf.tensor2d([b0])]).map((t) => Array.from(t.dataSync()));
    });
    const h = 1e-6;
    for (let k = 0; k < 2; k++) {
      const ap = [...a0];
      const am = [...a0];
      ap[k] += h;
      am[k] -= h;
      const bp = [...b0];
      const bm = [...b0];
      bp[k] += h;
      bm[k] -= h;
      expect(ga[k]).toBeCloseTo((f(ap, b0) - f(am, b0)) / (2 * h), 4);
      expect(gb[k]).toBeCloseTo((f(a0, bp) - f(a0, bm)) / (2 * h), 4);
    }
  });

  it('the sampler has the right mean and variance', () => {
    const rng = new Rng(5);
    const [a, b] = [2.5, 4];
    let s = 0;
    let s2 = 0;
    const n = 40_000;
    for (let i = 0; i < n; i++) {
      const x = sampleBeta(a, b, rng);
      s += x;
      s2 += x * x;
    }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    expect(mean).toBeCloseTo(a / (a + b), 2);
    expect(variance).toBeCloseTo((a * b) / ((a + b) ** 2 * (a + b + 1)), 3);
  });
});

describe('Categorical distribution', () => {
  it('log-probabilities via oneHot x logSoftmax and entropy match the definition', () => {
    const logits = [
      [0.1, 2, -1],
      [0, 0, 0],
    ];
    const actions = [1, 2];
    const { lp, h } = tf.tidy(() => ({
      lp: Array.from(tfCategoricalLogProb(tf.tensor2d(logits), tf.tensor1d(actions), 3).dataSync()),
      h: Array.from(tfCategoricalEntropy(tf.tensor2d(logits)).dataSync()),
    }));
    for (let i = 0; i < 2; i++) {
      const z = logits[i].reduce((s, l) => s + Math.exp(l), 0);
      const p = logits[i].map((l) => Math.exp(l) / z);
      expect(lp[i]).toBeCloseTo(Math.log(p[actions[i]]), 5);
      expect(h[i]).toBeCloseTo(-p.reduce((s, q) => s + q * Math.log(q), 0), 5);
    }
  });

  it('samples in proportion to the softmax', () => {
    const rng = new Rng(2);
    const logits = [Math.log(0.2), Math.log(0.5), Math.log(0.3)];
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[sampleCategorical(logits, 0, 3, rng)]++;
    expect(counts[0] / 30_000).toBeCloseTo(0.2, 1);
    expect(counts[1] / 30_000).toBeCloseTo(0.5, 1);
  });
});

describe('orthogonal initialisation', () => {
  it('gives orthonormal rows or columns times the gain', () => {
    const rng = new Rng(1);
    for (const [rows, cols] of [
      [4, 64],
      [64, 4],
      [8, 8],
    ]) {
      const w = orthogonal(rows, cols, 2, rng);
      const inner = Math.min(rows, cols);
      for (let i = 0; i < inner; i++) {
        for (let j = 0; j < inner; j++) {
          let dot = 0;
          if (rows >= cols) for (let r = 0; r < rows; r++) dot += w[r * cols + i] * w[r * cols + j];
          else for (let c = 0; c < cols; c++) dot += w[i * cols + c] * w[j * cols + c];
          expect(dot).toBeCloseTo(i === j ? 4 : 0, 4);
        }
      }
    }
  });
});

describe('fast dense layer ops', () => {
  const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
    expect(a.length).toBe(b.length);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst).toBeLessThan(tol);
  };

  it('denseMatMul has the value and the gradients of tf.matMul', () => {
    const rng = new Rng(3);
    const x = tf.tensor2d(
      Float32Array.from({ length: 7 * 5 }, () => rng.normal()),
      [7, 5],
    );
    const w = tf.tensor2d(
      Float32Array.from({ length: 5 * 3 }, () => rng.normal()),
      [5, 3],
    );
    const up = tf.tensor2d(
      Float32Array.from({ length: 7 * 3 }, () => rng.normal()),
      [7, 3],
    );
    // A loss that weights every output differently, so a wrong transpose shows.
    const loss = (mm: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(mm(a as tf.Tensor2D, b as tf.Tensor2D), up)));
    const [gx, gw] = loss(denseMatMul)([x, w]);
    const [rx, rw] = loss((a, b) => tf.matMul(a, b))([x, w]);
    close(denseMatMul(x, w).dataSync(), tf.matMul(x, w).dataSync(), 1e-5);
    expect(gx.shape).toEqual([7, 5]);
    expect(gw.shape).toEqual([5, 3]);
    close(gx.dataSync(), rx.dataSync(), 1e-5);
    close(gw.dataSync(), rw.dataSync(), 1e-5);
  });

  it('fastTanh is tanh, and so is its gradient', () => {
    const x = tf.tensor2d(
      Float32Array.from({ length: 41 }, (_, i) => (i - 20) / 4),
      [1, 41],
    );
    close(fastTanh(x).dataSync(), tf.tanh(x).dataSync(), 3e-7);
    const g = tf.grad((t: tf.Tensor) => tf.sum(fastTanh(t as tf.Tensor2D)))(x);
    const r = tf.grad((t: tf.Tensor) => tf.sum(tf.tanh(t)))(x);
    close(g.dataSync(), r.dataSync(), 1e-6);
  });
});

describe('GAE', () => {
  it('matches a hand-computed example with an episode end and an inactive slot', () => {
    // Two slots, three steps, gamma 0.9, lambda 0.8.
    // Slot 0: rewards 1, 1, 1; values 0.5, 0.4, 0.3; its episode ends at t = 1; bootstrap value 0.2.
    //   t=2: delta = 1 + 0.9 * 0.2 - 0.3 = 0.88                     A = 0.88
    //   t=1: done, delta = 1 - 0.4 = 0.6                             A = 0.6
    //   t=0: delta = 1 + 0.9 * 0.4 - 0.5 = 0.86, A = 0.86 + 0.72 * 0.6 = 1.292
    // Slot 1: rewards 2, 3, -; values 1, 1, 1; inactive at t = 2 (no bootstrap into it).
    //   t=2: inactive                                                A = 0
    //   t=1: next not live: delta = 3 - 1 = 2                        A = 2
    //   t=0: delta = 2 + 0.9 * 1 - 1 = 1.9, A = 1.9 + 0.72 * 2 = 3.34
    const { advantages, returns } = computeGae({
      numSteps: 3,
      count: 2,
      rewards: [1, 2, 1, 3, 1, 0],
      values: [0.5, 1, 0.4, 1, 0.3, 1],
      dones: [0, 0, 1, 0, 0, 0],
      active: [1, 1, 1, 1, 1, 0],
      nextValues: [0.2, 5],
      nextActive: [1, 1],
      gamma: 0.9,
      lambda: 0.8,
    });
    const expected = [1.292, 3.34, 0.6, 2, 0.88, 0];
    expected.forEach((e, i) => {
      expect(advantages[i]).toBeCloseTo(e, 5);
    });
    expect(returns[0]).toBeCloseTo(1.292 + 0.5, 5);
  });

  it('explained variance is 1 for a perfect critic and 0 for a constant at the mean', () => {
    const ret = [1, 2, 3, 4];
    expect(explainedVariance(ret, ret, [1, 1, 1, 1])).toBeCloseTo(1, 10);
    expect(explainedVariance([2.5, 2.5, 2.5, 2.5], ret, [1, 1, 1, 1])).toBeCloseTo(0, 10);
    // Masked entries do not count.
    expect(explainedVariance([1, 2, 3, 99], [1, 2, 3, -50], [1, 1, 1, 0])).toBeCloseTo(1, 10);
  });
});

describe('PPO loss', () => {
  it('computes the clipped surrogate, clipped value loss and diagnostics on a toy minibatch', () => {
    const cfg = PpoConfigSchema.parse({ normAdv: false });
    // Third row is padding (mask 0) with values that would change every term.
    const mb = {
      logp: new Float32Array([0, 0, 0]),
      advantages: new Float32Array([1, -1, 100]),
      returns: new Float32Array([3, 1, 100]),
      values: new Float32Array([1, 0, -100]),
      mask: new Float32Array([1, 1, 0]),
    };
    const out = tf.tidy(() => {
      const t = ppoLoss(
        tf.tensor1d([Math.log(1.5), Math.log(0.5), 5]),
        tf.tensor1d([0.3, 0.5, 100]),
        tf.tensor1d([2, 0, 50]),
        mb,
        cfg,
      );
      return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.dataSync()[0]]));
    });
    // ratio 1.5 with A = 1: max(-1.5, -1.2) = -1.2; ratio 0.5 with A = -1: max(0.5, 0.8) = 0.8.
    expect(out.pgLoss).toBeCloseTo(-0.2, 5);
    expect(out.clipfrac).toBeCloseTo(1, 6);
    expect(out.approxKl).toBeCloseTo((0.5 - Math.log(1.5) + (-0.5 - Math.log(0.5))) / 2, 5);
    // values: (2 - 3)^2 = 1 vs clipped (1.2 - 3)^2 = 3.24 -> 3.24; (0 - 1)^2 = 1 -> 1. 0.5 * mean = 1.06.
    expect(out.vLoss).toBeCloseTo(1.06, 5);
    expect(out.entropy).toBeCloseTo(0.4, 6);
    expect(out.loss).toBeCloseTo(-0.2 - 0.01 * 0.4 + 0.5 * 1.06, 5);
  });

  it('without clipping the surrogate is -ratio * A', () => {
    const cfg = PpoConfigSchema.parse({ normAdv: false, clipCoef: 10, clipVloss: false });
    const mb = {
      logp: new Float32Array([0, 0]),
      advantages: new Float32Array([1, -1]),
      returns: new Float32Array([0, 0]),
      values: new Float32Array([0, 0]),
      mask: new Float32Array([1, 1]),
    };
    const pg = tf.tidy(
      () =>
        ppoLoss(
          tf.tensor1d([Math.log(1.5), Math.log(0.5)]),
          tf.tensor1d([0, 0]),
          tf.tensor1d([0, 0]),
          mb,
          cfg,
        ).pgLoss.dataSync()[0],
    );
    expect(pg).toBeCloseTo((-1.5 + 0.5) / 2, 5);
  });
});
