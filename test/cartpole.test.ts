import { afterEach, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../agents/tf/backend.ts';
import { Trainer } from '../agents/trainer/trainer.ts';
import { CartPoleEnv } from '../envs/classic/cartpole.ts';
import '../envs/classic/index.ts';
import { checkEnv } from '../src/core/checker/index.ts';
import { makeEnv } from '../src/core/registry.ts';
import { BatchedFromVector } from '../src/core/vector.ts';
import { TimeLimit } from '../src/core/wrappers/time-limit.ts';
import { SINGLE_AGENT_CHECKS } from './helpers/checks.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Gymnasium's CartPole equations, written out independently, in float64. */
function reference(state: number[], action: number): number[] {
  const [g, mc, mp, l, fMag, tau] = [9.8, 1.0, 0.1, 0.5, 10.0, 0.02];
  const [x, xDot, th, thDot] = state;
  const force = action === 1 ? fMag : -fMag;
  const temp = (force + mp * l * thDot ** 2 * Math.sin(th)) / (mc + mp);
  const thAcc =
    (g * Math.sin(th) - Math.cos(th) * temp) / (l * (4 / 3 - (mp * Math.cos(th) ** 2) / (mc + mp)));
  const xAcc = temp - (mp * l * thAcc * Math.cos(th)) / (mc + mp);
  return [x + tau * xDot, xDot + tau * xAcc, th + tau * thDot, thDot + tau * thAcc];
}

describe('CartPole-v1', () => {
  it('matches the known first step from rest: pushing right', () => {
    const env = new CartPoleEnv();
    const { observation } = env.reset({ seed: 0, options: { low: 0, high: 0 } });
    expect(Array.from(observation)).toEqual([0, 0, 0, 0]);
    const r = env.step(1);
    // Gymnasium gives [0, 0.19512196, 0, -0.29268292] for this step.
    expect(r.observation[0]).toBe(0);
    expect(r.observation[1]).toBeCloseTo(0.19512196, 7);
    expect(r.observation[2]).toBe(0);
    expect(r.observation[3]).toBeCloseTo(-0.29268292, 7);
    expect(r.reward).toBe(1);
    expect(r.terminated).toBe(false);
    expect(r.truncated).toBe(false);
  });

  it('follows the Euler-integrated equations over an action sequence', () => {
    const env = new CartPoleEnv();
    const { observation } = env.reset({ seed: 42 });
    let state = Array.from(env.state!);
    expect(Array.from(observation)).toEqual(Array.from(Float32Array.from(state)));
    for (const a of [1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 1]) {
      state = reference(state, a);
      const r = env.step(a);
      env.state!.forEach((v, i) => {
        expect(v).toBeCloseTo(state[i], 12);
        expect(r.observation[i]).toBeCloseTo(state[i], 6);
      });
    }
  });

  it('terminates past the angle or position threshold, then warns and pays 0 like Gymnasium', () => {
    const env = new CartPoleEnv();
    env.reset({ seed: 1 });
    let r = env.step(1);
    let steps = 1;
    while (!r.terminated) {
      r = env.step(1);
      steps++;
    }
    const [x, , theta] = env.state!;
    expect(Math.abs(theta) > (12 * 2 * Math.PI) / 360 || Math.abs(x) > 2.4).toBe(true);
    expect(steps).toBeLessThan(100);
    expect(r.reward).toBe(1);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const after = env.step(0);
    env.step(0);
    expect(after.reward).toBe(0);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/already returned terminated = True/);
  });

  it('draws the reset state uniformly in [-0.05, 0.05] from its seed', () => {
    const env = new CartPoleEnv();
    const a = env.reset({ seed: 7 }).observation;
    const b = env.reset({ seed: 7 }).observation;
    const c = env.reset({ seed: 8 }).observation;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    for (let i = 0; i < 200; i++) {
      const o = env.reset().observation;
      for (const v of o) expect(Math.abs(v)).toBeLessThanOrEqual(0.05);
    }
  });

  it('rejects invalid actions and stepping before reset, saying what to do', () => {
    const env = new CartPoleEnv();
    expect(() => env.step(1)).toThrow(/reset\(\)/);
    env.reset({ seed: 0 });
    expect(() => env.step(2)).toThrow(/invalid action; use 0 \(push left\) or 1/);
    expect(() => env.step(0.5)).toThrow(/invalid action/);
    expect(() => env.step('1' as unknown as number)).toThrow(/\(string\)/);
  });

  it('is registered with a 500-step TimeLimit and passes the env checker', () => {
    const env = makeEnv('CartPole-v1');
    expect(env).toBeInstanceOf(TimeLimit);
    expect((env as TimeLimit<Float32Array, number>).maxEpisodeSteps).toBe(500);
    // A balanced start and alternating pushes stay up for 10 steps: truncated, not terminated.
    const short = makeEnv('CartPole-v1', {}, { maxEpisodeSteps: 10 });
    short.reset({ seed: 0, options: { low: 0, high: 0 } });
    let r = short.step(0);
    for (let i = 1; i < 10; i++) r = short.step(i % 2);
    expect(r.truncated).toBe(true);
    expect(r.terminated).toBe(false);
    // Every check, in order: a checker that silently skipped one (determinism, render, ...) fails here.
    expect(checkEnv(() => new CartPoleEnv({ renderMode: 'ansi' })).passed).toEqual(SINGLE_AGENT_CHECKS);
  });

  it('renders as text', () => {
    const env = new CartPoleEnv({ renderMode: 'ansi' });
    env.reset({ seed: 0 });
    expect(env.render()).toMatch(/#/);
    expect(new CartPoleEnv().render()).toBeUndefined();
    expect(() => new CartPoleEnv({ renderMode: 'human' })).toThrow(/ansi/);
  });

  it('PPO learns it end to end through BatchedFromVector (CleanRL settings, 16k steps)', async () => {
    await initBackend('cpu');
    const env = new BatchedFromVector(
      Array.from({ length: 4 }, () => () => makeEnv('CartPole-v1')),
      { seed: 1 },
    );
    const trainer = new Trainer({ env, config: { numSteps: 128, totalTimesteps: 16_384, seed: 1 } });
    const returns: number[] = [];
    trainer.events$.subscribe((e) => {
      if (e.type === 'iteration') {
        const r = e.metrics['charts/episodic_return/agent'];
        if (r !== undefined) returns.push(r);
      }
    });
    const res = await trainer.run();
    trainer.dispose();
    expect(res).toEqual({ globalStep: 16_384, reason: 'budget' });
    // A random policy balances about 22 steps; learning shows in the last iterations' episodes.
    const first = returns.slice(0, 3).reduce((a, b) => a + b, 0) / 3;
    const last = returns.slice(-3).reduce((a, b) => a + b, 0) / 3;
    expect(first).toBeLessThan(40);
    expect(last).toBeGreaterThan(2 * first);
    expect(last).toBeGreaterThan(60);
  }, 120_000);
});
