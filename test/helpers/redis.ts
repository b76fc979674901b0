/**
 * A real Redis per test (Debian's redis-server on a free loopback port, no
 * persistence, stopped by its pid) and `copronet worker` processes from the
 * sources, for test/queue.test.ts and `npm run bench -- queue`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Throws, saying how to install it, when redis-server is missing (CI installs it: .ci/run). */
export function requireRedisServer(): void {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error(
      'redis-server is not installed: the queue tests need a real Redis. Install it with `apt-get install redis-server` (.ci/run does).',
    );
  }
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True when something on `port` answers PING with PONG. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let data = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      data += d.toString();
      if (data.includes('\r\n')) done(data.startsWith('+PONG'));
    });
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export class RedisServer {
  private readonly dir = mkdtempSync(join(tmpdir(), 'copronet-redis-'));
  private pid = 0;
  private constructor(readonly port: number) {}

  /** Start a server on a free port and wait until it answers. */
  static async start(): Promise<RedisServer> {
    requireRedisServer();
    const server = new RedisServer(await freePort());
    await server.up();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** (Re)start on the same port: empty, as a Redis without persistence comes back. */
  async up(): Promise<void> {
    const pidfile = join(this.dir, 'redis.pid');
    rmSync(pidfile, { force: true });
    const r = spawnSync('redis-server', [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'yes',
      '--pidfile',
      pidfile,
      '--dir',
      this.dir,
      '--logfile',
      join(this.dir, 'redis.log'),
    ]);
    if (r.status !== 0) throw new Error(`redis-server did not start: ${r.stderr}`);
    for (let i = 0; i < 100; i++) {
      if (existsSync(pidfile) && (await pong(this.port))) {
        this.pid = Number(readFileSync(pidfile, 'utf8').trim());
        return;
      }
      await sleep(50);
    }
    throw new Error(`redis-server on port ${this.port} did not answer`);
  }

  /** Stop the server by its pid (SIGKILL: nothing saved) and wait until it is gone. */
  async down(): Promise<void> {
    if (!this.pid) return;
    const pid = this.pid;
    this.pid = 0;
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
  }

  async stop(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A `copronet worker` process from the sources (bin/dev.mjs), its stderr kept. */
export class WorkerProcess {
  readonly child: ChildProcess;
  output = '';
  private waiters: { re: RegExp; from: number; resolve: (m: RegExpMatchArray) => void }[] = [];

  constructor(url: string, args: string[] = []) {
    this.child = spawn(process.execPath, ['bin/dev.mjs', 'worker', '--queue', url, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (d: Buffer) => {
      this.output += d.toString();
      this.waiters = this.waiters.filter((w) => {
        const m = this.output.slice(w.from).match(w.re);
        if (m) w.resolve(m);
        return !m;
      });
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
  }

  /** Resolves when the output (from character `from` on) matches `re`. */
  waitFor(re: RegExp, from = 0): Promise<RegExpMatchArray> {
    const m = this.output.slice(from).match(re);
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => this.waiters.push({ re, from, resolve }));
  }

  /** Started and connected: the worker said it is ready. */
  ready(): Promise<RegExpMatchArray> {
    return this.waitFor(/worker \S+ ready/);
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** kill -9 (the sandboxed processes end with the IPC channel). */
  kill9(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  /** SIGTERM, then SIGKILL if it has not ended after `ms`. */
  async stop(ms = 10_000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), ms);
    await gone;
    clearTimeout(t);
  }
}

/**
 * A test's own Redis and `count` ready `copronet worker` processes on it, for `fn`; the workers and the server
 * are stopped afterwards, whatever `fn` does.
 */
export async function withWorkers<T>(
  count: number,
  fn: (redis: RedisServer, workers: WorkerProcess[]) => Promise<T>,
): Promise<T> {
  const redis = await RedisServer.start();
  const workers = Array.from({ length: count }, () => new WorkerProcess(redis.url));
  try {
    await Promise.all(workers.map((w) => w.ready()));
    return await fn(redis, workers);
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await redis.stop();
  }
}
