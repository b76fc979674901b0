/**
 * End to end: `npm start` (training on the default scenario with the live
 * dashboard) under a pseudo-terminal made by tmux; read the screen, then quit
 * with q and check that it saved a checkpoint and exited cleanly.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasTmux, TmuxScreen } from './helpers/tmux.ts';

const dir = mkdtempSync(join(tmpdir(), 'copronet-npm-start-'));
const screens: TmuxScreen[] = [];
afterAll(() => {
  for (const s of screens) s.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasTmux)('npm start under a pseudo-terminal', () => {
  it('trains on quick with the dashboard; q saves a checkpoint and exits 0', async () => {
    const run = join(dir, 'run');
    const term = new TmuxScreen(`npm start --silent -- --out ${run}`, 100, 30);
    screens.push(term);
    const s = await term.waitFor(
      (x) => x.includes('quick') && /operator return -?\d/.test(x) && /coprocessor return -?\d/.test(x),
      'the training dashboard with both learning curves',
      90_000,
    );
    expect(s).toMatch(/run · quick · wasm|quick/);
    expect(s).toMatch(/\d+(\.\d+)?%/); // progress over the budget
    expect(s).toMatch(/sps/);
    expect(s).toContain('baseline'); // the best baseline's level on the curves
    expect(s).not.toMatch(/Raw mode|Error/);
    term.keys('q');
    const end = await term.waitFor((x) => /EXIT=\d+/.test(x), 'npm start to exit', 60_000);
    expect(end).toContain('EXIT=0');
    expect(existsSync(join(run, 'checkpoints', 'latest', 'state.json'))).toBe(true);
    const metrics = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n');
    expect(metrics.length).toBeGreaterThan(0);
    expect(JSON.parse(metrics[0])).toHaveProperty('charts/SPS');
    expect(existsSync(join(run, 'market.jsonl'))).toBe(true);
  }, 180_000);
});
