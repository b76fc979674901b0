/**
 * The house: each folder is a floor and imports only from the floors below it
 * (README "Layout"). This test reads every relative import of every source
 * file and fails on an arrow pointing up.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, upwardImports } from './helpers/imports.ts';
import { ROOT } from './helpers/tmux.ts';

function sources(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(resolve(ROOT, dir))) {
      const path = `${dir}/${name}`;
      if (statSync(resolve(ROOT, path)).isDirectory()) walk(path);
      else if (/\.(ts|tsx|mjs)$/.test(name)) out.set(path, readFileSync(resolve(ROOT, path), 'utf8'));
    }
  };
  for (const dir of ['src', 'envs', 'agents', 'experiments']) walk(dir);
  return out;
}

describe('the house', () => {
  it('no file imports from a floor above its own', () => {
    const files = sources();
    expect(files.size).toBeGreaterThan(100);
    expect(upwardImports(files)).toEqual([]);
  });

  it('the check sees an upward import, a dynamic one and an export-from', () => {
    const files = new Map([
      [
        'src/sim/network.ts',
        "import { x } from '../core/rng.ts';\nimport { Trainer } from '../../agents/trainer/trainer.ts';",
      ],
      ['envs/network/batched.ts', "const m = await import('../../experiments/index.ts');"],
      ['agents/index.ts', "export { y } from '../src/app/cli/main.ts';"],
      [
        'src/index.ts',
        "export * from './app/dashboard/index.ts';\nexport * from '../envs/network/index.ts';",
      ],
      ['experiments/a.ts', "import { z } from '../envs/scenarios/index.ts';"],
    ]);
    expect(upwardImports(files)).toEqual([
      'src/sim/network.ts (floor 1) -> agents/trainer/trainer.ts (floor 3)',
      'envs/network/batched.ts (floor 2) -> experiments/index.ts (floor 4)',
      'agents/index.ts (floor 3) -> src/app/cli/main.ts (floor 5)',
      'src/index.ts (floor 4.5) -> src/app/dashboard/index.ts (floor 5)',
    ]);
  });

  it('reinforce does not reach into ppo (their shared pieces live in agents/common)', () => {
    const files = sources();
    const crossing = [...files]
      .filter(([f]) => f.startsWith('agents/reinforce/'))
      .flatMap(([f, text]) => importsOf(text).map((s) => relative('.', join(dirname(f), s))))
      .filter((t) => t.startsWith('agents/ppo/'));
    expect(crossing).toEqual([]);
  });
});
