/**
 * Continuous bandits with a known optimal action: the cheapest check that a
 * learner learns.
 *
 * - `ContinuousBandit` (`ContinuousBandit-v0`): a single-agent `Env`. Action in
 *   [0, 1]^dim, reward `-||a - a*||^2 + noise * N(0, 1)`, the episode ends after
 *   `horizon` steps (default 1). Observation `[t / horizon, 1]`.
 * - `BatchedBandit`: the same game as a multi-role `BatchedEnv` with its own
 *   target per role, optional random ejection (a slot terminates and stays
 *   inactive until the episode ends, like an ejected network agent), truncation
 *   at the horizon, a global state, and `snapshot` / `restore` for exact resumes.
 *   Tests and the sanity script train on it.
 */
import type {
  ActionSpec,
  BatchedEnv,
  RoleObservation,
  RoleSpec,
  RoleTransition,
} from '../../src/core/batched.ts';
import type { Env, EnvMetadata, Info, ResetOptions, StepResult } from '../../src/core/env.ts';
import { Rng, type RngState } from '../../src/core/rng.ts';
import { Box } from '../../src/core/spaces/index.ts';

export interface ContinuousBanditOptions {
  /** Optimal action (its length is the action dim). @default [0.3, 0.7] */
  target?: readonly number[];
  /** Standard deviation of the reward noise. @default 0.05 */
  noise?: number;
  /** Steps per episode. @default 1 */
  horizon?: number;
  /** `'ansi'` or undefined. */
  renderMode?: string;
}

function checkTarget(target: readonly number[], where: string): void {
  if (target.length === 0 || target.some((x) => !(x >= 0 && x <= 1))) {
    throw new RangeError(`${where}: target must be a non-empty list of numbers in [0, 1], got [${target}].`);
  }
}

export class ContinuousBandit implements Env<Float32Array, Float32Array> {
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  readonly metadata: EnvMetadata = { renderModes: ['ansi'] };
  readonly renderMode?: string;
  readonly target: Float32Array;
  readonly noise: number;
  readonly horizon: number;
  private rng = new Rng(0);
  private t = 0;
  private needsReset = true;
  private lastAction: Float32Array | undefined;
  private lastReward = 0;

  constructor(opts: ContinuousBanditOptions = {}) {
    const target = opts.target ?? [0.3, 0.7];
    checkTarget(target, 'ContinuousBandit');
    this.target = Float32Array.from(target);
    this.noise = opts.noise ?? 0.05;
    this.horizon = opts.horizon ?? 1;
    if (!Number.isInteger(this.horizon) || this.horizon < 1) {
      throw new RangeError(`ContinuousBandit: horizon must be a positive integer, got ${this.horizon}.`);
    }
    if (opts.renderMode !== undefined && opts.renderMode !== 'ansi') {
      throw new Error(`ContinuousBandit: unsupported render mode '${opts.renderMode}'; use 'ansi' or none.`);
    }
    this.renderMode = opts.renderMode;
    this.observationSpace = new Box(0, 1, [2]);
    this.actionSpace = new Box(0, 1, [this.target.length]);
  }

  private obs(): Float32Array {
    return Float32Array.from([this.t / this.horizon, 1]);
  }

  reset(opts: ResetOptions = {}): { observation: Float32Array; info: Info } {
    if (opts.seed !== undefined) this.rng = new Rng(opts.seed);
    this.t = 0;
    this.needsReset = false;
    return { observation: this.obs(), info: {} };
  }

  step(action: Float32Array): StepResult<Float32Array> {
    if (this.needsReset)
      throw new Error('ContinuousBandit: call reset() before step() (and after an episode ends).');
    if (!this.actionSpace.contains(action)) {
      throw new RangeError(
        `ContinuousBandit: invalid action ${JSON.stringify(Array.from(action as ArrayLike<number>))}; expected ` +
          `${this.target.length} numbers in [0, 1] (a Float32Array).`,
      );
    }
    let sq = 0;
    for (let k = 0; k < this.target.length; k++) sq += (action[k] - this.target[k]) ** 2;
    const reward = -sq + this.noise * this.rng.normal();
    this.t += 1;
    const terminated = this.t >= this.horizon;
    this.needsReset = terminated;
    this.lastAction = Float32Array.from(action);
    this.lastReward = reward;
    return {
      observation: this.obs(),
      reward,
      terminated,
      truncated: false,
      info: { distance: Math.sqrt(sq) },
    };
  }

  render(): string | undefined {
    if (this.renderMode !== 'ansi') return undefined;
    const a = this.lastAction ? Array.from(this.lastAction, (x) => x.toFixed(3)).join(', ') : '-';
    return `t=${this.t}/${this.horizon} action=[${a}] target=[${Array.from(this.target, (x) => x.toFixed(3)).join(', ')}] reward=${this.lastReward.toFixed(4)}`;
  }

  close(): void {}
}

export interface BanditRole {
  name: string;
  count: number;
  /** Optimal action of this role (its length is the action dim). */
  target: readonly number[];
  /** Action bounds (the target is in [0, 1] and is rescaled to them). @default [0, 1] */
  low?: number;
  high?: number;
}

export interface BatchedBanditOptions {
  /** @default one role 'agent' with 4 slots and target [0.3, 0.7] */
  roles?: BanditRole[];
  /** Steps per episode (truncated there). @default 8 */
  horizon?: number;
  /** Reward noise standard deviation. @default 0.05 */
  noise?: number;
  /** Per-step probability that a live slot is ejected (terminated, inactive until the episode ends). @default 0 */
  ejectProb?: number;
}

interface RoleBuffers extends RoleTransition {
  spec: RoleSpec;
  target: Float32Array;
  low: number;
  high: number;
}

