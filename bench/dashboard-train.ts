/**
 * The dashboard's cost to a real training run: PPO on the quick scenario, the
 * same seed and budget, headless and with the live dashboard drawing into a
 * fake 120x36 terminal. Runs alternate, and the median of each kind counts.
 */
import { initBackend } from '../agents/tf/backend.ts';
import { Trainer } from '../agents/trainer.ts';
import { NetworkBatchedEnv } from '../envs/network/index.ts';
import { attachMarket } from '../src/cli/network-wiring.ts';
import { loadScenario } from '../src/config/scenario.ts';
import { runDashboard } from '../src/dashboard/index.ts';
import { FakeTerminal, NoKeys } from './dashboard.ts';

export interface DashboardTrainResult {
  headlessSps: number;
  dashboardSps: number;
  /** Throughput lost with the dashboard, percent (target < 5). */
  overheadPct: number;
  framesDrawn: number;
  /** Frames per second of the dashboard run, and the mean cost of one frame. */
  framesPerSec: number;
  meanFrameMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function once(
  withDashboard: boolean,
  timesteps: number,
): Promise<{ sps: number; frames: number; frameMs: number; sec: number }> {
  const env = new NetworkBatchedEnv(loadScenario('quick'));
  const trainer = new Trainer({ env, config: { seed: 3, totalTimesteps: timesteps, checkpointEvery: 0 } });
  let frames = 0;
  let frameMs = 0;
  let dashboard: Promise<void> | undefined;
  const attached = attachMarket(trainer);
  if (withDashboard) {
    const term = new FakeTerminal(120, 36);
    dashboard = runDashboard(
      {
        events$: attached.events$,
        pause: () => trainer.pause(),
        resume: () => trainer.resume(),
        requestSave: () => trainer.requestSave(),
        requestStop: () => trainer.requestStop('quit'),
      },
      {
        stdout: term as unknown as NodeJS.WriteStream,
        stdin: new NoKeys() as unknown as NodeJS.ReadStream,
        handleSigint: false,
        onFrameCost: (ms) => {
          frames++;
          frameMs += ms;
        },
      },
    );
  }
  const t0 = performance.now();
  const res = await trainer.run();
  const sec = (performance.now() - t0) / 1000;
  if (dashboard) await dashboard;
  attached.dispose();
  trainer.dispose();
  env.close();
  return { sps: res.globalStep / sec, frames, frameMs: frames > 0 ? frameMs / frames : 0, sec };
}

export async function benchDashboardTraining(timesteps = 40_000, trials = 3): Promise<DashboardTrainResult> {
  process.env.NODE_ENV ??= 'production';
  await initBackend('auto');
  await once(false, 5_000); // warm-up
  const head: number[] = [];
  const dash: number[] = [];
  let last = { frames: 0, frameMs: 0, sec: 1 };
  for (let t = 0; t < trials; t++) {
    head.push((await once(false, timesteps)).sps);
    const d = await once(true, timesteps);
    dash.push(d.sps);
    last = d;
  }
  const h = median(head);
  const d = median(dash);
  return {
    headlessSps: h,
    dashboardSps: d,
    overheadPct: (100 * (h - d)) / h,
    framesDrawn: last.frames,
    framesPerSec: last.frames / last.sec,
    meanFrameMs: last.frameMs,
  };
}
