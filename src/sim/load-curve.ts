/**
 * The economic-incentive optimal load curve (paper section 5.1; docs/MODEL.md,
 * "The optimal load curve") and the overload risk phi (docs/MODEL.md,
 * "Execution, failure and shirking"). Pure functions of a load L in [0, 1].
 */

export interface LoadCurveParams {
  /** Optimal load L*. */
  optimalLoad: number;
  /** Bonus height: Lambda(0) = a. */
  a: number;
  /** Amplification height: Lambda(1) = -b. */
  b: number;
  /** Curvature of the amplified-slashing piece. */
  c: number;
}

/**
 * Lambda(L) = a (1 - L/L*) for L <= L* (bonus for unloaded uptime),
 * -b ((L - L*)/(1 - L*))^c above L* (amplified slashing). Both pieces are 0 at L*.
 */
export function loadCurve(L: number, p: LoadCurveParams): number {
  const ls = p.optimalLoad;
  if (L <= ls) return p.a * (1 - L / ls);
  const x = Math.min(1, (L - ls) / (1 - ls));
  // x^2 is exactly x * x (and much cheaper than the power).
  return -p.b * (p.c === 2 ? x * x : x ** p.c);
}

/** Slash amplifier m(L) = 1 + max(0, -Lambda(L)). */
export function slashAmplifier(L: number, p: LoadCurveParams): number {
  const v = loadCurve(L, p);
  return v < 0 ? 1 - v : 1;
}

/** Overload failure probability phi(L) = phi_max * max(0, (L - L*)/(1 - L*))^2, capped at load 1. */
export function overloadRisk(L: number, optimalLoad: number, phiMax: number): number {
  if (L <= optimalLoad) return 0;
  const x = Math.min(1, (L - optimalLoad) / (1 - optimalLoad));
  return phiMax * x * x;
}
