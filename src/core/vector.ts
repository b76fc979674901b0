/**
 * Running N copies of a single-agent environment.
 *
 * - `SyncVectorEnv`: Gymnasium 1.x's `SyncVectorEnv`, in **next-step**
 *   autoreset mode: after a copy's episode ends, the next `step` resets that
 *   copy (the action is ignored) and returns its reset observation with reward
 *   0 and both flags false.
 * - `BatchedFromVector`: the same copies presented as a `BatchedEnv` (one role
 *   named `agent`, `count` = N) for the trainer, with the **same-step**
 *   autoreset that `batched.ts` documents.
 *
 * Both seed copy i with `seed + i` on a seeded reset.
 */
import type { ActionSpec, BatchedEnv, RoleObservation, RoleSpec, RoleTransition } from './batched.ts';
import type { Env, EnvMetadata, Info, ResetOptions } from './env.ts';
import { Box, type BoxElement } from './spaces/box.ts';
import { Discrete } from './spaces/discrete.ts';
import type { Space } from './spaces/space.ts';
import { assertAction, assertSeed, describe } from './validate.ts';

/** Options of `SyncVectorEnv` and `BatchedFromVector`. */
export interface VectorEnvOptions {
  /**
   * Seed of the first reset when `reset` is called without one: copy i gets
   * `seed + i`. Later resets without a seed continue each copy's stream.
   * @default 0
   */
  seed?: number;
}

/** What `SyncVectorEnv.step` returns: one entry per copy. */
export interface VectorStepResult<Obs> {
  observations: Obs[];
  rewards: Float64Array;
  terminations: boolean[];
  truncations: boolean[];
  infos: Info[];
}

function buildEnvs<Obs, Act>(envFns: readonly (() => Env<Obs, Act>)[], who: string): Env<Obs, Act>[] {
  if (!Array.isArray(envFns) || envFns.length === 0 || !envFns.every((f) => typeof f === 'function')) {
    throw new TypeError(
      `${who}: pass a non-empty array of env factories, e.g. Array.from({ length: 8 }, () => () => make('CartPole-v1')).`,
    );
  }
  const envs = envFns.map((f) => f());
  const obs0 = JSON.stringify(envs[0].observationSpace.toJSON());
  const act0 = JSON.stringify(envs[0].actionSpace.toJSON());
  envs.forEach((e, i) => {
    if (
      JSON.stringify(e.observationSpace.toJSON()) !== obs0 ||
      JSON.stringify(e.actionSpace.toJSON()) !== act0
    ) {
      throw new TypeError(
        `${who}: env ${i} has different spaces than env 0; all copies must share observation and action spaces.`,
      );
    }
  });
  return envs;
}

/** Seeds for the copies: `base + i`, or undefined (continue streams) when there is no base. */
function seedsFor(base: number | undefined, n: number): (number | undefined)[] {
  return Array.from({ length: n }, (_, i) => (base === undefined ? undefined : base + i));
}

/** N copies of an env stepped in lock-step, Gymnasium 1.x next-step autoreset. */
export class SyncVectorEnv<Obs, Act> {
  readonly envs: readonly Env<Obs, Act>[];
  readonly numEnvs: number;
  readonly metadata: EnvMetadata;
  private readonly firstSeed: number;
  private hasReset = false;
  private closed = false;
  private readonly autoreset: boolean[];

  /** @param envFns One factory per copy. */
  constructor(envFns: readonly (() => Env<Obs, Act>)[], options: VectorEnvOptions = {}) {
    this.envs = buildEnvs(envFns, 'SyncVectorEnv');
    this.numEnvs = this.envs.length;
    this.firstSeed = options.seed ?? 0;
    assertSeed(this.firstSeed, 'SyncVectorEnv options.seed');
    this.metadata = { ...this.envs[0].metadata, autoresetMode: 'next-step' };
    this.autoreset = new Array(this.numEnvs).fill(false);
  }

  /** The observation space of one copy. */
  get singleObservationSpace(): Space<Obs> {
    return this.envs[0].observationSpace;
  }

  /** The action space of one copy (sample per copy with `envs[i].actionSpace`). */
  get singleActionSpace(): Space<Act> {
    return this.envs[0].actionSpace;
  }

