/**
 * `experiment strategic` (experiments/strategic.ts) end to end on a tiny grid:
 * both roles trained by PPO per cell, evaluated on held-out seeds, beside the
 * fixed paper-heuristic population; files written, cells reused on a rerun (no
 * trainer built), a deleted cell recomputed bit for bit, and one property of
 * the model that could fail: learned coprocessors shirk more without slashing
 * than under heavy slashing with a high detection probability.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../agents/tf/backend.ts';
import { EXPERIMENT_CATALOG, EXPERIMENT_NAMES, STANDALONE_CATALOG } from '../experiments/catalog.ts';
import { EXPERIMENTS, ExperimentError, runExperiment } from '../experiments/registry.ts';
import { nestedBootstrap } from '../experiments/lib/nested-bootstrap.ts';
import { BASELINE_POPULATION as FIXED } from '../experiments/lib/cells.ts';
import {
  LEARNED_POPULATION as LEARNED,
  runStrategic,
  type StrategicRun,
  type StrategicScale,
  type StrategicSpec,
} from '../experiments/strategic.ts';

/** Two settings on `tiny` (4 + 4 agents, 20 periods), 20k samples each (19 PPO iterations). */
const TINY: StrategicScale = {
  name: 'tiny-test',
  scenario: 'tiny',
  factors: [0, 4],
  detections: [0.6],
  b: [1],
  timesteps: 20_000,
  seeds: 1,
  evalSeeds: 3,
  description: 'scenario `tiny`, 20k samples per cell (test)',
};

describe('nestedBootstrap', () => {
  it('is the mean of group means, collapses on constant data and is seeded', () => {
    const groups = [
      [1, 2, 3],
      [10, 10, 10, 10],
    ];
    const a = nestedBootstrap(groups);
    expect(a.mean).toBeCloseTo((2 + 10) / 2, 12);
    expect(a.lo).toBeLessThanOrEqual(a.mean);
    expect(a.hi).toBeGreaterThanOrEqual(a.mean);
    expect(a.groups).toBe(2);
    expect(a.n).toBe(7);
    expect(nestedBootstrap(groups)).toEqual(a);
    const flat = nestedBootstrap([[5, 5, 5]]);
    expect([flat.lo, flat.mean, flat.hi]).toEqual([5, 5, 5]);
    // Resampling the training seeds widens the interval beyond the evaluation seeds alone.
    const one = nestedBootstrap([[1, 2, 3, 10, 10, 10]]);
    expect(a.hi - a.lo).toBeGreaterThan(one.hi - one.lo);
    expect(() => nestedBootstrap([[1], []])).toThrow(/a value in every group/);
  });
});

describe('the catalog: strategic runs alone', () => {
  it('is named, listed as standalone, and not part of experiment paper', () => {
    expect(EXPERIMENT_NAMES).toContain('strategic');
    const entry = STANDALONE_CATALOG.find((e) => e.name === 'strategic');
    expect(entry?.figures).toBe('beyond the paper (open question 6.1)');
    expect(EXPERIMENTS.map((e) => e.name)).not.toContain('strategic');
    expect(EXPERIMENT_CATALOG.map((e) => e.name)).not.toContain('strategic');
  });

  it('refuses --policies and a bad --seeds before training anything', async () => {
    await expect(runExperiment('strategic', { scale: 'quick', policies: 'runs/x' })).rejects.toThrow(
      ExperimentError,
    );
    await expect(runExperiment('strategic', { scale: 'quick', seeds: 0 })).rejects.toThrow(/--seeds/);
    await expect(runExperiment('strategic', { scale: 'huge' })).rejects.toThrow(/unknown scale/);
  });
});

