/**
 * Simulator and environment throughput at paper scale (100 operators, 100
 * coprocessors, 1000 periods, about a million tasks).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { makeBaseline } from '../envs/network/baselines.ts';
import { CoprocessorNetworkEnv, NetworkBatchedEnv } from '../envs/network/index.ts';
import { loadScenario } from '../envs/scenarios/index.ts';
import type { MechanismName } from '../src/sim/auction.ts';
import { Rng } from '../src/core/rng.ts';
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
  /** Tasks in the episode: the same for every path (the bench throws otherwise). */
  tasks: number;
  /** batched / bare simulator, best against best (target < 1.1). */
  batchedOverBare: number;
  /** batched / bare, the median of the rounds' paired ratios (each round runs both back to back). */
  batchedOverBareMedian: number;
  /**
   * The batched view's own work (everything but the simulator's period and the
   * policies), as a share of the simulator's period, in the best batched round:
   * a measure of the view's overhead that the machine's noise between runs
   * does not reach (both parts are timed within the same run).
   */
  viewOwnShare: number;
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
 *
 * The batched view seeds its simulator from its own generator (`reset(1)` runs
 * the simulator on `new Rng(1).uint32()`), so the bare loop runs that seed:
 * the three paths then simulate the same episode, task for task, which the
 * bench checks (a bare loop on seed 1 simulates about 5% fewer tasks).
 */
export function benchEnv(repeats = 5): EnvBenchResult {
  const scenario = loadScenario('paper');
  const op = makeBaseline('paper-heuristic', 'operator', { scenario });
  const cp = makeBaseline('conservative', 'coprocessor', { scenario });
  const T = scenario.periods;
  const agentSteps = (scenario.operators.count + scenario.coprocessors.count) * T;
  const time = (f: () => void) => {
    collectGarbage(); // the record API's garbage is collected before, not during, the next path's timing
    const t0 = performance.now();
    f();
    return (performance.now() - t0) / 1000;
  };
  const simSeed = new Rng(1).uint32();
  const tasks = { bare: 0, batched: 0, record: 0 };
  const bare = () => {
    tasks.bare = runEpisode(scenario, { operator: op, coprocessor: cp }, simSeed).summary.tasks;
  };
  const batched = new NetworkBatchedEnv(scenario, { autoreset: false });
  // Time inside the simulator's period, so the view's own share is measured within a run.
  let simSec = 0;
  let policySec = 0;
  const simStep = batched.sim.step.bind(batched.sim);
  batched.sim.step = (opA: Float32Array, cpA: Float32Array) => {
    const t0 = performance.now();
    simStep(opA, cpA);
    simSec += (performance.now() - t0) / 1000;
  };
  const opAct = new Float32Array(scenario.operators.count * 2);
  const cpAct = new Float32Array(scenario.coprocessors.count * batched.sim.coprocessorActionDim);
  const viaBatched = () => {
    simSec = 0;
    policySec = 0;
    let obs = batched.reset(1);
    let n = 0;
    for (let t = 0; t < T && !batched.episodeOver; t++) {
      const t0 = performance.now();
      op.act(obs.operator.obs, obs.operator.active, scenario.operators.count, opAct);
      cp.act(obs.coprocessor.obs, obs.coprocessor.active, scenario.coprocessors.count, cpAct);
      policySec += (performance.now() - t0) / 1000;
      obs = batched.step({ operator: opAct, coprocessor: cpAct });
      n += batched.sim.metrics.tasks;
    }
    tasks.batched = n;
  };
  // The record API: the same policies, called per agent through records.
  const env = new CoprocessorNetworkEnv({ scenario });
  const one = new Float32Array(3);
  const viaRecords = () => {
    let rec = env.reset({ seed: 1 }).observations;
    let n = 0;
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
      n += env.batched.sim.metrics.tasks;
    }
    tasks.record = n;
  };
  const times = { bare: [] as number[], batched: [] as number[], record: [] as number[] };
  const own: number[] = [];
  time(bare); // warm-up round: the JIT compiles every path before any is timed
  time(viaBatched);
  time(viaRecords);
  for (let r = 0; r < repeats; r++) {
    // The bare loop and the batched view swap places each round, so neither always runs after the record API.
    if (r % 2 === 0) {
      times.bare.push(time(bare));
      times.batched.push(time(viaBatched));
    } else {
      times.batched.push(time(viaBatched));
      times.bare.push(time(bare));
    }
    own.push((times.batched[r] - simSec - policySec) / simSec);
    times.record.push(time(viaRecords));
  }
  if (tasks.bare !== tasks.batched || tasks.batched !== tasks.record) {
    throw new Error(
      `benchEnv: the paths simulated different episodes (tasks: bare ${tasks.bare}, batched ${tasks.batched}, record ${tasks.record})`,
    );
  }
  const best = (xs: number[]) => Math.min(...xs);
  const bareSec = best(times.bare);
  const batchedSec = best(times.batched);
  const recordSec = best(times.record);
  return {
    agentSteps,
    tasks: tasks.bare,
    bareSec,
    batchedSec,
    recordSec,
    batchedAgentStepsPerSec: agentSteps / batchedSec,
    recordAgentStepsPerSec: agentSteps / recordSec,
    batchedOverBare: batchedSec / bareSec,
    batchedOverBareMedian: median(times.batched.map((b, r) => b / times.bare[r])),
    viewOwnShare: own[times.batched.indexOf(batchedSec)],
    recordOverBatched: recordSec / batchedSec,
  };
}

const ONE_ACTIVE = Uint8Array.of(1);

let gc: (() => void) | undefined;
/** A full garbage collection, without needing node's --expose-gc flag. */
function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
// Widths the record loop relies on.
void OPERATOR_OBS_DIM;
void COPROCESSOR_OBS_DIM;
