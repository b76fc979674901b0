/**
 * The dashboard's state and its reducer: a pure function from (state, trainer
 * event) to a new state. It runs outside React (in an rxjs `scan`), so the
 * components only read a ready-made snapshot and rendering stays cheap.
 */
import type { MarketSnapshot, TrainerEvent } from '../../core/train-events.ts';
import { fmtInt, fmtNum } from './format.ts';
import { emptySeries, pushSeries, type Series } from './series.ts';

/** The `start` event's fields. */
export type RunInfo = Omit<Extract<TrainerEvent, { type: 'start' }>, 'type'>;

/** One line of the event log (checkpoints, new bests, ejections, trainer messages). */
export interface LogEntry {
  /** 1, 2, 3, ... in arrival order; the `<Static>` log prints each entry once by it. */
  seq: number;
  kind: 'start' | 'checkpoint' | 'best' | 'ejection' | 'info' | 'warn' | 'paused' | 'done';
  /** Global step the entry refers to, when it has one. */
  globalStep?: number;
  text: string;
}

/** Series over market snapshots (one point per snapshot; snapshots without a value add none). */
export interface MarketTrend {
  delegated: Series;
  dropped: Series;
  /** Mean clearing price / R. */
  priceRatio: Series;
  /** Share of tasks their operator ran itself. */
  selfExecuted: Series;
  /** Coprocessors' first action in the snapshot's reading: mean bid markup, or ask psi. */
  bid: Series;
  /** Coprocessors' mean shirk probability. */
  shirk: Series;
  /** Coprocessors' mean load cap kappa. */
  kappa: Series;
  /** Operators' mean eta (start price / payment cap, a share of R). */
  eta: Series;
  /** Operators' mean self-execution risk threshold theta. */
  theta: Series;
}

export const emptyMarketTrend: MarketTrend = {
  delegated: emptySeries,
  dropped: emptySeries,
  priceRatio: emptySeries,
  selfExecuted: emptySeries,
  bid: emptySeries,
  shirk: emptySeries,
  kappa: emptySeries,
  eta: emptySeries,
  theta: emptySeries,
};

/**
 * The trends with one snapshot more. A snapshot of a period without tasks (e.g.
 * of an episode just reset) adds no point to the shares, and one without a
 * delegated task none to the clearing price: their 0 is no outcome.
 */
function pushMarketTrend(t: MarketTrend, m: MarketSnapshot): MarketTrend {
  const tasks = m.delegatedShare + m.selfExecutedShare + m.droppedShare > 0;
  const skip = Number.NaN;
  return {
    delegated: pushSeries(t.delegated, tasks ? m.delegatedShare : skip),
    dropped: pushSeries(t.dropped, tasks ? m.droppedShare : skip),
    priceRatio: pushSeries(t.priceRatio, m.delegatedShare > 0 ? m.meanPriceRatio : skip),
    selfExecuted: pushSeries(t.selfExecuted, tasks ? m.selfExecutedShare : skip),
    bid: pushSeries(t.bid, m.bidReading === 'psi' ? m.meanPsi : m.meanMarkup),
    shirk: pushSeries(t.shirk, m.meanShirk),
    kappa: pushSeries(t.kappa, m.meanKappa),
    eta: pushSeries(t.eta, m.meanEta),
    theta: pushSeries(t.theta, m.meanTheta),
  };
}

export interface DashboardState {
  run?: RunInfo;
  /** Roles from `start`, or discovered from `charts/episodic_return/<role>` metrics. */
  roles: string[];
  iteration: number;
  globalStep: number;
  elapsedSec: number;
  /** The last iteration's namespaced metrics. */
  metrics: Record<string, number>;
  /** Mean episodic return per role over iterations. */
  returns: Record<string, Series>;
  /** Env steps per second over iterations. */
  sps: Series;
  /** Best mean episodic return per role (from `best` events, or the best seen). */
  best: Record<string, number>;
  market?: MarketSnapshot;
  /** The market's outcomes and the agents' choices over market snapshots. */
  marketTrend: MarketTrend;
  paused: boolean;
  done?: { reason: string; globalStep: number };
  /** The most recent log entries (at most `LOG_CAP`). */
  log: LogEntry[];
  /** Sequence number of the last log entry. */
  logSeq: number;
}

/** Log entries kept in the state. @default 200 */
export const LOG_CAP = 200;

export const initialDashboardState: DashboardState = {
  roles: [],
  iteration: 0,
  globalStep: 0,
  elapsedSec: 0,
  metrics: {},
  returns: {},
  sps: emptySeries,
  best: {},
  marketTrend: emptyMarketTrend,
  paused: false,
  log: [],
  logSeq: 0,
};

