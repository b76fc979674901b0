/**
 * The determinism checks of a parallel environment, in the order
 * `checkParallelEnv` runs them. Ports of PettingZoo's `test/seed_test`
 * (`check_environment_deterministic_parallel`, `parallel_seed_test`).
 */
import { dataEquivalent, snapshot } from './data.ts';
import { sampleAction, seedActionSpaces } from './parallel-api.ts';
import type { AnyParallelEnv, EnvFactory, Recorder } from './report.ts';
import { checkSeedsDiffer } from './seed-sensitivity.ts';

/**
 * The seed test's trajectory: after reseeding the action spaces, resets with
 * seeds 0, 1, 2, each followed by at most `seedCycles` steps with sampled
 * actions, as copies (the env may reuse its arrays).
 */
export function rolloutParallel(e: AnyParallelEnv, seedCycles: number): unknown[] {
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
}

/**
 * Check `determinism`: the seed test's trajectory repeats on the same env and
 * (given a factory) on a fresh one. Ports PettingZoo's `parallel_seed_test`,
 * which compares two instances (`check_environment_deterministic_parallel`);
 * running it twice on one env also catches state that survives `reset({ seed })`.
 */
export function checkParallelDeterminism(
  rec: Recorder,
  env: AnyParallelEnv,
  factory: EnvFactory<AnyParallelEnv> | undefined,
  seedCycles: number,
): void {
  const h1 = rolloutParallel(env, seedCycles);
  const h2 = rolloutParallel(env, seedCycles);
  rec.ensure(
    dataEquivalent(h1, h2),
    'determinism',
    () =>
      'the env kept state across reset({ seed }): two runs with the same seeds and the same actions differ.',
  );
  if (factory) {
    const other = factory();
    const h3 = rolloutParallel(other, seedCycles);
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
}

/**
 * Check `seed-sensitivity`: seeds 123 and 456 give different trajectories,
 * unless the env is declared `deterministic` (see `checkSeedsDiffer`;
 * PettingZoo's seed test only compares equal seeds).
 */
export function checkParallelSeedSensitivity(
  rec: Recorder,
  env: AnyParallelEnv,
  seedCycles: number,
  deterministic: boolean | undefined,
): void {
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
  checkSeedsDiffer(rec, single(123), single(456), seedCycles, deterministic);
}
