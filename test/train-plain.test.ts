import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('copronet train --no-dashboard', () => {
  it("ends each iteration's line with what the agents chose (markup, shirk, eta, self-executed share, price)", () => {
    const out = join(mkdtempSync(join(tmpdir(), 'train-plain-')), 'run');
    const text = execFileSync(
      process.execPath,
      [
        'bin/copronet.mjs',
        'train',
        '--scenario',
        'tiny',
        '--timesteps',
        '3000',
        '--no-dashboard',
        '--out',
        out,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines = text.split('\n').filter((l) => l.startsWith('iter '));
    expect(lines.length).toBeGreaterThan(1);
    // The market snapshots arrive at most every 500 ms: the last line has one.
    expect(lines[lines.length - 1]).toMatch(
      /\| cp markup [+-]?\d\.\d+ shirk \d\.\d+ \| op eta \d\.\d+ self \d+%/,
    );
  }, 60_000);
});
