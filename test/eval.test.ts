import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BASELINES,
  type BaselineName,
  makeBaseline,
  makeBaselineSet,
  markupPolicy,
} from '../envs/network/baselines.ts';
import { runEvalEpisode } from '../experiments/eval/episode.ts';
import {
  evaluate,
  METRICS,
  type MixedRow,
  type PopulationRow,
  verdicts,
} from '../experiments/eval/evaluate.ts';
import { halfMask, mixPolicies } from '../experiments/eval/mix.ts';
import { formatMarkdown, writeReport } from '../experiments/eval/report.ts';
import { assertHeldOut, heldOutSeeds } from '../experiments/eval/seeds.ts';
import { loadScenario } from '../envs/scenarios/index.ts';
import { runEpisode } from '../src/sim/episode.ts';
import type { Policy } from '../src/sim/policy.ts';

const quick = loadScenario('quick');
const tiny = loadScenario('tiny');

const constant = (name: string, value: number): Policy & { calls: number[] } => {
  const calls: number[] = [];
  return {
    name,
    calls,
    act(_obs, _active, n, out) {
      calls.push(n);
      for (let q = 0; q < out.length; q++) out[q] = value;
    },
  };
};

describe('mixPolicies', () => {
  it('routes rows by the mask; both policies see the whole batch', () => {
    const a = constant('a', 1);
    const b = constant('b', 2);
    const mix = mixPolicies(a, b, [1, 0, 0, 1]);
    const out = new Float32Array(4 * 3);
    mix.act(new Float32Array(8), new Uint8Array([1, 1, 1, 1]), 4, out);
    expect(Array.from(out)).toEqual([1, 1, 1, 2, 2, 2, 2, 2, 2, 1, 1, 1]);
    expect(a.calls).toEqual([4]);
    expect(b.calls).toEqual([4]);
    expect(mix.name).toBe('a+b');
    expect(() => mix.act(new Float32Array(10), new Uint8Array(5), 5, new Float32Array(10))).toThrow(
      /mask covers 4/,
    );
  });

  it('halfMask splits slots 0..n/2-1 from the rest', () => {
    expect(Array.from(halfMask(5, true))).toEqual([1, 1, 0, 0, 0]);
    expect(Array.from(halfMask(5, false))).toEqual([0, 0, 1, 1, 1]);
  });
});

describe('evaluation episode', () => {
  it('matches runEpisode on the numbers both report', () => {
    const policies = () => makeBaselineSet('paper-heuristic', { scenario: quick });
    const s = runEpisode(quick, policies(), 10_000).summary;
    const e = runEvalEpisode(quick, policies(), 10_000);
    expect(e.tasks).toBe(s.tasks);
    expect(e.failures).toBe(s.failures);
    expect(e.undetectedShirks).toBe(s.undetectedShirks);
    expect(e.dropped / e.tasks).toBeCloseTo(s.shares.dropped, 12);
    expect(e.slashes.operator + e.slashes.coprocessor).toBeGreaterThan(0);
    // The per-role slashes of evaluation are the simulator's slashes, split.
    expect(e.slashes.operator + e.slashes.coprocessor).toBe(s.slashes);
    const mean = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(e.profit.operator)).toBeCloseTo(s.meanRewardPerAgent.operator, 9);
    expect(mean(e.profit.coprocessor)).toBeCloseTo(s.meanRewardPerAgent.coprocessor, 9);
  });
});

