/**
 * Generalized Autoregressive Score filters (Creal, Koopman & Lucas 2013), the
 * paper's reputation and load-parameter dynamics (section 5.2):
 *   f_{t+1} = omega + A s_t + B f_t,   s_t = S_t * d log p(y_t | f_t) / d f_t.
 */

export type ScoreScaling = 'identity' | 'inverse-sqrt' | 'inverse';

export interface ReputationGasParams {
  A: number;
  B: number;
  /** Success probability the latent reverts to with no observations. */
  priorMean: number;
  scaling: ScoreScaling;
  /** |s_t| <= scoreClip. */
  scoreClip: number;
}

export interface LoadGasParams {
  A: number;
  B: number;
  /** Student-t degrees of freedom. */
  nu: number;
  /** Student-t scale. */
  scale: number;
}

export function logistic(f: number): number {
  return 1 / (1 + Math.exp(-f));
}

export function logit(p: number): number {
  return Math.log(p / (1 - p));
}

/** The stationary mean of the reputation latent, logit(priorMean); omega = (1 - B) * mean. */
export function reputationOmega(p: ReputationGasParams): number {
  return (1 - p.B) * logit(p.priorMean);
}

/**
 * Scaled binomial score for n trials with y successes at latent f (logit link):
 * score y - n rho, Fisher information n rho (1 - rho), scaled by I^-d and clipped.
 * No trials: 0 (the latent reverts to its mean).
 */
export function binomialScore(y: number, n: number, f: number, p: ReputationGasParams): number {
  if (n <= 0) return 0;
  const rho = logistic(f);
  const score = y - n * rho;
  // rho (1 - rho) is floored so that the inverse scalings stay bounded near 0 and 1.
  const info = n * Math.max(rho * (1 - rho), 1e-4);
  let s: number;
  if (p.scaling === 'identity') s = score;
  else if (p.scaling === 'inverse-sqrt') s = score / Math.sqrt(info);
  else s = score / info;
  return s > p.scoreClip ? p.scoreClip : s < -p.scoreClip ? -p.scoreClip : s;
}

/** One GAS(1,1) step of the reputation latent. */
export function reputationStep(
  f: number,
  y: number,
  n: number,
  p: ReputationGasParams,
  omega: number,
): number {
  return omega + p.A * binomialScore(y, n, f, p) + p.B * f;
}

/**
 * Student-t location score on an observed load: robust, so one spike moves alpha
 * little. s = (1 + 1/nu) (L - alpha) / (1 + (L - alpha)^2 / (nu phi^2)).
 */
export function studentTScore(L: number, alpha: number, p: LoadGasParams): number {
  const e = L - alpha;
  return ((1 + 1 / p.nu) * e) / (1 + (e * e) / (p.nu * p.scale * p.scale));
}

/** One GAS(1,1) step of the load parameter alpha, reverting to `mean` with no news. */
export function loadStep(alpha: number, L: number, p: LoadGasParams, mean: number): number {
  return (1 - p.B) * mean + p.A * studentTScore(L, alpha, p) + p.B * alpha;
}
