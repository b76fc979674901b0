/**
 * Whole-process wall time of the compiled CLI (`dist/`, as an installed
 * `copronet` runs): `--help` and `simulate --scenario tiny`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'dist', 'src', 'app', 'bin.js');

export interface StartupResult {
  command: string;
  medianSec: number;
  bestSec: number;
}

export function benchStartup(rounds = 5): StartupResult[] {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  const commands = [['--help'], ['simulate', '--scenario', 'tiny'], ['train', '--help']];
  const times = commands.map(() => [] as number[]);
  // The commands take turns, so a slow moment of the machine hits them alike.
  for (let r = 0; r < rounds; r++) {
    commands.forEach((args, i) => {
      const t0 = performance.now();
      const res = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: 'ignore' });
      if (res.status !== 0) throw new Error(`copronet ${args.join(' ')} exited with ${res.status}`);
      times[i].push((performance.now() - t0) / 1000);
    });
  }
  return commands.map((args, i) => {
    const t = [...times[i]].sort((a, b) => a - b);
    return { command: `copronet ${args.join(' ')}`, medianSec: t[Math.floor(t.length / 2)], bestSec: t[0] };
  });
}
