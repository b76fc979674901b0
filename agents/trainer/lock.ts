/**
 * One process at a time in a run folder: `run.lock`, created with
 * `open(path, 'wx')` (which fails when the file exists, atomically), holding
 * the owner's pid, hostname and start time as JSON.
 *
 * - A second process is refused, with the pid (and host) that holds the folder.
 * - A stale lock (its pid no longer alive on this host, e.g. after `kill -9` or a
 *   power loss) is taken over, with a warning. One process at a time takes over
 *   (`run.lock.takeover`, also created with 'wx'), so two processes that find the
 *   same stale lock never both win.
 * - The lock is released by `release()` and, whatever else happens, when the process
 *   exits (`process.on('exit')`: normal end, `process.exit`, an uncaught error). A
 *   signal that kills the process outright leaves a stale lock, taken over next time.
 * - Re-entrant within one process (counted): a process that already holds the folder
 *   may take it again (one trainer after another, a test and its trainer); the file goes
 *   when the last holder releases it.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'run.lock';

/** What `run.lock` holds. */
export interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
}

/** A held lock; `release()` is idempotent. */
export interface RunLock {
  readonly path: string;
  release(): void;
}

interface Held {
  count: number;
  content: string;
}

/** Locks held by this process, by path, and the one exit handler that removes them. */
const held = new Map<string, Held>();
let exitHandler: (() => void) | undefined;

function onExit(): void {
  for (const [path, h] of held) removeIfOurs(path, h.content);
  held.clear();
}

/**
 * Take the lock of the run folder `dir` (which must exist). Throws, naming the pid and host that hold
 * it, when another live process does; takes over a stale lock and passes `warn` a message saying so.
 */
export function acquireRunLock(dir: string, warn: (message: string) => void = () => {}): RunLock {
  const path = join(dir, LOCK_FILE);
  const mine = held.get(path);
  if (mine && readOrNull(path) === mine.content) {
    mine.count += 1;
    return handle(path, mine);
  }
  // Its file was removed behind our back (the folder deleted): take it anew.
  if (mine) held.delete(path);
  const content = `${JSON.stringify({
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
  } satisfies LockOwner)}\n`;
  for (let attempt = 0; attempt < 50; attempt++) {
    if (tryCreate(path, content)) {
      const h = { count: 1, content };
      held.set(path, h);
      if (!exitHandler) {
        exitHandler = onExit;
        process.on('exit', exitHandler);
      }
      return handle(path, h);
    }
    const raw = readOrNull(path);
    if (raw === null) continue; // released meanwhile: try again
    const owner = parseOwner(raw);
    if (owner === undefined) {
      // Being written by a process that has just created it, or torn by one killed at that moment.
      if (ageMs(path) < 2000) {
        sleepMs(20);
        continue;
      }
      if (takeOver(path, raw)) {
        warn(`${path} held no owner (a process was killed while taking it): took it over.`);
      }
      continue;
    }
    const where = owner.hostname === hostname() ? '' : ` on host ${owner.hostname}`;
    const since = owner.startedAt ? ` since ${owner.startedAt}` : '';
    if (owner.hostname !== hostname()) {
      throw new Error(
        `${dir} is in use by process ${owner.pid}${where}${since} (${path}). Wait for it to finish, or stop it; ` +
          `if that process is gone, delete ${path}.`,
      );
    }
    if (owner.pid === process.pid) {
      // Our pid, but not taken by this process: left by an earlier process that had the same pid (pids
      // are reused, e.g. by a restarted container), so stale.
      if (takeOver(path, raw)) {
        warn(`${path} was left by an earlier process ${owner.pid}${since}, no longer running: took it over.`);
      }
      continue;
    }
    if (isAlive(owner.pid) && !startedAfter(owner.pid, owner.startedAt)) {
      throw new Error(
        `${dir} is in use by process ${owner.pid}${since} (${path}): another copronet is training in it. ` +
          `Wait for it to finish or stop it (kill -INT ${owner.pid} saves a checkpoint), then try again; ` +
          'to evaluate a running run, copronet eval reads it without the lock.',
      );
    }
    if (takeOver(path, raw)) {
      warn(
        `${path} was left by process ${owner.pid}${since}, which is no longer running (killed, or the machine ` +
          'went down): took the run folder over.',
      );
    }
  }
  throw new Error(
    `Could not take ${path}: it keeps changing (other processes are starting in this run folder). ` +
      'Run one copronet per run folder.',
  );
}

function handle(path: string, h: Held): RunLock {
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      h.count -= 1;
      if (h.count > 0 || held.get(path) !== h) return;
      held.delete(path);
      removeIfOurs(path, h.content);
    },
  };
}

/** Create `path` with 'wx' and write `content`; false when it exists. */
function tryCreate(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Remove the stale lock whose content is `stale`, one process at a time: false when another process is
 * taking it over or it changed meanwhile (the caller then looks again).
 */
function takeOver(path: string, stale: string): boolean {
  const mutex = `${path}.takeover`;
  let fd: number;
  try {
    fd = openSync(mutex, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Left by a process killed while taking over: it takes microseconds, so an old one is stale.
    if (ageMs(mutex) > 10_000) rmQuiet(mutex);
    else sleepMs(20);
    return false;
  }
  try {
    if (readOrNull(path) !== stale) return false;
    unlinkSync(path);
    return true;
  } finally {
    closeSync(fd);
    rmQuiet(mutex);
  }
}

function removeIfOurs(path: string, content: string): void {
  if (readOrNull(path) === content) rmQuiet(path);
}

function parseOwner(raw: string): LockOwner | undefined {
  try {
    const v = JSON.parse(raw) as Partial<LockOwner>;
    if (
      typeof v?.pid === 'number' &&
      Number.isInteger(v.pid) &&
      v.pid > 0 &&
      typeof v.hostname === 'string'
    ) {
      return { pid: v.pid, hostname: v.hostname, startedAt: String(v.startedAt ?? '') };
    }
  } catch {
    // not JSON (yet)
  }
  return undefined;
}

/** Whether a process with this pid runs on this host (EPERM: it does, owned by someone else). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether process `pid` started after `iso` (Linux: /proc), i.e. the pid was reused after the owner
 * died (a container restarts its processes under the same pids). False when it cannot tell.
 */
function startedAfter(pid: number, iso: string): boolean {
  const lockedAt = Date.parse(iso);
  if (!Number.isFinite(lockedAt)) return false;
  try {
    // Field 22 of /proc/<pid>/stat: start time in clock ticks (100 a second) after boot (btime in /proc/stat).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return false;
    return btime * 1000 + ticks * 10 > lockedAt + 2000;
  } catch {
    return false;
  }
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function rmQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