describe('what the agents chose', () => {
  it('each episode reports the bid markup, shirk probability, eta and self-executed share the policies set', () => {
    const scenario = loadScenario('tiny', { coprocessors: { maliciousFraction: 0 } });
    const ep = (name: BaselineName) =>
      runEvalEpisode(scenario, makeBaselineSet(name, { scenario }), 10_000).choices;
    // Baseline markups: truthful 0, cost-plus 0.1, paper-heuristic 0.2, conservative 0.5; nobody malicious shirks.
    expect(ep('truthful').bid).toBe(0);
    expect(ep('cost-plus').bid).toBeCloseTo(0.1, 6);
    expect(ep('paper-heuristic').bid).toBeCloseTo(0.2, 6);
    expect(ep('conservative').bid).toBeCloseTo(0.5, 6);
    expect(ep('paper-heuristic').shirk).toBe(0);
    expect(ep('paper-heuristic').eta).toBeCloseTo(0.95, 6);
    // greedy operators delegate everything; paper-heuristic ones keep the tasks they can do.
    expect(ep('greedy').selfShare).toBe(0);
    expect(ep('paper-heuristic').selfShare).toBeGreaterThan(0.05);
    // Under qualified-dutch the same action is read as psi: paper-heuristic asks 1.2 x unit cost / R.
    const qd = loadScenario('tiny', { auction: { mechanism: 'qualified-dutch' } });
    const psi = runEvalEpisode(qd, makeBaselineSet('paper-heuristic', { scenario: qd }), 10_000).choices.bid;
    expect(psi).toBeGreaterThan(0.2);
    expect(psi).toBeLessThan(0.6);
  });
});

describe('what the learned agents chose, per slot', () => {
  it("the report lists each learned slot's bid markup and shirk probability", () => {
    const scenario = loadScenario('tiny', { coprocessors: { maliciousFraction: 0 } });
    const learned = markupPolicy(scenario, [0, 0.1, 0.2, 0.3]);
    const res = evaluate({
      scenario,
      seeds: [10_000, 10_001],
      learned: { coprocessor: learned },
      baselines: ['truthful'],
      mixed: false,
      bootstrap: { reps: 50 },
    });
    const row = res.tables.find((t) => t.role === 'coprocessor')?.rows.find((r) => r.learned);
    expect(row?.slots?.first.map((x) => Number(x.toFixed(6)))).toEqual([0, 0.1, 0.2, 0.3]);
    expect(row?.slots?.second).toEqual([0, 0, 0, 0]);
    const md = formatMarkdown(res);
    expect(md).toContain('## What the learned coprocessors chose, per slot');
    expect(md).toContain('| bid | 0.000 | 0.100 | 0.200 | 0.300 |');
    // Baseline rows carry no per-slot table.
    expect(res.tables.flatMap((t) => t.rows).filter((r) => r.slots)).toHaveLength(1);
  });
});

describe('seeds', () => {
  it('held-out seeds start at 10000 and skip training seeds', () => {
    expect(heldOutSeeds(3).seeds).toEqual([10_000, 10_001, 10_002]);
    const h = heldOutSeeds(3, [1, 10_001]);
    expect(h.seeds).toEqual([10_000, 10_002, 10_003]);
    expect(h.skipped).toEqual([10_001]);
    expect(() => assertHeldOut([5, 6], [6])).toThrow(/6 were also used in training/);
    expect(() => heldOutSeeds(0)).toThrow(/positive integer/);
  });
});

