import { describe, expect, it } from 'vitest';
import { makeBaseline } from '../envs/network/baselines.ts';
import { CoprocessorNetworkEnv, NetworkBatchedEnv, type NetworkEvent } from '../envs/network/index.ts';
import { loadScenario } from '../envs/scenarios/index.ts';
import { checkParallelEnv } from '../src/core/checker/index.ts';
import { makeParallel } from '../src/core/registry.ts';
import { Rng } from '../src/core/rng.ts';
import { COPROCESSOR_OBS_DIM, NetworkSim } from '../src/sim/network.ts';

const harsh = { slashing: { factor: 6 }, periods: 60 };

function randomActions(env: CoprocessorNetworkEnv, rng: Rng): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const id of env.agents) {
    const dim = env.actionSpace(id).shape[0];
    out[id] = Float32Array.from({ length: dim }, () => rng.next());
  }
  return out;
}

describe('CoprocessorNetwork-v0 (parallel API)', () => {
  it('passes the parallel API checker, with and without ejections', () => {
    const report = checkParallelEnv(
      (o) => makeParallel('CoprocessorNetwork-v0', { scenario: 'tiny', ...o }) as CoprocessorNetworkEnv,
      {
        numCycles: 100,
      },
    );
    expect(report.passed).toContain('determinism');
    expect(report.passed).toContain('seed-sensitivity');
    const harshReport = checkParallelEnv(
      (o) =>
        makeParallel('CoprocessorNetwork-v0', { scenario: 'quick', ...harsh, ...o }) as CoprocessorNetworkEnv,
      { numCycles: 100 },
    );
    expect(harshReport.passed).toContain('agents-update');
  });

  it('an ejected agent appears once with terminated and never again; the episode ends when agents is empty', () => {
    const env = new CoprocessorNetworkEnv({ scenario: 'quick', overrides: harsh });
    const rng = new Rng(1);
    env.reset({ seed: 3 });
    const done = new Set<string>();
    let terminatedSeen = 0;
    let steps = 0;
    while (env.agents.length > 0) {
      const before = [...env.agents];
      const r = env.step(randomActions(env, rng));
      steps++;
      expect(Object.keys(r.rewards).sort()).toEqual(before.sort());
      for (const id of Object.keys(r.rewards)) {
        expect(done.has(id)).toBe(false);
        expect(Number.isFinite(r.rewards[id])).toBe(true);
        if (r.terminations[id] || r.truncations[id]) done.add(id);
        if (r.terminations[id]) terminatedSeen++;
      }
      for (const id of env.agents) expect(done.has(id)).toBe(false);
    }
    expect(terminatedSeen).toBeGreaterThan(0);
    expect(steps).toBeLessThanOrEqual(60);
    expect(() => env.step({})).toThrow(/episode is over.*reset/);
  });

  it('observation and action spaces are the same object on every call', () => {
    const env = new CoprocessorNetworkEnv({ scenario: 'tiny' });
    expect(env.observationSpace('operator_0')).toBe(env.observationSpace('operator_0'));
    expect(env.actionSpace('coprocessor_2')).toBe(env.actionSpace('coprocessor_2'));
    expect(env.actionSpace('coprocessor_0').shape).toEqual([3]);
    expect(env.actionSpace('operator_0').shape).toEqual([2]);
  });

  it('rejects bad use with errors that say what to do', () => {
    const env = new CoprocessorNetworkEnv({ scenario: 'tiny' });
    expect(() => env.step({})).toThrow(/before reset/);
    expect(() => env.reset({ seed: 1.5 })).toThrow(/seed must be a non-negative integer/);
    env.reset({ seed: 1 });
    const rng = new Rng(2);
    const good = randomActions(env, rng);
    expect(() => env.step({ ...good, operator_99: new Float32Array(2) })).toThrow(
      /unknown agent "operator_99"/,
    );
    expect(() => env.step({ ...good, operator_0: new Float32Array(3) })).toThrow(/operator_0.*3 entries/);
    expect(() => env.step({ ...good, coprocessor_1: Float32Array.of(0.5, Number.NaN, 0) })).toThrow(/finite/);
    const { operator_1: _, ...missing } = good;
    expect(() => env.step(missing)).toThrow(/no action for 1 live agent.*operator_1/);
    env.close();
    env.close();
  });

  it('make() takes scenario overrides as keyword arguments, and bad ones name the field', () => {
    const env = makeParallel('CoprocessorNetwork-v0', {
      scenario: 'tiny',
      slashing: { factor: 3 },
    }) as CoprocessorNetworkEnv;
    expect(env.scenario.slashing.factor).toBe(3);
    expect(() => makeParallel('CoprocessorNetwork-v0', { scenario: 'tiny', slashing: { factr: 3 } })).toThrow(
      /slashing\.factr/,
    );
  });
});

