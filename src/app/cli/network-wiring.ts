/**
 * What ties the network environment to the trainer, the dashboard and the
 * evaluation: building the batched env of a scenario (with fixed opponents),
 * the baselines' reference returns, the market stream of a training run, and
 * loading a run's learned policies back as simulator policies.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  auditTime,
  concat,
  defer,
  filter,
  map,
  merge,
  type Observable,
  of,
  share,
  Subject,
  type Subscription,
} from 'rxjs';
import { BASELINES, type BaselineName, makeBaseline } from '../../../envs/network/baselines.ts';
import { readJsonl, stepOf, truncateJsonl } from '../../../agents/trainer/jsonl.ts';
import { RunDir } from '../../../agents/trainer/run-dir.ts';
import { initBackend } from '../../../agents/tf/backend.ts';
import { resume, type Trainer } from '../../../agents/trainer/trainer.ts';
import { NetworkBatchedEnv, type OpponentMix } from '../../../envs/network/index.ts';
import { isScoringMechanism, parseOverrides, type Scenario } from '../../sim/scenario.ts';
import { loadScenario } from '../../../envs/scenarios/index.ts';
import type { MarketSnapshot, TrainerEvent } from '../../core/train-events.ts';
import { runEpisode } from '../../sim/episode.ts';
import { logistic } from '../../sim/gas.ts';
import { trainedPolicy } from '../../../experiments/lib/learned.ts';
import type { PolicySet, Role } from '../../sim/policy.ts';

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

/**
 * A market snapshot of the simulator now (copies its arrays): the last
 * period's outcome and what the agents chose in it.
 */
export function marketSnapshot(env: NetworkBatchedEnv): MarketSnapshot {
  const sim = env.sim;
  const m = sim.metrics;
  const mechanism = sim.scenario.auction.mechanism;
  const n = Math.max(1, m.tasks);
  const loads = new Float32Array(sim.nCops);
  const cpRep = new Float32Array(sim.nCops);
  const opRep = new Float32Array(sim.nOps);
  for (let k = 0; k < sim.nCops; k++) {
    loads[k] = sim.cpActive[k] ? sim.cpLoad[k] : Number.NaN;
    cpRep[k] = sim.cpActive[k] ? logistic(sim.cpRep[k]) : Number.NaN;
  }
  for (let i = 0; i < sim.nOps; i++) opRep[i] = sim.opActive[i] ? logistic(sim.opRep[i]) : Number.NaN;
  return {
    period: m.period,
    delegatedShare: m.delegated / n,
    selfExecutedShare: (m.selfExecuted + m.fallback) / n,
    droppedShare: m.dropped / n,
    meanPriceRatio: m.meanPriceRatio,
    mechanism,
    bidReading: isScoringMechanism(mechanism) ? 'markup' : 'psi',
    meanMarkup: m.meanMarkup,
    meanPsi: m.meanPsi,
    meanKappa: m.meanKappa,
    meanShirk: m.meanShirk,
    meanEta: m.meanEta,
    meanTheta: m.meanTheta,
    failures: m.failures,
    slashes: m.slashes,
    undetectedShirks: m.undetectedShirks,
    activeOperators: m.activeOperators,
    activeCoprocessors: m.activeCoprocessors,
    coprocessorLoads: loads,
    reputations: { operator: opRep, coprocessor: cpRep },
    optimalLoad: sim.scenario.loadCurve.optimalLoad,
  };
}

/** `market.jsonl` line of a snapshot (typed arrays as arrays, NaN as null, in them and in the scalars). */
export function marketLine(globalStep: number, s: MarketSnapshot): string {
  const arr = (a: Float32Array) => Array.from(a, (v) => (Number.isFinite(v) ? v : null));
  return `${JSON.stringify({
    global_step: globalStep,
    ...s,
    coprocessorLoads: arr(s.coprocessorLoads),
    reputations: Object.fromEntries(Object.entries(s.reputations).map(([k, v]) => [k, arr(v)])),
  })}\n`;
}

/**
 * Drop the rows of a run's `market.jsonl` that a resumed run will write again: those of the rollouts
 * from `globalStep` on (a row carries the trainer's step when it was taken, which during a rollout is
 * the step at its start), and a torn last line. Atomic, and only when something goes; returns the
 * warnings (a torn line dropped). Throws, naming the line, on a bad line before the last.
 */
