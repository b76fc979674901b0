/**
 * The environment registry (Gymnasium's `gymnasium.register` / `make`).
 *
 * Ids follow Gymnasium: `[namespace/]Name[-vN]`, e.g. `CartPole-v1`. Modules
 * that define environments call `register` when imported; users call `make`.
 *
 * @example
 * register('CartPole-v1', (kw) => new CartPoleEnv(kw), { kind: 'env', maxEpisodeSteps: 500 });
 * const env = makeEnv('CartPole-v1');
 */
import type { Env, ParallelEnv } from './env.ts';
import { TimeLimit } from './wrappers/time-limit.ts';

// biome-ignore lint/suspicious/noExplicitAny: registered envs have any spaces
export type AnySingleEnv = Env<any, any>;
// biome-ignore lint/suspicious/noExplicitAny: registered envs have any spaces
export type AnyParallelEnv = ParallelEnv<string, any, any>;

export type EnvKind = 'env' | 'parallel';

/** Options of `register`. */
export interface RegisterOptions {
  /**
   * Single-agent env (`Env`) or multi-agent (`ParallelEnv`).
   * @default 'env'
   */
  kind?: EnvKind;
  /**
   * For single-agent envs, `make` wraps the env in `TimeLimit(maxEpisodeSteps)`.
   * Parallel envs truncate themselves; for them it is only recorded.
   * @default undefined (no time limit)
   */
  maxEpisodeSteps?: number;
  /**
   * Keyword arguments merged under those given to `make`.
   * @default {}
   */
  kwargs?: Record<string, unknown>;
  /**
   * The keyword arguments the entry point takes: `make` refuses any other, naming it, as a Python
   * constructor raises on an unexpected keyword argument (Gymnasium's `make` passes kwargs to it).
   * @default undefined (not checked: the entry point validates its own, e.g. against a schema)
   */
  kwargNames?: readonly string[];
}

/** A registered environment. */
export interface EnvSpec {
  readonly id: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly version: number | undefined;
  readonly kind: EnvKind;
  readonly maxEpisodeSteps: number | undefined;
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** The keyword arguments `make` accepts, or undefined when the entry point checks its own. */
  readonly kwargNames: readonly string[] | undefined;
  readonly entryPoint: (kwargs: Record<string, unknown>) => AnySingleEnv | AnyParallelEnv;
}

const specs = new Map<string, EnvSpec>();

/** Every registered environment, by id. */
export const registry: ReadonlyMap<string, EnvSpec> = specs;

const ID_RE = /^(?:([\w:.-]+)\/)?([\w:.-]+?)(?:-v(\d+))?$/;

/** Split an id into namespace, name and version (Gymnasium's `parse_env_id`). */
export function parseEnvId(id: string): {
  namespace: string | undefined;
  name: string;
  version: number | undefined;
} {
  const m = typeof id === 'string' ? ID_RE.exec(id) : null;
  if (!m) {
    throw new TypeError(
      `Malformed environment id ${JSON.stringify(id)}: use [namespace/]Name[-vN], e.g. 'CartPole-v1'.`,
    );
  }
  return { namespace: m[1], name: m[2], version: m[3] === undefined ? undefined : Number(m[3]) };
}

/**
 * Register an environment under `id`. Registering an id again replaces the
 * entry (with a process warning), as in Gymnasium.
 */
export function register(
  id: string,
  entryPoint: (kwargs: Record<string, unknown>) => AnySingleEnv | AnyParallelEnv,
  options: RegisterOptions = {},
): EnvSpec {
  const parsed = parseEnvId(id);
  if (typeof entryPoint !== 'function') {
    throw new TypeError(`register(${JSON.stringify(id)}): entryPoint must be a function (kwargs) => env.`);
  }
  const kind = options.kind ?? 'env';
  if (kind !== 'env' && kind !== 'parallel') {
    throw new TypeError(
      `register(${JSON.stringify(id)}): kind must be 'env' or 'parallel', got ${JSON.stringify(kind)}.`,
    );
  }
  const max = options.maxEpisodeSteps;
  if (max !== undefined && (!Number.isInteger(max) || max <= 0)) {
    throw new RangeError(
      `register(${JSON.stringify(id)}): maxEpisodeSteps must be a positive integer, got ${max}.`,
    );
  }
  if (specs.has(id)) process.emitWarning(`Overriding environment ${id} already in the registry.`);
  const spec: EnvSpec = Object.freeze({
    id,
    ...parsed,
    kind,
    maxEpisodeSteps: max,
    kwargs: Object.freeze({ ...options.kwargs }),
    kwargNames: options.kwargNames ? Object.freeze([...options.kwargNames]) : undefined,
    entryPoint,
  });
  specs.set(id, spec);
  return spec;
}

/** Remove an environment from the registry (for tests); returns whether it was there. */
export function unregister(id: string): boolean {
  return specs.delete(id);
}

