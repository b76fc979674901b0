/**
 * A training run on disk, `runs/<name>/`:
 *
 * - `config.json`   the resolved learner config
 * - `run.json`      start info: runName, env id / scenario, algo, backend, seed, totalTimesteps, roles
 * - `metrics.jsonl` one JSON line per iteration, appended
 * - `checkpoints/<name>/` (`latest`, `best-<role>`): `state.json` plus `tensors.bin`
 *   (every tensor as little-endian float32, in the order of the manifest in `state.json`)
 *
 * - `run.lock`      while a process trains in the folder (lock.ts)
 *
 * Every file is written atomically (temp file, then rename), and a checkpoint
 * directory is written under a temp name and renamed into place, so a crash
 * never leaves a half-written file behind. `state.json` records the SHA-256 of
 * `tensors.bin` and of itself; reading a checkpoint checks them, the manifest
 * (checkpoint-schema.ts), the file sizes and that every value is finite, and
 * refuses, naming the file and what is wrong, before anything is used
 * (README "Faults").
 */
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { writeFileAtomic } from '../../src/core/atomic.ts';
import { checkSchema, FileManifestSchema, type TensorEntry } from './checkpoint-schema.ts';
import { readJsonl, stepOf, truncateJsonl } from './jsonl.ts';
import { acquireRunLock, LOCK_FILE, type RunLock } from './lock.ts';

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

/** A checkpoint as read from disk: where from, and what its reader should be told. */
export interface LoadedCheckpoint<S = unknown> extends Checkpoint<S> {
  /** Its `state.json`, as errors name it. */
  file: string;
  /** E.g. an old checkpoint without checksums. */
  warnings: string[];
}

export interface LoadCheckpointOptions {
  /** Check the parsed `state.json` (the writer's part); throws naming `file` and the field. */
  validate?(state: unknown, file: string, advice: string): void;
}

export class RunDir {
  readonly path: string;
  /** What happened to the folder that its user should be told (a stale lock taken over, a torn line dropped). */
  readonly warnings: string[] = [];
  private heldLock: RunLock | undefined;

  constructor(path: string) {
    this.path = resolve(path);
  }

  /** The run's name: the directory's base name. */
  get name(): string {
    return basename(this.path);
  }

