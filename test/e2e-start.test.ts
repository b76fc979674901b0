/**
 * End to end: the CLI-like fixture `test/fixtures/fake-train.tsx` (a scripted
 * fake trainer driving the real dashboard) runs under a pseudo-terminal made
 * by a detached tmux server, and the test reads the screen tmux shows. No
 * terminal or stdin is needed from the test runner, so this runs in CI.
 * The same `TmuxScreen` helper can drive `npm start`.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { hasTmux, ROOT, TmuxScreen } from './helpers/tmux.ts';

const FAKE = 'node bin/run-ts.mjs test/fixtures/fake-train.tsx';
const screens: TmuxScreen[] = [];
afterAll(() => {
  for (const s of screens) s.kill();
});

describe.skipIf(!hasTmux)('dashboard under a pseudo-terminal (tmux)', () => {
  it('draws at 80x24, follows p / tab / resize to 140x40, and q saves and quits', async () => {
    const term = new TmuxScreen(`${FAKE} --iterations 2000 --iteration-ms 50`, 80, 24);
    screens.push(term);
    let s = await term.waitFor(
      (x) => x.includes('e2e-fake-run') && /operator return \d/.test(x),
      'the dashboard',
    );
    expect(s).toContain(' 1 Curves ');
    expect(s).toContain('sps');
    expect(s).toContain('p pause');
    expect(s).not.toMatch(/Raw mode|Error/);
    for (const line of s.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);

    term.keys('p');
    await term.waitFor((x) => x.includes('[PAUSED]'), 'the paused badge');
    term.keys('p');
    await term.waitFor((x) => !x.includes('[PAUSED]'), 'resuming');
    term.keys('Tab');
    await term.waitFor((x) => x.includes('delegated') && x.includes('price ratio'), 'the market panel');

    term.resize(140, 40);
    s = await term.waitFor(
      (x) => x.includes('Training health') && x.includes('Market now'),
      'the wide layout',
    );
    expect(s).toContain('Learning curves');
    expect(s).toContain('L*=0.7');

    term.keys('q');
    s = await term.waitFor((x) => x.includes('EXIT='), 'the process to exit');
    expect(s).toContain('fake-train: dashboard exited; calls: pause,resume,requestStop');
    expect(s).toContain('EXIT=0');
  });

  it('Ctrl-C saves and quits like q', async () => {
    const term = new TmuxScreen(`${FAKE} --iterations 2000 --iteration-ms 50`, 80, 24);
    screens.push(term);
    await term.waitFor((x) => /operator return \d/.test(x), 'the dashboard');
    term.keys('C-c');
    const s = await term.waitFor((x) => x.includes('EXIT='), 'the process to exit');
    expect(s).toContain('calls: requestStop');
    expect(s).toContain('EXIT=0');
  });
});

describe.skipIf(!hasTmux)('copronet watch under a pseudo-terminal (tmux)', () => {
  it('follows a run directory another process writes, read-only, and q quits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'copronet-e2e-watch-'));
    try {
      writeFileSync(
        join(dir, 'run.json'),
        JSON.stringify({
          runName: 'watched-run',
          scenario: 's1',
          backend: 'cpu',
          seed: 1,
          totalTimesteps: 10_000,
          roles: ['operator'],
        }),
      );
      const line = (i: number) =>
        `${JSON.stringify({ global_step: i * 1000, iteration: i, elapsed_sec: i, 'charts/SPS': 1000, 'charts/episodic_return/operator': 100 + i })}\n`;
      writeFileSync(join(dir, 'metrics.jsonl'), line(1));
      const term = new TmuxScreen(`${FAKE} watch ${JSON.stringify(dir)} --poll 50`, 80, 24);
      screens.push(term);
      let s = await term.waitFor((x) => x.includes('operator return 101'), 'the watched run');
      expect(s).toContain('watched-run');
      expect(s).toContain('[watching, read-only: p/s off]');
      appendFileSync(join(dir, 'metrics.jsonl'), line(2).slice(0, 30));
      appendFileSync(join(dir, 'metrics.jsonl'), line(2).slice(30));
      s = await term.waitFor((x) => x.includes('operator return 102'), 'the appended line');
      expect(s).toContain('20.0%');
      term.keys('s');
      await term.waitFor((x) => x.includes('s is off'), 'the read-only note');
      term.keys('q');
      s = await term.waitFor((x) => x.includes('EXIT='), 'the process to exit');
      expect(s).toContain('EXIT=0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('without a terminal (a pipe, no stdin)', () => {
  it('prints plain lines and never a raw-mode error', async () => {
    const child = spawn(
      'node',
      ['bin/run-ts.mjs', 'test/fixtures/fake-train.tsx', '--iterations', '12', '--iteration-ms', '10'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(err).not.toMatch(/Raw mode/i);
    expect(code).toBe(0);
    expect(out).toContain('run e2e-fake-run: scenario baseline-market');
    expect(out).toMatch(/^it 12 \| step 24,576\/24,576 100\.0% \|/m);
    expect(out).toContain('checkpoint (periodic) -> runs/e2e-fake-run/checkpoints/periodic-20480');
    expect(out).toContain('done (budget)');
    expect(out).toContain('fake-train: plain exited; calls: none');
    expect(out.includes('\u001b')).toBe(false);
  });
});