describe('experiment strategic on a tiny grid', () => {
  const out = mkdtempSync(join(tmpdir(), 'strategic-'));
  const trained: StrategicSpec[] = [];
  let first: StrategicRun;

  beforeAll(async () => {
    // wasm: several times faster than the cpu backend on these small networks.
    await initBackend('wasm');
    first = await runStrategic({ scale: TINY, out, quiet: true, onTrain: (s) => trained.push(s) });
  }, 300_000);

  it('trains one policy pair per learned cell and writes CSV, figures and REPORT.md', () => {
    expect(trained.map((s) => s.overrides.slashing.factor)).toEqual([0, 4]);
    expect(first.computed).toBe(4); // 2 learned + 2 fixed
    expect(first.reused).toBe(0);
    for (const f of [
      'strategic.csv',
      'strategic-episodes.csv',
      'strategic-frontier.svg',
      'strategic-frontier.png',
      'strategic-choices.svg',
      'strategic-choices.png',
      'strategic-outcomes.svg',
      'strategic-outcomes.png',
      'REPORT.md',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readdirSync(join(out, 'cells'))).toHaveLength(4);
    const report = readFileSync(join(out, 'REPORT.md'), 'utf8');
    expect(report).toMatch(/## Open question 6\.1 with agents that choose/);
    expect(report).toMatch(/Fig\. 2 re-tested/);
    expect(report).toMatch(/Fig\. 3 re-tested/);
    expect(report).toMatch(/\*\*(holds|partly holds|does not hold)\*\*/);
    expect(report).toMatch(/nested bootstrap/);
    // Every cell and metric: a finite mean inside a finite interval.
    expect(first.points).toHaveLength(4);
    for (const p of first.points) {
      for (const [key, iv] of Object.entries(p.metrics)) {
        expect(Number.isFinite(iv.mean) && Number.isFinite(iv.lo) && Number.isFinite(iv.hi), key).toBe(true);
        expect(iv.lo).toBeLessThanOrEqual(iv.mean + 1e-12);
        expect(iv.hi).toBeGreaterThanOrEqual(iv.mean - 1e-12);
      }
      expect(p.metrics.shirk.mean).toBeGreaterThanOrEqual(0);
      expect(p.metrics.activeOperators.mean).toBeLessThanOrEqual(1);
    }
    const csv = readFileSync(join(out, 'strategic-episodes.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(1 + 4 * TINY.evalSeeds);
  });

  it('learned coprocessors shirk more at sigma 0 than at sigma 4 (detection 0.6); the fixed ones do not choose', () => {
    const at = (pop: string, factor: number) =>
      first.points.find((p) => p.population === pop && p.factor === factor)!;
    // Shirking without slashing costs a detected task its payment only; at sigma 4 it costs four times the
    // collateral at stake (docs/MODEL.md, "Money"). Seeds 1-4 gave 0.24-0.34 against 0.08-0.10 here.
    expect(at(LEARNED, 0).metrics.shirk.mean).toBeGreaterThan(at(LEARNED, 4).metrics.shirk.mean + 0.05);
    // paper-heuristic's choices do not depend on sigma: the same markup in both cells.
    expect(at(FIXED, 0).metrics.bid.mean).toBeCloseTo(at(FIXED, 4).metrics.bid.mean, 9);
  });

  it('a rerun reuses every cell (no trainer built); a deleted cell is recomputed bit for bit', async () => {
    const csvBefore = readFileSync(join(out, 'strategic.csv'), 'utf8');
    const again: StrategicSpec[] = [];
    const rerun = await runStrategic({ scale: TINY, out, quiet: true, onTrain: (s) => again.push(s) });
    expect(again).toEqual([]);
    expect(rerun.computed).toBe(0);
    expect(rerun.reused).toBe(4);
    expect(readFileSync(join(out, 'strategic.csv'), 'utf8')).toBe(csvBefore);

    // An interrupted sweep: one learned cell missing. It trains again, to the same numbers.
    const cell = readdirSync(join(out, 'cells')).find((f) => f.startsWith(`strategic-${LEARNED}-`))!;
    const stored = JSON.parse(readFileSync(join(out, 'cells', cell), 'utf8'));
    rmSync(join(out, 'cells', cell));
    const resumed = await runStrategic({ scale: TINY, out, quiet: true, onTrain: (s) => again.push(s) });
    expect(again).toHaveLength(1);
    expect(resumed.computed).toBe(1);
    expect(resumed.reused).toBe(3);
    expect(JSON.parse(readFileSync(join(out, 'cells', cell), 'utf8')).result).toEqual(stored.result);
    expect(readFileSync(join(out, 'strategic.csv'), 'utf8')).toBe(csvBefore);
  }, 300_000);
});