  /**
   * Create (or reuse an empty) run directory, and take its lock (lock.ts; `unlock()` releases it).
   * Refuses to overwrite a directory that already holds a run unless `overwrite` is set, and a
   * directory another process trains in, always: the check and the creation happen under the lock.
   */
  static create(path: string, opts: { overwrite?: boolean } = {}): RunDir {
    const dir = new RunDir(path);
    mkdirSync(dir.path, { recursive: true });
    dir.lock();
    try {
      if (existsSync(join(dir.path, 'run.json')) && !opts.overwrite) {
        throw new Error(
          `${path} already holds a run (run.json exists). Continue it with '--resume ${path}', ` +
            'choose another --out directory, or delete it.',
        );
      }
      if (opts.overwrite) {
        for (const f of readdirSync(dir.path)) {
          if (f !== LOCK_FILE) rmSync(join(dir.path, f), { recursive: true, force: true });
        }
      }
      mkdirSync(join(dir.path, 'checkpoints'), { recursive: true });
    } catch (err) {
      dir.unlock();
      throw err;
    }
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

  /**
   * Take the folder's lock for this process (lock.ts): throws, naming the pid, when another live
   * process holds it; a stale one is taken over with a warning in `warnings`. Idempotent.
   */
  lock(): void {
    this.heldLock ??= acquireRunLock(this.path, (m) => this.warnings.push(m));
  }

  /** Release the lock taken by `lock()` or `create()` (idempotent; the process exit releases it too). */
  unlock(): void {
    this.heldLock?.release();
    this.heldLock = undefined;
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

  /**
   * All rows of `metrics.jsonl` (empty when there is none). A torn last line (a crash while it was
   * written, or a line being written now) is left out; a bad line before it throws, naming the line.
   */
  readMetrics(): Record<string, number | null>[] {
    return readJsonl(this.file('metrics.jsonl')).rows as Record<string, number | null>[];
  }

  /**
   * Drop metric rows after `iteration` (used when resuming from a checkpoint older than the log), and
   * a torn last line (with a warning, returned and added to `warnings`). Rewrites the file atomically,
   * and only when there is something to drop. Throws, naming the line, on a bad line before the last.
   */
  truncateMetrics(iteration: number): string[] {
    const path = this.file('metrics.jsonl');
    const content = readJsonl(path);
    const warnings = truncateJsonl(
      path,
      (r, line) => stepOf(path, r, line, 'iteration') <= iteration,
      content,
    );
    this.warnings.push(...warnings);
    return warnings;
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
    const manifest: TensorEntry[] = [];
    let offset = 0;
    for (const t of tensors) {
      manifest.push({ name: t.name, shape: t.shape, dtype: 'float32', offset, length: t.data.length });
      offset += t.data.length;
    }
    const all = new Float32Array(offset);
    for (let i = 0; i < tensors.length; i++) all.set(tensors[i].data, manifest[i].offset);
    const bin = littleEndian(new Uint8Array(all.buffer, all.byteOffset, all.byteLength));
    const payload = { ...state, tensors: manifest };
    // The state's checksum is of this JSON: parsing state.json and printing it without `checksums` gives it back.
    const checksums = { 'tensors.bin': sha256(bin), state: sha256(JSON.stringify(payload)) };
    writeDurably(join(tmp, 'tensors.bin'), bin);
    writeDurably(join(tmp, 'state.json'), `${JSON.stringify({ ...payload, checksums })}\n`);
    const target = this.checkpointPath(name);
    const old = join(dir, `.old-${name}-${suffix}`);
    const hadOld = existsSync(target);
    if (hadOld) renameSync(target, old);
    renameSync(tmp, target);
    if (hadOld) rmSync(old, { recursive: true, force: true });
    syncDir(dir);
    return target;
  }

  /**
   * Read checkpoint `name` and check it before anything of it is used: `state.json` parses, fits
   * `opts.validate` (the writer's part) and the manifest schema, `tensors.bin` has the manifest's size,
   * both match their SHA-256 in `state.json`, and every tensor value is finite. Throws, naming the
   * file and what is wrong, and what to do. A checkpoint from before checksums were recorded is read
   * with a warning (in `warnings`).
   */
  loadCheckpoint<S = Record<string, unknown>>(
    name: string,
    opts: LoadCheckpointOptions = {},
  ): LoadedCheckpoint<S> {
    for (let attempt = 0; ; attempt++) {
      const path = this.findCheckpoint(name);
      if (!path) {
        throw new Error(
          `${this.path} has no checkpoint '${name}' (checkpoints/${name}/state.json). ` +
            'It is written every checkpointEvery iterations, on request and at the end of a run.',
        );
      }
      const ino = inode(path);
      try {
        return this.readCheckpointAt<S>(name, path, opts);
      } catch (err) {
        // Replaced while we read it (a training process saving it, `copronet eval` reading): read it again.
        if (attempt < 3 && inode(this.findCheckpoint(name)) !== ino) continue;
        throw err;
      }
    }
  }

  private readCheckpointAt<S>(name: string, path: string, opts: LoadCheckpointOptions): LoadedCheckpoint<S> {
    const file = display(join(path, 'state.json'));
    const binFile = display(join(path, 'tensors.bin'));
    const advice = this.recoveryAdvice(name);
    let state: Record<string, unknown>;
    try {
      state = JSON.parse(readFileSync(join(path, 'state.json'), 'utf8'));
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code
        ? (err as Error).message
        : `not valid JSON (${(err as Error).message})`;
      throw new Error(`${file}: ${why}. ${advice}`);
    }
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      throw new Error(
        `${file}: expected a JSON object, got ${JSON.stringify(state)?.slice(0, 40)}. ${advice}`,
      );
    }
    opts.validate?.(state, file, advice);
    checkSchema(FileManifestSchema, state, file, advice);
    const manifest = state.tensors as TensorEntry[];
    const checksums = state.checksums as { 'tensors.bin': string; state: string } | undefined;

    // The manifest: each tensor's length is its shape's, and they tile tensors.bin in order.
    let total = 0;
    const names = new Set<string>();
    manifest.forEach((m, i) => {
      const size = m.shape.reduce((a, b) => a * b, 1);
      const what = `${file}: tensors[${i}] (${m.name})`;
      if (size !== m.length)
        throw new Error(
          `${what}: shape [${m.shape}] has ${size} values, its length says ${m.length}. ${advice}`,
        );
      if (m.offset !== total)
        throw new Error(
          `${what}: offset ${m.offset}, expected ${total} (the tensors follow each other). ${advice}`,
        );
      if (names.has(m.name)) throw new Error(`${what}: a second tensor of that name. ${advice}`);
      names.add(m.name);
      total += m.length;
    });
    let buf: Buffer;
    try {
      buf = readFileSync(join(path, 'tensors.bin'));
    } catch (err) {
      throw new Error(`${binFile}: ${(err as Error).message}. ${advice}`);
    }
    if (buf.byteLength !== total * 4) {
      throw new Error(
        `${binFile}: ${buf.byteLength} bytes, but the manifest in state.json describes ${total} float32 values ` +
          `(${total * 4} bytes): the file is truncated or belongs to another checkpoint. ${advice}`,
      );
    }
    const warnings: string[] = [];
    if (checksums) {
      const binSha = sha256(buf);
      if (binSha !== checksums['tensors.bin']) {
        throw new Error(
          `${binFile}: its SHA-256 is ${binSha}, state.json records ${checksums['tensors.bin']}: the file is ` +
            `damaged (a disk error, an interrupted copy) or was replaced. ${advice}`,
        );
      }
      const { checksums: _c, ...rest } = state;
      const stateSha = sha256(JSON.stringify(rest));
      if (stateSha !== checksums.state) {
        throw new Error(
          `${file}: its content does not match the SHA-256 it records (${checksums.state}, computed ${stateSha}): ` +
            `it was edited or damaged. ${advice}`,
        );
      }
    } else {
      warnings.push(
        `${file} records no checksums (written before copronet recorded them): it passed the schema, size and ` +
          'finiteness checks, but damage to it cannot be ruled out. The next checkpoint will have them.',
      );
    }
    const bytes = littleEndian(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength).slice());
    const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const tensors = new Map<string, CheckpointTensor>();
    for (const m of manifest) {
      const data = all.slice(m.offset, m.offset + m.length);
      const bad = data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        const count = data.reduce((n, v) => n + (Number.isFinite(v) ? 0 : 1), 0);
        const cause = checksums
          ? 'the checksum matches, so training wrote them: the run had diverged when this checkpoint was saved'
          : 'the file is damaged';
        throw new Error(
          `${binFile}: tensor ${m.name} holds ${count} non-finite value(s) (NaN or infinity), the first at index ` +
            `${bad}: ${cause}. ${advice}`,
        );
      }
      tensors.set(m.name, { name: m.name, shape: m.shape, data });
    }
    return { state: state as S, tensors, file, warnings };
  }

  /** What to do about a checkpoint that cannot be used: the run's other checkpoints, or a fresh start. */
  private recoveryAdvice(name: string): string {
    const dir = join(this.path, 'checkpoints');
    const others = existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f !== name && !f.startsWith('.') && existsSync(join(dir, f, 'state.json')))
          .sort()
      : [];
    const target = display(this.checkpointPath(name));
    const restart = `start the run again (the same copronet train command, with --out ${display(this.path)} --overwrite)`;
    const head = `Checkpoint '${name}' was not used, and nothing in ${display(this.path)} was changed.`;
    if (others.length === 0) return `${head} The run has no other checkpoint: ${restart}.`;
    const example = display(join(dir, others[0]));
    return (
      `${head} Its other checkpoints: ${others.join(', ')}. To continue from one, put a copy in its place ` +
      `(rm -r ${target} && cp -r ${example} ${target}) and try again; or ${restart}.`
    );
  }
}

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Write a file and flush it to the disk (a checkpoint must survive a power loss once renamed into place). */
function writeDurably(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let done = 0; done < bytes.byteLength; ) done += writeSync(fd, bytes, done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flush a directory's entries (the renames into it); not every platform can. */
function syncDir(path: string): void {
  try {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // e.g. Windows: directories cannot be opened
  }
}

function inode(path: string | undefined): number | undefined {
  if (path === undefined) return undefined;
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

/** A path as messages show it: relative to the working directory when it is inside it. */
function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
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
