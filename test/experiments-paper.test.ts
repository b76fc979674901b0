import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXPERIMENTS, runExperiment } from '../experiments/index.ts';

const out = mkdtempSync(join(tmpdir(), 'copronet-paper-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Every file `experiment paper` must write, per experiment folder. */
const EXPECTED: Record<string, string[]> = {
  slashing: ['fig2-slashing.csv', 'fig2-slashing-end.csv', 'fig2-active-operators', 'fig2-cumulative-reward'],
  'reward-distribution': ['fig3-reward-distribution.csv', 'fig3-reward-quantiles', 'fig3-reward-gini'],
  reputation: ['fig4-reputation-reward.csv', 'fig4-reputation-reward'],
  'task-flow': ['fig5-task-flow-edges.csv', 'fig5-task-flow-nodes.csv', 'fig5-task-flow'],
  'coprocessor-load': ['fig6-load-bins.csv', 'fig6-load-reward-points.csv', 'fig6-load-reward'],
  'task-distribution': ['fig7-task-distribution.csv', 'fig7-task-distribution'],
  'load-curve': [
    'fig8-load-curve.csv',
    'fig9-load-reward-alpha.csv',
    'fig8-load-curve',
    'fig9-load-reward-alpha',
  ],
  'sweep-slashing': [
    'sweep-slashing.csv',
    'sweep-slashing-cells.csv',
    'sweep-slashing-frontier',
    'sweep-slashing-welfare',
  ],
  mechanisms: ['mechanisms.csv', 'mechanisms-differences.csv', 'mechanisms', 'mechanisms-differences'],
};

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe('experiment paper --scale quick', () => {
  it('writes every CSV, SVG and PNG and a report that covers each figure', { timeout: 600_000 }, async () => {
    // Its wall time is a benchmark (`npm run bench -- experiment`), not an assertion.
    const run = await runExperiment('paper', { scale: 'quick', out, workers: 2, quiet: true });
    expect(run.computed).toBeGreaterThan(0);
    expect(Object.keys(EXPECTED).sort()).toEqual(EXPERIMENTS.map((e) => e.name).sort());
    for (const [dir, files] of Object.entries(EXPECTED)) {
      expect(existsSync(join(out, dir, 'REPORT.md')), `${dir}/REPORT.md`).toBe(true);
      for (const f of files) {
        if (f.endsWith('.csv')) {
          const lines = readFileSync(join(out, dir, f), 'utf8')
            .trim()
            .split('\n');
          expect(lines.length, `${dir}/${f} rows`).toBeGreaterThan(1);
          expect(lines[1], `${dir}/${f}`).not.toMatch(/NaN|undefined/);
          continue;
        }
        const svg = readFileSync(join(out, dir, `${f}.svg`), 'utf8');
        expect(svg, `${dir}/${f}.svg`).toMatch(/^<svg/);
        expect(svg).toMatch(/<text/); // titles and axes were rendered as text
        const png = readFileSync(join(out, dir, `${f}.png`));
        expect([...png.subarray(0, 8)], `${dir}/${f}.png`).toEqual(PNG_MAGIC);
        expect(png.length).toBeGreaterThan(10_000);
      }
    }
    const report = readFileSync(join(out, 'REPORT.md'), 'utf8');
    for (const fig of [
      'Fig. 2',
      'Fig. 3',
      'Fig. 4',
      'Fig. 5',
      'Fig. 6',
      'Fig. 7',
      'Figs. 8-9',
      'Sweep',
      'Mechanisms',
    ]) {
      expect(report, fig).toContain(`## ${fig}`);
    }
    for (const claim of [
      'active operators: **',
      'cumulative reward: **',
      'reputation averaged over the episode: **',
    ]) {
      expect(report).toContain(claim);
    }
    expect(report).toContain('Scale `quick`');
    expect(report).toMatch(/seeds 1, 2/);
    expect(report).toMatch(/!\[fig2-active-operators\]\(slashing\/fig2-active-operators\.png\)/);

    // Resume: everything is on disk now, a second run computes nothing.
    const again = await runExperiment('paper', { scale: 'quick', out, workers: 2, quiet: true });
    expect(again.computed).toBe(0);
    expect(again.reused).toBe(run.computed);
  });
});
