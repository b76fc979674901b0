/**
 * Simulator and environment throughput at paper scale (100 operators, 100
 * coprocessors, 1000 periods, about a million tasks).
 */
import { makeBaseline } from '../envs/network/baselines.ts';
import { CoprocessorNetworkEnv, NetworkBatchedEnv } from '../envs/network/index.ts';
import { loadScenario } from '../envs/scenarios/index.ts';
import type { MechanismName } from '../src/sim/auction.ts';
import { runEpisode } from '../src/sim/episode.ts';
import { COPROCESSOR_OBS_DIM, OPERATOR_OBS_DIM } from '../src/sim/network.ts';

export interface SimBenchResult {
  mechanism: MechanismName;
  /** The coprocessors' baseline (the operators play paper-heuristic). */
  coprocessors: string;
  tasks: number;
  /** Tasks that went to auction in the episode. */
  auctions: number;
  /** Operators still active at the end (a collapsed network auctions little in its second half). */
  activeOperators: number;
  /** Wall-clock seconds per episode, best and median of `repeats`. */
  bestSec: number;
  medianSec: number;
  /** CPU seconds (user + system) of the best episode: less sensitive to other load on the machine. */
  cpuSec: number;
  tasksPerSec: number;
  rssMB: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One simulator run to time: a mechanism and the coprocessors' baseline (`paper-heuristic` if not given). */
export interface SimBenchCase {
  mechanism: MechanismName;
  coprocessors?: string;
}

/**
 * The whole paper-scale episode under each case (operators paper-heuristic),
 * `repeats` times after one warm-up each. The cases take turns within each
 * repeat, so a slow spell of the machine hits them alike.
 */
export function benchSimulator(
  repeats = 5,
  cases: readonly SimBenchCase[] = [{ mechanism: 'scoring-dutch' }],
): SimBenchResult[] {
  const runs = cases.map(({ mechanism, coprocessors = 'paper-heuristic' }) => {
    const scenario = loadScenario('paper', { auction: { mechanism } });
    const policies = {
      operator: makeBaseline('paper-heuristic', 'operator', { scenario }),
      coprocessor: makeBaseline(coprocessors, 'coprocessor', { scenario }),
    };
    runEpisode(scenario, policies, 0, { periods: 50 }); // warm-up: let the JIT compile the hot loops
    return {
      mechanism,
      coprocessors,
      scenario,
      policies,
      times: [] as number[],
      cpu: [] as number[],
      tasks: 0,
      auctions: 0,
      activeOperators: 0,
    };
  });
  for (let r = 0; r < repeats; r++) {
    for (const run of runs) {
      let auctions = 0;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const { summary } = runEpisode(run.scenario, run.policies, 1, {
        onPeriod: (sim) => {
          for (let i = 0; i < sim.nOps; i++) auctions += sim.opAuctions[i];
        },
      });
      run.times.push((performance.now() - t0) / 1000);
      const c = process.cpuUsage(c0);
      run.cpu.push((c.user + c.system) / 1e6);
      run.tasks = summary.tasks;
      run.auctions = auctions;
      run.activeOperators = summary.activeAtEnd.operators;
    }
  }
  return runs.map((run) => {
    const best = Math.min(...run.times);
    return {
      mechanism: run.mechanism,
      coprocessors: run.coprocessors,
      tasks: run.tasks,
      auctions: run.auctions,
      activeOperators: run.activeOperators,
      bestSec: best,
      medianSec: median(run.times),
      cpuSec: Math.min(...run.cpu),
      tasksPerSec: run.tasks / best,
      rssMB: process.memoryUsage().rss / 2 ** 20,
    };
  });
}

export interface EnvBenchResult {
  agentSteps: number;
  bareSec: number;
  batchedSec: number;
  recordSec: number;
  batchedAgentStepsPerSec: number;
  recordAgentStepsPerSec: number;
  /** batched / bare simulator (target < 1.5). */
  batchedOverBare: number;
  /** record API / batched view (target < 2). */
  recordOverBatched: number;
}

/**
 * One paper-scale episode (200 agents x 1000 periods) through the bare
 * simulator, the batched view and the record API, best of `repeats` rounds
 * (the three paths take turns in each, and the first round warms the JIT for
 * all). Operators paper-heuristic, coprocessors conservative: a population the
 * default scoring-dutch market keeps alive to the horizon, so every path runs
 * the same 1000 periods (with paper-heuristic coprocessors the network collapses
 * and the envs end the episode early, the bare loop does not).
 */
export function benchEnv(repeats = 3): EnvBenchResult {
  const scenario = loadScenario('paper');
  const op = makeBaseline('paper-heuristic', 'operator', { scenario });
  const cp = makeBaseline('conservative', 'coprocessor', { scenario });
  const T = scenario.periods;
  const agentSteps = (scenario.operators.count + scenario.coprocessors.count) * T;
  const time = (f: () => void) => {
    const t0 = performance.now();
    f();
    return (performance.now() - t0) / 1000;
  };
  const bare = () => {
    runEpisode(scenario, { operator: op, coprocessor: cp }, 1);
  };
  const batched = new NetworkBatchedEnv(scenario, { autoreset: false });
  const opAct = new Float32Array(scenario.operators.count * 2);
  const cpAct = new Float32Array(scenario.coprocessors.count * batched.sim.coprocessorActionDim);
  const viaBatched = () => {
    let obs = batched.reset(1);
    for (let t = 0; t < T && !batched.episodeOver; t++) {
      op.act(obs.operator.obs, obs.operator.active, scenario.operators.count, opAct);
      cp.act(obs.coprocessor.obs, obs.coprocessor.active, scenario.coprocessors.count, cpAct);
      obs = batched.step({ operator: opAct, coprocessor: cpAct });
    }
  };
  // The record API: the same policies, called per agent through records.
  const env = new CoprocessorNetworkEnv({ scenario });
  const one = new Float32Array(3);
  const viaRecords = () => {
    let rec = env.reset({ seed: 1 }).observations;
    while (env.agents.length > 0) {
      const actions: Record<string, Float32Array> = {};
      for (const id of env.agents) {
        const isOp = id.startsWith('o');
        const policy = isOp ? op : cp;
        const dim = isOp ? 2 : 3;
        policy.act(rec[id], ONE_ACTIVE, 1, one);
        actions[id] = one.slice(0, dim);
      }
      rec = env.step(actions).observations;
    }
  };
  let bareSec = Number.POSITIVE_INFINITY;
  let batchedSec = Number.POSITIVE_INFINITY;
  let recordSec = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    bareSec = Math.min(bareSec, time(bare));
    batchedSec = Math.min(batchedSec, time(viaBatched));
    recordSec = Math.min(recordSec, time(viaRecords));
  }
  return {
    agentSteps,
    bareSec,
    batchedSec,
    recordSec,
    batchedAgentStepsPerSec: agentSteps / batchedSec,
    recordAgentStepsPerSec: agentSteps / recordSec,
    batchedOverBare: batchedSec / bareSec,
    recordOverBatched: recordSec / batchedSec,
  };
}

const ONE_ACTIVE = Uint8Array.of(1);
// Widths the record loop relies on.
void OPERATOR_OBS_DIM;
void COPROCESSOR_OBS_DIM;
