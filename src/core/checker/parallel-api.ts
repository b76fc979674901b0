/**
 * The API checks of a parallel multi-agent environment (`ParallelEnv` in
 * `env.ts`), one function each, in the order `checkParallelEnv` runs them.
 * Ports of PettingZoo's `test/parallel_test.parallel_api_test`: structure and
 * spaces, then two episodes of at most `numCycles` steps whose every reset and
 * step is checked (records keyed by the live agents, agents leaving once and
 * for good, a finite global state of fixed size).
 */
import { describe } from '../validate.ts';
import { isPlainObject, sameOnEveryCall } from './data.ts';
import { checkStepBeforeReset } from './lifecycle.ts';
import { checkFlag, checkInfo, checkObs, checkReward, checkSpace } from './passive.ts';
import type { AnyParallelEnv, Recorder } from './report.ts';

/** The records of a parallel step, each keyed by agent. */
export const RECORD_NAMES = ['observations', 'rewards', 'terminations', 'truncations', 'infos'] as const;

/** A random action for `agent`, respecting an `action_mask` in its observation (PettingZoo's `sample_action`). */
export function sampleAction(env: AnyParallelEnv, obs: unknown, agent: string): unknown {
  const space = env.actionSpace(agent);
  if (isPlainObject(obs) && 'action_mask' in obs) {
    const mask = obs.action_mask as ArrayLike<number>;
    if (Array.prototype.some.call(mask, (m: number) => m === 1)) return space.sample(mask);
  }
  return space.sample();
}

/** Seed agent i's action space with 42 + i, as PettingZoo's seed test does. */
export function seedActionSpaces(e: AnyParallelEnv): void {
  e.possibleAgents.forEach((a, i) => {
    e.actionSpace(a).seed(42 + i);
  });
}

/**
 * Check `env-structure`: the env has the methods of `ParallelEnv`, and
 * `possibleAgents` is a non-empty array of distinct names (PettingZoo's
 * `parallel_api_test` starts from `possible_agents`).
 */
export function checkParallelEnvStructure(rec: Recorder, env: AnyParallelEnv): void {
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
}

/**
 * Check `spaces-stable` for one agent: `observationSpace(a)` and
 * `actionSpace(a)` return the same object on every call (PettingZoo's
 * documentation asks for cached spaces; a new space loses its seed).
 */
export function checkAgentSpacesStable(rec: Recorder, env: AnyParallelEnv, a: string): void {
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
}

/** Check `spaces-valid` for one agent: both of its spaces are well-formed (`checkSpace`). */
export function checkAgentSpacesValid(rec: Recorder, env: AnyParallelEnv, a: string): void {
  checkSpace(rec, env.observationSpace(a), `observation (${a})`);
  checkSpace(rec, env.actionSpace(a), `action (${a})`);
}

/** Checks `spaces-stable` and `spaces-valid`, agent by agent over `possibleAgents`. */
export function checkParallelSpaces(rec: Recorder, env: AnyParallelEnv): void {
  for (const a of env.possibleAgents) {
    checkAgentSpacesStable(rec, env, a);
    checkAgentSpacesValid(rec, env, a);
  }
  rec.pass('spaces-stable');
  rec.pass('spaces-valid');
}

/** Check `step-before-reset` with one sampled action per possible agent (see `checkStepBeforeReset`). */
export function checkParallelStepBeforeReset(rec: Recorder, env: AnyParallelEnv): void {
  const anyActions = Object.fromEntries(env.possibleAgents.map((a) => [a, env.actionSpace(a).sample()]));
  checkStepBeforeReset(rec, () => env.step(anyActions));
}

/**
 * Check `reset-options`: `reset({ seed: 0, options: { options: 1 } })` is
 * accepted (PettingZoo's `parallel_api_test` resets with exactly these).
 */
