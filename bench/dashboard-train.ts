/**
 * The dashboard's cost to a real training run: PPO on the quick scenario, the
 * same seed and budget, headless and with the live dashboard drawing into a
 * fake 120x36 terminal. Runs alternate, and the median of each kind counts.
 */
import { filter } from 'rxjs';
import { initBackend } from '../agents/tf/backend.ts';
import { Trainer } from '../agents/trainer/trainer.ts';
import { NetworkBatchedEnv } from '../envs/network/index.ts';
import { attachMarket } from '../src/app/cli/network-wiring.ts';
import { loadScenario } from '../envs/scenarios/index.ts';
import { runDashboard, runDashboardInWorker } from '../src/app/dashboard/index.ts';
import { FakeTerminal, NoKeys } from './dashboard.ts';

export interface DashboardTrainResult {
  headlessSps: number;
  /** The dashboard drawn by a worker thread (what `copronet train` does). */
  dashboardSps: number;
  /** Throughput lost with the dashboard in its worker, percent (target < 5). */
  overheadPct: number;
  /** The same dashboard drawn on the training thread, for comparison. */
  sameThreadSps: number;
  sameThreadOverheadPct: number;
  /** Frames the worker dashboard wrote per second. */
  workerFramesPerSec: number;
  framesDrawn: number;
  /** Frames per second of the dashboard run, and the mean cost of one frame. */
  framesPerSec: number;
  meanFrameMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

type Mode = 'headless' | 'same-thread' | 'worker';

async function once(
  mode: Mode,
  timesteps: number,
): Promise<{ sps: number; frames: number; frameMs: number; sec: number }> {
  const env = new NetworkBatchedEnv(loadScenario('quick'));
  const trainer = new Trainer({ env, config: { seed: 3, totalTimesteps: timesteps, checkpointEvery: 0 } });
  let frames = 0;
  let frameMs = 0;
  let dashboard: Promise<void> | undefined;
  const attached = attachMarket(trainer);
  const handle = {
    events$: attached.events$,
    pause: () => trainer.pause(),
    resume: () => trainer.resume(),
    requestSave: () => trainer.requestSave(),
    requestStop: () => trainer.requestStop('quit'),
  };
  const term = new FakeTerminal(120, 36);
  let writes = 0;
  if (mode === 'worker') {
    const write = term.write;
    term.write = (s: string) => {
      writes++;
      return write(s);
    };
    dashboard = runDashboardInWorker(handle, {
      stdout: term as unknown as NodeJS.WriteStream,
      stdin: new NoKeys() as unknown as NodeJS.ReadStream,
      maxRenderShare: process.env.COPRONET_BENCH_SHARE ? Number(process.env.COPRONET_BENCH_SHARE) : undefined,
    });
  } else if (mode === 'same-thread') {
    dashboard = runDashboard(handle, {
      stdout: term as unknown as NodeJS.WriteStream,
      stdin: new NoKeys() as unknown as NodeJS.ReadStream,
      handleSigint: false,
      onFrameCost: (ms) => {
        frames++;
        frameMs += ms;
      },
    });
  }
  const t0 = performance.now();
  const res = await trainer.run();
  const sec = (performance.now() - t0) / 1000;
  if (dashboard) await dashboard;
  attached.dispose();
  trainer.dispose();
  env.close();
  if (mode === 'worker') frames = writes;
  return { sps: res.globalStep / sec, frames, frameMs: frames > 0 ? frameMs / frames : 0, sec };
}

export async function benchDashboardTraining(timesteps = 60_000, trials = 5): Promise<DashboardTrainResult> {
  process.env.NODE_ENV ??= 'production';
  await initBackend('auto');
  await once('headless', 5_000); // warm-up
  const head: number[] = [];
  const same: number[] = [];
  const work: number[] = [];
  let last = { frames: 0, frameMs: 0, sec: 1 };
  let lastWorker = { frames: 0, sec: 1 };
  for (let t = 0; t < trials; t++) {
    head.push((await once('headless', timesteps)).sps);
    const w = await once('worker', timesteps);
    work.push(w.sps);
    lastWorker = w;
    const d = await once('same-thread', timesteps);
    same.push(d.sps);
    last = d;
  }
  if (process.env.COPRONET_BENCH_VERBOSE) console.log({ headless: head, worker: work, sameThread: same });
  const h = median(head);
  const w = median(work);
  const d = median(same);
  return {
    headlessSps: h,
    dashboardSps: w,
    overheadPct: (100 * (h - w)) / h,
    sameThreadSps: d,
    sameThreadOverheadPct: (100 * (h - d)) / h,
    workerFramesPerSec: lastWorker.frames / lastWorker.sec,
    framesDrawn: last.frames,
    framesPerSec: last.frames / last.sec,
    meanFrameMs: last.frameMs,
  };
}

export interface DashboardAbResult {
  /** Median wall time of a training iteration with the dashboard fed, and without, in ms. */
  onMs: number;
  offMs: number;
  /** Extra time per iteration while the dashboard draws, percent (target < 5). */
  overheadPct: number;
  iterations: number;
}

/**
 * The same question inside one run, so that run-to-run noise cancels: the
 * dashboard (in its worker, as `copronet train` draws it) stays mounted, and
 * its event feed is switched on and off every `window` iterations. Iterations
 * are timed by their wall-clock spacing; the first of each window is dropped.
 */
export async function benchDashboardAB(
  timesteps = 300_000,
  window = 6,
  where: 'worker' | 'same-thread' = 'worker',
): Promise<DashboardAbResult> {
  process.env.NODE_ENV ??= 'production';
  await initBackend('auto');
  const env = new NetworkBatchedEnv(loadScenario('quick'));
  const trainer = new Trainer({ env, config: { seed: 3, totalTimesteps: timesteps, checkpointEvery: 0 } });
  const attached = attachMarket(trainer);
  let on = true;
  const onMs: number[] = [];
  const offMs: number[] = [];
  let last = performance.now();
  let sinceSwitch = 0;
  const sub = trainer.events$.subscribe((e) => {
    if (e.type !== 'iteration') return;
    const now = performance.now();
    if (sinceSwitch > 0) (on ? onMs : offMs).push(now - last);
    last = now;
    if (++sinceSwitch >= window) {
      on = !on;
      sinceSwitch = 0;
    }
  });
  const term = new FakeTerminal(120, 36);
  const handle = {
    events$: attached.events$.pipe(filter((e) => on || e.type === 'start' || e.type === 'done')),
    pause: () => trainer.pause(),
    resume: () => trainer.resume(),
    requestSave: () => trainer.requestSave(),
    requestStop: () => trainer.requestStop('quit'),
  };
  const io = {
    stdout: term as unknown as NodeJS.WriteStream,
    stdin: new NoKeys() as unknown as NodeJS.ReadStream,
  };
  const dashboard =
    where === 'worker'
      ? runDashboardInWorker(handle, io)
      : runDashboard(handle, { ...io, handleSigint: false });
  await trainer.run();
  await dashboard;
  sub.unsubscribe();
  attached.dispose();
  trainer.dispose();
  env.close();
  const a = median(onMs);
  const b = median(offMs);
  return { onMs: a, offMs: b, overheadPct: (100 * (a - b)) / b, iterations: onMs.length + offMs.length };
}