  /** Reset every copy; with a seed (or on the first reset, `options.seed`), copy i gets `seed + i`. */
  reset(opts: ResetOptions = {}): { observations: Obs[]; infos: Info[] } {
    assertSeed(opts.seed, 'SyncVectorEnv.reset()', true);
    this.assertOpen('reset');
    const seeds = seedsFor(opts.seed ?? (this.hasReset ? undefined : this.firstSeed), this.numEnvs);
    const observations: Obs[] = [];
    const infos: Info[] = [];
    this.envs.forEach((e, i) => {
      const r = e.reset({ seed: seeds[i], options: opts.options });
      observations.push(r.observation);
      infos.push(r.info);
    });
    this.autoreset.fill(false);
    this.hasReset = true;
    return { observations, infos };
  }

  /**
   * Step every copy with its action. A copy whose episode ended on the
   * previous step is reset instead (its action is ignored): it returns its
   * reset observation and info, reward 0, terminated and truncated false.
   */
  step(actions: readonly Act[]): VectorStepResult<Obs> {
    this.assertOpen('step');
    if (!this.hasReset)
      throw new Error('SyncVectorEnv.step() was called before reset(): call reset({ seed }) first.');
    if (!Array.isArray(actions) || actions.length !== this.numEnvs) {
      throw new RangeError(
        `SyncVectorEnv.step: pass one action per copy (${this.numEnvs}), got ${describe(actions)}.`,
      );
    }
    const n = this.numEnvs;
    const out: VectorStepResult<Obs> = {
      observations: new Array(n),
      rewards: new Float64Array(n),
      terminations: new Array(n).fill(false),
      truncations: new Array(n).fill(false),
      infos: new Array(n),
    };
    for (let i = 0; i < n; i++) {
      const env = this.envs[i];
      assertAction(env.actionSpace, actions[i], `SyncVectorEnv.step(actions[${i}])`);
      if (this.autoreset[i]) {
        const r = env.reset();
        out.observations[i] = r.observation;
        out.infos[i] = r.info;
        this.autoreset[i] = false;
        continue;
      }
      const r = env.step(actions[i]);
      out.observations[i] = r.observation;
      out.rewards[i] = r.reward;
      out.terminations[i] = r.terminated;
      out.truncations[i] = r.truncated;
      out.infos[i] = r.info;
      this.autoreset[i] = r.terminated || r.truncated;
    }
    return out;
  }

  private assertOpen(method: string): void {
    if (this.closed)
      throw new Error(`SyncVectorEnv.${method}() was called after close(): create a new vector env.`);
  }

  /** Close every copy; calling it again does nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const e of this.envs) e.close();
  }
}

/**
 * N copies of a single-agent env with a flat `Box` observation space and a
 * `Box` or `Discrete` action space, as a `BatchedEnv` with one role `agent`.
 * Box actions are clipped to the space's bounds; discrete actions are the
 * index 0..n-1 (added to the space's `start`) passed as a float. Same-step
 * autoreset: when `done`, the returned row is already the next episode's
 * first observation and `finalObs` holds the last one. There is no global
 * state (`stateDim` 0). `lastInfos` keeps each copy's last step info.
 */
export class BatchedFromVector implements BatchedEnv {
  readonly roles: readonly RoleSpec[];
  readonly stateDim = 0;
  readonly envs: readonly Env<BoxElement, BoxElement | number>[];
  /** The info of each copy's last step (or reset). */
  readonly lastInfos: Info[];
  private readonly spec: RoleSpec;
  private readonly actSpace: Box<'float32' | 'float64' | 'int32'> | Discrete;
  private readonly firstSeed: number;
  private hasReset = false;
  private closed = false;
  private readonly obsBuf: RoleObservation;
  private readonly trans: RoleTransition;

  /** @param envFns One factory per copy. */
  constructor(
    envFns: readonly (() => Env<BoxElement, BoxElement | number>)[],
    options: VectorEnvOptions = {},
  ) {
    this.envs = buildEnvs(envFns, 'BatchedFromVector');
    const n = this.envs.length;
    const obsSpace = this.envs[0].observationSpace;
    const actSpace = this.envs[0].actionSpace;
    if (!(obsSpace instanceof Box)) {
      throw new TypeError(
        'BatchedFromVector: the observation space must be a Box (flatten other spaces with flattenSpace first).',
      );
    }
    let action: ActionSpec;
    if (actSpace instanceof Box) {
      if (actSpace.dtype === 'int32')
        throw new TypeError(
          'BatchedFromVector: an int32 Box action space is not supported; use Discrete or a float Box.',
        );
      action = {
        kind: 'box',
        dim: actSpace.size,
        low: Float32Array.from(actSpace.low),
        high: Float32Array.from(actSpace.high),
      };
    } else if (actSpace instanceof Discrete) {
      action = { kind: 'discrete', n: actSpace.n };
    } else {
      throw new TypeError('BatchedFromVector: the action space must be a Box or a Discrete.');
    }
    this.actSpace = actSpace;
    this.spec = Object.freeze({ name: 'agent', count: n, obsDim: obsSpace.size, action });
    this.roles = Object.freeze([this.spec]);
    this.firstSeed = options.seed ?? 0;
    assertSeed(this.firstSeed, 'BatchedFromVector options.seed');
    this.lastInfos = new Array(n).fill(null).map(() => ({}));
    const d = obsSpace.size;
    this.obsBuf = { obs: new Float32Array(n * d), active: new Uint8Array(n).fill(1) };
    this.trans = {
      obs: this.obsBuf.obs,
      active: this.obsBuf.active,
      rewards: new Float32Array(n),
      terminated: new Uint8Array(n),
      truncated: new Uint8Array(n),
      finalObs: new Float32Array(n * d),
    };
  }