export function checkParallelResetOptions(rec: Recorder, env: AnyParallelEnv): void {
  try {
    env.reset({ seed: 0, options: { options: 1 } });
  } catch (e) {
    rec.fail(
      'reset-options',
      `reset({ seed: 0, options: { options: 1 } }) threw: ${(e as Error).message}. Accept both.`,
    );
  }
  rec.pass('reset-options');
}

/** The length of `state()` seen first, which every later `state()` must keep (-1 before the first). */
export interface StateDimTracker {
  dim: number;
}

/**
 * Check `state`: `state()` is a finite `Float32Array` whose length never
 * changes (a centralised critic is built for one size), and, when the env
 * declares a `stateSpace`, an element of it, as PettingZoo's
 * `parallel_api_test` checks `state()` against `state_space`.
 */
export function checkParallelState(
  rec: Recorder,
  env: AnyParallelEnv,
  tracker: StateDimTracker,
  where: string,
): void {
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
  if (tracker.dim < 0) tracker.dim = s.length;
  rec.ensure(
    s.length === tracker.dim,
    'state',
    () => `state() changed length from ${tracker.dim} to ${s.length} (after ${where}); keep it fixed.`,
  );
  const space = env.stateSpace;
  if (space === undefined) return;
  rec.ensure(
    typeof space?.contains === 'function',
    'state',
    () => `env.stateSpace must be a Space (with contains()), got ${describe(space)}.`,
  );
  rec.ensure(space.contains(s), 'state', () => {
    // For a Box, the first entry out of its bounds.
    const box = space as { low?: ArrayLike<number>; high?: ArrayLike<number> };
    const lo = box.low;
    const hi = box.high;
    const out = lo && hi && lo.length === s.length ? s.findIndex((v, i) => !(v >= lo[i] && v <= hi[i])) : -1;
    return out >= 0
      ? `state()[${out}] = ${s[out]} after ${where} is outside env.stateSpace's [${lo![out]}, ${hi![out]}].`
      : `state() after ${where} is not in env.stateSpace (${JSON.stringify(space.toJSON())}): ${describe(s)}.`;
  });
}

/**
 * Check `agents`: `env.agents` is an array of possible agents (PettingZoo's
 * `parallel_api_test` asserts `set(agents) <= set(possible_agents)`).
 */
export function checkAgentsSubset(rec: Recorder, env: AnyParallelEnv, where: string): void {
  const agents = env.agents;
  rec.ensure(
    Array.isArray(agents),
    'agents',
    () => `env.agents must be an array, got ${describe(agents)} (after ${where}).`,
  );
  const stray = agents.find((a) => !env.possibleAgents.includes(a));
  rec.ensure(
    stray === undefined,
    'agents',
    () => `env.agents contains ${JSON.stringify(stray)} (after ${where}), which is not in possibleAgents.`,
  );
}

/**
 * Check `reset-return`: `reset()` returns `{ observations, infos }` with an
 * observation in its space and an info for every live agent, and brings
 * agents to life (with the `agents` and `state` checks after it). Returns the
 * observations. Ports the reset part of PettingZoo's `parallel_api_test`.
 */
export function checkParallelResetReturn(
  rec: Recorder,
  env: AnyParallelEnv,
  tracker: StateDimTracker,
): Record<string, unknown> {
  const res = env.reset();
  rec.ensure(
    isPlainObject(res) && isPlainObject(res.observations) && isPlainObject(res.infos),
    'reset-return',
    () => `reset() must return { observations, infos } (objects keyed by agent), got ${describe(res)}.`,
  );
  checkAgentsSubset(rec, env, 'reset()');
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
  checkParallelState(rec, env, tracker, 'reset()');
  rec.pass('reset-return');
  return res.observations;
}

/**
 * Check `step-return` and `record-keys` for one step: `out` holds the five
 * records, each keyed by exactly the agents live before the step (`before`);
 * an agent that ended earlier (`finished`, agent -> step) never appears again.
 * PettingZoo's `parallel_api_test` asserts the same key sets.
 */
