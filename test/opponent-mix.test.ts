import { describe, expect, it } from 'vitest';
import { BASELINES } from '../envs/network/baselines.ts';
import { NetworkBatchedEnv } from '../envs/network/index.ts';
import { makeNetworkEnv, splitNetworkOverrides } from '../src/app/cli/network-wiring.ts';
import { loadScenario } from '../envs/scenarios/index.ts';
import type { Policy } from '../src/sim/policy.ts';

/** A fixed policy that writes `value` into every action entry, and counts its calls. */
function constant(value: number): Policy & { calls: number } {
  const p = {
    name: `constant ${value}`,
    calls: 0,
    act(_obs: Float32Array, _active: Uint8Array, n: number, out: Float32Array) {
      p.calls++;
      out.fill(value, 0, out.length);
      void n;
    },
  };
  return p;
}

const scenario = loadScenario('quick', { periods: 5 });
const W = scenario.coprocessors.allowShirking ? 3 : 2;
const N = scenario.coprocessors.count;
const learnerAct = new Float32Array(N * W).fill(0.55);
const opAct = new Float32Array(scenario.operators.count * 2).fill(0.5);

function mixedEnv(share: number, pool: Policy[]) {
  return new NetworkBatchedEnv(scenario, { opponentMix: { coprocessor: { share, pool } } });
}

describe('opponent mix: a share of a role played by fixed policies', () => {
  it('hides the fixed slots from the learner and plays their rows with the drawn policy', () => {
    const pool = [constant(0.125), constant(0.25)];
    const env = mixedEnv(0.5, pool);
    expect(env.roles.map((r) => r.name)).toEqual(['operator', 'coprocessor']);
    const first = env.reset(3);
    const view = Array.from(first.coprocessor.active);
    expect(view.filter((x) => x === 1)).toHaveLength(N / 2);
    const b = env.roleBuffers('coprocessor');
    expect(Array.from(b.fixed)).toEqual(view.map((x) => 1 - x));
    const tr = env.step({ operator: opAct, coprocessor: learnerAct });
    const used = b.actions[W * view.indexOf(0)];
    expect([0.125, 0.25]).toContain(used);
    for (let k = 0; k < N; k++) {
      const row = Array.from(b.actions.subarray(k * W, (k + 1) * W));
      expect(row).toEqual(new Array(W).fill(view[k] ? Math.fround(0.55) : used));
      // The learner sees its own slots' rewards and nothing of the fixed ones.
      expect(tr.coprocessor.rewards[k]).toBe(view[k] ? b.rewards[k] : 0);
      expect(tr.coprocessor.active[k]).toBe(view[k]);
    }
    expect(b.rewards.some((r, k) => !view[k] && r !== 0)).toBe(true);
  });

  it('draws new fixed slots and a new pool member every episode, the same for the same seed', () => {
    const run = () => {
      const pool = [constant(0.125), constant(0.25), constant(0.375)];
      const env = mixedEnv(0.3, pool);
      env.reset(11);
      const masks: string[] = [];
      const members: number[] = [];
      const b = env.roleBuffers('coprocessor');
      let episode = -1;
      while (masks.length < 12) {
        if (env.episode !== episode) {
          episode = env.episode;
          masks.push(Array.from(b.fixed).join(''));
          expect(Array.from(b.fixed).reduce((a, x) => a + x, 0)).toBe(3);
        }
        const old = masks[masks.length - 1];
        const tr = env.step({ operator: opAct, coprocessor: learnerAct });
        if (env.episode === episode && members.length < masks.length)
          members.push(b.actions[W * b.fixed.indexOf(1)]);
        if (env.episode !== episode) {
          // The last step of an episode: the learner's slots end (truncated or, on a collapse, terminated), the fixed ones do not.
          for (let k = 0; k < N; k++) {
            expect(tr.coprocessor.truncated[k] | tr.coprocessor.terminated[k]).toBe(old[k] === '1' ? 0 : 1);
          }
        }
      }
      return { masks, members };
    };
    const a = run();
    expect(new Set(a.masks).size).toBeGreaterThan(6);
    expect(new Set(a.members).size).toBe(3);
    expect(run()).toEqual(a);
  });

  it('a share of 1 takes the role from the learner; the pool still varies per episode', () => {
    const pool = [constant(0.125), constant(0.25)];
    const env = mixedEnv(1, pool);
    expect(env.roles.map((r) => r.name)).toEqual(['operator']);
    env.reset(1);
    const seen = new Set<number>();
    for (let t = 0; t < 50; t++) {
      env.step({ operator: opAct });
      seen.add(env.roleBuffers('coprocessor').actions[0]);
    }
    expect(seen).toEqual(new Set([0.125, 0.25]));
  });

  it('names the field of a bad mix', () => {
    expect(() => mixedEnv(0.04, [constant(0)])).toThrow(
      /opponentMix\.coprocessor\.share 0\.04 of 10 slots leaves no fixed slot/,
    );
    expect(() => mixedEnv(0.97, [constant(0)])).toThrow(/leaves no slot to the learner/);
    expect(() => mixedEnv(0, [constant(0)])).toThrow(/opponentMix\.coprocessor\.share must be in \(0, 1\]/);
    expect(() => mixedEnv(0.5, [])).toThrow(/opponentMix\.coprocessor\.pool is empty/);
  });

  it('a restored environment continues bit for bit, fixed slots included', () => {
    const make = () => mixedEnv(0.5, [constant(0.125), constant(0.25)]);
    const a = make();
    a.reset(5);
    for (let t = 0; t < 7; t++) a.step({ operator: opAct, coprocessor: learnerAct });
    const b = make();
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    for (let t = 0; t < 23; t++) {
      const ra = a.step({ operator: opAct, coprocessor: learnerAct });
      const rb = b.step({ operator: opAct, coprocessor: learnerAct });
      expect(Array.from(rb.coprocessor.rewards)).toEqual(Array.from(ra.coprocessor.rewards));
      expect(Array.from(rb.coprocessor.active)).toEqual(Array.from(ra.coprocessor.active));
    }
    const plain = new NetworkBatchedEnv(scenario);
    expect(() => plain.restore(JSON.parse(JSON.stringify(a.snapshot())))).not.toThrow();
    expect(() => make().restore(JSON.parse(JSON.stringify(plain.snapshot())))).toThrow(
      /no opponent mix for coprocessor/,
    );
  });
});

