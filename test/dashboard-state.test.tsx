import { describe, expect, it } from 'vitest';
import type { TrainerEvent } from '../src/core/train-events.ts';
import {
  etaSec,
  initialDashboardState,
  LOG_CAP,
  progressOf,
  reduceDashboard,
  spsOf,
} from '../src/app/dashboard/dashboard-state.ts';
import { binCounts, barRows, sparkline } from '../src/app/dashboard/histogram.ts';
import { computeLayout } from '../src/app/dashboard/layout.ts';
import { lineChart, resample } from '../src/app/dashboard/line-chart.ts';
import { emptySeries, pushSeries, seriesValues } from '../src/app/dashboard/series.ts';
import {
  syntheticIteration,
  syntheticMarket,
  syntheticStart,
} from '../src/app/dashboard/synthetic-trainer.ts';

const fold = (events: TrainerEvent[]) => events.reduce(reduceDashboard, initialDashboardState);

describe('reduceDashboard', () => {
  it('takes the run from start and the latest metrics from iterations', () => {
    const s = fold([
      syntheticStart('r1', 1000),
      syntheticIteration(1, 100, 2),
      syntheticIteration(2, 100, 4),
    ]);
    expect(s.run?.runName).toBe('r1');
    expect(s.roles).toEqual(['operator', 'coprocessor']);
    expect(s.iteration).toBe(2);
    expect(s.globalStep).toBe(200);
    expect(s.returns.operator.count).toBe(2);
    expect(s.returns.operator.last).toBe(s.metrics['charts/episodic_return/operator']);
    expect(progressOf(s)).toBeCloseTo(0.2);
    expect(etaSec(s)).toBeCloseTo(16);
    expect(spsOf(s)).toBe(s.metrics['charts/SPS']);
  });

  it('is pure: never mutates the state it is given', () => {
    const s0 = fold([syntheticStart()]);
    const frozen = JSON.stringify(s0);
    const s1 = reduceDashboard(s0, syntheticIteration(1));
    reduceDashboard(s1, { type: 'checkpoint', globalStep: 1, path: 'p', reason: 'manual' });
    expect(JSON.stringify(s0)).toBe(frozen);
    expect(s1).not.toBe(s0);
  });

  it('discovers roles from return metrics when there was no start event', () => {
    const s = fold([
      {
        type: 'iteration',
        iteration: 1,
        globalStep: 5,
        elapsedSec: 1,
        metrics: { 'charts/episodic_return/x': 3 },
      },
    ]);
    expect(s.roles).toEqual(['x']);
    expect(s.best.x).toBe(3);
  });

  it('ignores NaN returns (iterations with no finished episode)', () => {
    const it = (v: number): TrainerEvent => ({
      type: 'iteration',
      iteration: 1,
      globalStep: 1,
      elapsedSec: 1,
      metrics: { 'charts/episodic_return/operator': v },
    });
    const s = fold([it(1), it(Number.NaN), it(2)]);
    expect(seriesValues(s.returns.operator)).toEqual([1, 2]);
  });

  it('logs checkpoints, bests, ejections, pauses, messages and done, in order', () => {
    const s = fold([
      syntheticStart(),
      { type: 'checkpoint', globalStep: 10, path: 'runs/a/ck', reason: 'periodic' },
      { type: 'best', globalStep: 10, role: 'operator', value: 99 },
      { type: 'ejection', globalStep: 11, agent: 'operator-3', period: 4 },
      { type: 'paused', paused: true },
      { type: 'paused', paused: true },
      { type: 'log', level: 'warn', message: 'nan in loss' },
      { type: 'done', globalStep: 12, reason: 'budget' },
    ]);
    expect(s.log.map((e) => e.kind)).toEqual([
      'start',
      'checkpoint',
      'best',
      'ejection',
      'paused',
      'warn',
      'done',
    ]);
    expect(s.log.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(s.best.operator).toBe(99);
    expect(s.done).toEqual({ reason: 'budget', globalStep: 12 });
    expect(s.paused).toBe(false);
  });

  it('keeps the log bounded', () => {
    const events: TrainerEvent[] = Array.from({ length: LOG_CAP + 50 }, (_, i) => ({
      type: 'log',
      level: 'info',
      message: `m${i}`,
    }));
    const s = fold(events);
    expect(s.log).toHaveLength(LOG_CAP);
    expect(s.logSeq).toBe(LOG_CAP + 50);
    expect(s.log[s.log.length - 1].text).toBe(`m${LOG_CAP + 49}`);
  });

  it('keeps the last market snapshot and its trends', () => {
    const s = fold([
      { type: 'market', globalStep: 1, market: syntheticMarket(1) },
      { type: 'market', globalStep: 2, market: syntheticMarket(2) },
    ]);
    expect(s.market?.period).toBe(2);
    expect(s.marketTrend.delegated.count).toBe(2);
    // The agents' choices too: the bid trend holds the markups (the snapshots' reading).
    expect(seriesValues(s.marketTrend.bid)).toEqual([
      syntheticMarket(1).meanMarkup,
      syntheticMarket(2).meanMarkup,
    ]);
    expect(s.marketTrend.eta.last).toBe(syntheticMarket(2).meanEta);
    expect(s.marketTrend.shirk.count).toBe(2);
    expect(s.marketTrend.selfExecuted.last).toBe(syntheticMarket(2).selfExecutedShare);
  });
});

describe('series', () => {
  it('halves by pairwise means when full, so memory stays bounded', () => {
    let s = emptySeries;
    for (let i = 0; i < 100; i++) s = pushSeries(s, i, 16);
    expect(s.points.length).toBeLessThanOrEqual(16);
    expect(s.count).toBe(100);
    const v = seriesValues(s);
    expect(v[0]).toBeLessThan(v[v.length - 1]);
    expect(v.reduce((a, b) => a + b, 0) / v.length).toBeGreaterThan(40);
  });
});

describe('chart helpers', () => {
  it('lineChart rows have exactly the asked width and height', () => {
    const rows = lineChart([1, 3, 2, 5, 4], { width: 30, height: 6, reference: 4.5 });
    expect(rows).toHaveLength(6);
    for (const r of rows) expect(r.map((s) => s.text).join('')).toHaveLength(30);
    expect(rows.some((r) => r.some((s) => s.kind === 'ref'))).toBe(true);
    expect(rows[0][0].text).toContain('5');
  });
  it('resample averages down and leaves short input alone', () => {
    expect(resample([1, 2, 3, 4], 2)).toEqual([1.5, 3.5]);
    expect(resample([1, 2], 5)).toEqual([1, 2]);
  });
  it('histograms skip NaN and clamp out-of-range values', () => {
    expect(binCounts([0, 0.5, 0.99, Number.NaN, 7], 2, 0, 1)).toEqual([1, 3]);
    expect(sparkline([0, 1, 2])).toBe(' ▄█');
    expect(barRows([1, 2], 2)).toEqual([' █', '██']);
  });
});

describe('computeLayout', () => {
  it('tabs at 80x24 and keeps the frame one row short of the terminal', () => {
    const l = computeLayout(80, 24);
    expect(l.mode).toBe('tabbed');
    if (l.mode === 'tabbed') expect(l.body.height).toBe(19);
  });
  it('shows every panel on large terminals, within their size', () => {
    const l = computeLayout(140, 40);
    expect(l.mode).toBe('wide');
    if (l.mode === 'wide') {
      expect(l.curves.width + l.market.width).toBe(140);
      expect(l.curves.height + l.load.height + l.events.height).toBe(40 - 1 - 3);
      expect(l.load.width + l.choices.width + l.health.width).toBe(140);
      expect(l.choices.height).toBe(l.health.height);
    }
  });
});
