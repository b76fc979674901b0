/** `copronet check-env`: the record API and the trainer's batched view, both through their checkers. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/tmux.ts';

const run = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/dev.mjs', 'check-env', ...args], { cwd: ROOT, encoding: 'utf8' });

describe('copronet check-env', () => {
  it('checks the network env through PettingZoo checks and its batched view through the batched checks', () => {
    const r = run('CoprocessorNetwork-v0', '--set', 'scenario=tiny');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^CoprocessorNetwork-v0: passed 13 checks \(env-structure, .*determinism, seed-sensitivity, render, close\)$/m,
    );
    expect(r.stdout).toMatch(
      /^CoprocessorNetwork-v0 \(batched view\): passed 12 checks \(env-structure, roles-valid, reset-return, step-return, inactive-reward, final-obs, state, reset-seed, determinism, seed-sensitivity, actions-clipped, close\)$/m,
    );
  }, 60_000);

  it('checks a single-agent env as N copies batched, as train --env runs it', () => {
    const r = run('CartPole-v1');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^CartPole-v1: passed 12 checks/m);
    // Discrete actions: nothing to clip, so that check does not apply.
    expect(r.stdout).toMatch(
      /^CartPole-v1 \(batched view\): passed 11 checks \(.*final-obs, state, reset-seed, determinism, seed-sensitivity, close\)$/m,
    );
  }, 60_000);
});