describe('opponent.<role>=<names>[@share] in --set', () => {
  it('parses one baseline, a list, all, and a share', () => {
    expect(splitNetworkOverrides(['opponent.operator=greedy']).opponents).toEqual({
      operator: { names: ['greedy'], share: 1 },
    });
    const r = splitNetworkOverrides(['opponent.coprocessor=cost-plus,greedy@0.3', 'slashing.factor=2']);
    expect(r.opponents).toEqual({ coprocessor: { names: ['cost-plus', 'greedy'], share: 0.3 } });
    expect(r.scenario).toEqual({ slashing: { factor: 2 } });
    expect(splitNetworkOverrides(['opponent.coprocessor=all@0.5']).opponents.coprocessor?.names).toEqual([
      ...BASELINES,
    ]);
  });

  it('names a bad baseline or share', () => {
    expect(() => splitNetworkOverrides(['opponent.coprocessor=cost-plus,nobody'])).toThrow(
      /unknown baseline 'nobody'/,
    );
    expect(() => splitNetworkOverrides(['opponent.coprocessor=greedy@1.5'])).toThrow(
      /share after @ must be a number in \(0, 1\], got '1.5'/,
    );
    expect(() => splitNetworkOverrides(['opponent.coprocessor=greedy@x'])).toThrow(/got 'x'/);
  });

  it('makeNetworkEnv builds the mix: half the coprocessors fixed, operators fixed', () => {
    const env = makeNetworkEnv(
      'tiny',
      ['opponent.operator=paper-heuristic', 'opponent.coprocessor=all@0.5'],
      1,
    );
    expect(env.learnerRoles).toEqual(['coprocessor']);
    const obs = env.reset(1);
    expect(Array.from(obs.coprocessor.active).reduce((a, x) => a + x, 0)).toBe(2);
  });
});
