import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../agents/tf/backend.ts';
import { resume, Trainer } from '../agents/trainer/trainer.ts';
import { makeNetworkEnv } from '../src/app/cli/network-wiring.ts';

let dir: string;
beforeAll(async () => {
  await initBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'copronet-mix-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// tiny: 4 coprocessors, 20 periods; half of the coprocessors fixed, operators fixed.
const SETS = ['opponent.operator=paper-heuristic', 'opponent.coprocessor=all@0.5'];
const env = () => makeNetworkEnv('tiny', SETS, 1);
const CONFIG = { hiddenSizes: [16], numSteps: 20, numMinibatches: 2, updateEpochs: 1, yieldMs: 1, seed: 4 };

async function rows(trainer: Trainer): Promise<Record<string, number>[]> {
  const out: Record<string, number>[] = [];
  trainer.events$.subscribe((ev) => {
    if (ev.type !== 'iteration') return;
    const {
      'charts/SPS': _s,
      elapsed_sec: _e,
      'perf/rollout_sec': _r,
      'perf/update_sec': _u,
      ...m
    } = ev.metrics;
    out.push(m);
  });
  await trainer.run();
  return out;
}

describe('training against an opponent mix', () => {
  it('learns only from its own slots: two coprocessor episodes per network episode, not four', async () => {
    const e = env();
    const trainer = new Trainer({ env: e, config: { ...CONFIG, totalTimesteps: 4 * 20 * 4 } });
    const metrics = await rows(trainer);
    trainer.dispose();
    expect(metrics).toHaveLength(4);
    const finished = metrics.reduce((s, m) => s + m['charts/episodes/coprocessor'], 0);
    // Every network episode that ended finishes each of its 2 learner slots once (at its ejection or at the end).
    expect(e.episode - 1).toBeGreaterThanOrEqual(4);
    expect(finished).toBe(2 * (e.episode - 1));
  });

  it('resumes exactly, the fixed slots and the drawn baseline included', async () => {
    const config = { ...CONFIG, totalTimesteps: 5 * 20 * 4, checkpointEvery: 0 };
    const full = await rows(new Trainer({ env: env(), config, runDir: join(dir, 'full') }));
    const out = join(dir, 'stopped');
    const first = new Trainer({ env: env(), config, runDir: out });
    first.events$.subscribe((ev) => {
      if (ev.type === 'iteration' && ev.iteration === 2) first.requestStop();
    });
    await first.run();
    first.dispose();
    const second = await resume(out, env());
    const rest = await rows(second);
    second.dispose();
    expect(rest).toEqual(full.slice(2));
  });
});
