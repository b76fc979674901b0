/**
 * Faults of a run folder, injected into real files (README "Faults"): a damaged
 * checkpoint (tensors.bin, state.json), a torn or damaged metrics line, the
 * market.jsonl rows a run killed after its checkpoint left, and two processes
 * in one run folder (the lock, stale locks).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../agents/tf/backend.ts';
import { RunDir } from '../agents/trainer/run-dir.ts';
import { resume, Trainer } from '../agents/trainer/trainer.ts';
import { BatchedBandit } from '../envs/classic/bandit.ts';
import { attachMarket, loadLearnedPolicies, makeNetworkEnv } from '../src/app/cli/network-wiring.ts';

let dir: string;
beforeAll(async () => {
  await initBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'copronet-faults-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The iterations of the rows of a run's metrics.jsonl, in order. */
const iterations = (out: string) =>
  RunDir.open(out)
    .readMetrics()
    .map((r) => r.iteration);

const banditEnv = () =>
  new BatchedBandit({
    roles: [
      { name: 'operator', count: 3, target: [0.3, 0.7] },
      { name: 'coprocessor', count: 2, target: [0.8, 0.2, 0.5], low: -1, high: 1 },
    ],
    horizon: 5,
    ejectProb: 0.1,
  });
const SMALL = { hiddenSizes: [16, 16], numSteps: 16, numMinibatches: 2, updateEpochs: 1, yieldMs: 1 };
const ITER = 16 * 5;

let runs = 0;
/** A finished bandit run of `iters` iterations (latest at its end); a fresh copy per call. */
async function banditRun(iters = 2): Promise<string> {
  const out = join(dir, `bandit-${++runs}`);
  const t = new Trainer({
    env: banditEnv(),
    config: { ...SMALL, seed: 2, totalTimesteps: iters * ITER, normObs: true },
    runDir: out,
  });
  await t.run();
  t.dispose();
  return out;
}

