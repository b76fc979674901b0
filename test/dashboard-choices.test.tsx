/**
 * The agents' choices on the dashboard: from the simulator into the market
 * snapshot, through `market.jsonl` and back, into the dashboard's state, its
 * "Agent choices" panel and the plain-line fallback.
 */
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { NetworkBatchedEnv } from '../envs/network/index.ts';
import { marketLine, marketSnapshot } from '../src/app/cli/network-wiring.ts';
import { loadScenario } from '../envs/scenarios/index.ts';
import type { MarketSnapshot, TrainerEvent } from '../src/core/train-events.ts';
import { AgentChoices } from '../src/app/dashboard/AgentChoices.tsx';
import { initialDashboardState, reduceDashboard } from '../src/app/dashboard/dashboard-state.ts';
import { computeLayout } from '../src/app/dashboard/layout.ts';
import { formatChoices, formatIterationLine } from '../src/app/dashboard/plain-log.ts';
import { seriesValues } from '../src/app/dashboard/series.ts';
import { syntheticMarket, syntheticStart } from '../src/app/dashboard/synthetic-trainer.ts';
import { TabBar } from '../src/app/dashboard/TabBar.tsx';
import { marketLineToEvent } from '../src/app/dashboard/watch-handle.ts';
import { actionForShirk } from '../src/sim/network.ts';

// Constant actions: operators theta = 0.4, eta = 0.7; coprocessors x = 0.3, kappa = 0.8, shirk 0.25.
const THETA_X = 0.4;
const ETA = 0.7;
const X = 0.3;
const KAPPA = 0.8;
const SHIRK = 0.25;

/** A `tiny` env stepped `periods` times with the constant actions, and its snapshot. */
function stepped(overrides?: Record<string, unknown>, periods = 3) {
  const scenario = loadScenario('tiny', overrides);
  const env = new NetworkBatchedEnv(scenario);
  env.reset(5);
  const w = env.sim.coprocessorActionDim;
  const op = new Float32Array(env.sim.nOps * 2);
  for (let i = 0; i < env.sim.nOps; i++) op.set([THETA_X, ETA], 2 * i);
  const cp = new Float32Array(env.sim.nCops * w);
  for (let k = 0; k < env.sim.nCops; k++) cp.set([X, KAPPA, actionForShirk(SHIRK)].slice(0, w), w * k);
  for (let t = 0; t < periods; t++) env.step({ operator: op, coprocessor: cp });
  return { scenario, env, snapshot: marketSnapshot(env) };
}

const fold = (events: TrainerEvent[]) => events.reduce(reduceDashboard, initialDashboardState);
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const strip = (s: string | undefined) => (s ?? '').replace(ANSI, '');

describe('marketSnapshot: the agents choices from the simulator', () => {
  it('carries the mean markup, kappa, shirk, eta and theta of known constant actions (scoring-dutch)', () => {
    const { scenario, snapshot: s } = stepped();
    const [lo, hi] = scenario.auction.markupRange;
    expect([lo, hi]).toEqual([-0.5, 1.5]);
    expect(scenario.auction.mechanism).toBe('scoring-dutch');
    expect(s.mechanism).toBe('scoring-dutch');
    expect(s.bidReading).toBe('markup');
    // markup = low + x (high - low) = -0.5 + 0.3 * 2.
    expect(s.meanMarkup).toBeCloseTo(lo + Math.fround(X) * (hi - lo), 6);
    expect(s.meanMarkup).toBeCloseTo(0.1, 6);
    expect(s.meanPsi).toBeCloseTo(X, 6);
    expect(s.meanKappa).toBeCloseTo(KAPPA, 6);
    expect(s.meanShirk).toBeCloseTo(scenario.coprocessors.allowShirking ? SHIRK : 0, 6);
    // eta is the operator's second action; theta its first, scaled to [0, thetaMax].
    expect(s.meanEta).toBeCloseTo(ETA, 6);
    expect(s.meanTheta).toBeCloseTo(THETA_X * scenario.execution.thetaMax, 6);
    expect(s.period).toBe(2);
  });

  it('another markup range moves the markup, not psi', () => {
    const { snapshot: s } = stepped({ auction: { markupRange: [-0.2, 0.8] } });
    expect(s.meanMarkup).toBeCloseTo(-0.2 + Math.fround(X) * 1, 6);
    expect(s.meanPsi).toBeCloseTo(X, 6);
  });

  it('reads the first action as psi under qualified-dutch and reverse-dutch', () => {
    for (const mechanism of ['qualified-dutch', 'reverse-dutch']) {
      const { snapshot: s } = stepped({ auction: { mechanism } });
      expect(s.mechanism).toBe(mechanism);
      expect(s.bidReading).toBe('psi');
      expect(s.meanPsi).toBeCloseTo(X, 6);
      expect(s.meanEta).toBeCloseTo(ETA, 6);
    }
    for (const mechanism of ['first-price', 'second-price']) {
      expect(stepped({ auction: { mechanism } }, 1).snapshot.bidReading).toBe('markup');
    }
  });

  it('survives market.jsonl: marketLine, then the watch handle parses every field back', () => {
    const { snapshot } = stepped({ auction: { mechanism: 'qualified-dutch' } });
    const line = marketLine(4096, snapshot);
    const o = JSON.parse(line) as Record<string, unknown>;
    // The fields of the agent-choices panel are in the line, and they and the rest parse back.
    const choices = [
      'mechanism',
      'bidReading',
      'meanMarkup',
      'meanPsi',
      'meanKappa',
      'meanShirk',
      'meanEta',
    ] as const;
    for (const k of choices) expect(o).toHaveProperty(k);
    const e = marketLineToEvent(o);
    if (e.type !== 'market') throw new Error('not a market event');
    expect(e.globalStep).toBe(4096);
    const back: MarketSnapshot = e.market;
    for (const k of ['period', ...choices, 'meanTheta', 'meanPriceRatio', 'selfExecutedShare'] as const) {
      expect(back[k], k).toEqual(snapshot[k]);
    }
  });
});

