/**
 * Environment checkers: the contract of `env.ts` turned into checks any
 * environment can be run through. `checkEnv` ports gymnasium's
 * `utils/env_checker.check_env` (with the passive checks of
 * `passive_env_checker`); `checkParallelEnv` ports PettingZoo's
 * `test/parallel_api_test` and `test/seed_test`.
 *
 * Both take an environment or, better, a factory: a factory lets the checker
 * build fresh copies (step-before-reset on a new env, determinism across two
 * instances, every declared render mode). Given an instance, it must be freshly
 * constructed (never reset). The checker closes what it checks, and it
 * reseeds action spaces (agent i's with 42 + i, as PettingZoo's seed test does).
 *
 * A failed check throws an `EnvCheckError` that names the check, says what went
 * wrong and how to fix it. On success a `CheckReport` lists the checks passed
 * and the warnings (things Gymnasium / PettingZoo only warn about).
 */
import type { Env, ParallelEnv } from '../env.ts';
import { Box } from '../spaces/box.ts';
import { Dict } from '../spaces/dict.ts';
import { Discrete } from '../spaces/discrete.ts';
import { MultiBinary } from '../spaces/multi-binary.ts';
import { MultiDiscrete } from '../spaces/multi-discrete.ts';
import type { Space } from '../spaces/space.ts';
import { Tuple } from '../spaces/tuple.ts';
import { describe } from '../validate.ts';

// biome-ignore lint/suspicious/noExplicitAny: the checker works on any env
type AnyEnv = Env<any, any>;
// biome-ignore lint/suspicious/noExplicitAny: the checker works on any env
type AnyParallelEnv = ParallelEnv<string, any, any>;
// biome-ignore lint/suspicious/noExplicitAny: any space
type AnySpace = Space<any>;

/** Builds a fresh environment; `renderMode` is passed when the checker tests a declared render mode. */
export type EnvFactory<E> = (opts?: { renderMode?: string }) => E;

/** A failed environment check. `check` names it (e.g. `'reset-seed'`). */
export class EnvCheckError extends Error {
  constructor(
    readonly check: string,
    message: string,
  ) {
    super(`[${check}] ${message}`);
    this.name = 'EnvCheckError';
  }
}

/** What a successful check returns. */
export interface CheckReport {
  /** Names of the checks that passed, in order. */
  passed: string[];
  /** Problems that do not break the contract but probably deserve a look. */
  warnings: string[];
}

/** Options of `checkEnv`. */
export interface CheckEnvOptions {
  /**
   * Skip the checks of `render()` and of the declared render modes.
   * @default false
   */
  skipRenderCheck?: boolean;
  /**
   * Steps of each seeded rollout of the determinism checks (episodes that end
   * are continued with `reset()`).
   * @default 50
   */
  numSteps?: number;
  /**
   * Declare that the environment has no randomness at all: different seeds may
   * then give identical trajectories. Otherwise that is an error (the env most
   * likely ignores its seed).
   * @default false
   */
  deterministic?: boolean;
}

/** Options of `checkParallelEnv`. */
export interface CheckParallelEnvOptions {
  /**
   * Maximum steps of each of the two API-test episodes (PettingZoo's `num_cycles`).
   * @default 1000
   */
  numCycles?: number;
  /**
   * Steps after each of the seeds 0, 1, 2 in the determinism checks (PettingZoo's `seed_test`).
   * @default 10
   */
  seedCycles?: number;
  /** As in `checkEnv`. @default false */
  deterministic?: boolean;
  /** As in `checkEnv`. @default false */
  skipRenderCheck?: boolean;
}

// ---------------------------------------------------------------------------
// Shared helpers

class Recorder {
  readonly report: CheckReport = { passed: [], warnings: [] };

  fail(check: string, message: string): never {
    throw new EnvCheckError(check, message);
  }

  ensure(cond: unknown, check: string, message: () => string): asserts cond {
    if (!cond) this.fail(check, message());
  }

  pass(check: string): void {
    this.report.passed.push(check);
  }

  warn(message: string): void {
    if (!this.report.warnings.includes(message)) this.report.warnings.push(message);
  }
}

