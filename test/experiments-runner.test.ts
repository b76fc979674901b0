import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBaselineSet } from '../envs/network/baselines.ts';
import { runExperiment } from '../experiments/index.ts';
import type { CellSpec, SummaryResult } from '../experiments/lib/cells.ts';
import { cellId, runCells } from '../experiments/lib/runner.ts';
import type { Scenario } from '../src/sim/scenario.ts';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'copronet-exp-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const spec = (seed: number, factor = 1): CellSpec => ({
  kind: 'summary',
  scenario: 'tiny',
  overrides: { slashing: { factor } },
  seed,
  population: 'paper-heuristic',
});

const fake = (s: CellSpec) => ({ seed: s.seed }) as unknown as SummaryResult;

describe('cells on disk (resume)', () => {
  it('computes only the cells that are not stored yet', async () => {
    const cellDir = tmp();
    const cells = [spec(1), spec(2), spec(3)];
    let calls = 0;
    const compute = (s: CellSpec) => {
      calls++;
      return fake(s);
    };
    const first = await runCells(cells, { cellDir, compute, quiet: true });
    expect(first.computed).toBe(3);
    expect(calls).toBe(3);
    expect(readdirSync(cellDir).filter((f) => f.endsWith('.json'))).toHaveLength(3);

    const second = await runCells(cells, { cellDir, compute, quiet: true });
    expect(second.computed).toBe(0);
    expect(second.reused).toBe(3);
    expect(calls).toBe(3);
    expect((second.results.get(cellId(spec(2))) as unknown as { seed: number }).seed).toBe(2);

    // One file gone, one cell new: exactly two computations.
    rmSync(join(cellDir, `${cellId(spec(1))}.json`));
    const third = await runCells([...cells, spec(4)], { cellDir, compute, quiet: true });
    expect(third.computed).toBe(2);
    expect(third.reused).toBe(2);
    expect(calls).toBe(5);
  });

  it('recomputes a damaged file or one written for another spec', async () => {
    const cellDir = tmp();
    let calls = 0;
    const compute = (s: CellSpec) => {
      calls++;
      return fake(s);
    };
    await runCells([spec(1), spec(2)], { cellDir, compute, quiet: true });
    writeFileSync(join(cellDir, `${cellId(spec(1))}.json`), '{"spec": ');
    const path2 = join(cellDir, `${cellId(spec(2))}.json`);
    const file = JSON.parse(readFileSync(path2, 'utf8'));
    file.spec.seed = 99;
    writeFileSync(path2, JSON.stringify(file));
    const again = await runCells([spec(1), spec(2)], { cellDir, compute, quiet: true });
    expect(again.computed).toBe(2);
    expect(calls).toBe(4);
  });

  it('names a cell by its spec, whatever the key order', () => {
    const a = spec(1, 2);
    const b: CellSpec = {
      population: a.population,
      seed: 1,
      overrides: { slashing: { factor: 2 } },
      scenario: 'tiny',
      kind: 'summary',
    };
    expect(cellId(a)).toBe(cellId(b));
    expect(cellId(a)).not.toBe(cellId(spec(1, 4)));
    expect(cellId(a)).toMatch(/^summary-paper-heuristic-[0-9a-f]{12}-s1$/);
  });

  it('runs baseline cells on worker threads and stores each one', async () => {
    const cellDir = tmp();
    const cells = [spec(1), spec(2), spec(3)];
    const r = await runCells(cells, { cellDir, workers: 2, quiet: true });
    expect(r.computed).toBe(3);
    const s1 = r.results.get(cellId(spec(1))) as SummaryResult;
    expect(s1.tasks).toBeGreaterThan(0);
    expect(s1.nOps).toBe(4);
    // Same seed in this thread gives the same numbers (cells are pure functions of their spec).
    const local = await runCells([spec(1)], { cellDir: tmp(), workers: 1, quiet: true });
    expect(local.results.get(cellId(spec(1)))).toEqual(s1);
    const again = await runCells(cells, { cellDir, workers: 2, quiet: true });
    expect(again.computed).toBe(0);
  });
});