  private writeObs(buf: Float32Array, i: number, obs: unknown): void {
    const d = this.spec.obsDim;
    const o = obs as ArrayLike<number>;
    if (!o || o.length !== d) {
      throw new RangeError(
        `BatchedFromVector: env ${i} returned an observation of ${describe(obs)}, expected ${d} numbers.`,
      );
    }
    for (let j = 0; j < d; j++) buf[i * d + j] = o[j];
  }

  reset(seed?: number): Record<string, RoleObservation> {
    assertSeed(seed, 'BatchedFromVector.reset()', true);
    if (this.closed) throw new Error('BatchedFromVector.reset() was called after close(): create a new one.');
    const seeds = seedsFor(seed ?? (this.hasReset ? undefined : this.firstSeed), this.envs.length);
    this.envs.forEach((e, i) => {
      const r = e.reset({ seed: seeds[i] });
      this.writeObs(this.obsBuf.obs, i, r.observation);
      this.lastInfos[i] = r.info;
    });
    this.hasReset = true;
    return { agent: this.obsBuf };
  }

  private toAction(row: Float32Array, i: number): BoxElement | number {
    const space = this.actSpace;
    for (let j = 0; j < row.length; j++) {
      if (!Number.isFinite(row[j])) {
        throw new RangeError(
          `BatchedFromVector.step: actions.agent[${i * row.length + j}] (slot ${i}) is ${row[j]}; actions must be finite. ` +
            'A NaN action usually means the policy diverged.',
        );
      }
    }
    if (space instanceof Discrete) {
      const a = row[0];
      if (!Number.isInteger(a) || a < 0 || a >= space.n) {
        throw new RangeError(
          `BatchedFromVector.step: slot ${i} chose ${a}; a discrete action is an integer in 0..${space.n - 1}.`,
        );
      }
      return space.start + a;
    }
    const out = space.dtype === 'float64' ? new Float64Array(space.size) : new Float32Array(space.size);
    for (let j = 0; j < space.size; j++) out[j] = Math.min(Math.max(row[j], space.low[j]), space.high[j]);
    return out;
  }

  step(actions: Record<string, Float32Array>): Record<string, RoleTransition> {
    if (this.closed) throw new Error('BatchedFromVector.step() was called after close(): create a new one.');
    if (!this.hasReset)
      throw new Error('BatchedFromVector.step() was called before reset(): call reset(seed) first.');
    const n = this.envs.length;
    const w = this.spec.action.kind === 'box' ? this.spec.action.dim : 1;
    const acts = actions?.agent;
    if (!(acts instanceof Float32Array) || acts.length !== n * w) {
      throw new RangeError(
        `BatchedFromVector.step: actions.agent must be a Float32Array of ${n} slots x ${w} = ${n * w} entries, got ${describe(acts)}.`,
      );
    }
    const t = this.trans;
    for (let i = 0; i < n; i++) {
      const env = this.envs[i];
      const r = env.step(this.toAction(acts.subarray(i * w, (i + 1) * w), i));
      t.rewards[i] = r.reward;
      t.terminated[i] = r.terminated ? 1 : 0;
      t.truncated[i] = r.truncated ? 1 : 0;
      this.lastInfos[i] = r.info;
      if (r.terminated || r.truncated) {
        this.writeObs(t.finalObs, i, r.observation);
        this.writeObs(t.obs, i, env.reset().observation);
      } else {
        this.writeObs(t.obs, i, r.observation);
      }
    }
    return { agent: t };
  }

  state(out?: Float32Array): Float32Array {
    return out ?? new Float32Array(0);
  }

  /** Close every copy; calling it again does nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const e of this.envs) e.close();
  }
}
