/**
 * Data helpers of the checks: deep comparison of what envs return
 * (`dataEquivalent`, Gymnasium's `utils.env_checker.data_equivalence`), plain
 * copies of it (envs may reuse their arrays) and small predicates.
 */

/** Deep equality of observations / infos: same structure, same typed-array types, identical numbers (NaN equals NaN). */
export function dataEquivalent(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (ArrayBuffer.isView(a)) {
    const x = a as unknown as ArrayLike<number>;
    const y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!dataEquivalent(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(a)) {
    const y = b as unknown[];
    return a.length === y.length && a.every((v, i) => dataEquivalent(v, y[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const rb = b as Record<string, unknown>;
  return (
    ka.length === kb.length &&
    ka.every((k) => k in rb && dataEquivalent((a as Record<string, unknown>)[k], rb[k]))
  );
}

/** An object that is neither an array nor a typed array (what infos and records are). */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

/** True when two calls of `get` return the very same object. */
export function sameOnEveryCall(get: () => unknown): boolean {
  const first = get();
  return get() === first;
}

/** True when `fn` throws. */
export function throws(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch {
    return true;
  }
}

/** A deep, plain copy of what a trajectory records (the env may reuse its arrays). */
export function snapshot(x: unknown): unknown {
  if (ArrayBuffer.isView(x)) return (x as unknown as { slice(): unknown }).slice();
  if (Array.isArray(x)) return x.map(snapshot);
  if (isPlainObject(x)) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, snapshot(v)]));
  return x;
}