export interface BatchedBanditSnapshot {
  rng: ReturnType<Rng['state']>;
  t: number;
  active: Record<string, number[]>;
}

export class BatchedBandit implements BatchedEnv {
  readonly roles: readonly RoleSpec[];
  readonly stateDim: number;
  readonly horizon: number;
  readonly noise: number;
  readonly ejectProb: number;
  private readonly buf: Record<string, RoleBuffers> = {};
  private rng = new Rng(0);
  private t = 0;

  constructor(opts: BatchedBanditOptions = {}) {
    const roles = opts.roles ?? [{ name: 'agent', count: 4, target: [0.3, 0.7] }];
    this.horizon = opts.horizon ?? 8;
    this.noise = opts.noise ?? 0.05;
    this.ejectProb = opts.ejectProb ?? 0;
    const specs: RoleSpec[] = [];
    for (const r of roles) {
      checkTarget(r.target, `BatchedBandit role '${r.name}'`);
      const low = r.low ?? 0;
      const high = r.high ?? 1;
      const dim = r.target.length;
      const action: ActionSpec = {
        kind: 'box',
        dim,
        low: new Float32Array(dim).fill(low),
        high: new Float32Array(dim).fill(high),
      };
      const spec: RoleSpec = { name: r.name, count: r.count, obsDim: 2, action };
      specs.push(spec);
      this.buf[r.name] = {
        spec,
        target: Float32Array.from(r.target),
        low,
        high,
        obs: new Float32Array(r.count * 2),
        active: new Uint8Array(r.count),
        rewards: new Float32Array(r.count),
        terminated: new Uint8Array(r.count),
        truncated: new Uint8Array(r.count),
        finalObs: new Float32Array(r.count * 2),
      };
    }
    this.roles = specs;
    this.stateDim = 1 + specs.length;
  }

  private writeObs(b: RoleBuffers, out: Float32Array): void {
    for (let i = 0; i < b.spec.count; i++) {
      out[2 * i] = this.t / this.horizon;
      out[2 * i + 1] = 1;
    }
  }

  reset(seed?: number): Record<string, RoleObservation> {
    if (seed !== undefined) this.rng = new Rng(`bandit:${seed}`);
    this.t = 0;
    const out: Record<string, RoleObservation> = {};
    for (const [name, b] of Object.entries(this.buf)) {
      b.active.fill(1);
      this.writeObs(b, b.obs);
      out[name] = { obs: b.obs, active: b.active };
    }
    return out;
  }

  step(actions: Record<string, Float32Array>): Record<string, RoleTransition> {
    this.t += 1;
    const end = this.t >= this.horizon;
    for (const spec of this.roles) {
      const b = this.buf[spec.name];
      const a = actions[spec.name];
      const dim = b.target.length;
      if (!a || a.length !== spec.count * dim) {
        throw new RangeError(
          `BatchedBandit: actions['${spec.name}'] must hold ${spec.count} x ${dim} numbers, got ${a ? a.length : 'none'}.`,
        );
      }
      b.terminated.fill(0);
      b.truncated.fill(0);
      for (let i = 0; i < spec.count; i++) {
        if (!b.active[i]) {
          b.rewards[i] = 0;
          continue;
        }
        let sq = 0;
        for (let k = 0; k < dim; k++) {
          const x = (Math.min(b.high, Math.max(b.low, a[i * dim + k])) - b.low) / (b.high - b.low);
          sq += (x - b.target[k]) ** 2;
        }
        b.rewards[i] = -sq + this.noise * this.rng.normal();
        if (this.ejectProb > 0 && this.rng.next() < this.ejectProb) {
          b.terminated[i] = 1;
          b.active[i] = 0;
        } else if (end) {
          b.truncated[i] = 1;
        }
      }
      this.writeObs(b, b.finalObs);
    }
    if (end) {
      this.t = 0;
      for (const b of Object.values(this.buf)) b.active.fill(1);
    }
    const out: Record<string, RoleTransition> = {};
    for (const [name, b] of Object.entries(this.buf)) {
      this.writeObs(b, b.obs);
      out[name] = b;
    }
    return out;
  }

  state(out = new Float32Array(this.stateDim)): Float32Array {
    out[0] = this.t / this.horizon;
    this.roles.forEach((spec, r) => {
      const a = this.buf[spec.name].active;
      let live = 0;
      for (let i = 0; i < a.length; i++) live += a[i];
      out[1 + r] = live / Math.max(a.length, 1);
    });
    return out;
  }

  /** Distance of `action` (in the role's bounds) from the role's optimum. */
  distance(role: string, action: ArrayLike<number>): number {
    const b = this.buf[role];
    let sq = 0;
    for (let k = 0; k < b.target.length; k++)
      sq += ((action[k] - b.low) / (b.high - b.low) - b.target[k]) ** 2;
    return Math.sqrt(sq);
  }

  snapshot(): BatchedBanditSnapshot {
    const active: Record<string, number[]> = {};
    for (const [name, b] of Object.entries(this.buf)) active[name] = Array.from(b.active);
    return { rng: this.rng.state(), t: this.t, active };
  }

  restore(state: unknown): void {
    const s = state as BatchedBanditSnapshot;
    if (!s || typeof s.t !== 'number' || !s.rng || !s.active) {
      throw new TypeError('BatchedBandit.restore: expected the object returned by snapshot().');
    }
    const r = s.rng;
    this.rng = Rng.fromState({
      c: r.c,
      s0: r.s0,
      s1: r.s1,
      s2: r.s2,
      spare: r.spare ?? undefined,
    } as RngState & {
      spare?: number;
    });
    this.t = s.t;
    for (const [name, b] of Object.entries(this.buf)) {
      b.active.set(s.active[name]);
      this.writeObs(b, b.obs);
    }
  }

  close(): void {}
}