/** Similarity ratio in [0, 1] (Levenshtein-based), for "did you mean". */
function similarity(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (x[i - 1] === y[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return 1 - prev[y.length] / Math.max(x.length, y.length, 1);
}

function known(): string {
  const ids = [...specs.keys()].sort();
  return ids.length > 0
    ? `Registered: ${ids.join(', ')}.`
    : 'The registry is empty: import the module that registers the environment.';
}

/** The spec of `id`, or an error explaining what exists instead (Gymnasium's version and name checks). */
export function spec(id: string): EnvSpec {
  const hit = specs.get(id);
  if (hit) return hit;
  const { namespace, name, version } = parseEnvId(id);
  const base = `${namespace ? `${namespace}/` : ''}${name}`;
  const sameName = [...specs.values()].filter((s) => s.namespace === namespace && s.name === name);
  if (sameName.length > 0) {
    const versions = sameName.map((s) => s.version).filter((v): v is number => v !== undefined);
    const latest = versions.length > 0 ? Math.max(...versions) : undefined;
    const list = sameName.map((s) => `'${s.id}'`).join(', ');
    if (version === undefined) {
      throw new Error(
        `Environment '${base}' needs a version: it provides ${list}.` +
          (latest !== undefined ? ` Use '${base}-v${latest}' (the latest).` : ''),
      );
    }
    if (latest !== undefined && version < latest) {
      throw new Error(
        `Environment version v${version} for '${base}' does not exist: it provides ${list}. Use '${base}-v${latest}' instead.`,
      );
    }
    throw new Error(`Environment version v${version} for '${base}' does not exist: it provides ${list}.`);
  }
  let best: string | undefined;
  let bestScore = 0.6;
  for (const s of specs.values()) {
    const score = Math.max(similarity(id, s.id), similarity(name, s.name));
    if (score > bestScore) {
      bestScore = score;
      best = s.id;
    }
  }
  throw new Error(
    `No registered environment with id '${id}'.${best ? ` Did you mean '${best}'?` : ''} ${known()}`,
  );
}

/** Options of `make`. */
export interface MakeOptions {
  /**
   * Override the registered `maxEpisodeSteps` (single-agent envs only).
   * @default the registered value
   */
  maxEpisodeSteps?: number;
}

/**
 * Build a registered environment with `kwargs` (merged over the registered
 * ones). Single-agent envs with `maxEpisodeSteps` come wrapped in `TimeLimit`.
 */
export function make(
  id: string,
  kwargs: Record<string, unknown> = {},
  options: MakeOptions = {},
): AnySingleEnv | AnyParallelEnv {
  const s = spec(id);
  const all = { ...s.kwargs, ...kwargs };
  if (s.kwargNames) checkKwargs(s, Object.keys(all));
  const env = s.entryPoint(all);
  const max = options.maxEpisodeSteps ?? s.maxEpisodeSteps;
  if (s.kind === 'env' && max !== undefined) return new TimeLimit(env as AnySingleEnv, max);
  return env;
}

/** Refuse keyword arguments the entry point does not take, naming them (and a close name that it takes). */
function checkKwargs(s: EnvSpec, keys: readonly string[]): void {
  const names = s.kwargNames ?? [];
  const unknown = keys.filter((k) => !names.includes(k));
  if (unknown.length === 0) return;
  const hint = (k: string) => {
    let best: string | undefined;
    let bestScore = 0.6;
    for (const n of names) {
      const score = similarity(k.replace(/_/g, ''), n);
      if (score > bestScore) {
        bestScore = score;
        best = n;
      }
    }
    return best ? `'${k}' (did you mean '${best}'?)` : `'${k}'`;
  };
  const takes = names.length > 0 ? `it takes ${names.join(', ')}` : 'it takes none';
  throw new TypeError(
    `make('${s.id}'): unknown keyword argument${unknown.length > 1 ? 's' : ''} ${unknown.map(hint).join(', ')}; ${takes}.`,
  );
}

/** `make` for a single-agent env; throws if `id` is registered as parallel. */
export function makeEnv(
  id: string,
  kwargs: Record<string, unknown> = {},
  options: MakeOptions = {},
): AnySingleEnv {
  const s = spec(id);
  if (s.kind !== 'env')
    throw new TypeError(`'${id}' is a parallel (multi-agent) environment: use makeParallel('${id}').`);
  return make(id, kwargs, options) as AnySingleEnv;
}

/** `make` for a multi-agent env; throws if `id` is registered as single-agent. */
export function makeParallel(id: string, kwargs: Record<string, unknown> = {}): AnyParallelEnv {
  const s = spec(id);
  if (s.kind !== 'parallel')
    throw new TypeError(`'${id}' is a single-agent environment: use makeEnv('${id}').`);
  return make(id, kwargs) as AnyParallelEnv;
}
