import { describe, expect, it } from 'vitest';
import { checkEnv } from '../src/core/checker/index.ts';
import { BatchedFromVector, SyncVectorEnv } from '../src/core/vector.ts';
import { TimeLimit } from '../src/core/wrappers/time-limit.ts';
import { CounterEnv } from './fixtures/counter-env.ts';
import { WalkEnv } from './fixtures/walk-env.ts';

const zeros = (n: number) => Array.from({ length: n }, () => new Float32Array(2));

describe('SyncVectorEnv (next-step autoreset)', () => {
  it('declares next-step mode and seeds copy i with seed + i', () => {
    const vec = new SyncVectorEnv([() => new CounterEnv(), () => new CounterEnv()], { seed: 10 });
    expect(vec.metadata.autoresetMode).toBe('next-step');
    const { observations } = vec.reset();
    for (let i = 0; i < 2; i++) {
      const direct = new CounterEnv().reset({ seed: 10 + i }).observation;
      expect(Array.from(observations[i])).toEqual(Array.from(direct));
    }
    const again = vec.reset({ seed: 10 });
    expect(Array.from(again.observations[1])).toEqual(Array.from(observations[1]));
    expect(Array.from(vec.reset({ seed: 11 }).observations[0])).toEqual(Array.from(observations[1]));
  });

  it('step by step: the step after an episode ends resets that copy, reward 0, flags false, action ignored', () => {
    const inner = [new CounterEnv({ endAt: 2 }), new CounterEnv({ endAt: 3 })];
    const vec = new SyncVectorEnv(inner.map((e) => () => e));
    vec.reset({ seed: 0 });
    const s1 = vec.step(zeros(2));
    expect(Array.from(s1.rewards)).toEqual([1, 1]);
    expect(s1.terminations).toEqual([false, false]);

    const s2 = vec.step(zeros(2));
    expect(s2.terminations).toEqual([true, false]);
    expect(s2.observations[0][1]).toBe(2); // the final observation of copy 0
    expect(Array.from(s2.rewards)).toEqual([2, 2]);

    const s3 = vec.step([new Float32Array([0.5, 0.5]), new Float32Array([0.25, 0.25])]);
    expect(s3.observations[0][1]).toBe(0); // copy 0 was reset
    expect(s3.rewards[0]).toBe(0);
    expect([s3.terminations[0], s3.truncations[0]]).toEqual([false, false]);
    expect(s3.infos[0]).toEqual({ reset: true });
    expect(inner[0].actions).toHaveLength(2); // the action was ignored
    expect(inner[0].resets).toBe(2);
    expect(s3.terminations[1]).toBe(true); // copy 1 ends now

    const s4 = vec.step(zeros(2));
    expect(s4.observations[0][1]).toBe(1);
    expect(s4.rewards[0]).toBe(1);
    expect(s4.observations[1][1]).toBe(0);
    expect(s4.rewards[1]).toBe(0);
  });

  it('rejects misuse and closes idempotently', () => {
    const inner = new CounterEnv();
    const vec = new SyncVectorEnv([() => inner]);
    expect(() => vec.step(zeros(1))).toThrow(/before reset\(\)/);
    expect(() => vec.reset({ seed: 0.5 })).toThrow(/non-negative integer/);
    vec.reset();
    expect(() => vec.step(zeros(2))).toThrow(/one action per copy \(1\)/);
    expect(() => vec.step([new Float32Array([Number.NaN, 0])])).toThrow(/finite/);
    expect(() => vec.step([new Float32Array(3)])).toThrow(/needs 2/);
    vec.close();
    vec.close();
    expect(inner.closed).toBe(1);
    expect(() => vec.step(zeros(1))).toThrow(/after close/);
    expect(() => new SyncVectorEnv([])).toThrow(/non-empty array/);
    expect(
      () => new SyncVectorEnv([() => new CounterEnv(), () => new CounterEnv({ actionHigh: 2 })]),
    ).toThrow(/different spaces/);
  });
});

