/**
 * Run a grid of cells with resume: every finished cell is written atomically
 * as a small JSON file (`<cellDir>/<id>.json`); a cell whose file is already
 * there, with the same spec, is read instead of computed. Baseline cells run
 * as jobs on a backend (experiments/jobs/: worker threads of this process by
 * default, BullMQ workers with `--queue`); cells of learned policies run in
 * this thread (their policies live here).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../src/core/atomic.ts';
import type { JobBackend } from '../jobs/backend.ts';
import { LocalBackend } from '../jobs/local.ts';
import { BASELINE_POPULATION, type CellResult, type CellSpec } from './cells.ts';
import { Progress } from './progress.ts';

/** Key-sorted JSON, so equal specs give equal text. */
export function stableJson(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(stableJson).join(',')}]`;
  if (x && typeof x === 'object') {
    const entries = Object.entries(x as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(x);
}

/** File-name-safe id of a cell: kind, population, a hash of the full spec, seed. */
export function cellId(spec: CellSpec): string {
  const hash = createHash('sha1').update(stableJson(spec)).digest('hex').slice(0, 12);
  const pop = spec.population.replace(/[^a-zA-Z0-9_-]/g, '_');
  return `${spec.kind}-${pop}-${hash}-s${spec.seed}`;
}

interface CellFile {
  spec: CellSpec;
  seconds: number;
  result: CellResult;
}

/** The stored result of `spec` in `cellDir`, or undefined (missing, unreadable or for another spec). */
export function readCell(cellDir: string, spec: CellSpec): CellResult | undefined {
  const path = join(cellDir, `${cellId(spec)}.json`);
  if (!existsSync(path)) return undefined;
  try {
    const file = JSON.parse(readFileSync(path, 'utf8')) as CellFile;
    return stableJson(file.spec) === stableJson(spec) ? file.result : undefined;
  } catch {
    return undefined; // a damaged file is recomputed and overwritten
  }
}

export interface RunCellsOptions {
  /** Where cell results are stored and looked up. */
  cellDir: string;
  /** Worker threads for baseline cells; 1 runs them in this thread. @default os.availableParallelism() */
  workers?: number;
  /** Where baseline cells run (e.g. a `RedisBackend`); the caller closes it. @default a LocalBackend of `workers` threads */
  backend?: JobBackend;
  /** Computes a cell of a learned population (in this thread). Required when such cells are present. */
  computeLearned?: (spec: CellSpec) => Promise<CellResult>;
  /** Replace every computation (tests count calls with it); runs in this thread. */
  compute?: (spec: CellSpec) => CellResult | Promise<CellResult>;
  /** Progress label. @default 'cells' */
  label?: string;
  /** No progress output. @default false */
  quiet?: boolean;
}

export interface RunCellsResult {
  /** Results by cell id. */
  results: Map<string, CellResult>;
  computed: number;
  reused: number;
  seconds: number;
}

/** Compute the cells that are not on disk yet, store each as it finishes, and return all results. */
export async function runCells(cells: readonly CellSpec[], opts: RunCellsOptions): Promise<RunCellsResult> {
  const t0 = performance.now();
  const results = new Map<string, CellResult>();
  const pending: CellSpec[] = [];
  const seen = new Set<string>();
  for (const spec of cells) {
    const id = cellId(spec);
    if (seen.has(id)) continue;
    seen.add(id);
    const stored = readCell(opts.cellDir, spec);
    if (stored) results.set(id, stored);
    else pending.push(spec);
  }
  const reused = results.size;
  const progress = new Progress(opts.label ?? 'cells', pending.length, reused, { quiet: opts.quiet });
  const store = (spec: CellSpec, result: CellResult, seconds: number) => {
    const id = cellId(spec);
    writeJsonAtomic(join(opts.cellDir, `${id}.json`), { spec, seconds, result } satisfies CellFile);
    results.set(id, result);
    progress.tick();
  };
  const timed = async (spec: CellSpec, f: (s: CellSpec) => CellResult | Promise<CellResult>) => {
    const s0 = performance.now();
    const r = await f(spec);
    store(spec, r, (performance.now() - s0) / 1000);
  };

  if (opts.compute) {
    for (const spec of pending) await timed(spec, opts.compute);
  } else {
    const baseline = pending.filter((s) => s.population === BASELINE_POPULATION);
    const learned = pending.filter((s) => s.population !== BASELINE_POPULATION);
    if (learned.length > 0 && !opts.computeLearned) {
      throw new Error(
        `${learned.length} cells need learned policies ('${learned[0].population}') but no policy loader was given`,
      );
    }
    // Baseline cells run as jobs on the backend while learned cells run here.
    const backend = opts.backend ?? new LocalBackend({ workers: opts.workers });
    let failure: unknown;
    const jobs = backend
      .run(
        baseline.map((spec) => ({ kind: 'cell' as const, spec })),
        {
          onResult: (i, r, seconds) => store(baseline[i], r as CellResult, seconds),
          onStatus: (line) => progress.status(line),
          onLine: (line) => progress.note(line),
        },
      )
      .catch((err: unknown) => {
        failure = err;
      });
    try {
      for (const spec of learned) await timed(spec, opts.computeLearned!);
      await jobs;
      if (failure) throw failure;
    } finally {
      if (!opts.backend) await backend.close();
    }
  }
  progress.end();
  return { results, computed: pending.length, reused, seconds: (performance.now() - t0) / 1000 };
}
