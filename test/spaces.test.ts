import { describe, expect, it } from 'vitest';
import {
  Box,
  DEFAULT_SPACE_SEED,
  Dict,
  Discrete,
  flatdim,
  flatten,
  flattenSpace,
  MultiBinary,
  MultiDiscrete,
  type Space,
  spaceFromJSON,
  Tuple,
  unflatten,
} from '../src/core/spaces/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: any space
type AnySpace = Space<any>;

const toPlain = (x: unknown): unknown => {
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
  if (Array.isArray(x)) return x.map(toPlain);
  if (x && typeof x === 'object')
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, toPlain(v)]));
  return x;
};
const draw = (s: AnySpace, n = 20): unknown[] => Array.from({ length: n }, () => toPlain(s.sample()));

const makers: Record<string, () => AnySpace> = {
  Box: () => new Box(-1, 2, [2, 3]),
  BoxInt: () => new Box(-3, 3, [4], 'int32'),
  BoxUnbounded: () =>
    new Box(
      [Number.NEGATIVE_INFINITY, 0, Number.NEGATIVE_INFINITY],
      [0, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
      [3],
      'float64',
    ),
  Discrete: () => new Discrete(5, 2),
  MultiDiscrete: () => new MultiDiscrete([2, 3, 4]),
  MultiBinary: () => new MultiBinary(6),
  Dict: () => new Dict({ b: new Box(0, 1, [2]), a: new Discrete(3) }),
  Tuple: () => new Tuple([new Discrete(3), new MultiBinary(2), new Dict({ x: new Box(0, 1, [1]) })]),
};

describe.each(Object.entries(makers))('%s', (_name, make) => {
  it('samples are contained', () => {
    const s = make();
    for (let i = 0; i < 200; i++) expect(s.contains(s.sample())).toBe(true);
  });

  it('same seed gives the same samples, different seeds differ', () => {
    const a = make();
    const b = make();
    a.seed(7);
    b.seed(7);
    expect(draw(a)).toEqual(draw(b));
    a.seed(7);
    b.seed(8);
    expect(draw(a)).not.toEqual(draw(b));
  });

  it('unseeded spaces are reproducible (default seed) and seed() without argument resets to it', () => {
    const a = make();
    const first = draw(a);
    expect(draw(make())).toEqual(first);
    a.seed();
    expect(draw(a)).toEqual(first);
    expect(a.seed()[0]).toBe(DEFAULT_SPACE_SEED);
  });

  it('round-trips through JSON', () => {
    const s = make();
    const json = JSON.parse(JSON.stringify(s.toJSON()));
    const r = spaceFromJSON(json);
    expect(r.toJSON()).toEqual(s.toJSON());
    expect(r.constructor).toBe(s.constructor);
    expect(draw(r)).toEqual(draw(make()));
  });

  it('flatten / unflatten round-trip', () => {
    const s = make();
    for (let i = 0; i < 20; i++) {
      const x = s.sample();
      const f = flatten(s, x);
      expect(f).toBeInstanceOf(Float32Array);
      expect(f.length).toBe(flatdim(s));
      expect(flattenSpace(s).contains(f)).toBe(true);
      // Flat vectors are float32: compare float64 boxes at float32 precision.
      const f32 = (v: unknown): unknown =>
        typeof v === 'number'
          ? Math.fround(v)
          : Array.isArray(v)
            ? v.map(f32)
            : v && typeof v === 'object'
              ? Object.fromEntries(Object.entries(v).map(([k, w]) => [k, f32(w)]))
              : v;
      expect(f32(toPlain(unflatten(s, f)))).toEqual(f32(toPlain(x)));
    }
  });
});

describe('Box', () => {
  it('checks shape, bounds, finiteness and dtype', () => {
    const b = new Box(0, 1, [2]);
    expect(b.contains(new Float32Array([0, 1]))).toBe(true);
    expect(b.contains([0.5, 0.5])).toBe(true);
    expect(b.contains(new Float32Array([0, 1.01]))).toBe(false);
    expect(b.contains(new Float32Array([0]))).toBe(false);
    expect(b.contains(new Float32Array([0, Number.NaN]))).toBe(false);
    expect(b.contains(0.5)).toBe(false);
    const u = new Box(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, [1]);
    expect(u.contains([Number.POSITIVE_INFINITY])).toBe(false);
    const i = new Box(0, 5, [2], 'int32');
    expect(i.sample()).toBeInstanceOf(Int32Array);
    expect(i.contains([1, 2])).toBe(true);
    expect(i.contains([1, 2.5])).toBe(false);
  });

  it('int32 samples cover [low, high] inclusive', () => {
    const i = new Box(0, 2, [1], 'int32');
    const seen = new Set<number>();
    for (let k = 0; k < 300; k++) seen.add(i.sample()[0]);
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });

  it('half-bounded dimensions respect their bound', () => {
    const b = new Box([0, Number.NEGATIVE_INFINITY], [Number.POSITIVE_INFINITY, 0], [2]);
    for (let k = 0; k < 200; k++) {
      const x = b.sample();
      expect(x[0]).toBeGreaterThanOrEqual(0);
      expect(x[1]).toBeLessThanOrEqual(0);
    }
  });

  it('rejects bad construction with clear errors', () => {
    expect(() => new Box([0, 0], [1], [2])).toThrow(/high has 1 entries/);
    expect(() => new Box(1, 0, [1])).toThrow(/low must be <= its high/);
    expect(() => new Box(0, 1).sample(new Uint8Array(1))).toThrow(/do not support masks/);
  });
});

describe('masked sampling', () => {
  it('Discrete only yields allowed values', () => {
    const d = new Discrete(5, 10);
    const mask = new Uint8Array([0, 1, 0, 1, 0]);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(d.sample(mask));
    expect([...seen].sort()).toEqual([11, 13]);
  });

  it('MultiDiscrete masks per entry, undefined leaves an entry free', () => {
    const m = new MultiDiscrete([3, 4]);
    const seen1 = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const x = m.sample([new Uint8Array([0, 0, 1]), undefined]);
      expect(x[0]).toBe(2);
      seen1.add(x[1]);
    }
    expect(seen1.size).toBe(4);
  });

  it('MultiBinary mask: 0 forces 0, 1 forces 1, 2 is random', () => {
    const m = new MultiBinary(3);
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) {
      const x = m.sample(new Uint8Array([0, 1, 2]));
      expect(x[0]).toBe(0);
      expect(x[1]).toBe(1);
      seen.add(x[2]);
    }
    expect(seen.size).toBe(2);
  });

  it('Dict and Tuple pass masks to children', () => {
    const d = new Dict({ a: new Discrete(3), b: new Discrete(2) });
    for (let i = 0; i < 50; i++) expect(d.sample({ a: new Uint8Array([0, 0, 1]) }).a).toBe(2);
    const t = new Tuple([new Discrete(3)]);
    for (let i = 0; i < 50; i++) expect(t.sample([new Uint8Array([1, 0, 0])])[0]).toBe(0);
  });

  it('a mask with no valid choice is an error', () => {
    expect(() => new Discrete(3).sample(new Uint8Array(3))).toThrow(/allows no choice/);
    expect(() => new MultiDiscrete([2]).sample([new Uint8Array(2)])).toThrow(/allows no choice/);
    expect(() => new Discrete(3).sample(new Uint8Array(2))).toThrow(/length 3/);
  });
});

