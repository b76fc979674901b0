/**
 * The batched network env of a training run: a scenario with `--set`
 * overrides, some of which (`opponent.<role>=...`) put fixed baselines in (a
 * share of) a role's slots; and the baselines' reference returns per role,
 * the level the learning curves are drawn against. Used by `copronet train`
 * and by `train` jobs (experiments/jobs/train-job.ts), which build the same
 * run on any worker.
 */
import { loadScenario } from '../scenarios/index.ts';
import { parseOverrides, type Scenario } from '../../src/sim/scenario.ts';
import { runEpisode } from '../../src/sim/episode.ts';
import type { PolicySet, Role } from '../../src/sim/policy.ts';
import { BASELINES, type BaselineName, makeBaseline } from './baselines.ts';
import { NetworkBatchedEnv, type OpponentMix } from './batched.ts';

/** Who plays (part of) a role instead of the learner: `opponent.<role>=<names>[@share]`. */
export interface OpponentSpec {
  /** Baselines, one of which (per episode) plays the fixed slots. */
  names: BaselineName[];
  /** Share of the role's slots they play; 1 takes the role from the learner. */
  share: number;
}

/**
 * Split `--set` entries of a network run: `opponent.<role>=<baseline>` makes a
 * role a fixed opponent; `opponent.<role>=a,b@0.5` (or `all@0.5`) has half of
 * the role's slots played by one of the listed baselines, drawn per episode, and
 * the learner the rest; everything else is a scenario override.
 */
export function splitNetworkOverrides(entries: readonly string[]): {
  scenario: Record<string, unknown> | undefined;
  opponents: Partial<Record<Role, OpponentSpec>>;
} {
  const opponents: Partial<Record<Role, OpponentSpec>> = {};
  const rest: string[] = [];
  for (const e of entries) {
    const m = /^opponent\.(operator|coprocessor)=([^@]+)(?:@(.*))?$/.exec(e);
    if (m) {
      const names = m[2] === 'all' ? [...BASELINES] : m[2].split(',').map((x) => x.trim());
      for (const n of names) {
        if (!BASELINES.includes(n as BaselineName)) {
          throw new Error(
            `--set ${e}: unknown baseline '${n}'; choose from ${BASELINES.join(', ')} (or all).`,
          );
        }
      }
      const share = m[3] === undefined ? 1 : Number(m[3]);
      if (!(share > 0 && share <= 1)) {
        throw new Error(`--set ${e}: the share after @ must be a number in (0, 1], got '${m[3]}'.`);
      }
      opponents[m[1] as Role] = { names: names as BaselineName[], share };
    } else if (e.startsWith('opponent.')) {
      throw new Error(
        `--set ${e}: use opponent.operator=<baseline> or opponent.coprocessor=<baseline>[,<baseline>...][@share].`,
      );
    } else rest.push(e);
  }
  return { scenario: rest.length > 0 ? parseOverrides(rest) : undefined, opponents };
}

/** The batched network env of a scenario name or file, with `--set` overrides. */
export function makeNetworkEnv(
  nameOrPath: string,
  overrides: readonly string[],
  seed: number,
): NetworkBatchedEnv {
  const { scenario: ov, opponents } = splitNetworkOverrides(overrides);
  const scenario = loadScenario(nameOrPath, ov);
  const mix: Partial<Record<Role, OpponentMix>> = {};
  for (const [role, spec] of Object.entries(opponents) as [Role, OpponentSpec][]) {
    // Each pool member its own seed, so that two random baselines never draw alike.
    const pool = spec.names.map((name, i) => makeBaseline(name, role, { scenario, seed: seed + 7919 * i }));
    mix[role] = { share: spec.share, pool };
  }
  return new NetworkBatchedEnv(scenario, { opponentMix: mix });
}

/**
 * Mean episodic return per agent (the trainer's `charts/episodic_return/<role>`
 * units) of the best baseline population per role, the other role playing
 * paper-heuristic: the reference line of the dashboard's learning curves.
 */
export function baselineReturns(scenario: Scenario, seed = 1): Record<Role, number> {
  const out: Record<Role, number> = {
    operator: Number.NEGATIVE_INFINITY,
    coprocessor: Number.NEGATIVE_INFINITY,
  };
  for (const role of ['operator', 'coprocessor'] as const) {
    for (const name of BASELINES) {
      const pol: PolicySet = {
        operator: makeBaseline(role === 'operator' ? name : 'paper-heuristic', 'operator', {
          scenario,
          seed,
        }),
        coprocessor: makeBaseline(role === 'coprocessor' ? name : 'paper-heuristic', 'coprocessor', {
          scenario,
          seed,
        }),
      };
      const r = runEpisode(scenario, pol, seed).summary.meanRewardPerAgent[role] * scenario.rewardScale;
      if (r > out[role]) out[role] = r;
    }
  }
  return out;
}