describe('evaluate', () => {
  it('baselines only on quick with 3 seeds: a row per baseline and role, finite numbers, CIs around the estimates', () => {
    const res = evaluate({ scenario: quick, seeds: [10_000, 10_001, 10_002], bootstrap: { reps: 500 } });
    expect(res.tables.map((t) => t.role)).toEqual(['operator', 'coprocessor']);
    expect(res.mixed).toEqual([]);
    for (const t of res.tables) {
      expect(t.other).toBe('paper-heuristic');
      expect(t.rows.map((r) => r.population)).toEqual([...BASELINES]);
      for (const r of t.rows) {
        for (const m of METRICS) {
          const s = r.metrics[m.key];
          expect(r.runs[m.key]).toHaveLength(3);
          for (const v of [s.mean, s.iqm, ...s.meanCi, ...s.iqmCi]) expect(Number.isFinite(v)).toBe(true);
          expect(s.meanCi[0]).toBeLessThanOrEqual(s.mean + 1e-9);
          expect(s.meanCi[1]).toBeGreaterThanOrEqual(s.mean - 1e-9);
          expect(s.iqmCi[0]).toBeLessThanOrEqual(s.iqm + 1e-9);
          expect(s.iqmCi[1]).toBeGreaterThanOrEqual(s.iqm - 1e-9);
        }
        const c = r.metrics.completionRate.mean;
        const f = r.metrics.failureRate.mean;
        expect(c).toBeGreaterThanOrEqual(0);
        expect(c + f).toBeLessThanOrEqual(1 + 1e-12);
      }
    }
    // The reference row is the same market in both tables (both roles play paper-heuristic).
    const refOp = res.tables[0].rows.find((r) => r.population === 'paper-heuristic')!;
    const refCp = res.tables[1].rows.find((r) => r.population === 'paper-heuristic')!;
    expect(refOp.runs.welfare).toEqual(refCp.runs.welfare);
    expect(refOp.runs.completionRate).toEqual(refCp.runs.completionRate);
    // Populations differ: random operators lose money, the paper heuristic earns.
    const ops = res.tables[0].rows;
    const byName = (n: string) => ops.find((r) => r.population === n)!;
    expect(byName('paper-heuristic').metrics.profitPerAgent.mean).toBeGreaterThan(
      byName('random').metrics.profitPerAgent.mean,
    );
  });

  it('mixed market: a strictly better "learned" half out-earns the baseline half, and against itself it ties', () => {
    const learnedOp = makeBaseline('greedy', 'operator', { scenario: quick });
    const res = evaluate({
      scenario: quick,
      seeds: [10_000, 10_001, 10_002],
      learned: { operator: learnedOp },
      baselines: ['random', 'greedy'],
      bootstrap: { reps: 500 },
    });
    expect(res.learned).toEqual({ operator: 'greedy' });
    expect(res.tables[0].rows.map((r) => r.population)).toEqual(['learned', 'random', 'greedy']);
    expect(res.tables[1].rows.map((r) => r.population)).toEqual(['random', 'greedy']);
    const vsRandom = res.mixed.find((m) => m.baseline === 'random')!;
    expect(vsRandom.role).toBe('operator');
    expect(vsRandom.learned.mean).toBeGreaterThan(vsRandom.baselineHalf.mean);
    expect(vsRandom.difference.meanCi[0]).toBeGreaterThan(0);
    expect(vsRandom.overlap).toBe(false);
    // The swapped assignment makes a policy against itself an exact tie.
    const vsSelf = res.mixed.find((m) => m.baseline === 'greedy')!;
    expect(vsSelf.learned.mean).toBe(vsSelf.baselineHalf.mean);
    expect(vsSelf.difference.meanCi).toEqual([0, 0]);
    expect(vsSelf.overlap).toBe(true);
    // The verdict: "learned" is greedy itself, so it cannot be separately above the greedy baseline.
    const [v] = res.verdicts;
    expect(v.role).toBe('operator');
    expect(v.mixed).toBe(false);
    expect(v.mixedNotBeaten).toEqual(['greedy']);
    expect(v.populationsNotBeaten).toContain('greedy');
    expect(v.populations).toBe(false);
    expect(formatMarkdown(res)).toContain(
      '- operators, as half of the mixed market: no (not separately above greedy)',
    );
  });

  it('the verdict is yes only when every interval lies apart, and names each baseline it does not beat', () => {
    const s = (lo: number, hi: number) => ({
      mean: (lo + hi) / 2,
      meanCi: [lo, hi] as [number, number],
      iqm: 0,
      iqmCi: [0, 0] as [number, number],
    });
    const row = (population: string, learned: boolean, lo: number, hi: number) =>
      ({ population, learned, metrics: { profitPerAgent: s(lo, hi) }, runs: {} }) as unknown as PopulationRow;
    const mixedRow = (baseline: BaselineName, l: [number, number], b: [number, number], overlap: boolean) =>
      ({
        role: 'coprocessor',
        baseline,
        learned: s(...l),
        baselineHalf: s(...b),
        difference: s(0, 0),
        overlap,
        runs: { learned: [], baseline: [] },
      }) as MixedRow;
    const tables = [
      {
        role: 'coprocessor' as const,
        other: 'paper-heuristic',
        rows: [row('learned', true, 10, 12), row('greedy', false, 5, 9.9), row('cost-plus', false, 8, 10)],
      },
    ];
    const [v] = verdicts(
      tables,
      [mixedRow('greedy', [10, 12], [1, 2], false), mixedRow('cost-plus', [10, 12], [11, 13], true)],
      ['coprocessor'],
    );
    expect(v).toEqual({
      role: 'coprocessor',
      populations: false,
      populationsNotBeaten: ['cost-plus'],
      mixed: false,
      mixedNotBeaten: ['cost-plus'],
    });
    const [ok] = verdicts(
      [{ ...tables[0], rows: tables[0].rows.slice(0, 2) }],
      [mixedRow('greedy', [10, 12], [1, 2], false)],
      ['coprocessor'],
    );
    expect(ok).toEqual({
      role: 'coprocessor',
      populations: true,
      populationsNotBeaten: [],
      mixed: true,
      mixedNotBeaten: [],
    });
  });

  it('refuses training seeds, repeated seeds and --other learned without both roles', () => {
    expect(() => evaluate({ scenario: tiny, seeds: [3], trainSeeds: [3] })).toThrow(/held-out/);
    expect(() => evaluate({ scenario: tiny, seeds: [3, 3] })).toThrow(/repeat/);
    const learned = { operator: makeBaseline('greedy', 'operator', { scenario: tiny }) };
    expect(() => evaluate({ scenario: tiny, seeds: [3], learned, other: 'learned' })).toThrow(
      /learned coprocessor/,
    );
  });

  it('stratifies over several scenarios', () => {
    const res = evaluate({
      scenario: [tiny, quick],
      seeds: [10_000, 10_001],
      baselines: ['greedy'],
      bootstrap: { reps: 200 },
    });
    expect(res.scenarios).toEqual(['tiny', 'quick']);
    const runs = res.tables[0].rows[0].runs.profitPerAgent;
    expect(runs).toHaveLength(2);
    expect(runs[0]).toHaveLength(2);
  });
});