export function checkStepRecords(
  rec: Recorder,
  out: unknown,
  before: readonly string[],
  finished: ReadonlyMap<string, number>,
  where: string,
): asserts out is Record<(typeof RECORD_NAMES)[number], Record<string, unknown>> {
  rec.ensure(isPlainObject(out), 'step-return', () => `step() must return an object, got ${describe(out)}.`);
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
}

/** The passive checks of each agent's observation, reward, flags and info in one step's records. */
export function checkStepValues(
  rec: Recorder,
  env: AnyParallelEnv,
  out: Record<(typeof RECORD_NAMES)[number], Record<string, unknown>>,
  before: readonly string[],
  where: string,
): void {
  for (const a of before) {
    checkObs(rec, out.observations[a], env.observationSpace(a), `step() for ${a} (${where})`);
    checkReward(rec, out.rewards[a], `step() for ${a} (${where})`);
    checkFlag(rec, out.terminations[a], `terminations.${a}`, `step() (${where})`);
    checkFlag(rec, out.truncations[a], `truncations.${a}`, `step() (${where})`);
    checkInfo(rec, out.infos[a], `step() for ${a} (${where})`);
  }
}

/**
 * Check `agent-revived` and `agents-update` for one step: the agents that
 * ended on it (`done`) left `env.agents`, no agent left without a flag, and no
 * agent that ended earlier came back. PettingZoo's `parallel_api_test` asserts
 * that done agents are removed and never return.
 */
export function checkAgentsUpdate(
  rec: Recorder,
  env: AnyParallelEnv,
  before: readonly string[],
  done: readonly string[],
  finished: ReadonlyMap<string, number>,
  where: string,
): void {
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
}

/** Check `spaces-stable` again for the live agents after a step (the spaces must not be rebuilt as agents change). */
export function checkLiveSpacesStable(rec: Recorder, env: AnyParallelEnv, where: string): void {
  for (const a of env.agents) {
    rec.ensure(
      sameOnEveryCall(() => env.observationSpace(a)) && sameOnEveryCall(() => env.actionSpace(a)),
      'spaces-stable',
      () =>
        `the spaces of ${JSON.stringify(a)} are new objects on every call (${where}): return the same objects.`,
    );
  }
}

/**
 * One episode of the API test: a reset, then at most `numCycles` steps with
 * sampled actions, each step checked by the functions above; warns when the
 * episode does not end. Passes `record-keys`, `agents-update` and `state`.
 */
export function runParallelApiEpisode(
  rec: Recorder,
  env: AnyParallelEnv,
  episode: number,
  numCycles: number,
  tracker: StateDimTracker,
): void {
  const possible = env.possibleAgents;
  let obs = checkParallelResetReturn(rec, env, tracker);
  const finished = new Map<string, number>();
  let ended = false;
  for (let step = 0; step < numCycles; step++) {
    const before = [...env.agents];
    const actions = Object.fromEntries(before.map((a) => [a, sampleAction(env, obs[a], a)]));
    const out: unknown = env.step(actions);
    const where = `step ${step} of episode ${episode}`;
    checkStepRecords(rec, out, before, finished, where);
    checkStepValues(rec, env, out, before, where);
    checkAgentsSubset(rec, env, where);
    const done = before.filter((a) => out.terminations[a] || out.truncations[a]);
    checkAgentsUpdate(rec, env, before, done, finished, where);
    for (const a of done) finished.set(a, step);
    checkLiveSpacesStable(rec, env, where);
    if (env.agents.length > 0) checkParallelState(rec, env, tracker, where);
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

/** The API test: two episodes (`runParallelApiEpisode`), sharing the state length they must keep. */
export function checkParallelApi(rec: Recorder, env: AnyParallelEnv, numCycles: number): void {
  const tracker: StateDimTracker = { dim: -1 };
  for (let episode = 0; episode < 2; episode++) runParallelApiEpisode(rec, env, episode, numCycles, tracker);
}
