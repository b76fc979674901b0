/**
 * A read-only `TrainerHandle` over a run directory another process writes:
 * `run.json` becomes the `start` event, each line of `metrics.jsonl` an
 * `iteration` event and each line of `market.jsonl` a `market` event. The
 * files are polled from the last byte read; a partial last line waits for its
 * newline. The new lines of both files come out in global-step order, so a
 * replay interleaves iterations and snapshots as they were written. The
 * controls cannot reach the other process: pause, resume and requestSave do
 * nothing, requestStop ends the stream.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Observable, Subject, takeUntil } from 'rxjs';
import { isScoringMechanism } from '../../sim/scenario.ts';
import type { BidReading, MarketSnapshot, TrainerEvent } from '../../core/train-events.ts';
import type { TrainerHandle } from './types.ts';

export interface WatchHandleOptions {
  /** How often to look for new lines, in milliseconds. @default 250 */
  pollMs?: number;
}

export interface WatchHandle extends TrainerHandle {
  /** The run directory being watched. */
  readonly runDir: string;
}

/** Thrown when the directory given to `watch` is not a training run. */
export class NotARunError extends Error {
  override name = 'NotARunError';
}

/** Read and check `run.json`; throws `NotARunError` saying what is missing and what to pass instead. */
export function readRunInfo(runDir: string): Extract<TrainerEvent, { type: 'start' }> {
  const how = 'Pass the directory a training run writes, e.g. `copronet watch runs/<name>` (see `ls runs/`).';
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) {
    throw new NotARunError(`${runDir} is not a directory. ${how}`);
  }
  const file = join(runDir, 'run.json');
  if (!existsSync(file)) {
    throw new NotARunError(`${runDir} is not a run directory: it has no run.json. ${how}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new NotARunError(
      `${file} is not valid JSON (${(err as Error).message}); the run may still be starting, try again in a moment.`,
    );
  }
  const r = raw as Record<string, unknown>;
  if (typeof r !== 'object' || r === null || typeof r.runName !== 'string') {
    throw new NotARunError(`${file} has no "runName": it was not written by a copronet trainer. ${how}`);
  }
  return {
    type: 'start',
    runName: r.runName,
    scenario: String(r.scenario ?? '?'),
    backend: String(r.backend ?? '?'),
    seed: Number(r.seed ?? 0),
    totalTimesteps: Number(r.totalTimesteps ?? 0),
    // Role names, or the trainer's role specs ({ name, count, ... }).
    roles: Array.isArray(r.roles)
      ? r.roles.map((x: unknown) =>
          typeof x === 'object' && x !== null && 'name' in x ? String(x.name) : String(x),
        )
      : [],
    baselineReturns: (r.baselineReturns as Record<string, number> | undefined) ?? undefined,
  };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number.NaN);
const f32 = (v: unknown): Float32Array => Float32Array.from(Array.isArray(v) ? v : [], num);

/** One `metrics.jsonl` line as an `iteration` event. */
export function metricsLineToEvent(o: Record<string, unknown>): TrainerEvent {
  const { global_step, iteration, elapsed_sec, ...rest } = o;
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(rest)) if (typeof v === 'number' || v === null) metrics[k] = num(v);
  return {
    type: 'iteration',
    iteration: num(iteration),
    globalStep: num(global_step),
    elapsedSec: num(elapsed_sec),
    metrics,
  };
}

/** The reading a line names, else its mechanism's (a markup when neither says: older lines have no choices). */
function bidReadingOf(o: Record<string, unknown>, mechanism: string): BidReading {
  if (o.bidReading === 'markup' || o.bidReading === 'psi') return o.bidReading;
  return mechanism === '' || isScoringMechanism(mechanism) ? 'markup' : 'psi';
}

/**
 * One `market.jsonl` line as a `market` event (JSON arrays back to Float32Arrays,
 * null back to NaN). Lines of older runs, without the agents' choices, load with
 * those as NaN and the mechanism as ''.
 */
export function marketLineToEvent(o: Record<string, unknown>): TrainerEvent {
  const reps = (o.reputations ?? {}) as Record<string, unknown>;
  const mechanism = typeof o.mechanism === 'string' ? o.mechanism : '';
  const market: MarketSnapshot = {
    period: num(o.period),
    delegatedShare: num(o.delegatedShare),
    selfExecutedShare: num(o.selfExecutedShare),
    droppedShare: num(o.droppedShare),
    meanPriceRatio: num(o.meanPriceRatio),
    mechanism,
    bidReading: bidReadingOf(o, mechanism),
    meanMarkup: num(o.meanMarkup),
    meanPsi: num(o.meanPsi),
    meanKappa: num(o.meanKappa),
    meanShirk: num(o.meanShirk),
    meanEta: num(o.meanEta),
    meanTheta: num(o.meanTheta),
    failures: num(o.failures),
    slashes: num(o.slashes),
    undetectedShirks: num(o.undetectedShirks),
    activeOperators: num(o.activeOperators),
    activeCoprocessors: num(o.activeCoprocessors),
    coprocessorLoads: f32(o.coprocessorLoads),
    reputations: Object.fromEntries(Object.entries(reps).map(([k, v]) => [k, f32(v)])),
    optimalLoad: num(o.optimalLoad),
  };
  return { type: 'market', globalStep: num(o.global_step), market };
}

/** Reads the complete lines appended to a file since the last call. */
export class LineTail {
  private offset = 0;
  private partial: Buffer = Buffer.alloc(0);
  constructor(readonly path: string) {}

  /** New complete lines (without their newline); none when the file does not exist yet. */
  read(): string[] {
    if (!existsSync(this.path)) return [];
    const size = statSync(this.path).size;
    if (size < this.offset) {
      // Truncated or replaced: start over.
      this.offset = 0;
      this.partial = Buffer.alloc(0);
    }
    if (size === this.offset) return [];
    const buf = Buffer.alloc(size - this.offset);
    const fd = openSync(this.path, 'r');
    let n = 0;
    try {
      n = readSync(fd, buf, 0, buf.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset += n;
    const data = Buffer.concat([this.partial, buf.subarray(0, n)]);
    const end = data.lastIndexOf(0x0a);
    if (end < 0) {
      this.partial = data;
      return [];
    }
    this.partial = Buffer.from(data.subarray(end + 1));
    return data
      .subarray(0, end)
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
  }
}

/** Events sorted by global step (Array.prototype.sort is stable: ties keep their order, iterations before snapshots). */
function byStep(events: TrainerEvent[]): TrainerEvent[] {
  const step = (e: TrainerEvent) => ('globalStep' in e && Number.isFinite(e.globalStep) ? e.globalStep : 0);
  return events.sort((a, b) => step(a) - step(b));
}

/** A read-only handle on the run in `runDir`. Throws `NotARunError` if it is not one. */
export function createWatchHandle(runDir: string, { pollMs = 250 }: WatchHandleOptions = {}): WatchHandle {
  readRunInfo(runDir);
  const stop$ = new Subject<void>();
  const events$ = new Observable<TrainerEvent>((subscriber) => {
    subscriber.next(readRunInfo(runDir));
    const tails: [LineTail, (o: Record<string, unknown>) => TrainerEvent][] = [
      [new LineTail(join(runDir, 'metrics.jsonl')), metricsLineToEvent],
      [new LineTail(join(runDir, 'market.jsonl')), marketLineToEvent],
    ];
    const poll = () => {
      const read: TrainerEvent[] = [];
      for (const [tail, toEvent] of tails) {
        for (const line of tail.read()) {
          let o: unknown;
          try {
            o = JSON.parse(line);
          } catch {
            subscriber.next({
              type: 'log',
              level: 'warn',
              message: `skipped a malformed line in ${tail.path}`,
            });
            continue;
          }
          if (o && typeof o === 'object') read.push(toEvent(o as Record<string, unknown>));
        }
      }
      // Both files in the order they were written (a snapshot carries the step of the iteration before it),
      // so that replaying a run puts each iteration after the snapshots of its rollout.
      for (const e of byStep(read)) subscriber.next(e);
    };
    try {
      poll();
    } catch (err) {
      subscriber.error(err);
    }
    const timer = setInterval(() => {
      try {
        poll();
      } catch (err) {
        subscriber.error(err);
      }
    }, pollMs);
    return () => clearInterval(timer);
  }).pipe(takeUntil(stop$));
  const noop = () => {};
  return {
    runDir,
    events$,
    pause: noop,
    resume: noop,
    requestSave: noop,
    requestStop: () => stop$.next(),
  };
}