describe('NetworkBatchedEnv (batched view)', () => {
  it('the record API and the batched view give the same rewards for the same actions', () => {
    const scenario = loadScenario('tiny');
    const batched = new NetworkBatchedEnv(scenario, { autoreset: false });
    const env = new CoprocessorNetworkEnv({ scenario });
    batched.reset(9);
    env.reset({ seed: 9 });
    const rng = new Rng(4);
    let compared = 0;
    for (let t = 0; t < 10 && env.agents.length > 0; t++) {
      const rec = randomActions(env, rng);
      const op = new Float32Array(8);
      const cp = new Float32Array(12);
      for (let i = 0; i < 4; i++) {
        op.set(rec[`operator_${i}`] ?? [0, 0], 2 * i);
        cp.set(rec[`coprocessor_${i}`] ?? [0, 0, 0], 3 * i);
      }
      const a = env.step(rec);
      const b = batched.step({ operator: op, coprocessor: cp });
      for (let i = 0; i < 4; i++) {
        if (`operator_${i}` in a.rewards) expect(a.rewards[`operator_${i}`]).toBe(b.operator.rewards[i]);
        if (`coprocessor_${i}` in a.rewards) {
          expect(a.rewards[`coprocessor_${i}`]).toBe(b.coprocessor.rewards[i]);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(8);
  });

  it('rewards are the period profit times the reward scale; same-step autoreset at the horizon with finalObs', () => {
    const scenario = loadScenario('tiny', { periods: 5, slashing: { factor: 0 } });
    const env = new NetworkBatchedEnv(scenario);
    env.reset(1);
    const op = new Float32Array(8).fill(0.5);
    const cp = new Float32Array(12).fill(0.3);
    for (let t = 0; t < 4; t++) {
      const tr = env.step({ operator: op, coprocessor: cp });
      for (let i = 0; i < 4; i++)
        expect(tr.operator.rewards[i]).toBeCloseTo(env.sim.opProfit[i] * scenario.rewardScale, 5);
      expect(Array.from(tr.operator.truncated)).toEqual([0, 0, 0, 0]);
    }
    const lastT = env.sim.t;
    expect(lastT).toBe(4);
    const tr = env.step({ operator: op, coprocessor: cp });
    expect(Array.from(tr.operator.truncated)).toEqual([1, 1, 1, 1]);
    // Autoreset: the simulator is at period 0 of a new episode, every slot active, time feature 0.
    expect(env.sim.t).toBe(0);
    expect(Array.from(tr.operator.active)).toEqual([1, 1, 1, 1]);
    expect(tr.operator.obs[18]).toBe(0);
    // finalObs holds the last observation of the finished episode: time feature 5/5.
    expect(tr.operator.finalObs[18]).toBeCloseTo(1, 6);
  });

  it('a role played by a fixed opponent is not a learner role', () => {
    const scenario = loadScenario('tiny');
    const env = new NetworkBatchedEnv(scenario, {
      opponents: { operator: makeBaseline('paper-heuristic', 'operator', { scenario }) },
    });
    expect(env.roles.map((r) => r.name)).toEqual(['coprocessor']);
    env.reset(1);
    const tr = env.step({ coprocessor: new Float32Array(12).fill(0.2) });
    expect(Object.keys(tr)).toEqual(['coprocessor']);
    expect(() => env.step({ coprocessor: new Float32Array(5) })).toThrow(
      /actions\.coprocessor must be a Float32Array of 12/,
    );
  });

  it('events$ reports every auction, slash and ejection while subscribed, and detaches from the simulator after', () => {
    const scenario = loadScenario('quick', harsh);
    const env = new NetworkBatchedEnv(scenario, { autoreset: false });
    env.reset(2);
    const seen: Record<string, number> = {};
    const sub = env.events$.subscribe((e: NetworkEvent) => {
      seen[e.type] = (seen[e.type] ?? 0) + 1;
    });
    const op = new Float32Array(20).fill(0.7);
    const cp = new Float32Array(30).fill(0.45);
    let auctions = 0;
    let ejections = 0;
    let steps = 0;
    for (let t = 0; t < 20 && !env.episodeOver; t++, steps++) {
      env.step({ operator: op, coprocessor: cp });
      const m = env.sim.metrics;
      auctions += m.delegated + m.fallback + (m.tasks - m.delegated - m.fallback - m.selfExecuted);
      ejections += m.ejectedOperators + m.ejectedCoprocessors;
    }
    sub.unsubscribe();
    expect(steps).toBeGreaterThan(2);
    expect(seen.step).toBe(steps);
    expect(ejections).toBeGreaterThan(0);
    expect(seen.auction).toBe(auctions);
    expect(seen.ejection ?? 0).toBe(ejections);
    expect(seen.slash).toBeGreaterThan(0);
    // Unsubscribed: no more events, and the simulator keeps no listener.
    const total = Object.values(seen).reduce((a, b) => a + b, 0);
    env.reset(3);
    env.step({ operator: op, coprocessor: cp });
    expect(Object.values(seen).reduce((a, b) => a + b, 0)).toBe(total);
    expect(env.sim.listener).toBeNull();
  });
});

describe('snapshot / restore', () => {
  it('a restored environment continues bit for bit', () => {
    const scenario = loadScenario('quick');
    const a = new NetworkBatchedEnv(scenario);
    a.reset(5);
    const op = new Float32Array(20).fill(0.4);
    const cp = new Float32Array(30).fill(0.3);
    for (let t = 0; t < 30; t++) a.step({ operator: op, coprocessor: cp });
    const snap = JSON.parse(JSON.stringify(a.snapshot()));
    const b = new NetworkBatchedEnv(scenario);
    b.restore(snap);
    // Run both across the episode boundary (autoreset draws the next episode's seed from the env generator).
    for (let t = 0; t < 90; t++) {
      const ra = a.step({ operator: op, coprocessor: cp });
      const rb = b.step({ operator: op, coprocessor: cp });
      expect(Array.from(rb.coprocessor.rewards)).toEqual(Array.from(ra.coprocessor.rewards));
      expect(Array.from(rb.operator.obs)).toEqual(Array.from(ra.operator.obs));
    }
    expect(b.episode).toBe(a.episode);
    expect(a.episode).toBeGreaterThan(1);
  });

  it('restore skips the retired cpLocked and cpLoadCap arrays and continues bit for bit', () => {
    const scenario = loadScenario('quick');
    const a = new NetworkSim(scenario);
    a.reset(2);
    const op = new Float32Array(a.nOps * 2).fill(0.3);
    const cp = new Float32Array(a.nCops * a.coprocessorActionDim).fill(0.4);
    for (let t = 0; t < 10; t++) a.step(op, cp);
    const snap = JSON.parse(JSON.stringify(a.snapshot()));
    // What the version before kept besides: the locked collateral, and the load cap (a copy of kappa).
    snap.arrays.cpLocked = Array.from(a.cpKappa, () => 123);
    snap.arrays.cpLoadCap = Array.from(a.cpKappa);
    const b = new NetworkSim(scenario);
    b.restore(snap);
    const obsA = new Float32Array(a.nCops * COPROCESSOR_OBS_DIM);
    const obsB = new Float32Array(a.nCops * COPROCESSOR_OBS_DIM);
    for (let t = 0; t < 20; t++) {
      a.step(op, cp);
      b.step(op, cp);
      a.writeCoprocessorObs(obsA);
      b.writeCoprocessorObs(obsB);
      expect(Array.from(obsB)).toEqual(Array.from(obsA));
      expect(b.totalBalance()).toBe(a.totalBalance());
    }
  });

  it('refuses a simulator snapshot holding state this version does not keep, naming it', () => {
    const sim = new NetworkSim(loadScenario('tiny'));
    sim.reset(1);
    const snap = sim.snapshot();
    const other = new NetworkSim(loadScenario('tiny'));
    expect(() => other.restore({ ...snap, arrays: { ...snap.arrays, cpRetired: [0, 0, 0, 0] } })).toThrow(
      /holds 'cpRetired', which this simulator does not keep: it was written by another version/,
    );
    expect(() => other.restore({ ...snap, arrays: { ...snap.arrays, cpBal: [1, 2] } })).toThrow(
      /'cpBal' does not fit this scenario/,
    );
  });
});

describe('periodEvents$', () => {
  it('reports steps and ejections without building an event per auction', () => {
    const scenario = loadScenario('quick', harsh);
    const env = new NetworkBatchedEnv(scenario, { autoreset: false });
    env.reset(2);
    const seen: Record<string, number> = {};
    const sub = env.periodEvents$.subscribe((e) => {
      seen[e.type] = (seen[e.type] ?? 0) + 1;
    });
    const op = new Float32Array(20).fill(0.3);
    const cp = new Float32Array(30).fill(0.2);
    let ejections = 0;
    let steps = 0;
    for (; steps < 20 && !env.episodeOver; steps++) {
      env.step({ operator: op, coprocessor: cp });
      ejections += env.sim.metrics.ejectedOperators + env.sim.metrics.ejectedCoprocessors;
    }
    sub.unsubscribe();
    expect(seen.step).toBe(steps);
    expect(seen.ejection ?? 0).toBe(ejections);
    expect(ejections).toBeGreaterThan(0);
    expect(seen.auction).toBeUndefined();
    expect(seen.slash).toBeUndefined();
  });
});