const RETURN_PREFIX = 'charts/episodic_return/';

/** A namespaced metric for one role, e.g. `metric(s, 'losses/entropy', 'operator')`. */
export function metric(s: DashboardState, name: string, role?: string): number | undefined {
  return s.metrics[role ? `${name}/${role}` : name];
}

function addLog(s: DashboardState, entry: Omit<LogEntry, 'seq'>): Pick<DashboardState, 'log' | 'logSeq'> {
  const seq = s.logSeq + 1;
  const log = [...s.log, { seq, ...entry }];
  return { log: log.length > LOG_CAP ? log.slice(log.length - LOG_CAP) : log, logSeq: seq };
}

function onIteration(s: DashboardState, e: Extract<TrainerEvent, { type: 'iteration' }>): DashboardState {
  const roles = [...s.roles];
  const returns = { ...s.returns };
  const best = { ...s.best };
  for (const [key, value] of Object.entries(e.metrics)) {
    if (!key.startsWith(RETURN_PREFIX)) continue;
    const role = key.slice(RETURN_PREFIX.length);
    if (!roles.includes(role)) roles.push(role);
    returns[role] = pushSeries(returns[role] ?? emptySeries, value);
    if (Number.isFinite(value) && !(best[role] >= value)) best[role] = value;
  }
  return {
    ...s,
    roles,
    returns,
    best,
    iteration: e.iteration,
    globalStep: e.globalStep,
    elapsedSec: e.elapsedSec,
    metrics: e.metrics,
    sps: pushSeries(s.sps, e.metrics['charts/SPS']),
  };
}

/** Fold one trainer event into the state. Pure: never mutates `s`. */
export function reduceDashboard(s: DashboardState, e: TrainerEvent): DashboardState {
  switch (e.type) {
    case 'start': {
      const { type: _type, ...run } = e;
      const roles = [...run.roles, ...s.roles.filter((r) => !run.roles.includes(r))];
      const text = `run ${run.runName} (${run.scenario}, ${run.backend}, seed ${run.seed}, ${fmtInt(run.totalTimesteps)} steps)`;
      return { ...s, run, roles, ...addLog(s, { kind: 'start', text }) };
    }
    case 'iteration':
      return onIteration(s, e);
    case 'market':
      return { ...s, market: e.market, marketTrend: pushMarketTrend(s.marketTrend, e.market) };
    case 'checkpoint':
      return {
        ...s,
        ...addLog(s, {
          kind: 'checkpoint',
          globalStep: e.globalStep,
          text: `checkpoint (${e.reason}) -> ${e.path}`,
        }),
      };
    case 'best':
      return {
        ...s,
        best: { ...s.best, [e.role]: e.value },
        ...addLog(s, {
          kind: 'best',
          globalStep: e.globalStep,
          text: `new best ${e.role} return ${fmtNum(e.value)}`,
        }),
      };
    case 'ejection':
      return {
        ...s,
        ...addLog(s, {
          kind: 'ejection',
          globalStep: e.globalStep,
          text: `ejected ${e.agent} in period ${e.period}`,
        }),
      };
    case 'paused':
      if (e.paused === s.paused) return s;
      return {
        ...s,
        paused: e.paused,
        ...addLog(s, { kind: 'paused', text: e.paused ? 'paused' : 'resumed' }),
      };
    case 'log':
      return { ...s, ...addLog(s, { kind: e.level, text: e.message }) };
    case 'done':
      return {
        ...s,
        paused: false,
        done: { reason: e.reason, globalStep: e.globalStep },
        ...addLog(s, { kind: 'done', globalStep: e.globalStep, text: `done (${e.reason})` }),
      };
  }
}

/** Fraction of the timestep budget done (0 when the budget is unknown). */
export function progressOf(s: DashboardState): number {
  const total = s.run?.totalTimesteps ?? 0;
  return total > 0 ? Math.min(1, s.globalStep / total) : 0;
}

/** Seconds left at the run's average speed so far (undefined before the first iteration). */
export function etaSec(s: DashboardState): number | undefined {
  const total = s.run?.totalTimesteps ?? 0;
  if (!(total > 0) || !(s.elapsedSec > 0) || !(s.globalStep > 0)) return undefined;
  return Math.max(0, ((total - s.globalStep) * s.elapsedSec) / s.globalStep);
}

/** Env steps per second: the last `charts/SPS`, or the average so far. */
export function spsOf(s: DashboardState): number | undefined {
  const v = s.metrics['charts/SPS'];
  if (Number.isFinite(v)) return v;
  return s.elapsedSec > 0 ? s.globalStep / s.elapsedSec : undefined;
}