describe('report', () => {
  const run = () =>
    evaluate({
      scenario: tiny,
      seeds: [10_000, 10_001],
      learned: { coprocessor: makeBaseline('cost-plus', 'coprocessor', { scenario: tiny }) },
      baselines: ['paper-heuristic', 'greedy'],
      bootstrap: { reps: 200 },
      notes: ['learned policies: deterministic'],
    });

  it('is byte-identical for identical inputs, and names the seeds, scenario and reference', () => {
    const d1 = mkdtempSync(join(tmpdir(), 'eval-a-'));
    const d2 = mkdtempSync(join(tmpdir(), 'eval-b-'));
    const p1 = writeReport(run(), d1);
    const p2 = writeReport(run(), d2);
    expect(readFileSync(p1.markdown)).toEqual(readFileSync(p2.markdown));
    expect(readFileSync(p1.json)).toEqual(readFileSync(p2.json));
    const md = readFileSync(p1.markdown, 'utf8');
    expect(md).toContain('held-out seeds (2): 10000, 10001');
    expect(md).toContain('scenario: tiny');
    expect(md).toContain('reference policy: paper-heuristic');
    expect(md).toContain('## Mixed market, coprocessors');
    expect(md).toContain('**');
    expect(md).not.toMatch(/20\d\d-\d\d-\d\d/);
    const json = JSON.parse(readFileSync(p1.json, 'utf8'));
    expect(json.seeds).toEqual([10_000, 10_001]);
    expect(json.tables).toHaveLength(2);
  });

  it('marks the best row of each metric', () => {
    const md = formatMarkdown(run());
    const opRows = md
      .split('## Operators')[1]
      .split('\n')
      .filter((l) => l.startsWith('| paper') || l.startsWith('| greedy'));
    // Some cell of the operator table is marked best.
    expect(opRows.join('\n')).toMatch(/\*\*[-\d]/);
  });
});
