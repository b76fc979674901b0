/**
 * Every stop of `copronet train` leaves a resumable run (README, Faults): the
 * CLI is spawned, stopped after a few iterations (SIGINT, SIGTERM, SIGHUP, a
 * second signal, kill -9), and `--resume` must end with the metrics of an
 * uninterrupted run, bit for bit (the wall-clock columns aside). With the
 * dashboard (under tmux): SIGTERM, and a hangup (the terminal closes).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasTmux, ROOT, sleep, TmuxScreen } from './helpers/tmux.ts';

const tmp = mkdtempSync(join(tmpdir(), 'copronet-stops-'));
const screens: TmuxScreen[] = [];
afterAll(() => {
  for (const s of screens) s.kill();
  rmSync(tmp, { recursive: true, force: true });
});

interface Cli {
  pid: number;
  kill(sig: NodeJS.Signals): void;
  stdout(): string;
  /** Resolves once a stdout line matches `re`; rejects if the process ends first. */
  waitFor(re: RegExp): Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function cli(args: string[]): Cli {
  const child = spawn(process.execPath, ['bin/dev.mjs', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  child.stdout.on('data', (d) => {
    out += d;
    for (const w of waiters.splice(0)) {
      if (w.re.test(out)) w.resolve();
      else waiters.push(w);
    }
  });
  child.stderr.on('data', (d) => (err += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('close', (code, signal) => r({ code, signal })),
  );
  return {
    pid: child.pid!,
    kill: (sig) => child.kill(sig),
    stdout: () => out,
    waitFor: (re) =>
      new Promise<void>((resolve, reject) => {
        if (re.test(out)) return resolve();
        waiters.push({ re, resolve });
        void exit.then(({ code, signal }) =>
          reject(new Error(`exited (${code ?? signal}) before ${re}; stdout:\n${out}\nstderr:\n${err}`)),
        );
      }),
    exit,
  };
}

/** metrics.jsonl without the wall-clock columns. */
function stableMetrics(run: string): Record<string, unknown>[] {
  return readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const row = JSON.parse(l) as Record<string, unknown>;
      for (const k of Object.keys(row)) if (/sec|SPS|elapsed|time|wall/i.test(k)) delete row[k];
      return row;
    });
}

function checkpointIteration(run: string): number {
  return JSON.parse(readFileSync(join(run, 'checkpoints', 'latest', 'state.json'), 'utf8')).iteration;
}

const metricRows = (run: string) =>
  existsSync(join(run, 'metrics.jsonl'))
    ? readFileSync(join(run, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).length
    : 0;

/** 4 iterations of 1,024 samples on tiny. */
const train = (out: string) =>
  cli(['train', '--scenario', 'tiny', '--timesteps', '4096', '--seed', '4', '--no-dashboard', '--out', out]);

describe('copronet train: stops without a dashboard', () => {
  const ref = join(tmp, 'uninterrupted');
  beforeAll(async () => {
    const run = train(ref);
    expect((await run.exit).code).toBe(0);
  }, 120_000);

  it('SIGINT, SIGTERM and SIGHUP save and exit (0, by SIGTERM, by SIGHUP); a second signal or kill -9 leaves the first checkpoint; every one resumes to the uninterrupted metrics', async () => {
    const cases: {
      name: string;
      signals: NodeJS.Signals[];
      exit: { code: number | null; signal: NodeJS.Signals | null };
      saves: boolean;
    }[] = [
      { name: 'SIGINT', signals: ['SIGINT'], exit: { code: 0, signal: null }, saves: true },
      { name: 'SIGTERM', signals: ['SIGTERM'], exit: { code: null, signal: 'SIGTERM' }, saves: true },
      { name: 'SIGHUP', signals: ['SIGHUP'], exit: { code: null, signal: 'SIGHUP' }, saves: true },
      // The second signal exits at once (or finds the save already done): either way nothing is torn.
      {
        name: 'SIGTERM-twice',
        signals: ['SIGTERM', 'SIGTERM'],
        exit: { code: null, signal: 'SIGTERM' },
        saves: false,
      },
      { name: 'SIGKILL', signals: ['SIGKILL'], exit: { code: null, signal: 'SIGKILL' }, saves: false },
    ];
    const expected = stableMetrics(ref);
    expect(expected).toHaveLength(4);
    await Promise.all(
      cases.map(async (c) => {
        const out = join(tmp, c.name);
        const run = train(out);
        // Iteration 1's checkpoint is written before iteration 2 starts.
        await run.waitFor(/^iter 2 /m);
        for (const sig of c.signals) run.kill(sig);
        expect(await run.exit, c.name).toEqual(c.exit);
        expect(checkpointIteration(out), c.name).toBeGreaterThanOrEqual(1);
        if (c.saves) {
          expect(run.stdout()).toMatch(
            new RegExp(`^stopped \\(${c.name}\\) at step \\d+; checkpoint saved\\.`, 'm'),
          );
          expect(run.stdout()).toContain(`\ncontinue with: npx copronet train --resume ${out}\n`);
          // The stop saved the last iteration boundary: the checkpoint is as far as the metrics.
          expect(checkpointIteration(out), c.name).toBe(metricRows(out));
        }
        const again = cli(['train', '--resume', out, '--no-dashboard']);
        expect(await again.exit, `${c.name} resumed:\n${again.stdout()}`).toEqual({ code: 0, signal: null });
        expect(again.stdout()).toMatch(
          /^resuming ppo on tiny at step [\d,]+ \(iteration \d\): \d more iterations?, to 4 iterations of 1,024 samples = 4,096 samples/m,
        );
        expect(stableMetrics(out), c.name).toEqual(expected);
      }),
    );
  }, 300_000);
});

describe.skipIf(!hasTmux)('copronet train: stops with the dashboard (tmux)', () => {
  /** The CLI with the dashboard in a tmux pane; its pid from a file (sh execs node). */
  async function dashboardRun(name: string): Promise<{ term: TmuxScreen; pid: number; out: string }> {
    const out = join(tmp, name);
    const pidFile = join(tmp, `${name}.pid`);
    const term = new TmuxScreen(
      `sh -c 'echo $$ > ${pidFile}; exec node bin/dev.mjs train --scenario tiny --timesteps 200000 --out ${out}'`,
      100,
      30,
    );
    screens.push(term);
    // Three iterations logged (polling the file, no timing assumed).
    while (metricRows(out) < 3) await sleep(100);
    return { term, pid: Number(readFileSync(pidFile, 'utf8')), out };
  }

  it('SIGTERM saves the last iteration and exits 143 with the resume command', async () => {
    const { term, pid, out } = await dashboardRun('dash-term');
    process.kill(pid, 'SIGTERM');
    const s = await term.waitFor((x) => x.includes('EXIT='), 'the process to exit', 60_000);
    expect(s).toContain('EXIT=143');
    expect(s).toMatch(/stopped \(SIGTERM\) at step \d+; checkpoint saved/);
    expect(s).toContain('continue with: npx copronet train --resume');
    expect(checkpointIteration(out)).toBe(metricRows(out));
  }, 120_000);

  it('a hangup (the terminal closes) saves the last iteration too', async () => {
    const { term, pid, out } = await dashboardRun('dash-hup');
    term.kill(); // the tmux server goes: SIGHUP, and a terminal that is gone
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    while (alive()) await sleep(100);
    expect(checkpointIteration(out)).toBe(metricRows(out));
  }, 120_000);
});
