import { describe, expect, it } from 'vitest';
import { RunningMeanStd } from '../src/core/running-stats.ts';
import { Box } from '../src/core/spaces/box.ts';
import { assertAction, assertSeed } from '../src/core/validate.ts';
import {
  BatchObsNormalizer,
  ClipAction,
  NormalizeObservation,
  RecordEpisodeStatistics,
  RescaleAction,
  TimeLimit,
} from '../src/core/wrappers/index.ts';
import { CounterEnv } from './fixtures/counter-env.ts';

const act = (...v: number[]) => new Float32Array(v);

/** Mean and population variance of each column of `rows`. */
function columnStats(rows: ArrayLike<number>[]): { mean: number[]; var: number[] } {
  const d = rows[0].length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j], 0) / rows.length);
  const v = Array.from(
    { length: d },
    (_, j) => rows.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / rows.length,
  );
  return { mean, var: v };
}

describe('RunningMeanStd', () => {
  it('equals the direct mean and variance over uneven batches (epsilon 0)', () => {
    const rng = new RunningMeanStd(3, { epsilon: 0 });
    const rows: number[][] = [];
    let k = 0;
    for (const size of [1, 5, 2, 17, 3]) {
      const batch: number[] = [];
      for (let r = 0; r < size; r++, k++) {
        const row = [Math.sin(k) * 10, k * 0.5, (k % 7) - 3];
        rows.push(row);
        batch.push(...row);
      }
      rng.update(batch, size);
    }
    const direct = columnStats(rows);
    for (let j = 0; j < 3; j++) {
      expect(rng.mean[j]).toBeCloseTo(direct.mean[j], 10);
      expect(rng.var[j]).toBeCloseTo(direct.var[j], 10);
    }
    expect(rng.count).toBe(rows.length);
  });

  it('masked rows do not count; JSON round trip', () => {
    const a = new RunningMeanStd(1, { epsilon: 0 });
    a.update([1, 100, 3], 3, [1, 0, 1]);
    expect(a.mean[0]).toBe(2);
    expect(a.var[0]).toBe(1);
    const b = RunningMeanStd.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(b.toJSON()).toEqual(a.toJSON());
  });

  it('starts like Gymnasium: mean 0, var 1, count 1e-4', () => {
    expect(new RunningMeanStd(2).toJSON()).toEqual({ mean: [0, 0], var: [1, 1], count: 1e-4 });
  });
});

describe('TimeLimit', () => {
  it('truncates at exactly maxEpisodeSteps and restarts the count on reset', () => {
    const env = new TimeLimit(new CounterEnv(), 3);
    env.reset({ seed: 1 });
    const flags = [1, 2, 3].map(() => env.step(act(0, 0)).truncated);
    expect(flags).toEqual([false, false, true]);
    env.reset();
    expect(env.step(act(0, 0)).truncated).toBe(false);
    expect(env.elapsedSteps).toBe(1);
  });

  it('keeps terminated from the env', () => {
    const env = new TimeLimit(new CounterEnv({ endAt: 2 }), 5);
    env.reset();
    env.step(act(0, 0));
    const r = env.step(act(0, 0));
    expect([r.terminated, r.truncated]).toEqual([true, false]);
  });
});

describe('RecordEpisodeStatistics', () => {
  it('reports return and length at episode end and keeps bounded queues', () => {
    const env = new RecordEpisodeStatistics(new CounterEnv({ endAt: 4 }), { bufferLength: 2 });
    for (let ep = 0; ep < 3; ep++) {
      env.reset();
      let r = env.step(act(0, 0));
      expect(r.info.episode).toBeUndefined();
      while (!r.terminated) r = env.step(act(0, 0));
      const e = r.info.episode as { r: number; l: number; t: number };
      expect(e.r).toBe(1 + 2 + 3 + 4);
      expect(e.l).toBe(4);
      expect(e.t).toBeGreaterThanOrEqual(0);
      expect(r.info.t).toBe(4);
    }
    expect(env.returnQueue).toEqual([10, 10]);
    expect(env.lengthQueue).toEqual([4, 4]);
    expect(env.episodeCount).toBe(3);
  });
});

