/**
 * A training run on disk, `runs/<name>/`:
 *
 * - `config.json`   the resolved learner config
 * - `run.json`      start info: runName, env id / scenario, algo, backend, seed, totalTimesteps, roles
 * - `metrics.jsonl` one JSON line per iteration, appended
 * - `checkpoints/<name>/` (`latest`, `best-<role>`): `state.json` plus `tensors.bin`
 *   (every tensor as little-endian float32, in the order of the manifest in `state.json`)
 *
 * Every file is written atomically (temp file, then rename), and a checkpoint
 * directory is written under a temp name and renamed into place, so a crash
 * never leaves a half-written file behind.
 */
import { writeFileAtomic } from '../../src/core/atomic.ts';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, join, resolve } from 'node:path';

let tmpCounter = 0;
function tmpSuffix(): string {
  tmpCounter += 1;
  return `${process.pid}-${Date.now().toString(36)}-${tmpCounter}`;
}

export { writeFileAtomic } from '../../src/core/atomic.ts';

/** One tensor of a checkpoint. */
export interface CheckpointTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface Checkpoint<S = unknown> {
  state: S;
  tensors: Map<string, CheckpointTensor>;
}

interface TensorManifestEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

export class RunDir {
  readonly path: string;

  constructor(path: string) {
    this.path = resolve(path);
  }

  /** The run's name: the directory's base name. */
  get name(): string {
    return basename(this.path);
  }

  /**
   * Create (or reuse an empty) run directory. Refuses to overwrite a directory that already holds a
   * run unless `overwrite` is set.
   */
  static create(path: string, opts: { overwrite?: boolean } = {}): RunDir {
    const dir = new RunDir(path);
    if (existsSync(join(dir.path, 'run.json')) && !opts.overwrite) {
      throw new Error(
        `${path} already holds a run (run.json exists). Continue it with '--resume ${path}', ` +
          'choose another --out directory, or delete it.',
      );
    }
    if (opts.overwrite) rmSync(dir.path, { recursive: true, force: true });
    mkdirSync(join(dir.path, 'checkpoints'), { recursive: true });
    return dir;
  }

  /** Open an existing run directory (for resuming or evaluation). */
  static open(path: string): RunDir {
    const dir = new RunDir(path);
    if (!existsSync(join(dir.path, 'run.json'))) {
      throw new Error(
        `${path} is not a run directory (no run.json). Pass the directory a training run wrote, e.g. runs/<name>.`,
      );
    }
    return dir;
  }

  file(name: string): string {
    return join(this.path, name);
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(this.file(name), `${JSON.stringify(value, null, 2)}\n`);
  }

  readJson<T = unknown>(name: string): T {
    return JSON.parse(readFileSync(this.file(name), 'utf8')) as T;
  }

  /** Append one row to `metrics.jsonl` (NaN and infinities become null). */
  appendMetrics(row: Record<string, unknown>): void {
    appendFileSync(this.file('metrics.jsonl'), `${JSON.stringify(row, finiteOrNull)}\n`);
  }

  /** All rows of `metrics.jsonl` (empty when there is none). */
  readMetrics(): Record<string, number | null>[] {
    const path = this.file('metrics.jsonl');
    if (!existsSync(path)) return [];
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.trim().length > 0)
      .map((l) => JSON.parse(l));
  }

  /**
   * Drop metric rows after `iteration` (used when resuming from a checkpoint older than the log).
   * Rewrites the file atomically, and only when there is something to drop.
   */
  truncateMetrics(iteration: number): void {
    const rows = this.readMetrics();
    const keep = rows.filter((r) => (r.iteration ?? 0) <= iteration);
    if (keep.length === rows.length) return;
    writeFileAtomic(this.file('metrics.jsonl'), keep.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  checkpointPath(name: string): string {
    return join(this.path, 'checkpoints', name);
  }

  hasCheckpoint(name: string): boolean {
    return this.findCheckpoint(name) !== undefined;
  }

  private findCheckpoint(name: string): string | undefined {
    const path = this.checkpointPath(name);
    if (existsSync(join(path, 'state.json'))) return path;
    // A crash between the two renames of saveCheckpoint leaves only the previous version.
    const dir = join(this.path, 'checkpoints');
    if (!existsSync(dir)) return undefined;
    const old = readdirSync(dir).filter((f) => f.startsWith(`.old-${name}-`));
    return old.length ? join(dir, old.sort().at(-1)!) : undefined;
  }

  /** Write a checkpoint directory atomically: build it under a temp name, then swap it in. */
  saveCheckpoint(name: string, state: object, tensors: CheckpointTensor[]): string {
    const dir = join(this.path, 'checkpoints');
    mkdirSync(dir, { recursive: true });
    const suffix = tmpSuffix();
    const tmp = join(dir, `.tmp-${name}-${suffix}`);
    mkdirSync(tmp);
    const manifest: TensorManifestEntry[] = [];
    let offset = 0;
    for (const t of tensors) {
      manifest.push({ name: t.name, shape: t.shape, offset, length: t.data.length });
      offset += t.data.length;
    }
    const all = new Float32Array(offset);
    for (let i = 0; i < tensors.length; i++) all.set(tensors[i].data, manifest[i].offset);
    const bytes = new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
    writeFileSync(join(tmp, 'tensors.bin'), littleEndian(bytes));
    writeFileSync(join(tmp, 'state.json'), `${JSON.stringify({ ...state, tensors: manifest })}\n`);
    const target = this.checkpointPath(name);
    const old = join(dir, `.old-${name}-${suffix}`);
    const hadOld = existsSync(target);
    if (hadOld) renameSync(target, old);
    renameSync(tmp, target);
    if (hadOld) rmSync(old, { recursive: true, force: true });
    return target;
  }

  loadCheckpoint<S = Record<string, unknown>>(name: string): Checkpoint<S> {
    const path = this.findCheckpoint(name);
    if (!path) {
      throw new Error(
        `${this.path} has no checkpoint '${name}' (checkpoints/${name}/state.json). ` +
          'It is written every checkpointEvery iterations, on request and at the end of a run.',
      );
    }
    const state = JSON.parse(readFileSync(join(path, 'state.json'), 'utf8')) as S & {
      tensors: TensorManifestEntry[];
    };
    const buf = readFileSync(join(path, 'tensors.bin'));
    const bytes = littleEndian(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength).slice());
    const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const tensors = new Map<string, CheckpointTensor>();
    for (const m of state.tensors) {
      tensors.set(m.name, { name: m.name, shape: m.shape, data: all.slice(m.offset, m.offset + m.length) });
    }
    return { state, tensors };
  }
}

function finiteOrNull(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

const IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Float32 bytes in little-endian order (a copy with swapped bytes on big-endian hosts). */
function littleEndian(bytes: Uint8Array): Uint8Array {
  if (IS_LITTLE_ENDIAN) return bytes;
  const out = bytes.slice();
  for (let i = 0; i < out.length; i += 4) {
    out[i] = bytes[i + 3];
    out[i + 1] = bytes[i + 2];
    out[i + 2] = bytes[i + 1];
    out[i + 3] = bytes[i];
  }
  return out;
}