describe('the choices on the dashboard and in the plain line', () => {
  it('keeps a trend per choice; the bid trend follows the reading, NaN adds no point', () => {
    const psi = { ...syntheticMarket(2), mechanism: 'reverse-dutch', bidReading: 'psi' as const };
    const old = { ...syntheticMarket(3), meanMarkup: Number.NaN, meanShirk: Number.NaN };
    const s = fold([
      { type: 'market', globalStep: 1, market: syntheticMarket(1) },
      { type: 'market', globalStep: 2, market: psi },
      { type: 'market', globalStep: 3, market: old },
    ]);
    const t = s.marketTrend;
    expect(seriesValues(t.bid)).toEqual([syntheticMarket(1).meanMarkup, psi.meanPsi]);
    expect(t.shirk.count).toBe(2);
    expect(t.eta.count).toBe(3);
    expect(t.selfExecuted.count).toBe(3);
    expect(t.kappa.last).toBe(old.meanKappa);
    expect(t.theta.last).toBe(old.meanTheta);
  });

  it('a snapshot without tasks (an episode just reset) adds no share or price point, but its choices', () => {
    const blank = {
      ...syntheticMarket(2),
      period: 0,
      delegatedShare: 0,
      selfExecutedShare: 0,
      droppedShare: 0,
      meanPriceRatio: 0,
    };
    const selfOnly = { ...syntheticMarket(3), delegatedShare: 0, selfExecutedShare: 1, droppedShare: 0 };
    const t = fold([
      { type: 'market', globalStep: 1, market: syntheticMarket(1) },
      { type: 'market', globalStep: 2, market: blank },
      { type: 'market', globalStep: 3, market: selfOnly },
    ]).marketTrend;
    expect(seriesValues(t.selfExecuted)).toEqual([syntheticMarket(1).selfExecutedShare, 1]);
    expect(t.delegated.count).toBe(2);
    expect(t.dropped.count).toBe(2);
    expect(seriesValues(t.priceRatio)).toEqual([syntheticMarket(1).meanPriceRatio]);
    expect(t.bid.count).toBe(3);
    expect(t.eta.count).toBe(3);
  });

  it('the panel shows each choice with its value, labelled by the reading (psi from a real qualified-dutch run)', () => {
    const markup = stepped().snapshot;
    const psi = stepped({ auction: { mechanism: 'qualified-dutch' } }).snapshot;
    const frameOf = (m: MarketSnapshot, width: number, height: number) => {
      const state = fold([syntheticStart(), { type: 'market', globalStep: 1, market: m }]);
      const app = render(<AgentChoices state={state} width={width} height={height} />);
      const f = strip(app.lastFrame());
      app.unmount();
      return f;
    };
    let f = frameOf(markup, 80, 19);
    expect(f).toContain('scoring-dutch');
    expect(f).toMatch(/coprocessor bid markup\s+\+0\.1 /);
    expect(f).toMatch(/shirk prob\s+0\.25 /);
    expect(f).toMatch(/load cap\s+0\.8 /);
    expect(f).toMatch(/operator {4}eta\s+0\.7 /);
    expect(f).toMatch(/self-exec\s+\d+\.\d%/);
    expect(f).toMatch(/theta\s+0\.2 /);
    expect(f).toContain('clearing price / R');
    expect(f).not.toContain('ask psi');
    f = frameOf(psi, 80, 19);
    expect(f).toContain('qualified-dutch');
    expect(f).toMatch(/coprocessor ask psi\s+0\.3 /);
    expect(f).not.toContain('bid markup');
    // A short, narrow panel keeps the five main rows, short role names, and fits its width.
    f = frameOf(markup, 30, 5);
    const lines = f.split('\n');
    expect(lines).toHaveLength(5);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(30);
    expect(lines.map((l) => l.slice(0, 14).trim())).toEqual([
      'cp bid markup',
      'shirk prob',
      'op eta',
      'self-exec',
      'clearing price',
    ]);
  });

  it('the plain line ends with the last snapshot choices, psi under the non-scoring mechanisms', () => {
    const m: MarketSnapshot = {
      ...syntheticMarket(5),
      meanMarkup: 0.12,
      meanShirk: 0.03,
      meanEta: 0.91,
      selfExecutedShare: 0.18,
      meanPriceRatio: 0.34,
    };
    expect(formatChoices(m)).toEqual(['cp markup +0.12 shirk 0.03', 'op eta 0.91 self 18%', 'price 0.34']);
    const line = formatIterationLine(
      fold([
        { type: 'market', globalStep: 1, market: m },
        { type: 'iteration', iteration: 1, globalStep: 1, elapsedSec: 1, metrics: {} },
      ]),
    );
    expect(line).toBe(
      'it 1 | step 1 | 1 sps | ETA - | cp markup +0.12 shirk 0.03 | op eta 0.91 self 18% | price 0.34',
    );
    expect(formatChoices({ ...m, bidReading: 'psi', meanPsi: 0.8 })[0]).toBe('cp psi 0.8 shirk 0.03');
    expect(formatChoices({ ...m, meanMarkup: -0.25 })[0]).toBe('cp markup -0.25 shirk 0.03');
    // An older run's line: no choices, only what it has.
    const old = marketLineToEvent({ period: 1, selfExecutedShare: 0.5, meanPriceRatio: 0.9 });
    if (old.type !== 'market') throw new Error('not a market event');
    expect(formatChoices(old.market)).toEqual(['op self 50%', 'price 0.9']);
    expect(formatChoices(undefined)).toEqual([]);
    // No tasks (an episode just reset): no share, no price; no delegated task: no price.
    const blank = { ...m, delegatedShare: 0, selfExecutedShare: 0, droppedShare: 0 };
    expect(formatChoices(blank)).toEqual(['cp markup +0.12 shirk 0.03', 'op eta 0.91']);
    expect(formatChoices({ ...blank, selfExecutedShare: 1 })).toEqual([
      'cp markup +0.12 shirk 0.03',
      'op eta 0.91 self 100%',
    ]);
  });

  it('the tab bar has six panels, and short names when the full titles would not fit', () => {
    // (ink-testing-library draws 100 columns: the full titles, 108 wide, are not drawn here.)
    for (const width of [80, 100]) {
      const app = render(<TabBar active="choices" width={width} />);
      const f = strip(app.lastFrame());
      app.unmount();
      expect([...f].length, `${width}`).toBeLessThanOrEqual(width);
      expect(f).toContain(' 5 Events  6 Choices');
    }
  });

  it('the wide layout puts the choices panel between load and health, within the terminal', () => {
    for (const [cols, rows] of [
      [110, 30],
      [120, 36],
      [140, 40],
      [220, 60],
    ]) {
      const l = computeLayout(cols, rows);
      if (l.mode !== 'wide') throw new Error(`${cols}x${rows} is not wide`);
      expect(l.load.width + l.choices.width + l.health.width).toBe(cols);
      expect(l.choices.width).toBeGreaterThanOrEqual(32);
      expect(l.health.width).toBeGreaterThanOrEqual(34);
      expect(l.load.width).toBeGreaterThanOrEqual(34);
      expect(l.choices.height).toBe(l.load.height);
    }
  });
});