describe('experiment errors', () => {
  it('rejects an unknown experiment or scale with a message that lists the choices', async () => {
    await expect(runExperiment('fig99', { out: tmp() })).rejects.toThrow(
      /unknown experiment 'fig99': choose one of paper, slashing/,
    );
    await expect(runExperiment('slashing', { scale: 'huge', out: tmp() })).rejects.toThrow(
      /unknown scale 'huge': use --scale paper .* or --scale quick/,
    );
    await expect(runExperiment('slashing', { seeds: 0, out: tmp() })).rejects.toThrow(
      /--seeds must be a positive integer/,
    );
  });

  it('fails --policies clearly without a loader or without the run directory', async () => {
    const run = tmp();
    await expect(runExperiment('reputation', { policies: run, out: tmp() })).rejects.toThrow(
      /no loader for learned policies/,
    );
    await expect(
      runExperiment('reputation', {
        policies: join(run, 'missing'),
        loadPolicies: async () => {
          throw new Error('not called');
        },
        out: tmp(),
      }),
    ).rejects.toThrow(/no such run directory/);
  });

  it('the CLI prints the error and exits non-zero', () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'dev.mjs');
    const name = spawnSync(process.execPath, [bin, 'experiment', 'fig99'], { encoding: 'utf8' });
    expect(name.status).not.toBe(0);
    expect(name.stderr).toMatch(/unknown experiment 'fig99': choose one of paper, slashing/);
    const scale = spawnSync(process.execPath, [bin, 'experiment', 'slashing', '--scale', 'huge'], {
      encoding: 'utf8',
    });
    expect(scale.status).not.toBe(0);
    expect(scale.stderr).toMatch(/--scale.*'huge' is invalid\. Allowed choices are paper, quick/);
    const policies = spawnSync(
      process.execPath,
      [bin, 'experiment', 'reputation', '--policies', tmp(), '--out', tmp()],
      {
        encoding: 'utf8',
      },
    );
    // An empty directory is not a training run: the loader says so.
    expect(policies.status).not.toBe(0);
    expect(policies.stderr).toMatch(/is not a run directory \(no run\.json\)/);
  });
});

describe('learned policies side by side', () => {
  it('runs the loaded policies next to the baseline (fake loader returning a baseline)', async () => {
    const out = tmp();
    const runDir = tmp();
    const seen: { dir: string; scenario: Scenario }[] = [];
    const loadPolicies = async (dir: string, scenario: Scenario) => {
      seen.push({ dir, scenario });
      return makeBaselineSet('conservative', { scenario, seed: 1 });
    };
    const opts = {
      scale: 'quick',
      seeds: 1,
      out,
      policies: runDir,
      loadPolicies,
      workers: 1,
      quiet: true,
    } as const;
    const r = await runExperiment('reputation', opts);
    expect(seen.length).toBe(1);
    expect(seen[0].dir).toBe(runDir);
    expect(seen[0].scenario.periods).toBe(300);
    expect(r.computed).toBe(2);
    const csv = readFileSync(join(out, 'fig4-reputation-reward.csv'), 'utf8');
    expect(csv).toMatch(/\nlearned,/);
    expect(csv).toMatch(/\npaper-heuristic,/);
    const report = readFileSync(r.report, 'utf8');
    expect(report).toContain(`learned (${runDir})`);
    expect(report).toMatch(/- learned, reputation averaged over the episode: \*\*/);
    expect(existsSync(join(out, 'fig4-reputation-reward.png'))).toBe(true);
    // The learned cells are stored too: a second run loads nothing.
    const again = await runExperiment('reputation', opts);
    expect(again.computed).toBe(0);
    expect(seen.length).toBe(1);
  });
});