/** Deep equality of observations / infos: same structure, same typed-array types, identical numbers (NaN equals NaN). */
export function dataEquivalent(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (ArrayBuffer.isView(a)) {
    const x = a as unknown as ArrayLike<number>;
    const y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!dataEquivalent(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(a)) {
    const y = b as unknown[];
    return a.length === y.length && a.every((v, i) => dataEquivalent(v, y[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const rb = b as Record<string, unknown>;
  return (
    ka.length === kb.length &&
    ka.every((k) => k in rb && dataEquivalent((a as Record<string, unknown>)[k], rb[k]))
  );
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

function isSpace(x: unknown): x is AnySpace {
  const s = x as Partial<AnySpace> | null;
  return (
    !!s &&
    typeof s.contains === 'function' &&
    typeof s.sample === 'function' &&
    typeof s.seed === 'function' &&
    typeof s.toJSON === 'function'
  );
}

/** Sanity of a space definition (gymnasium `check_space` + `check_space_limit`). */
function checkSpace(rec: Recorder, space: unknown, what: string): void {
  const check = 'spaces-valid';
  rec.ensure(
    isSpace(space),
    check,
    () =>
      `the ${what} space is not a Space (needs contains, sample, seed, toJSON), got ${describe(space)}. ` +
      'Use the classes of src/core/spaces.',
  );
  if (space instanceof Box) {
    if (
      space.low.some((v) => v === Number.NEGATIVE_INFINITY) ||
      space.high.some((v) => v === Number.POSITIVE_INFINITY)
    ) {
      rec.warn(`A Box ${what} space has infinite bounds; give finite bounds if the values are bounded.`);
    }
    for (let i = 0; i < space.size; i++) {
      if (space.low[i] === space.high[i]) rec.warn(`A Box ${what} space has low == high at entry ${i}.`);
    }
    if (what.startsWith('action') && space.shape.length === 1) {
      const normalized = space.low.every(
        (lo, i) => (lo === 0 || Math.abs(lo) === Math.abs(space.high[i])) && lo >= -1 && space.high[i] <= 1,
      );
      if (!normalized) {
        rec.warn(
          `For Box ${what} spaces a symmetric, normalised range ([-1, 1] or [0, 1]) is recommended; see RescaleAction.`,
        );
      }
    }
  } else if (space instanceof Dict) {
    for (const k of space.keys) checkSpace(rec, space.spaces[k], `${what}.${k}`);
  } else if (space instanceof Tuple) {
    space.spaces.forEach((s: unknown, i: number) => {
      checkSpace(rec, s, `${what}[${i}]`);
    });
  } else if (!(space instanceof Discrete || space instanceof MultiDiscrete || space instanceof MultiBinary)) {
    rec.warn(
      `The ${what} space is a custom Space (${describe(space.toJSON())}); only its contains/sample are checked.`,
    );
  }
  const x = space.sample();
  rec.ensure(
    space.contains(x),
    check,
    () =>
      `the ${what} space does not contain its own sample ${describe(x)}: its contains() or sample() is wrong.`,
  );
}

/** Gymnasium's `check_obs`: type warnings plus containment (an error here, a warning in Gymnasium). */
function checkObs(rec: Recorder, obs: unknown, space: AnySpace, where: string): void {
  if (space instanceof Box) {
    const Expected =
      space.dtype === 'float64' ? Float64Array : space.dtype === 'int32' ? Int32Array : Float32Array;
    if (!(obs instanceof Expected)) {
      rec.warn(
        `The observation returned by ${where} should be a ${Expected.name} (Box dtype ${space.dtype}), got ${describe(obs)}.`,
      );
    }
  } else if (space instanceof MultiDiscrete && !(obs instanceof Int32Array)) {
    rec.warn(`The observation returned by ${where} should be an Int32Array, got ${describe(obs)}.`);
  } else if (space instanceof MultiBinary && !(obs instanceof Uint8Array)) {
    rec.warn(`The observation returned by ${where} should be a Uint8Array, got ${describe(obs)}.`);
  }
  if (!space.contains(obs)) {
    let detail = '';
    if (space instanceof Box && obs && typeof obs === 'object' && 'length' in obs) {
      const arr = obs as ArrayLike<number>;
      if (arr.length !== space.size) detail = ` It has ${arr.length} entries, the space ${space.size}.`;
      else {
        for (let i = 0; i < arr.length; i++) {
          const v = arr[i];
          if (!(v >= space.low[i] && v <= space.high[i] && Number.isFinite(v))) {
            detail = ` Entry ${i} is ${v}, outside [${space.low[i]}, ${space.high[i]}].`;
            break;
          }
        }
      }
    }
    rec.fail(
      'observation-in-space',
      `the observation returned by ${where} is not in the observation space ${JSON.stringify(space.toJSON())}: ` +
        `${describe(obs)}.${detail} Clip or fix the observation, or widen the space.`,
    );
  }
}

function checkInfo(rec: Recorder, info: unknown, where: string): void {
  rec.ensure(
    isPlainObject(info),
    'info-type',
    () => `the info returned by ${where} must be a plain object, got ${describe(info)}.`,
  );
}

function checkReward(rec: Recorder, reward: unknown, where: string): void {
  rec.ensure(
    typeof reward === 'number' && Number.isFinite(reward),
    'reward-finite',
    () =>
      `the reward returned by ${where} must be a finite number, got ${describe(reward)}. Check for 0/0 or overflow.`,
  );
}

function checkFlag(rec: Recorder, flag: unknown, name: string, where: string): void {
  rec.ensure(
    typeof flag === 'boolean',
    'done-flags',
    () =>
      `${name} returned by ${where} must be a boolean, got ${describe(flag)}. Return true/false, not 0/1 or undefined.`,
  );
}

/** True when two calls of `get` return the very same object. */
function sameOnEveryCall(get: () => unknown): boolean {
  const first = get();
  return get() === first;
}

function throws(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch {
    return true;
  }
}

function checkRenderModes(rec: Recorder, env: { metadata: unknown; renderMode?: string }): readonly string[] {
  const meta = env.metadata as { renderModes?: unknown; renderFps?: unknown } | undefined;
  rec.ensure(
    isPlainObject(meta),
    'metadata',
    () => `env.metadata must be an object like { renderModes: ['ansi'] }, got ${describe(meta)}.`,
  );
  const modes = meta.renderModes;
  rec.ensure(
    Array.isArray(modes) && modes.every((m) => typeof m === 'string'),
    'metadata',
    () => `env.metadata.renderModes must be an array of strings (possibly empty), got ${describe(modes)}.`,
  );
  if (env.renderMode !== undefined) {
    rec.ensure(
      modes.includes(env.renderMode),
      'render',
      () =>
        `env.renderMode is ${JSON.stringify(env.renderMode)} but metadata.renderModes is [${modes}]: declare it there.`,
    );
  }
  if (
    modes.length > 0 &&
    meta.renderFps !== undefined &&
    !(typeof meta.renderFps === 'number' && meta.renderFps > 0)
  ) {
    rec.fail(
      'metadata',
      `env.metadata.renderFps must be a positive number, got ${describe(meta.renderFps)}.`,
    );
  }
  return modes as string[];
}

function checkRenderOutput(rec: Recorder, mode: string | undefined, out: unknown): void {
  if (mode === 'ansi') {
    rec.ensure(
      typeof out === 'string',
      'render',
      () => `render() with renderMode 'ansi' must return a string, got ${describe(out)}.`,
    );
  } else if (mode === 'human' && out !== undefined) {
    rec.warn(`render() with renderMode 'human' should return undefined, got ${describe(out)}.`);
  }
}

function checkCloseTwice(rec: Recorder, env: { close(): void }): void {
  try {
    env.close();
    env.close();
  } catch (e) {
    rec.fail(
      'close',
      `calling close() twice must be allowed, the second call threw: ${(e as Error).message}. Make close() idempotent.`,
    );
  }
  rec.pass('close');
}

/** A deep, plain copy of what a trajectory records (the env may reuse its arrays). */
function snapshot(x: unknown): unknown {
  if (ArrayBuffer.isView(x)) return (x as unknown as { slice(): unknown }).slice();
  if (Array.isArray(x)) return x.map(snapshot);
  if (isPlainObject(x)) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, snapshot(v)]));
  return x;
}

// ---------------------------------------------------------------------------
// Single-agent

/**
 * Check that a single-agent environment follows the Gymnasium contract of
 * `env.ts`; throws `EnvCheckError` on the first failure.
 *
 * @param envOrFactory A freshly constructed env, or (better) a factory.
 */
export function checkEnv(
  envOrFactory: AnyEnv | EnvFactory<AnyEnv>,
  options: CheckEnvOptions = {},
): CheckReport {
  const rec: Recorder = new Recorder();
  const factory = typeof envOrFactory === 'function' ? envOrFactory : undefined;
  const env = factory ? factory() : (envOrFactory as AnyEnv);
  const numSteps = options.numSteps ?? 50;

  // ---- structure and spaces
  for (const m of ['reset', 'step', 'render', 'close'] as const) {
    rec.ensure(
      typeof env?.[m] === 'function',
      'env-structure',
      () => `the environment has no ${m}() method; implement Env from src/core/env.ts.`,
    );
  }
  rec.pass('env-structure');
  rec.ensure(
    sameOnEveryCall(() => env.observationSpace) && sameOnEveryCall(() => env.actionSpace),
    'spaces-stable',
    () =>
      'observationSpace / actionSpace return a new object on every access: build the spaces once (in the constructor) ' +
      'and return the same objects, so that seeding a space sticks.',
  );
  rec.pass('spaces-stable');
  checkSpace(rec, env.observationSpace, 'observation');
  checkSpace(rec, env.actionSpace, 'action');
  const obsSpace = env.observationSpace;
  const actSpace = env.actionSpace;
  actSpace.seed(42);
  rec.pass('spaces-valid');

  // ---- step before reset
  rec.ensure(
    throws(() => env.step(actSpace.sample())),
    'step-before-reset',
    () =>
      'step() before the first reset() did not throw. Keep a "needs reset" flag and throw an Error that says to call ' +
      'reset() first. (If you passed an env that was already reset, pass a fresh one or a factory.)',
  );
  rec.pass('step-before-reset');

  // ---- reset: return type, seeding, options
  const r0 = env.reset();
  rec.ensure(
    isPlainObject(r0) && 'observation' in r0 && 'info' in r0,
    'reset-return',
    () => `reset() must return { observation, info }, got ${describe(r0)}.`,
  );
  checkObs(rec, r0.observation, obsSpace, 'reset()');
  checkInfo(rec, r0.info, 'reset()');
  rec.pass('reset-return');

  const o1 = snapshot(env.reset({ seed: 123 }).observation);
  checkObs(rec, o1, obsSpace, 'reset({ seed: 123 })');
  const o2 = snapshot(env.reset({ seed: 123 }).observation);
  rec.ensure(
    dataEquivalent(o1, o2),
    'reset-seed',
    () =>
      `reset({ seed: 123 }) twice gave different observations (${describe(o1)} vs ${describe(o2)}): reseed the ` +
      "env's Rng from opts.seed in reset, and draw every random number from it (never Math.random).",
  );
  checkObs(rec, env.reset({ seed: 456 }).observation, obsSpace, 'reset({ seed: 456 })');
  rec.pass('reset-seed');
  try {
    env.reset({ options: {} });
  } catch (e) {
    rec.fail(
      'reset-options',
      `reset({ options: {} }) threw: ${(e as Error).message}. Accept (and ignore unknown) options.`,
    );
  }
  rec.pass('reset-options');

  // ---- step results, along seeded rollouts
  const rollout = (e: AnyEnv, seed: number): unknown[] => {
    const traj: unknown[] = [];
    const space = e.actionSpace;
    space.seed(42);
    const first = e.reset({ seed });
    traj.push(snapshot(first.observation));
    for (let k = 0; k < numSteps; k++) {
      const where = `step() (seed ${seed}, step ${k})`;
      const r = e.step(space.sample());
      rec.ensure(isPlainObject(r), 'step-return', () => `step() must return an object, got ${describe(r)}.`);
      for (const f of ['observation', 'reward', 'terminated', 'truncated', 'info']) {
        rec.ensure(
          f in r,
          'step-return',
          () => `step() must return { observation, reward, terminated, truncated, info }; ${f} is missing.`,
        );
      }
      checkObs(rec, r.observation, e.observationSpace, where);
      checkReward(rec, r.reward, where);
      checkFlag(rec, r.terminated, 'terminated', where);
      checkFlag(rec, r.truncated, 'truncated', where);
      checkInfo(rec, r.info, where);
      traj.push(snapshot(r.observation), r.reward, r.terminated, r.truncated);
      if (r.terminated || r.truncated) {
        const again = e.reset();
        checkObs(rec, again.observation, e.observationSpace, 'reset()');
        traj.push('reset', snapshot(again.observation));
      }
    }
    return traj;
  };

  const t1 = rollout(env, 123);
  rec.pass('step-return');
  const t2 = rollout(env, 123);
  rec.ensure(
    dataEquivalent(t1, t2),
    'determinism',
    () =>
      'two rollouts after reset({ seed: 123 }) with the same actions differ: some state survives reset, or a random ' +
      "draw does not go through the env's seeded Rng.",
  );
  if (factory) {
    const other = factory();
    const t3 = rollout(other, 123);
    other.close();
    rec.ensure(
      dataEquivalent(t1, t3),
      'determinism',
      () =>
        'two env instances reset with seed 123 behave differently: the env uses a global or shared random state.',
    );
  }
  rec.pass('determinism');
  const t4 = rollout(env, 456);
  if (dataEquivalent(t1, t4)) {
    rec.ensure(
      options.deterministic,
      'seed-sensitivity',
      () =>
        `seeds 123 and 456 gave identical ${numSteps}-step trajectories: the env seems to ignore opts.seed in reset. ` +
        'Reseed its Rng from the seed; if the env truly has no randomness, pass { deterministic: true }.',
    );
  } else rec.pass('seed-sensitivity');

  // ---- rendering
  if (!options.skipRenderCheck) {
    const modes = checkRenderModes(rec, env);
    if (env.renderMode !== undefined) {
      env.reset();
      checkRenderOutput(rec, env.renderMode, env.render());
    }
    if (factory) {
      for (const mode of modes) {
        const e = factory({ renderMode: mode });
        rec.ensure(
          e.renderMode === mode,
          'render',
          () => `the factory ignored renderMode ${JSON.stringify(mode)}.`,
        );
        e.reset();
        checkRenderOutput(rec, mode, e.render());
        e.close();
      }
    } else if (modes.some((m) => m !== env.renderMode)) {
      rec.warn(
        'Not able to test the other declared render modes: pass a factory ((opts) => env) instead of an env.',
      );
    }
    rec.pass('render');
  }

  checkCloseTwice(rec, env);
  return rec.report;
}

// ---------------------------------------------------------------------------
// Parallel (multi-agent)

function sampleAction(env: AnyParallelEnv, obs: unknown, agent: string): unknown {
  const space = env.actionSpace(agent);
  if (isPlainObject(obs) && 'action_mask' in obs) {
    const mask = obs.action_mask as ArrayLike<number>;
    if (Array.prototype.some.call(mask, (m: number) => m === 1)) return space.sample(mask);
  }
  return space.sample();
}

const RECORD_NAMES = ['observations', 'rewards', 'terminations', 'truncations', 'infos'] as const;

/**
 * Check that a multi-agent environment follows PettingZoo's parallel contract
 * (`ParallelEnv` in `env.ts`); throws `EnvCheckError` on the first failure.
 *
 * @param envOrFactory A freshly constructed env, or (better) a factory.
 */
export function checkParallelEnv(
  envOrFactory: AnyParallelEnv | EnvFactory<AnyParallelEnv>,
  options: CheckParallelEnvOptions = {},
): CheckReport {
  const rec: Recorder = new Recorder();
  const factory = typeof envOrFactory === 'function' ? envOrFactory : undefined;
  const env = factory ? factory() : (envOrFactory as AnyParallelEnv);
  const numCycles = options.numCycles ?? 1000;
  const seedCycles = options.seedCycles ?? 10;

  // ---- structure and spaces
  for (const m of ['reset', 'step', 'render', 'close', 'state', 'observationSpace', 'actionSpace'] as const) {
    rec.ensure(
      typeof env?.[m] === 'function',
      'env-structure',
      () => `the environment has no ${m}() method; implement ParallelEnv from src/core/env.ts.`,
    );
  }
  const possible = env.possibleAgents;
  rec.ensure(
    Array.isArray(possible) && possible.length > 0 && possible.every((a) => typeof a === 'string'),
    'env-structure',
    () => `possibleAgents must be a non-empty array of agent names, got ${describe(possible)}.`,
  );
  rec.ensure(
    new Set(possible).size === possible.length,
    'env-structure',
    () => `possibleAgents has duplicates: [${possible}].`,
  );
  rec.pass('env-structure');
  for (const a of possible) {
    rec.ensure(
      sameOnEveryCall(() => env.observationSpace(a)),
      'spaces-stable',
      () =>
        `observationSpace(${JSON.stringify(a)}) returns a new object on every call: build each agent's spaces once and ` +
        'return the same object (PettingZoo suggests caching), so that seeding a space sticks.',
    );
    rec.ensure(
      sameOnEveryCall(() => env.actionSpace(a)),
      'spaces-stable',
      () =>
        `actionSpace(${JSON.stringify(a)}) returns a new object on every call: build it once and return the same object.`,
    );
    checkSpace(rec, env.observationSpace(a), `observation (${a})`);
    checkSpace(rec, env.actionSpace(a), `action (${a})`);
  }
  rec.pass('spaces-stable');
  rec.pass('spaces-valid');
  const seedActionSpaces = (e: AnyParallelEnv): void => {
    e.possibleAgents.forEach((a, i) => {
      e.actionSpace(a).seed(42 + i);
    });
  };
  seedActionSpaces(env);

  // ---- step before reset
  const anyActions = Object.fromEntries(possible.map((a) => [a, env.actionSpace(a).sample()]));
  rec.ensure(
    throws(() => env.step(anyActions)),
    'step-before-reset',
    () =>
      'step() before the first reset() did not throw. Keep a "needs reset" flag and throw an Error that says to call ' +
      'reset() first. (If you passed an env that was already reset, pass a fresh one or a factory.)',
  );
  rec.pass('step-before-reset');

  let stateDim = -1;
  const checkState = (where: string) => {
    const s = env.state();
    rec.ensure(
      s instanceof Float32Array,
      'state',
      () => `state() must return a Float32Array, got ${describe(s)} (after ${where}).`,
    );
    const bad = s.findIndex((v) => !Number.isFinite(v));
    rec.ensure(
      bad < 0,
      'state',
      () => `state()[${bad}] is ${s[bad]} after ${where}: the global state must be finite.`,
    );
    if (stateDim < 0) stateDim = s.length;
    rec.ensure(
      s.length === stateDim,
      'state',
      () => `state() changed length from ${stateDim} to ${s.length} (after ${where}); keep it fixed.`,
    );
  };

  const checkAgentsSubset = (where: string) => {
    const agents = env.agents;
    rec.ensure(
      Array.isArray(agents),
      'agents',
      () => `env.agents must be an array, got ${describe(agents)} (after ${where}).`,
    );
    const stray = agents.find((a) => !possible.includes(a));
    rec.ensure(
      stray === undefined,
      'agents',
      () => `env.agents contains ${JSON.stringify(stray)} (after ${where}), which is not in possibleAgents.`,
    );
  };

  // ---- reset accepts seed and options
  try {
    env.reset({ seed: 0, options: { options: 1 } });
  } catch (e) {
    rec.fail(
      'reset-options',
      `reset({ seed: 0, options: { options: 1 } }) threw: ${(e as Error).message}. Accept both.`,
    );
  }
  rec.pass('reset-options');

  // ---- the API test: two episodes of at most numCycles steps
  for (let episode = 0; episode < 2; episode++) {
    const res = env.reset();
    rec.ensure(
      isPlainObject(res) && isPlainObject(res.observations) && isPlainObject(res.infos),
      'reset-return',
      () => `reset() must return { observations, infos } (objects keyed by agent), got ${describe(res)}.`,
    );
    checkAgentsSubset('reset()');
    rec.ensure(
      env.agents.length > 0,
      'reset-return',
      () => 'env.agents is empty after reset(): reset must bring agents to life.',
    );
    for (const a of env.agents) {
      rec.ensure(
        a in res.observations,
        'reset-return',
        () => `reset() gave no observation for live agent ${JSON.stringify(a)}.`,
      );
      rec.ensure(
        a in res.infos,
        'reset-return',
        () => `reset() gave no info for live agent ${JSON.stringify(a)}.`,
      );
      checkObs(rec, res.observations[a], env.observationSpace(a), `reset() for ${a}`);
      checkInfo(rec, res.infos[a], `reset() for ${a}`);
    }
    const extra = Object.keys(res.observations).filter((k) => !env.agents.includes(k));
    if (extra.length > 0)
      rec.warn(`reset() returned observations for keys that are not live agents: ${extra.join(', ')}.`);
    checkState('reset()');
    rec.pass('reset-return');

    let obs: Record<string, unknown> = res.observations;
    const finished = new Map<string, number>();
    let ended = false;
    for (let step = 0; step < numCycles; step++) {
      const before = [...env.agents];
      const actions = Object.fromEntries(before.map((a) => [a, sampleAction(env, obs[a], a)]));
      const out = env.step(actions);
      const where = `step ${step} of episode ${episode}`;
      rec.ensure(
        isPlainObject(out),
        'step-return',
        () => `step() must return an object, got ${describe(out)}.`,
      );
      for (const name of RECORD_NAMES) {
        const record = out[name];
        rec.ensure(
          isPlainObject(record),
          'step-return',
          () => `step().${name} must be an object keyed by agent, got ${describe(record)} (${where}).`,
        );
        for (const a of before) {
          rec.ensure(
            a in record,
            'record-keys',
            () =>
              `step().${name} has no entry for ${JSON.stringify(a)}, which was live before the step (${where}). Every ` +
              'record must hold exactly the agents in env.agents before the step, including those that end on it.',
          );
        }
        for (const k of Object.keys(record)) {
          if (before.includes(k)) continue;
          const when = finished.get(k);
          rec.fail(
            'record-keys',
            when !== undefined
              ? `agent ${JSON.stringify(k)} ended at step ${when} but appears again in step().${name} (${where}). An agent that ` +
                  'is terminated or truncated appears once, with its flag set, and then leaves every record.'
              : `step().${name} has an entry for ${JSON.stringify(k)}, which was not in env.agents before the step (${where}).`,
          );
        }
      }
      for (const a of before) {
        checkObs(rec, out.observations[a], env.observationSpace(a), `step() for ${a} (${where})`);
        checkReward(rec, out.rewards[a], `step() for ${a} (${where})`);
        checkFlag(rec, out.terminations[a], `terminations.${a}`, `step() (${where})`);
        checkFlag(rec, out.truncations[a], `truncations.${a}`, `step() (${where})`);
        checkInfo(rec, out.infos[a], `step() for ${a} (${where})`);
      }
      checkAgentsSubset(where);
      const done = before.filter((a) => out.terminations[a] || out.truncations[a]);
      for (const a of env.agents) {
        const when = finished.get(a);
        rec.ensure(
          when === undefined,
          'agent-revived',
          () =>
            `agent ${JSON.stringify(a)} ended at step ${when} but is back in env.agents (${where}): agents cannot be revived.`,
        );
        rec.ensure(
          !done.includes(a),
          'agents-update',
          () =>
            `agent ${JSON.stringify(a)} was terminated/truncated at ${where} but is still in env.agents: remove it after the step that ends it.`,
        );
      }
      for (const a of before) {
        rec.ensure(
          done.includes(a) || env.agents.includes(a),
          'agents-update',
          () =>
            `agent ${JSON.stringify(a)} left env.agents at ${where} without terminations/truncations set: flag it on the step it leaves.`,
        );
      }
      for (const a of done) finished.set(a, step);
      for (const a of env.agents) {
        rec.ensure(
          sameOnEveryCall(() => env.observationSpace(a)) && sameOnEveryCall(() => env.actionSpace(a)),
          'spaces-stable',
          () =>
            `the spaces of ${JSON.stringify(a)} are new objects on every call (${where}): return the same objects.`,
        );
      }
      if (env.agents.length > 0) checkState(where);
      obs = out.observations;
      if (env.agents.length === 0) {
        const never = possible.filter((a) => !finished.has(a));
        if (never.length > 0)
          rec.warn(`No agents left, but these possible agents never ended: ${never.join(', ')}.`);
        ended = true;
        break;
      }
    }
    if (!ended) {
      rec.warn(
        `An episode did not end within numCycles = ${numCycles} steps: truncate at a horizon, or raise numCycles ` +
          'so that the checker sees the end of an episode.',
      );
    }
    rec.pass('record-keys');
    rec.pass('agents-update');
    rec.pass('state');
  }

  // ---- the seed test
  const rollout = (e: AnyParallelEnv): unknown[] => {
    const traj: unknown[] = [];
    seedActionSpaces(e);
    for (let seed = 0; seed < 3; seed++) {
      let obs: Record<string, unknown> = e.reset({ seed }).observations;
      traj.push('reset', seed, snapshot(obs));
      for (let k = 0; k < seedCycles && e.agents.length > 0; k++) {
        const agents = [...e.agents];
        const actions = Object.fromEntries(agents.map((a) => [a, sampleAction(e, obs[a], a)]));
        const out = e.step(actions);
        obs = out.observations;
        traj.push(
          agents,
          snapshot(out.observations),
          snapshot(out.rewards),
          snapshot(out.terminations),
          snapshot(out.truncations),
        );
      }
    }
    return traj;
  };
  const h1 = rollout(env);
  const h2 = rollout(env);
  rec.ensure(
    dataEquivalent(h1, h2),
    'determinism',
    () =>
      'the env kept state across reset({ seed }): two runs with the same seeds and the same actions differ.',
  );
  if (factory) {
    const other = factory();
    const h3 = rollout(other);
    other.close();
    rec.ensure(
      dataEquivalent(h1, h3),
      'determinism',
      () =>
        'two env instances with the same seeds behave differently: the env uses a global or shared random state ' +
        '(Math.random?) instead of its own seeded Rng.',
    );
  }
  rec.pass('determinism');
  const single = (seed: number): unknown[] => {
    seedActionSpaces(env);
    let obs: Record<string, unknown> = env.reset({ seed }).observations;
    const traj: unknown[] = [snapshot(obs)];
    for (let k = 0; k < seedCycles && env.agents.length > 0; k++) {
      const out = env.step(Object.fromEntries(env.agents.map((a) => [a, sampleAction(env, obs[a], a)])));
      obs = out.observations;
      traj.push(snapshot(out.observations), snapshot(out.rewards));
    }
    return traj;
  };
  if (dataEquivalent(single(123), single(456))) {
    rec.ensure(
      options.deterministic,
      'seed-sensitivity',
      () =>
        `seeds 123 and 456 gave identical ${seedCycles}-step trajectories: the env seems to ignore opts.seed in reset. ` +
        'Reseed its Rng from the seed; if the env truly has no randomness, pass { deterministic: true }.',
    );
  } else rec.pass('seed-sensitivity');

  // ---- rendering
  if (!options.skipRenderCheck) {
    const modes = checkRenderModes(rec, env as AnyParallelEnv & { renderMode?: string });
    const mode = (env as { renderMode?: string }).renderMode;
    if (mode !== undefined) {
      env.reset();
      checkRenderOutput(rec, mode, env.render());
    }
    if (factory) {
      for (const m of modes) {
        const e = factory({ renderMode: m });
        const got = (e as { renderMode?: string }).renderMode;
        rec.ensure(
          got === m,
          'render',
          () => `the factory ignored renderMode ${JSON.stringify(m)} (env.renderMode is ${describe(got)}).`,
        );
        e.reset();
        checkRenderOutput(rec, m, e.render());
        e.close();
      }
    }
    rec.pass('render');
  }

  checkCloseTwice(rec, env);
  return rec.report;
}
