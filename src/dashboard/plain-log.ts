/**
 * The dashboard's fallback when there is no terminal to draw in (a pipe, a
 * file, CI, `--no-dashboard`): one plain line per iteration and one per
 * checkpoint, new best, ejection, pause and end. Never touches stdin.
 */
import type { TrainerEvent } from '../core/train-events.ts';
import {
  type DashboardState,
  etaSec,
  initialDashboardState,
  reduceDashboard,
  spsOf,
} from './dashboard-state.ts';
import { fmtDuration, fmtInt, fmtNum, shortRole } from './format.ts';
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

/** The progress line of the state's last iteration. */
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
