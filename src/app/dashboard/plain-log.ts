/**
 * The dashboard's fallback when there is no terminal to draw in (a pipe, a
 * file, CI, `--no-dashboard`): one plain line per iteration (ending with the
 * agents' choices in the last market snapshot, when there is one) and one per
 * checkpoint, new best, ejection, pause and end. Never touches stdin.
 */
import type { MarketSnapshot, TrainerEvent } from '../../core/train-events.ts';
import {
  type DashboardState,
  etaSec,
  initialDashboardState,
  reduceDashboard,
  spsOf,
} from './dashboard-state.ts';
import { fmtDuration, fmtInt, fmtNum, fmtPct, shortRole } from './format.ts';
import type { LineSink, TrainerHandle } from './types.ts';

export interface PlainLogOptions {
  /** Where lines go. @default process.stdout */
  out?: LineSink;
  /** Print an iteration line only every this many iterations (events are always printed). @default 1 */
  every?: number;
}

const LOSSES: readonly [string, string][] = [
  ['losses/policy_loss', 'pg'],
  ['losses/value_loss', 'v'],
  ['losses/entropy', 'ent'],
  ['losses/approx_kl', 'kl'],
];

const finite = (v: number | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
const two = (v: number) => fmtNum(v, 2);

/**
 * What the agents chose in a market snapshot, as parts of a plain line:
 * `cp markup +0.12 shirk 0.03`, `op eta 0.91 self 18%`, `price 0.34` (the
 * coprocessors' first action reads `psi` under qualified-dutch / reverse-dutch).
 * Values a snapshot lacks (older runs' market lines) are left out, and so are
 * the self-executed share of a period without tasks and the price of one
 * without a delegated task.
 */
export function formatChoices(m: MarketSnapshot | undefined): string[] {
  if (!m) return [];
  const psi = m.bidReading === 'psi';
  const bid = psi ? m.meanPsi : m.meanMarkup;
  const cp: string[] = [];
  if (finite(bid)) cp.push(psi ? `psi ${two(bid)}` : `markup ${bid > 0 ? '+' : ''}${two(bid)}`);
  if (finite(m.meanShirk)) cp.push(`shirk ${two(m.meanShirk)}`);
  // A period without tasks (an episode just reset) has no shares, and one without a delegated task no price.
  const noTasks = m.delegatedShare === 0 && m.selfExecutedShare === 0 && m.droppedShare === 0;
  const op: string[] = [];
  if (finite(m.meanEta)) op.push(`eta ${two(m.meanEta)}`);
  if (finite(m.selfExecutedShare) && !noTasks) op.push(`self ${fmtPct(m.selfExecutedShare, 0)}`);
  const parts: string[] = [];
  if (cp.length) parts.push(`cp ${cp.join(' ')}`);
  if (op.length) parts.push(`op ${op.join(' ')}`);
  if (finite(m.meanPriceRatio) && m.delegatedShare !== 0) parts.push(`price ${two(m.meanPriceRatio)}`);
  return parts;
}

/** The progress line of the state's last iteration, then the choices of its last market snapshot. */
export function formatIterationLine(s: DashboardState): string {
  const total = s.run?.totalTimesteps ?? 0;
  const budget = total > 0 ? `/${fmtInt(total)} ${((100 * s.globalStep) / total).toFixed(1)}%` : '';
  const parts = [
    `it ${s.iteration}`,
    `step ${fmtInt(s.globalStep)}${budget}`,
    `${fmtInt(spsOf(s))} sps`,
    `ETA ${fmtDuration(etaSec(s))}`,
  ];
  const rets = s.roles.map((r) => `${shortRole(r)} ${fmtNum(s.returns[r]?.last)}`);
  if (rets.length) parts.push(`return ${rets.join(' ')}`);
  const losses = s.roles
    .map(
      (r) =>
        `${shortRole(r)} ${LOSSES.map(([k, a]) => `${a}=${fmtNum(s.metrics[`${k}/${r}`], 3)}`).join(' ')}`,
    )
    .filter((l) => !l.endsWith('=-'));
  if (losses.length) parts.push(`loss ${losses.join(' ')}`);
  parts.push(...formatChoices(s.market));
  return parts.join(' | ');
}

/** The line for a non-iteration event, or undefined for events that get none (market). */
export function formatEventLine(e: TrainerEvent, s: DashboardState): string | undefined {
  const at = 'globalStep' in e ? `step ${fmtInt(e.globalStep)}: ` : '';
  switch (e.type) {
    case 'start':
      return `run ${e.runName}: scenario ${e.scenario}, backend ${e.backend}, seed ${e.seed}, ${fmtInt(e.totalTimesteps)} steps, roles ${e.roles.join(', ')}`;
    case 'checkpoint':
      return `${at}checkpoint (${e.reason}) -> ${e.path}`;
    case 'best':
      return `${at}new best ${e.role} return ${fmtNum(e.value)}`;
    case 'ejection':
      return `${at}ejected ${e.agent} in period ${e.period}`;
    case 'paused':
      return e.paused ? 'paused' : 'resumed';
    case 'log':
      return `${e.level}: ${e.message}`;
    case 'done':
      return `${at}done (${e.reason}) after ${fmtDuration(s.elapsedSec)}`;
    default:
      return undefined;
  }
}

/**
 * Print `handle`'s events as plain lines until the trainer is done or its
 * stream ends. Resolves then; rejects with the stream's error.
 */
export function runPlainLog(
  handle: TrainerHandle,
  { out = process.stdout, every = 1 }: PlainLogOptions = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    let state = initialDashboardState;
    const sub = handle.events$.subscribe({
      next: (e) => {
        state = reduceDashboard(state, e);
        if (e.type === 'iteration') {
          if (e.iteration % Math.max(1, every) === 0) out.write(`${formatIterationLine(state)}\n`);
          return;
        }
        const line = formatEventLine(e, state);
        if (line !== undefined) out.write(`${line}\n`);
        if (e.type === 'done') {
          resolve();
          queueMicrotask(() => sub.unsubscribe());
        }
      },
      error: reject,
      complete: () => resolve(),
    });
  });
}
