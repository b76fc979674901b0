/**
 * Atomic file writes: write a temporary file next to the target, then rename it
 * over the target. A reader (or a crash) never sees a half-written file.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let counter = 0;

/** Temporary sibling path for `path` (same directory, so rename is atomic). */
export function tempPath(path: string): string {
  return join(dirname(path), `.${Date.now().toString(36)}-${process.pid}-${counter++}.tmp`);
}

/** Write `data` to `path` atomically, creating parent directories. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPath(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Write a value as pretty JSON, atomically. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