/** Every file of a folder and the SHA-256 of its bytes (to check that nothing changed). */
function contents(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const path = join(d.parentPath, d.name);
    if (d.isFile()) out[relative(root, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return out;
}

/** Resume and train to `iters` iterations; returns the warnings the trainer logged. */
async function resumeAndRun(out: string, iters: number): Promise<string[]> {
  const t = await resume(out, banditEnv(), { totalTimesteps: iters * ITER });
  const warnings: string[] = [];
  t.events$.subscribe((e) => {
    if (e.type === 'log' && e.level === 'warn') warnings.push(e.message);
  });
  await t.run();
  t.dispose();
  return warnings;
}

const statePath = (out: string) => join(out, 'checkpoints', 'latest', 'state.json');
const binPath = (out: string) => join(out, 'checkpoints', 'latest', 'tensors.bin');
const editState = (out: string, edit: (s: Record<string, unknown>) => void) => {
  const s = JSON.parse(readFileSync(statePath(out), 'utf8'));
  edit(s);
  writeFileSync(statePath(out), JSON.stringify(s));
};

/** Deterministic bytes (random-looking: many are not finite as float32). */
function noise(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

describe('a damaged checkpoint is refused before anything is written', () => {
  it('tensors.bin of random bytes of the right size: refused naming the file, the run folder unchanged', async () => {
    const out = await banditRun();
    writeFileSync(binPath(out), noise(readFileSync(binPath(out)).length));
    const before = contents(out);
    await expect(resume(out, banditEnv())).rejects.toThrow(
      /checkpoints\/latest\/tensors\.bin: its SHA-256 is [0-9a-f]{64}, state\.json records [0-9a-f]{64}/,
    );
    expect(contents(out)).toEqual(before);
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
  });

  it('state.json: errors name the file and the field, and metrics.jsonl keeps its rows', async () => {
    const template = await banditRun();
    const cases: [string, (out: string) => void, RegExp][] = [
      [
        'iteration "abc"',
        (o) => editState(o, (s) => (s.iteration = 'abc')),
        /checkpoints\/latest\/state\.json: iteration: expected a non-negative integer, got "abc"/,
      ],
      [
        'no tensors',
        (o) => editState(o, (s) => delete s.tensors),
        /state\.json: tensors: expected array, got nothing \(the field is missing\)/,
      ],
      ['no env', (o) => editState(o, (s) => delete s.env), /state\.json: env: missing/],
      [
        'a string in obs',
        (o) => editState(o, (s) => ((s.roles as { operator: { obs: unknown[] } }).operator.obs[1] = 'x')),
        /state\.json: roles\.operator\.obs\[1\]: expected a finite number, got "x"/,
      ],
      [
        'a shape that does not fit its length',
        (o) => editState(o, (s) => ((s.tensors as { shape: number[] }[])[0].shape = [1])),
        /state\.json: tensors\[0\] \(operator\/actor\/w0\): shape \[1\] has 1 values, its length says \d+/,
      ],
      [
        'cut in half',
        (o) => writeFileSync(statePath(o), readFileSync(statePath(o), 'utf8').slice(0, 3000)),
        /state\.json: not valid JSON/,
      ],
      [
        'a counter changed to another valid value',
        (o) => editState(o, (s) => (s.globalStep = (s.globalStep as number) + ITER)),
        /state\.json: its content does not match the SHA-256 it records/,
      ],
      [
        'tensors.bin cut short',
        (o) => writeFileSync(binPath(o), readFileSync(binPath(o)).subarray(0, 1000)),
        /tensors\.bin: 1000 bytes, but the manifest in state\.json describes \d+ float32 values/,
      ],
    ];
    for (const [what, damage, message] of cases) {
      const out = join(dir, `state-${what.replace(/\W+/g, '-')}`);
      cpSync(template, out, { recursive: true });
      damage(out);
      const before = contents(out);
      await expect(resume(out, banditEnv()), what).rejects.toThrow(message);
      // The error says what to do.
      await expect(resume(out, banditEnv()), what).rejects.toThrow(/--overwrite|cp -r/);
      expect(contents(out), what).toEqual(before);
      expect(RunDir.open(out).readMetrics(), what).toHaveLength(2);
    }
  });

  it('a checkpoint from before checksums: resumed with a warning; with a NaN in it, refused', async () => {
    const out = await banditRun();
    editState(out, (s) => {
      delete s.checksums;
      for (const t of s.tensors as Record<string, unknown>[]) delete t.dtype;
    });
    const old = join(dir, 'old-nan');
    cpSync(out, old, { recursive: true });
    const warnings = await resumeAndRun(out, 3);
    expect(warnings.join('\n')).toMatch(
      /state\.json records no checksums \(written before copronet recorded them\)/,
    );
    expect(iterations(out)).toEqual([1, 2, 3]);
    // The checkpoint it wrote has them.
    expect(JSON.parse(readFileSync(statePath(out), 'utf8')).checksums).toBeDefined();

    const bin = readFileSync(binPath(old));
    bin.writeFloatLE(Number.NaN, 4 * 7);
    writeFileSync(binPath(old), bin);
    await expect(resume(old, banditEnv())).rejects.toThrow(
      /tensors\.bin: tensor operator\/actor\/w0 holds 1 non-finite value\(s\) \(NaN or infinity\), the first at index 7/,
    );
  });
});

describe('metrics.jsonl', () => {
  it('a torn last line is dropped with a warning naming the file and the line; the run goes on', async () => {
    const out = await banditRun();
    appendFileSync(join(out, 'metrics.jsonl'), '{"global_step":240,"iteration":3,"charts/SPS":12');
    const warnings = await resumeAndRun(out, 3);
    expect(warnings.join('\n')).toMatch(/metrics\.jsonl, line 3: the last line was torn .*: dropped it/);
    expect(iterations(out)).toEqual([1, 2, 3]);
  });

  it('a bad line before the last is refused, naming the file and the line; nothing changes', async () => {
    const out = await banditRun(3);
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n');
    lines[1] = lines[1].slice(0, 40);
    writeFileSync(join(out, 'metrics.jsonl'), lines.join('\n'));
    const before = contents(out);
    await expect(resume(out, banditEnv())).rejects.toThrow(/metrics\.jsonl, line 2: it is not valid JSON/);
    expect(contents(out)).toEqual(before);
  });
});

/** A finished run on the tiny network scenario with its market.jsonl (a row at every yield) and cli.json. */
async function networkRun(name: string, iters: number): Promise<{ out: string; batch: number }> {
  const out = join(dir, name);
  const config = { numSteps: 32, hiddenSizes: [16], updateEpochs: 1, yieldMs: 1, seed: 3 };
  const probe = new Trainer({
    env: makeNetworkEnv('tiny', [], 3),
    config: { ...config, totalTimesteps: 1e6 },
  });
  const batch = probe.batchSamples;
  probe.dispose();
  const t = new Trainer({
    env: makeNetworkEnv('tiny', [], 3),
    config: { ...config, totalTimesteps: iters * batch },
    runDir: out,
    scenario: 'tiny',
  });
  t.runDir!.writeJson('cli.json', { env: 'tiny', kind: 'batched', numEnvs: 4, overrides: [] });
  const attached = attachMarket(t, 0);
  await t.run();
  attached.dispose();
  t.dispose();
  return { out, batch };
}

const marketRows = (out: string) =>
  readFileSync(join(out, 'market.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as { global_step: number; injected?: boolean });

describe('market.jsonl after kill -9', () => {
  it('drops the rows a run killed after its checkpoint wrote, keeps every row before it, and the steps never go back', async () => {
    const { out, batch } = await networkRun('market', 2);
    const kept = readFileSync(join(out, 'market.jsonl'), 'utf8');
    const steps = marketRows(out).map((r) => r.global_step);
    expect(new Set(steps)).toEqual(new Set([0, batch]));
    // What a process killed during iterations 3 and 4 after the checkpoint at 2 leaves behind.
    const last = JSON.parse(kept.trim().split('\n').at(-1)!);
    for (const step of [2 * batch, 2 * batch, 3 * batch]) {
      appendFileSync(
        join(out, 'market.jsonl'),
        `${JSON.stringify({ ...last, global_step: step, injected: true })}\n`,
      );
    }
    appendFileSync(join(out, 'market.jsonl'), '{"global_step":');
    appendFileSync(
      join(out, 'metrics.jsonl'),
      `${JSON.stringify({ global_step: 3 * batch, iteration: 3 })}\n`,
    );

    const t = await resume(out, makeNetworkEnv('tiny', [], 3), { totalTimesteps: 3 * batch });
    const warnings: string[] = [];
    t.events$.subscribe((e) => {
      if (e.type === 'log') warnings.push(e.message);
    });
    const attached = attachMarket(t, 0);
    await t.run();
    attached.dispose();
    t.dispose();

    const text = readFileSync(join(out, 'market.jsonl'), 'utf8');
    expect(text.startsWith(kept)).toBe(true);
    const rows = marketRows(out);
    expect(rows.filter((r) => r.injected)).toEqual([]);
    const after = rows.map((r) => r.global_step);
    for (let i = 1; i < after.length; i++) expect(after[i]).toBeGreaterThanOrEqual(after[i - 1]);
    expect(after.at(-1)).toBe(2 * batch);
    expect(warnings.join('\n')).toMatch(/market\.jsonl, line \d+: the last line was torn/);
    expect(iterations(out)).toEqual([1, 2, 3]);
  }, 60_000);

  it('copronet eval refuses a run whose tensors.bin is damaged, and reads a good one without writing to it', async () => {
    const { out, batch } = await networkRun('eval', 1);
    // As while it trains: the log is ahead of the checkpoint. Evaluating must not cut it back.
    appendFileSync(
      join(out, 'metrics.jsonl'),
      `${JSON.stringify({ global_step: 2 * batch, iteration: 2 })}\n`,
    );
    const before = contents(out);
    const loaded = await loadLearnedPolicies(out);
    expect(loaded.trainedRoles.length).toBeGreaterThan(0);
    expect(contents(out)).toEqual(before);

    writeFileSync(binPath(out), noise(readFileSync(binPath(out)).length, 7));
    await expect(loadLearnedPolicies(out)).rejects.toThrow(
      /checkpoints\/latest\/tensors\.bin: its SHA-256 is/,
    );
  }, 60_000);
});

/** A pid that no process has any more. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

describe('one process per run folder', () => {
  const lockOf = (pid: number, host = hostname(), startedAt = '2026-01-01T00:00:00.000Z') =>
    `${JSON.stringify({ pid, hostname: host, startedAt })}\n`;

  it('a stale lock (its pid dead) is taken over with a warning and removed at the end', async () => {
    const out = await banditRun();
    const pid = deadPid();
    writeFileSync(join(out, 'run.lock'), lockOf(pid));
    const warnings = await resumeAndRun(out, 3);
    expect(warnings.join('\n')).toMatch(
      new RegExp(`run\\.lock was left by process ${pid}.*no longer running`),
    );
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
    expect(iterations(out)).toEqual([1, 2, 3]);
  });

  it('an empty run.lock (its process killed while taking it) is taken over once it is not new', async () => {
    const out = await banditRun();
    writeFileSync(join(out, 'run.lock'), '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(out, 'run.lock'), old, old);
    const warnings = await resumeAndRun(out, 3);
    expect(warnings.join('\n')).toMatch(/run\.lock held no owner .*took it over/);
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
  });

  it('a live lock of another process refuses resume and a fresh run, naming the pid; another host too', async () => {
    const out = await banditRun();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      // Taken after the process started, as its owner would have.
      const since = new Date().toISOString();
      writeFileSync(join(out, 'run.lock'), lockOf(child.pid!, hostname(), since));
      const before = contents(out);
      await expect(resume(out, banditEnv())).rejects.toThrow(
        new RegExp(`is in use by process ${child.pid} since ${since}`),
      );
      expect(contents(out)).toEqual(before);
      const fresh = join(dir, 'fresh-locked');
      mkdirSync(fresh);
      writeFileSync(join(fresh, 'run.lock'), lockOf(child.pid!, hostname(), since));
      expect(() => new Trainer({ env: banditEnv(), config: SMALL, runDir: fresh })).toThrow(
        new RegExp(`in use by process ${child.pid}`),
      );
      expect(readdirSync(fresh)).toEqual(['run.lock']);
      writeFileSync(join(out, 'run.lock'), lockOf(4242, 'elsewhere'));
      await expect(resume(out, banditEnv())).rejects.toThrow(/in use by process 4242 on host elsewhere/);
    } finally {
      child.kill();
    }
  });
});

// ---------------------------------------------------------------------------
// Real processes: the CLI as a user starts it.

interface Proc {
  child: ChildProcess;
  out: string;
  code: Promise<number | null>;
}

function cli(args: string[]): Proc {
  const child = spawn(process.execPath, ['bin/dev.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const p: Proc = {
    child,
    out: '',
    code: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  child.stdout!.on('data', (d) => (p.out += d));
  child.stderr!.on('data', (d) => (p.out += d));
  return p;
}

/** Resolves when `p` has printed a line matching `re` (or exited). */
function printed(p: Proc, re: RegExp): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (re.test(p.out)) resolve();
    };
    p.child.stdout!.on('data', check);
    p.child.stderr!.on('data', check);
    p.code.then(() => resolve());
    check();
  });
}

const TRAIN = ['train', '--scenario', 'tiny', '--no-dashboard'];

describe('the CLI in one run folder', () => {
  it('two train --resume at once: the second is refused naming the first pid; each iteration logged once', async () => {
    const out = join(dir, 'cli-two');
    const first = cli([...TRAIN, '--timesteps', '1024', '--out', out]);
    expect(await first.code, first.out).toBe(0);
    const a = cli(['train', '--resume', out, '--timesteps', '10000000', '--no-dashboard']);
    const b = cli(['train', '--resume', out, '--timesteps', '10000000', '--no-dashboard']);
    try {
      // One of them is refused; if neither is, both train, and the race below settles it.
      const loser = await Promise.race([
        a.code.then(() => a),
        b.code.then(() => b),
        Promise.all([printed(a, /^iter 3 /m), printed(b, /^iter 3 /m)]).then(() => undefined),
      ]);
      expect(loser, `both trained:\n${a.out}\n---\n${b.out}`).toBeDefined();
      const winner = loser === a ? b : a;
      expect(await loser!.code).toBe(1);
      expect(loser!.out).toMatch(new RegExp(`is in use by process ${winner.child.pid}\\b`));
      await printed(winner, /^iter 3 /m);
      winner.child.kill('SIGINT');
      expect(await winner.code, winner.out).toBe(0);
    } finally {
      a.child.kill('SIGKILL');
      b.child.kill('SIGKILL');
    }
    const iters = iterations(out);
    expect(iters).toEqual(iters.map((_, i) => i + 1));
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
  }, 180_000);

  it('kill -9, then --resume: the stale lock is taken over, metrics once each, market steps never go back', async () => {
    const out = join(dir, 'cli-kill');
    const run = cli([...TRAIN, '--timesteps', '10000000', '--out', out, '--set', 'checkpointEvery=3']);
    await printed(run, /^iter 5 /m);
    run.child.kill('SIGKILL');
    await run.code;
    expect(existsSync(join(out, 'run.lock'))).toBe(true);
    const ckpt = JSON.parse(readFileSync(statePath(out), 'utf8')) as {
      globalStep: number;
      iteration: number;
    };
    expect(ckpt.iteration).toBeGreaterThanOrEqual(3);
    const before = marketRows(out).filter((r) => r.global_step < ckpt.globalStep);

    const again = cli([
      'train',
      '--resume',
      out,
      '--timesteps',
      String(ckpt.globalStep + 2048),
      '--no-dashboard',
    ]);
    expect(await again.code, again.out).toBe(0);
    expect(again.out).toMatch(
      new RegExp(`warn: .*run\\.lock was left by process ${run.child.pid}.*no longer running`),
    );
    const iters = iterations(out);
    expect(iters).toEqual(iters.map((_, i) => i + 1));
    const rows = marketRows(out);
    expect(rows.slice(0, before.length)).toEqual(before);
    const steps = rows.map((r) => r.global_step);
    for (let i = 1; i < steps.length; i++) expect(steps[i]).toBeGreaterThanOrEqual(steps[i - 1]);
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
  }, 180_000);
});