export function truncateMarketLog(file: string, globalStep: number): string[] {
  const content = readJsonl(file);
  return truncateJsonl(file, (row, line) => stepOf(file, row, line, 'global_step') < globalStep, content);
}

/**
 * The event stream the dashboard sees: the trainer's events, the `start`
 * event replayed to a late subscriber (the dashboard mounts asynchronously),
 * and for a network env its market and ejection events. Market snapshots are
 * also appended to `<run>/market.jsonl` (for `copronet watch`), at most one
 * every `everyMs`; the rows from the trainer's step on (left by a run killed
 * after its last checkpoint) are dropped first, as metrics.jsonl's are.
 */
export function attachMarket(
  trainer: Trainer,
  everyMs = 500,
): { events$: Observable<TrainerEvent>; dispose(): void } {
  const out = new Subject<TrainerEvent>();
  const subs: Subscription[] = [];
  let start: TrainerEvent | undefined;
  subs.push(
    trainer.events$.subscribe((e) => {
      if (e.type === 'start') start = e;
    }),
  );
  const env = trainer.env;
  if (env instanceof NetworkBatchedEnv) {
    const steps$ = env.periodEvents$.pipe(share());
    const file = trainer.runDir ? join(trainer.runDir.path, 'market.jsonl') : undefined;
    if (file) trainer.warnings.push(...truncateMarketLog(file, trainer.globalStep));
    subs.push(
      steps$
        .pipe(
          filter((e) => e.type === 'step'),
          auditTime(everyMs),
          // A step that ended the episode has already reset the simulator: nothing to show until the next one.
          filter(() => env.sim.t > 0),
          map(() => marketSnapshot(env)),
        )
        .subscribe((market) => {
          if (file) appendFileSync(file, marketLine(trainer.globalStep, market));
          out.next({ type: 'market', globalStep: trainer.globalStep, market });
        }),
    );
    subs.push(
      steps$.subscribe((e) => {
        if (e.type === 'ejection') {
          out.next({
            type: 'ejection',
            globalStep: trainer.globalStep,
            agent: `${e.role}_${e.index}`,
            period: e.period,
          });
        }
      }),
    );
  }
  const live$ = merge(trainer.events$, out);
  return {
    events$: defer(() => (start ? concat(of(start), live$) : live$)),
    dispose() {
      for (const s of subs) s.unsubscribe();
      out.complete();
    },
  };
}

/**
 * Load the policies of a training run on a network scenario (its latest
 * checkpoint) as simulator policies, for `eval`, `simulate` and the experiments.
 */
export async function loadLearnedPolicies(
  runDir: string,
  opts: { deterministic?: boolean; seed?: number } = {},
): Promise<{
  policies: Partial<PolicySet>;
  scenario: string;
  overrides: string[];
  opponents: string[];
  trainedRoles: Role[];
  trainSeeds: number[];
}> {
  const dir = RunDir.open(runDir);
  // The fastest backend there is (and tfjs in production mode); the run records the one it trained on.
  await initBackend('auto');
  const cli = dir.readJson<{ env: string; kind: string; overrides: string[] }>('cli.json');
  if (cli.kind !== 'batched') {
    throw new Error(
      `${runDir} trained on ${cli.env}, not on a network scenario: only network runs can be evaluated here.`,
    );
  }
  const config = dir.readJson<{ seed: number }>('config.json');
  const env = makeNetworkEnv(cli.env, cli.overrides, config.seed);
  // Read only: no lock, nothing written, so a run can be evaluated while it trains.
  const trainer = await resume(runDir, env, { readOnly: true });
  for (const w of trainer.warnings) process.stderr.write(`warning: ${w}\n`);
  const policies: Partial<PolicySet> = {};
  const trainedRoles = env.learnerRoles;
  for (const role of trainedRoles) {
    policies[role] = trainedPolicy(trainer, role, { deterministic: opts.deterministic, seed: opts.seed });
  }
  // The scenario part of the run's --set (opponent.* entries say who played, not what the model is).
  const overrides = cli.overrides.filter((e) => !e.startsWith('opponent.'));
  const opponents = cli.overrides.filter((e) => e.startsWith('opponent.'));
  return { policies, scenario: cli.env, overrides, opponents, trainedRoles, trainSeeds: [config.seed] };
}
