/**
 * Flattening helpers, as in `gymnasium.spaces.utils`: `flatdim`, `flatten`,
 * `unflatten` and `flattenSpace`. Flat elements are Float32Arrays; a Discrete
 * element becomes a one-hot vector, a MultiDiscrete one a concatenation of
 * one-hot vectors, Dict entries are concatenated in (sorted) key order.
 */
import { describe, isArrayLike } from '../validate.ts';
import { Box, type BoxDtype } from './box.ts';
import { Dict, type SpaceRecord } from './dict.ts';
import { Discrete } from './discrete.ts';
import { MultiBinary } from './multi-binary.ts';
import { MultiDiscrete } from './multi-discrete.ts';
import type { Space } from './space.ts';
import { Tuple } from './tuple.ts';

// biome-ignore lint/suspicious/noExplicitAny: any space
type AnySpace = Space<any>;

function unsupported(space: AnySpace, fn: string): never {
  throw new TypeError(
    `${fn}: unsupported space ${describe(space)}; only Box, Discrete, MultiDiscrete, MultiBinary, Dict and Tuple ` +
      'can be flattened.',
  );
}

/** Length of the flat vector of an element of `space`. */
export function flatdim(space: AnySpace): number {
  if (space instanceof Box) return space.size;
  if (space instanceof Discrete) return space.n;
  if (space instanceof MultiDiscrete) return space.nvec.reduce((a, b) => a + b, 0);
  if (space instanceof MultiBinary) return space.n;
  if (space instanceof Dict) return space.keys.reduce((a, k) => a + flatdim(space.spaces[k]), 0);
  if (space instanceof Tuple) return space.spaces.reduce((a: number, s: AnySpace) => a + flatdim(s), 0);
  return unsupported(space, 'flatdim');
}

function flattenInto(space: AnySpace, x: unknown, out: Float32Array, offset: number): number {
  if (space instanceof Box || space instanceof MultiBinary) {
    const n = space instanceof Box ? space.size : space.n;
    if (!isArrayLike(x) || x.length !== n) {
      throw new RangeError(`flatten: expected ${n} numbers for ${space.type}, got ${describe(x)}.`);
    }
    for (let i = 0; i < n; i++) out[offset + i] = x[i] as number;
    return offset + n;
  }
  if (space instanceof Discrete) {
    if (!space.contains(x))
      throw new RangeError(`flatten: ${describe(x)} is not in Discrete(${space.n}, ${space.start}).`);
    out[offset + x - space.start] = 1;
    return offset + space.n;
  }
  if (space instanceof MultiDiscrete) {
    if (!space.contains(x))
      throw new RangeError(`flatten: ${describe(x)} is not in MultiDiscrete([${space.nvec}]).`);
    for (let i = 0; i < space.nvec.length; i++) {
      out[offset + x[i]] = 1;
      offset += space.nvec[i];
    }
    return offset;
  }
  if (space instanceof Dict) {
    if (typeof x !== 'object' || x === null)
      throw new TypeError(`flatten: expected an object for Dict, got ${describe(x)}.`);
    const rec = x as Record<string, unknown>;
    for (const k of space.keys) offset = flattenInto(space.spaces[k], rec[k], out, offset);
    return offset;
  }
  if (space instanceof Tuple) {
    if (!Array.isArray(x) || x.length !== space.spaces.length) {
      throw new TypeError(
        `flatten: expected an array of ${space.spaces.length} for Tuple, got ${describe(x)}.`,
      );
    }
    space.spaces.forEach((s: AnySpace, i: number) => {
      offset = flattenInto(s, x[i], out, offset);
    });
    return offset;
  }
  return unsupported(space, 'flatten');
}

/** The flat Float32Array (length `flatdim(space)`) of an element of `space`. */
export function flatten<T>(space: Space<T>, x: T, out?: Float32Array): Float32Array {
  const dim = flatdim(space);
  const buf = out ?? new Float32Array(dim);
  if (buf.length !== dim)
    throw new RangeError(`flatten: out has ${buf.length} entries, the space needs ${dim}.`);
  if (out) buf.fill(0);
  flattenInto(space, x, buf, 0);
  return buf;
}

function oneHotIndex(flat: ArrayLike<number>, offset: number, n: number): number {
  for (let i = 0; i < n; i++) if (flat[offset + i] !== 0) return i;
  throw new RangeError(`unflatten: the one-hot block at ${offset}..${offset + n - 1} has no non-zero entry.`);
}

function unflattenAt(space: AnySpace, flat: ArrayLike<number>, offset: number): [unknown, number] {
  if (space instanceof Box) {
    const Arr =
      space.dtype === 'float64' ? Float64Array : space.dtype === 'int32' ? Int32Array : Float32Array;
    const out = new Arr(space.size);
    for (let i = 0; i < space.size; i++)
      out[i] = space.dtype === 'int32' ? Math.round(flat[offset + i]) : flat[offset + i];
    return [out, offset + space.size];
  }
  if (space instanceof MultiBinary) {
    const out = new Uint8Array(space.n);
    for (let i = 0; i < space.n; i++) out[i] = flat[offset + i] !== 0 ? 1 : 0;
    return [out, offset + space.n];
  }
  if (space instanceof Discrete) return [space.start + oneHotIndex(flat, offset, space.n), offset + space.n];
  if (space instanceof MultiDiscrete) {
    const out = new Int32Array(space.nvec.length);
    for (let i = 0; i < out.length; i++) {
      out[i] = oneHotIndex(flat, offset, space.nvec[i]);
      offset += space.nvec[i];
    }
    return [out, offset];
  }
  if (space instanceof Dict) {
    const out: Record<string, unknown> = {};
    for (const k of space.keys) [out[k], offset] = unflattenAt(space.spaces[k], flat, offset);
    return [out, offset];
  }
  if (space instanceof Tuple) {
    const out: unknown[] = [];
    for (const s of space.spaces) {
      let v: unknown;
      [v, offset] = unflattenAt(s, flat, offset);
      out.push(v);
    }
    return [out, offset];
  }
  return unsupported(space, 'unflatten');
}

/** Rebuild an element of `space` from its flat vector (the inverse of `flatten`). */
export function unflatten<T>(space: Space<T>, flat: ArrayLike<number>): T {
  const dim = flatdim(space);
  if (flat.length !== dim)
    throw new RangeError(`unflatten: got ${flat.length} numbers, the space needs ${dim}.`);
  return unflattenAt(space, flat, 0)[0] as T;
}

/** The float32 Box that holds the flat vectors of `space`. */
export function flattenSpace(space: AnySpace): Box<'float32'> {
  const dim = flatdim(space);
  const low = new Float32Array(dim);
  const high = new Float32Array(dim);
  let offset = 0;
  const fillBounds = (s: AnySpace): void => {
    if (s instanceof Box) {
      low.set(s.low, offset);
      high.set(s.high, offset);
      offset += s.size;
    } else if (s instanceof Dict) {
      for (const k of s.keys) fillBounds((s.spaces as SpaceRecord)[k]);
    } else if (s instanceof Tuple) {
      for (const c of s.spaces) fillBounds(c);
    } else {
      const n = flatdim(s);
      high.fill(1, offset, offset + n);
      offset += n;
    }
  };
  fillBounds(space);
  return new Box<BoxDtype>(low, high, [dim], 'float32') as Box<'float32'>;
}