describe('BatchedFromVector (same-step autoreset)', () => {
  it('describes one role `agent` with a box action', () => {
    const b = new BatchedFromVector([() => new CounterEnv(), () => new CounterEnv()]);
    expect(b.roles).toEqual([
      {
        name: 'agent',
        count: 2,
        obsDim: 2,
        action: { kind: 'box', dim: 2, low: new Float32Array([-1, -1]), high: new Float32Array([1, 1]) },
      },
    ]);
    expect(b.stateDim).toBe(0);
    expect(b.state()).toHaveLength(0);
  });

  it('seeds copy i with seed + i, clips box actions, and autoresets in the same step with finalObs', () => {
    const inner = [new CounterEnv({ endAt: 2 }), new CounterEnv({ endAt: 3 })];
    const b = new BatchedFromVector(
      inner.map((e) => () => e),
      { seed: 5 },
    );
    const r = b.reset().agent;
    expect(r.obs[0]).toBe(new CounterEnv().reset({ seed: 5 }).observation[0]);
    expect(r.obs[2]).toBe(new CounterEnv().reset({ seed: 6 }).observation[0]);
    expect(Array.from(r.active)).toEqual([1, 1]);

    b.step({ agent: new Float32Array([5, -5, 0.5, 0.5]) });
    expect(Array.from(inner[0].actions[0])).toEqual([1, -1]);
    const t2 = b.step({ agent: new Float32Array(4) }).agent;
    expect(Array.from(t2.terminated)).toEqual([1, 0]);
    expect(Array.from(t2.rewards)).toEqual([2, 2]);
    expect(t2.finalObs[1]).toBe(2); // last observation of the finished episode
    expect(t2.obs[1]).toBe(0); // already the next episode
    expect(t2.obs[3]).toBe(2);
    expect(inner[0].resets).toBe(2);
    const t3 = b.step({ agent: new Float32Array(4) }).agent;
    expect(Array.from(t3.terminated)).toEqual([0, 1]);
    expect(t3.rewards[0]).toBe(1); // copy 0 acted in its new episode
    expect(inner[0].actions).toHaveLength(3);
  });

  it('discrete actions: integer indices only, NaN and wrong length rejected', () => {
    const b = new BatchedFromVector([() => new WalkEnv(), () => new WalkEnv(), () => new WalkEnv()]);
    expect(b.roles[0].action).toEqual({ kind: 'discrete', n: 2 });
    expect(() => b.step({ agent: new Float32Array(3) })).toThrow(/before reset/);
    expect(() => b.reset(-2)).toThrow(/non-negative integer/);
    b.reset(1);
    const t = b.step({ agent: new Float32Array([0, 1, 1]) }).agent;
    expect(t.rewards).toHaveLength(3);
    expect(() => b.step({ agent: new Float32Array([0, 1.5, 1]) })).toThrow(/integer in 0\.\.1/);
    expect(() => b.step({ agent: new Float32Array([0, Number.NaN, 1]) })).toThrow(/slot 1\) is NaN/);
    expect(() => b.step({ agent: new Float32Array(2) })).toThrow(/3 slots x 1 = 3 entries/);
    expect(() => b.step({})).toThrow(/actions\.agent must be/);
    b.close();
    b.close();
  });

  it('is reproducible: same seed, same trajectory', () => {
    const run = () => {
      const b = new BatchedFromVector([() => new WalkEnv(), () => new WalkEnv()], { seed: 3 });
      const out: number[] = [...b.reset().agent.obs];
      for (let k = 0; k < 40; k++) out.push(...b.step({ agent: new Float32Array([k % 2, 1]) }).agent.obs);
      return out;
    };
    expect(run()).toEqual(run());
  });

  it('the counter fixture passes checkEnv once a wrapper adds the step-before-reset guard', () => {
    expect(() => checkEnv(() => new CounterEnv({ endAt: 5 }))).toThrow(/step-before-reset/);
    expect(checkEnv(() => new TimeLimit(new CounterEnv({ endAt: 5 }), 4)).passed).toContain('determinism');
  });
});
