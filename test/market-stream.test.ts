import { firstValueFrom, toArray } from 'rxjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../agents/tf/backend.ts';
import { Trainer } from '../agents/trainer/trainer.ts';
import { makeNetworkEnv } from '../envs/network/make-env.ts';
import { attachMarket } from '../experiments/train/market.ts';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('attachMarket: the stream the dashboard subscribes to', () => {
  const trainer = () =>
    new Trainer({
      env: makeNetworkEnv('tiny', [], 3),
      config: { numSteps: 16, hiddenSizes: [8], updateEpochs: 1, seed: 3, totalTimesteps: 2 * 16 * 20 },
    });

  it('a subscriber that arrives after the run gets start, the last iteration and done, then the end', async () => {
    // The dashboard mounts asynchronously (a worker thread, a dynamic import): a fast run can be over first.
    const t = trainer();
    const attached = attachMarket(t, 0);
    const res = await t.run();
    const late = await firstValueFrom(attached.events$.pipe(toArray()));
    expect(late.map((e) => e.type)).toEqual(['start', 'iteration', 'done']);
    const [, last, done] = late;
    expect(last.type === 'iteration' && last.iteration).toBe(t.numIterations);
    expect(done.type === 'done' && done.globalStep).toBe(res.globalStep);
    attached.dispose();
    t.dispose();
  });

  it('a subscriber from the start sees every iteration and done', async () => {
    const t = trainer();
    const attached = attachMarket(t, 0);
    const seen: string[] = [];
    attached.events$.subscribe((e) => seen.push(e.type));
    await t.run();
    expect(seen.filter((x) => x === 'iteration')).toHaveLength(t.numIterations);
    expect(seen.at(-1)).toBe('done');
    expect(seen).toContain('market');
    attached.dispose();
    t.dispose();
  });
});
