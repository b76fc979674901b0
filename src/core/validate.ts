/**
 * Validation helpers for environment authors and wrappers: each throws an
 * error that says what is wrong and how to fix it.
 */
import type { Space } from './spaces/space.ts';

/** Short printable form of any value, for error messages. */
export function describe(x: unknown): string {
  if (x === undefined) return 'undefined';
  if (x === null) return 'null';
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return String(x);
  if (typeof x === 'string') return JSON.stringify(x);
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    const arr = Array.from(x as unknown as ArrayLike<number>);
    const body = arr.length > 8 ? `${arr.slice(0, 8).join(', ')}, ...` : arr.join(', ');
    return `${x.constructor.name}(${arr.length}) [${body}]`;
  }
  if (Array.isArray(x)) {
    const body = x.length > 8 ? `${x.slice(0, 8).map(describe).join(', ')}, ...` : x.map(describe).join(', ');
    return `Array(${x.length}) [${body}]`;
  }
  if (typeof x === 'object') return `{${Object.keys(x).join(', ')}}`;
  return typeof x;
}

/**
 * The one rule for a seed, everywhere (scenario `seed`, every CLI `--seed` and
 * `--seed-start`, `env.reset({seed})`): a non-negative safe integer.
 */
export const SEED_RULE = `a non-negative integer of at most ${Number.MAX_SAFE_INTEGER} (2^53 - 1)`;

/** Whether `x` is a valid seed (`SEED_RULE`). */
export function isSeed(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * Throw unless `seed` is a non-negative safe integer (or undefined when
 * `optional`). `where` names the call, e.g. `'env.reset()'`.
 */
export function assertSeed(seed: unknown, where: string, optional = false): asserts seed is number {
  if (seed === undefined && optional) return;
  if (!isSeed(seed)) {
    throw new TypeError(
      `${where}: the seed must be ${SEED_RULE}, got ${describe(seed)}. ` +
        'Pass e.g. `{ seed: 42 }`, or omit the seed to continue the current random stream.',
    );
  }
}

/** True for typed arrays (not DataView) and plain arrays. */
export function isArrayLike(x: unknown): x is ArrayLike<unknown> {
  return Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));
}

/** Options of `assertAction`. */
export interface AssertActionOptions {
  /**
   * Also reject Box actions outside [low, high]. Off by default because many
   * environments (and `ClipAction`) clip out-of-range continuous actions.
   * @default false
   */
  strictBounds?: boolean;
}

/** Minimal structural view of the spaces `assertAction` knows how to inspect. */
interface BoxLike {
  readonly shape: readonly number[];
  readonly low: ArrayLike<number>;
  readonly high: ArrayLike<number>;
  readonly dtype: string;
}

function isBoxLike(space: unknown): space is BoxLike {
  return (space as { type?: unknown }).type === 'Box';
}

/**
 * Throw unless `action` is a well-formed action of `space`: for a `Box`, an
 * array of the right length with finite numbers (integers for int32 boxes);
 * for every other space, an element of the space (`space.contains`).
 * `name` says where the action came from, e.g. `'TimeLimit.step(action)'`.
 */
export function assertAction<T>(
  space: Space<T>,
  action: unknown,
  name: string,
  options: AssertActionOptions = {},
): asserts action is T {
  if (isBoxLike(space)) {
    const size = space.low.length;
    if (!isArrayLike(action)) {
      throw new TypeError(
        `${name}: expected an array of ${size} numbers for the Box action space of shape [${space.shape}], ` +
          `got ${describe(action)}. Pass a Float32Array (or number[]) of length ${size}.`,
      );
    }
    if (action.length !== size) {
      throw new RangeError(
        `${name}: the action has ${action.length} entries but the Box action space of shape ` +
          `[${space.shape}] needs ${size}. Flatten the action in row-major order to length ${size}.`,
      );
    }
    for (let i = 0; i < size; i++) {
      const v = action[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new RangeError(
          `${name}: action[${i}] is ${describe(v)}; every entry must be a finite number. ` +
            'A NaN action usually means the policy diverged: check the learning rate and the observations.',
        );
      }
      if (space.dtype === 'int32' && !Number.isInteger(v)) {
        throw new RangeError(`${name}: action[${i}] = ${v} must be an integer for an int32 Box.`);
      }
      if (options.strictBounds && (v < space.low[i] || v > space.high[i])) {
        throw new RangeError(
          `${name}: action[${i}] = ${v} is outside [${space.low[i]}, ${space.high[i]}]. Clip the action ` +
            '(e.g. wrap the env in ClipAction) or rescale it (RescaleAction).',
        );
      }
    }
    return;
  }
  if (!space.contains(action)) {
    throw new RangeError(
      `${name}: ${describe(action)} is not a valid action of ${JSON.stringify(space.toJSON())}. ` +
        'Sample actions from `env.actionSpace` or check the policy output.',
    );
  }
}