describe('NormalizeObservation', () => {
  it('normalises with running statistics equal to a direct computation', () => {
    const inner = new CounterEnv({ endAt: 50 });
    const env = new NormalizeObservation(inner);
    let last = env.reset({ seed: 3 }).observation;
    for (let i = 0; i < 40; i++) last = env.step(act(0, 0)).observation;
    const direct = columnStats(inner.observations);
    const n = inner.observations.length;
    // Gymnasium's prior: count 1e-4 at mean 0, var 1.
    const c = 1e-4;
    for (let j = 0; j < 2; j++) {
      const mean = (direct.mean[j] * n) / (n + c);
      expect(env.rms.mean[j]).toBeCloseTo(mean, 6);
      const m2 = direct.var[j] * n + c + (direct.mean[j] ** 2 * c * n) / (n + c);
      expect(env.rms.var[j]).toBeCloseTo(m2 / (n + c), 4);
      const raw = inner.observations[n - 1][j];
      expect(last[j]).toBeCloseTo((raw - env.rms.mean[j]) / Math.sqrt(env.rms.var[j] + 1e-8), 5);
    }
    expect(env.observationSpace.contains(last)).toBe(true);
    expect(env.observationSpace).toBe(env.observationSpace);
  });

  it('freezes the statistics when updateRunningMean is false', () => {
    const env = new NormalizeObservation(new CounterEnv());
    env.reset({ seed: 1 });
    env.step(act(0, 0));
    const before = env.rms.toJSON();
    env.updateRunningMean = false;
    env.step(act(0, 0));
    expect(env.rms.toJSON()).toEqual(before);
  });

  it('rejects a non-Box observation space', () => {
    const inner = new CounterEnv();
    Object.defineProperty(inner, 'observationSpace', { value: { toJSON: () => ({ type: 'Discrete' }) } });
    // biome-ignore lint/suspicious/noExplicitAny: on purpose
    expect(() => new NormalizeObservation(inner as any)).toThrow(/must be a Box/);
  });
});

describe('ClipAction and RescaleAction', () => {
  it('ClipAction clips to the inner bounds and widens the action space', () => {
    const inner = new CounterEnv({ actionLow: [-1, 0], actionHigh: [1, 2] });
    const env = new ClipAction(inner);
    env.reset();
    env.step(act(-5, 7));
    expect(Array.from(inner.actions[0])).toEqual([-1, 2]);
    expect(env.actionSpace.contains(act(1e6, -1e6))).toBe(true);
    expect(() => env.step(act(Number.NaN, 0))).toThrow(/finite/);
  });

  it('RescaleAction maps [-1, 1] affinely onto the inner bounds, then clips', () => {
    const inner = new CounterEnv({ actionLow: [0, -10], actionHigh: [10, 10] });
    const env = new RescaleAction(inner, -1, 1);
    env.reset();
    env.step(act(-1, 0.5));
    env.step(act(0, 1));
    env.step(act(3, -1));
    expect(inner.actions.map((a) => Array.from(a))).toEqual([
      [0, 5],
      [5, 10],
      [10, -10],
    ]);
    expect(() => new RescaleAction(new CounterEnv({ actionHigh: Number.POSITIVE_INFINITY }), -1, 1)).toThrow(
      /finite bounds/,
    );
  });
});

describe('wrapper misuse', () => {
  it('step before reset, wrong shape, NaN, bad seed, after close', () => {
    const env = new TimeLimit(new CounterEnv(), 10);
    expect(() => env.step(act(0, 0))).toThrow(/before reset\(\)/);
    expect(() => env.reset({ seed: 1.5 })).toThrow(
      /non-negative integer of at most 9007199254740991 \(2\^53 - 1\), got 1\.5/,
    );
    expect(() => env.reset({ seed: -1 })).toThrow(/non-negative integer/);
    env.reset({ seed: 1 });
    expect(() => env.step(act(0))).toThrow(/has 1 entries .* needs 2/);
    expect(() => env.step(act(0, Number.NaN))).toThrow(/action\[1\] is NaN/);
    env.close();
    env.close();
    expect(() => env.step(act(0, 0))).toThrow(/after close\(\)/);
  });

  it('close is forwarded once', () => {
    const inner = new CounterEnv();
    const env = new RecordEpisodeStatistics(new TimeLimit(inner, 5));
    env.close();
    env.close();
    expect(inner.closed).toBe(1);
  });

  it('validate helpers', () => {
    expect(() => assertSeed('3', 'x')).toThrow(/got "3"/);
    expect(() => assertSeed(undefined, 'x', true)).not.toThrow();
    const b = new Box(0, 1, [2]);
    expect(() => assertAction(b, act(2, 0), 'a')).not.toThrow();
    expect(() => assertAction(b, act(2, 0), 'a', { strictBounds: true })).toThrow(/outside \[0, 1\]/);
    expect(() => assertAction(b, 'x', 'a')).toThrow(/expected an array of 2 numbers/);
  });
});

describe('BatchObsNormalizer', () => {
  it('updates with live rows only, clips, freezes, and round-trips', () => {
    const n = new BatchObsNormalizer(2, { clip: 1, initialCount: 0 });
    const batch = new Float32Array([1, 10, 3, 30, 1000, -1000]);
    const out = n.normalize(batch, new Uint8Array([1, 1, 0]));
    expect(Array.from(n.rms.mean)).toEqual([2, 20]);
    expect(Array.from(n.rms.var)).toEqual([1, 100]);
    expect(out[0]).toBeCloseTo(-1, 5);
    expect(out[3]).toBeCloseTo(1, 5);
    expect(out[4]).toBe(1);
    expect(out[5]).toBe(-1);
    n.frozen = true;
    n.normalize(new Float32Array([50, 50]));
    expect(n.rms.count).toBe(2);
    const m = BatchObsNormalizer.fromJSON(JSON.parse(JSON.stringify(n.toJSON())));
    expect(m.toJSON()).toEqual(n.toJSON());
    expect(Array.from(m.normalize(batch))).toEqual(Array.from(n.normalize(batch)));
  });
});
