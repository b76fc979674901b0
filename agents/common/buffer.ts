/**
 * Rollout storage of one role and generalised advantage estimation.
 *
 * Layout: step-major, `index = t * count + slot`. A slot that was inactive at
 * step t (ejected, or not live) has `active = 0`: its entries are ignored by
 * GAE and masked out of every loss.
 */

export interface RolloutShape {
  numSteps: number;
  count: number;
  obsDim: number;
  /** Raw action width (Box: dim, Discrete: 1). */
  rawDim: number;
  /** Width of the global state (0 without a centralised critic). */
  stateDim: number;
}

export class RoleRollout {
  readonly size: number;
  /** Observations the actions were taken on (normalised when obs normalisation is on). */
  readonly obs: Float32Array;
  /** Raw actions (Beta samples in [0, 1] or category indices). */
  readonly raw: Float32Array;
  readonly rewards: Float32Array;
  /** 1 when the episode of the slot ended (terminated or truncated) with this step. */
  readonly dones: Uint8Array;
  /** 1 when the slot acted at this step. */
  readonly active: Uint8Array;
  /** Final observations of slots truncated (not terminated) at this step, for bootstrapping. */
  readonly finalObs: Float32Array;
  readonly truncatedOnly: Uint8Array;
  /** Global state before each step (`numSteps * stateDim`), for a centralised critic. */
  readonly states: Float32Array;
  /** Log-probabilities and values under the policy that collected the rollout. */
  readonly logp: Float32Array;
  readonly values: Float32Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  /** Observation, live mask and state after the last step (for the bootstrap value). */
  readonly nextObs: Float32Array;
  readonly nextActive: Uint8Array;
  readonly nextState: Float32Array;

  constructor(readonly shape: RolloutShape) {
    const { numSteps: T, count: N, obsDim, rawDim, stateDim } = shape;
    this.size = T * N;
    this.obs = new Float32Array(T * N * obsDim);
    this.raw = new Float32Array(T * N * rawDim);
    this.rewards = new Float32Array(T * N);
    this.dones = new Uint8Array(T * N);
    this.active = new Uint8Array(T * N);
    this.finalObs = new Float32Array(T * N * obsDim);
    this.truncatedOnly = new Uint8Array(T * N);
    this.states = new Float32Array(T * stateDim);
    this.logp = new Float32Array(T * N);
    this.values = new Float32Array(T * N);
    this.advantages = new Float32Array(T * N);
    this.returns = new Float32Array(T * N);
    this.nextObs = new Float32Array(N * obsDim);
    this.nextActive = new Uint8Array(N);
    this.nextState = new Float32Array(stateDim);
  }

  /** Number of samples where a slot acted. */
  liveCount(): number {
    let n = 0;
    for (let i = 0; i < this.size; i++) n += this.active[i];
    return n;
  }

  /**
   * Critic input of flat rows `[start, start + rows)` into `out`: the observation, followed by the
   * step's global state when `stateDim > 0`. `source` picks the observations (the rollout's or
   * the final observations of truncated slots).
   */
  criticRows(start: number, rows: number, out: Float32Array, source: Float32Array = this.obs): void {
    const { count: N, obsDim, stateDim } = this.shape;
    const width = obsDim + stateDim;
    for (let r = 0; r < rows; r++) {
      const idx = start + r;
      const o = r * width;
      out.set(source.subarray(idx * obsDim, (idx + 1) * obsDim), o);
      if (stateDim > 0) {
        const t = Math.floor(idx / N);
        out.set(this.states.subarray(t * stateDim, (t + 1) * stateDim), o + obsDim);
      }
    }
  }
}

export interface GaeInput {
  numSteps: number;
  count: number;
  rewards: ArrayLike<number>;
  values: ArrayLike<number>;
  dones: ArrayLike<number>;
  active: ArrayLike<number>;
  /** Value of the observation after the last step, per slot. */
  nextValues: ArrayLike<number>;
  nextActive: ArrayLike<number>;
  gamma: number;
  lambda: number;
}

/**
 * GAE(gamma, lambda) per slot over the rollout (CleanRL's loop). A step whose
 * episode ended (`dones`), or after which the slot is no longer live, does not
 * bootstrap. Inactive steps get advantage 0 and cut the recursion.
 * Returns advantages and returns (advantages + values).
 */
export function computeGae(input: GaeInput): { advantages: Float32Array; returns: Float32Array } {
  const {
    numSteps: T,
    count: N,
    rewards,
    values,
    dones,
    active,
    nextValues,
    nextActive,
    gamma,
    lambda,
  } = input;
  const advantages = new Float32Array(T * N);
  const returns = new Float32Array(T * N);
  const last = new Float64Array(N);
  for (let t = T - 1; t >= 0; t--) {
    for (let i = 0; i < N; i++) {
      const idx = t * N + i;
      if (!active[idx]) {
        last[i] = 0;
        advantages[idx] = 0;
        returns[idx] = values[idx];
        continue;
      }
      const nextV = t === T - 1 ? nextValues[i] : values[idx + N];
      const nextLive = t === T - 1 ? nextActive[i] : active[idx + N];
      const nonTerminal = dones[idx] || !nextLive ? 0 : 1;
      const delta = rewards[idx] + gamma * nextV * nonTerminal - values[idx];
      last[i] = delta + gamma * lambda * nonTerminal * last[i];
      advantages[idx] = last[i];
      returns[idx] = last[i] + values[idx];
    }
  }
  return { advantages, returns };
}

/** 1 - Var(returns - values) / Var(returns) over live entries (NaN when the returns do not vary). */
export function explainedVariance(
  values: ArrayLike<number>,
  returns: ArrayLike<number>,
  mask: ArrayLike<number>,
): number {
  let n = 0;
  let my = 0;
  let md = 0;
  for (let i = 0; i < returns.length; i++) {
    if (!mask[i]) continue;
    n++;
    my += returns[i];
    md += returns[i] - values[i];
  }
  if (n < 2) return Number.NaN;
  my /= n;
  md /= n;
  let vy = 0;
  let vd = 0;
  for (let i = 0; i < returns.length; i++) {
    if (!mask[i]) continue;
    vy += (returns[i] - my) ** 2;
    const d = returns[i] - values[i] - md;
    vd += d * d;
  }
  return vy === 0 ? Number.NaN : 1 - vd / vy;
}
