/**
 * The shared folder of a multi-seed training run (README "Sweeps on several
 * machines"): checkpoints are too large to travel as a job result
 * (`MAX_RESULT_BYTES`), so a `train` job writes its run folder into a folder
 * that the coordinator and every worker see at the same path (a network file
 * system, or one machine), and its result names the files. The coordinator
 * marks the folder with a token (`.copronet-shared.json`) that travels in
 * every job; a worker that does not find the token there refuses the job,
 * naming the path, before it trains anything.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { processName, unrecoverable } from '../jobs/spec.ts';

/** The marker file in the shared folder. */
export const SHARED_FILE = '.copronet-shared.json';

interface SharedMarker {
  token: string;
  createdBy: string;
}

/**
 * Create `out` and its marker if they are not there, and return its token (the same on every call, so a
 * coordinator run again enqueues the same jobs, with the same ids).
 */
export function ensureSharedFolder(out: string): string {
  mkdirSync(out, { recursive: true });
  const file = join(out, SHARED_FILE);
  if (!existsSync(file)) {
    const marker: SharedMarker = { token: randomBytes(12).toString('hex'), createdBy: processName() };
    try {
      // 'wx': of two coordinators starting at once, one writes and both read its token.
      writeFileSync(file, `${JSON.stringify(marker, null, 2)}\n`, { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return readMarker(file).token;
}

function readMarker(file: string): SharedMarker {
  const m = JSON.parse(readFileSync(file, 'utf8')) as Partial<SharedMarker>;
  if (typeof m.token !== 'string') throw new Error(`${file}: no token (not written by copronet?)`);
  return m as SharedMarker;
}

/** Throws an unrecoverable error naming the path unless `out` holds the marker with `token`. */
export function checkSharedFolder(out: string, token: string): void {
  const file = join(out, SHARED_FILE);
  const fix = `mount the coordinator's folder at the same path on every worker (a shared file system), or run the workers on the coordinator's machine`;
  if (!existsSync(file)) {
    throw unrecoverable(
      `worker ${processName()} cannot see the shared folder ${out} (no ${SHARED_FILE} there): ${fix}`,
    );
  }
  let found: string;
  try {
    found = readMarker(file).token;
  } catch (err) {
    throw unrecoverable(`worker ${processName()}: ${(err as Error).message}: ${fix}`);
  }
  if (found !== token) {
    throw unrecoverable(
      `worker ${processName()} sees another folder at ${out} (${SHARED_FILE} holds another token than the coordinator's): ${fix}`,
    );
  }
}

/** Every file under `dir`, relative to it, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out;
}
