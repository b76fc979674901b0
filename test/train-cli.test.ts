import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('copronet train --no-dashboard', () => {
  it("ends each iteration's line with what the agents chose (markup, shirk, eta, self-executed share, price)", () => {
    const out = join(mkdtempSync(join(tmpdir(), 'train-plain-')), 'run');
    const text = execFileSync(
      process.execPath,
      ['bin/dev.mjs', 'train', '--scenario', 'tiny', '--timesteps', '3000', '--no-dashboard', '--out', out],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines = text.split('\n').filter((l) => l.startsWith('iter '));
    expect(lines.length).toBeGreaterThan(1);
    // The market snapshots arrive at most every 500 ms: the last line has one.
    expect(lines[lines.length - 1]).toMatch(
      /\| cp markup [+-]?\d\.\d+ shirk \d\.\d+ \| op eta \d\.\d+ self \d+%/,
    );
    // A network scenario starts from the network's PPO hyperparameters, the rest CleanRL's.
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      learningRate: 1e-3,
      entCoef: 0,
      gamma: 0.95,
      clipCoef: 0.2,
      numSteps: 128,
    });
  }, 60_000);

  it('--set takes precedence over the network defaults', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'train-set-')), 'run');
    const args = ['train', '--scenario', 'tiny', '--timesteps', '1100', '--no-dashboard', '--out', out];
    execFileSync(process.execPath, ['bin/dev.mjs', ...args, '--set', 'entCoef=0.02', 'learningRate=3e-4'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ learningRate: 3e-4, entCoef: 0.02, gamma: 0.95 });
  }, 60_000);
});
