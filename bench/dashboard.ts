/**
 * What does the live dashboard cost a training loop? A busy synchronous loop
 * (the shape of a tfjs trainer: compute, yield with `setImmediate` every 20
 * ms) is timed with and without the dashboard subscribed to a trainer-like
 * event stream; ink renders into a fake stdout of a given size. Same work,
 * same event stream; the overhead is the throughput lost.
 *
 *   node bin/run-ts.mjs bench/dashboard.ts [--duration-ms 3000] [--trials 3]
 */
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import { runDashboard } from '../src/app/dashboard/run-dashboard.ts';
import { createSyntheticTrainer } from '../src/app/dashboard/synthetic-trainer.ts';
import type { TrainerHandle } from '../src/app/dashboard/types.ts';

/** A trainer-like event source the benchmark can start and stop. */
export interface BenchEventSource extends TrainerHandle {
  /** Start emitting (called after the dashboard, if any, subscribed). */
  begin(): void;
  /** Stop emitting. */
  halt(): void;
}

export interface DashboardOverheadOptions {
  /** Length of one timed run, in milliseconds. @default 3000 */
  durationMs?: number;
  /** Timed runs of each kind, interleaved; the median counts. @default 3 */
  trials?: number;
  /** The loop yields to the event loop this often, in milliseconds. @default 20 */
  yieldEveryMs?: number;
  /** Size of the fake terminal the dashboard draws into. @default {columns: 140, rows: 40} */
  columns?: number;
  rows?: number;
}

export interface DashboardOverheadResult {
  /** Work units per second without / with the dashboard (medians). */
  baselinePerSec: number;
  dashboardPerSec: number;
  /** Throughput lost to the dashboard, in percent (noisy on a shared machine). */
  overheadPct: number;
  /**
   * Main-thread time taken from the loop by the dashboard, in percent of wall
   * time: the growth of the time spent outside the loop's slices. Stable
   * under CPU contention, unlike throughput.
   */
  mainThreadPct: number;
  /** Bytes the dashboard wrote to the fake terminal per second (median trial). */
  bytesPerSec: number;
  /** Frames drawn per second and the mean cost of one (median trial): the dashboard's own CPU share is their product. */
  framesPerSec: number;
  meanFrameMs: number;
}

export class FakeTerminal extends EventEmitter {
  isTTY = true;
  bytes = 0;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (s: string) => {
    this.bytes += s.length;
    return true;
  };
}

/** A stdin that is no TTY and never yields a key: ink keeps its input hooks off. */
export class NoKeys extends EventEmitter {
  isTTY = false;
  setEncoding() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read = () => null;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Fixed CPU work in slices of `yieldEveryMs`, yielding with setImmediate.
 * Returns work units per second and the share of wall time spent outside the
 * slices (in whatever ran while the loop yielded).
 */
async function busyLoop(
  durationMs: number,
  yieldEveryMs: number,
): Promise<{ perSec: number; gapShare: number }> {
  const t0 = performance.now();
  const end = t0 + durationMs;
  let units = 0;
  let acc = 0;
  let inSlices = 0;
  while (performance.now() < end) {
    const sliceStart = performance.now();
    const sliceEnd = Math.min(sliceStart + yieldEveryMs, end);
    while (performance.now() < sliceEnd) {
      for (let k = 1; k < 2000; k++) acc += Math.sqrt(k) * Math.sin(k);
      units++;
    }
    inSlices += performance.now() - sliceStart;
    await new Promise((r) => setImmediate(r));
  }
  if (acc === 42) console.log('');
  const wall = performance.now() - t0;
  return { perSec: units / (wall / 1000), gapShare: 1 - inSlices / wall };
}

export async function benchDashboardOverhead(
  makeHandle: () => BenchEventSource,
  opts: DashboardOverheadOptions = {},
): Promise<DashboardOverheadResult> {
  const { durationMs = 3000, trials = 3, yieldEveryMs = 20, columns = 140, rows = 40 } = opts;
  const base: number[] = [];
  const dash: number[] = [];
  const baseGap: number[] = [];
  const dashGap: number[] = [];
  const bytes: number[] = [];
  const fps: number[] = [];
  const frameMs: number[] = [];
  await busyLoop(300, yieldEveryMs); // warm up the JIT
  for (let t = 0; t < trials; t++) {
    const plain = makeHandle();
    plain.begin();
    const b = await busyLoop(durationMs, yieldEveryMs);
    base.push(b.perSec);
    baseGap.push(b.gapShare);
    plain.halt();

    const source = makeHandle();
    const term = new FakeTerminal(columns, rows);
    const costs: number[] = [];
    const shown = runDashboard(source, {
      stdout: term as unknown as NodeJS.WriteStream,
      stdin: new NoKeys() as unknown as NodeJS.ReadStream,
      handleSigint: false,
      onFrameCost: (ms) => costs.push(ms),
    });
    source.begin();
    const d = await busyLoop(durationMs, yieldEveryMs);
    dash.push(d.perSec);
    dashGap.push(d.gapShare);
    bytes.push(term.bytes / (durationMs / 1000));
    fps.push(costs.length / (durationMs / 1000));
    frameMs.push(costs.reduce((a, b) => a + b, 0) / Math.max(1, costs.length));
    source.halt();
    source.requestStop();
    await shown;
  }
  const baselinePerSec = median(base);
  const dashboardPerSec = median(dash);
  return {
    baselinePerSec,
    dashboardPerSec,
    overheadPct: (100 * (baselinePerSec - dashboardPerSec)) / baselinePerSec,
    mainThreadPct: 100 * (median(dashGap) - median(baseGap)),
    bytesPerSec: median(bytes),
    framesPerSec: median(fps),
    meanFrameMs: median(frameMs),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string, dflt: number) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : dflt;
  };
  const durationMs = arg('--duration-ms', 3000);
  const trials = arg('--trials', 3);
  for (const [columns, rows] of [
    [80, 24],
    [140, 40],
  ]) {
    const r = await benchDashboardOverhead(
      // An iteration every 200 ms, a market snapshot every 50 ms (one per env period), 64 coprocessor slots.
      () => createSyntheticTrainer({ iterationMs: 200, marketMs: 50, slots: 64, iterations: 1e9 }),
      { durationMs, trials, columns, rows },
    );
    console.log(
      `dashboard ${columns}x${rows}: ${r.mainThreadPct.toFixed(2)}% of the main thread, ` +
        `${r.overheadPct.toFixed(2)}% throughput overhead ` +
        `(${r.baselinePerSec.toFixed(0)} -> ${r.dashboardPerSec.toFixed(0)} units/s, ` +
        `${r.framesPerSec.toFixed(1)} frames/s x ${r.meanFrameMs.toFixed(1)} ms = ` +
        `${((r.framesPerSec * r.meanFrameMs) / 10).toFixed(1)}% drawing, ` +
        `${(r.bytesPerSec / 1024).toFixed(1)} KiB/s to the terminal; median of ${trials} x ${durationMs} ms)`,
    );
  }
}
