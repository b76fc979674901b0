import { describe, expect, it } from 'vitest';
import { ContinuousBandit } from '../envs/classic/bandit.ts';
import '../envs/classic/index.ts';
import { checkEnv } from '../src/core/checker/index.ts';
import { makeEnv } from '../src/core/registry.ts';
import { ejectingBandit } from './helpers/bandit.ts';
import { SINGLE_AGENT_CHECKS } from './helpers/checks.ts';

describe('ContinuousBandit-v0', () => {
  it('pays minus the squared distance to the target (plus seeded noise) and ends after the horizon', () => {
    const env = new ContinuousBandit({ target: [0.3, 0.7], noise: 0, horizon: 2 });
    env.reset({ seed: 1 });
    const r1 = env.step(Float32Array.from([0.3, 0.7]));
    expect(r1.reward).toBeCloseTo(0, 12);
    expect(r1.terminated).toBe(false);
    const r2 = env.step(Float32Array.from([0, 0]));
    expect(r2.reward).toBeCloseTo(-(0.09 + 0.49), 6);
    expect(r2.terminated).toBe(true);
    expect(() => env.step(Float32Array.from([0, 0]))).toThrow(/reset/);
    env.reset();
    expect(() => env.step(Float32Array.from([2, 0]))).toThrow(/in \[0, 1\]/);
  });

  it('is registered and passes the env checker', () => {
    const env = makeEnv('ContinuousBandit-v0');
    env.reset({ seed: 0 });
    const noisy = [0, 1, 2].map(() => {
      env.reset({ seed: 3 });
      return env.step(Float32Array.from([0.5, 0.5])).reward;
    });
    expect(new Set(noisy).size).toBe(1);
    // Every check, in order: a checker that silently skipped one (determinism, render, ...) fails here.
    expect(checkEnv(() => new ContinuousBandit({ renderMode: 'ansi' })).passed).toEqual(SINGLE_AGENT_CHECKS);
  });
});

describe('BatchedBandit', () => {
  const make = ejectingBandit;
  const act = () => ({ a: new Float32Array(4).fill(0.5), b: new Float32Array(4).fill(0) });

  it('ejects slots (terminated once, then inactive), truncates the rest at the horizon and autoresets', () => {
    const env = make();
    env.reset(11);
    let ejected = 0;
    for (let t = 1; t <= 3; t++) {
      const out = env.step(act());
      const a = out.a;
      for (let i = 0; i < 4; i++) {
        if (a.terminated[i]) ejected++;
        if (t === 3) expect(a.active[i]).toBe(1); // autoreset: everyone back
      }
      if (t < 3) {
        for (let i = 0; i < 4; i++) if (a.terminated[i]) expect(a.active[i]).toBe(0);
      } else {
        for (let i = 0; i < 4; i++)
          expect(a.terminated[i] || a.truncated[i] || a.rewards[i] === 0).toBeTruthy();
      }
    }
    expect(ejected).toBeGreaterThan(0);
    expect(env.distance('b', [0.2 * 2 - 1 + 0, 0.4 * 2 - 1])).toBeCloseTo(0, 6);
  });

  it('snapshot and restore continue the same trajectory', () => {
    const env = make();
    env.reset(5);
    env.step(act());
    const snap = JSON.parse(JSON.stringify(env.snapshot()));
    const next = Array.from(env.step(act()).a.rewards);
    const other = make();
    other.reset(99);
    other.restore(snap);
    expect(Array.from(other.step(act()).a.rewards)).toEqual(next);
    expect(() => other.restore({})).toThrow(/snapshot/);
  });
});