describe('composite seeding', () => {
  it('Dict.seed returns the parent seed then derived child seeds, deterministically', () => {
    const a = new Dict({ x: new Discrete(9), y: new Discrete(9) });
    const seeds = a.seed(5);
    expect(seeds[0]).toBe(5);
    expect(seeds).toHaveLength(3);
    expect(seeds[1]).not.toBe(seeds[2]);
    expect(new Dict({ y: new Discrete(9), x: new Discrete(9) }).seed(5)).toEqual(seeds);
  });

  it('children of a composite are decorrelated even when unseeded', () => {
    const t = new Tuple([new Discrete(1000), new Discrete(1000)]);
    const xs = Array.from({ length: 20 }, () => t.sample());
    expect(xs.some(([a, b]) => a !== b)).toBe(true);
  });

  it('Dict contains requires exactly its keys', () => {
    const d = new Dict({ a: new Discrete(2) });
    expect(d.contains({ a: 1 })).toBe(true);
    expect(d.contains({ a: 1, b: 0 })).toBe(false);
    expect(d.contains({})).toBe(false);
  });

  it('rejects a non-integer seed', () => {
    expect(() => new Discrete(2).seed(1.5)).toThrow(/non-negative integer/);
  });
});

describe('flatten', () => {
  it('one-hot encodes discrete spaces', () => {
    expect(Array.from(flatten(new Discrete(4, 1), 3))).toEqual([0, 0, 1, 0]);
    expect(Array.from(flatten(new MultiDiscrete([2, 3]), new Int32Array([1, 0])))).toEqual([0, 1, 1, 0, 0]);
    const d = new Dict({ b: new Discrete(2), a: new Box(0, 1, [2]) });
    expect(flatdim(d)).toBe(4);
    expect(Array.from(flatten(d, { a: new Float32Array([0.5, 0.25]), b: 1 }))).toEqual([0.5, 0.25, 0, 1]);
  });

  it('flattenSpace bounds match', () => {
    const s = flattenSpace(new Tuple([new Box(-2, 3, [1]), new Discrete(2)]));
    expect(Array.from(s.low)).toEqual([-2, 0, 0]);
    expect(Array.from(s.high)).toEqual([3, 1, 1]);
  });
});
