/**
 * The project's one source of randomness: a seeded Alea generator (seedrandom)
 * with helpers for the distributions the model draws from. Every random draw in
 * copronet goes through an `Rng`, so the same seed gives the same run, bit for bit.
 *
 * The generator state is four numbers (`state()` / `Rng.fromState`), small enough
 * to store in every checkpoint.
 */
import seedrandom from 'seedrandom';

/** Opaque Alea state, as returned by `seedrandom.alea(..., {state: true}).state()`. */
export interface RngState {
  readonly c: number;
  readonly s0: number;
  readonly s1: number;
  readonly s2: number;
}

type AleaPrng = (() => number) & { state(): RngState };

export class Rng {
  /**
   * The Alea state, seeded by seedrandom and stepped by `next` with seedrandom's
   * own arithmetic, so every draw is the same number. Held here rather than in
   * seedrandom's closure: each generator would bring a new closure, and a call
   * site that has seen several cannot inline the step.
   */
  private s0 = 0.5;
  private s1 = 0.5;
  private s2 = 0.5;
  private c = 0;
  /** The second Box-Muller deviate, kept for the next `normal()` call. */
  private spare = Number.NaN;

  constructor(seed: number | string, state?: RngState) {
    const s = state ?? (seedrandom.alea(String(seed), { state: true }) as unknown as AleaPrng).state();
    this.s0 = s.s0;
    this.s1 = s.s1;
    this.s2 = s.s2;
    this.c = s.c;
  }

  /** Restore a generator from a saved `state()`. */
  static fromState(state: RngState & { spare?: number | null }): Rng {
    const rng = new Rng(0, state);
    rng.spare = state.spare ?? Number.NaN;
    return rng;
  }

  /** The full state (Alea plus the cached normal deviate), JSON-serialisable. */
  state(): RngState & { spare: number | null } {
    // The key order of seedrandom's state(), then the spare.
    return {
      c: this.c,
      s0: this.s0,
      s1: this.s1,
      s2: this.s2,
      spare: Number.isNaN(this.spare) ? null : this.spare,
    };
  }

  /** Derive an independent child generator, e.g. one per sub-space or per worker. */
  child(tag: string | number): Rng {
    return new Rng(`${this.uint32()}:${tag}`);
  }

  /**
   * The state as five numbers, s0, s1, s2, c and the spare normal deviate (NaN: none), for a hot loop
   * that steps Alea in local variables with `next`'s arithmetic; `setRaw` takes them back.
   */
  getRaw(out: Float64Array): void {
    out[0] = this.s0;
    out[1] = this.s1;
    out[2] = this.s2;
    out[3] = this.c;
    out[4] = this.spare;
  }

  setRaw(st: Float64Array): void {
    this.s0 = st[0];
    this.s1 = st[1];
    this.s2 = st[2];
    this.c = st[3];
    this.spare = st[4];
  }

  /** Uniform in [0, 1): one Alea step (seedrandom's `alea`, lib/alea.js). */
  next(): number {
    const t = 2091639 * this.s0 + this.c * 2.3283064365386963e-10; // 2^-32
    this.s0 = this.s1;
    this.s1 = this.s2;
    this.c = t | 0;
    this.s2 = t - this.c;
    return this.s2;
  }

  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  uint32(): number {
    return (this.next() * 0x100000000) >>> 0;
  }

  /** Standard normal deviate (polar Box-Muller, the spare kept). */
  normal(mean = 0, sd = 1): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = Number.NaN;
      return mean + sd * z;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return mean + sd * u * f;
  }

  /** Log-normal deviate: exp(N(mu, sigma)). */
  logNormal(mu: number, sigma: number): number {
    return Math.exp(this.normal(mu, sigma));
  }

  /** Gamma(shape, 1) deviate (Marsaglia & Tsang; shape < 1 by the boost u^(1/shape)). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * this.next() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /**
   * Beta(a, b) deviate. Small integer parameters use the order statistic (the
   * a-th smallest of a + b - 1 uniforms; Beta(2, 2) is the median of three),
   * others X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
   */
  beta(a: number, b: number): number {
    if (a === 2 && b === 2) {
      const u = this.next();
      const v = this.next();
      const w = this.next();
      return Math.max(Math.min(u, v), Math.min(Math.max(u, v), w));
    }
    if (a === 1 && b === 1) return this.next();
    const x = this.gamma(a);
    return x / (x + this.gamma(b));
  }

  /** Bernoulli trial with success probability p. */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /**
   * Poisson deviate. Knuth's product method for small means, Hörmann's PTRS
   * (transformed rejection with squeeze) for lambda >= 10: exact, O(1) expected.
   */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0;
    if (lambda < 10) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = this.next();
      while (p > limit) {
        k++;
        p *= this.next();
      }
      return k;
    }
    const slam = Math.sqrt(lambda);
    const loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.next() - 0.5;
      const v = this.next();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (
        Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <=
        -lambda + k * loglam - logFactorial(k)
      ) {
        return k;
      }
    }
  }

  /** In-place Fisher-Yates shuffle of the first n entries. */
  shuffle<T extends { length: number; [i: number]: number }>(arr: T, n = arr.length): T {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }
}

const LOG_FACT_TABLE = (() => {
  const t = new Float64Array(256);
  for (let i = 1; i < 256; i++) t[i] = t[i - 1] + Math.log(i);
  return t;
})();

/** log(k!) from a table for small k, Stirling's series beyond. */
export function logFactorial(k: number): number {
  if (k < 256) return LOG_FACT_TABLE[k];
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x * x);
}
