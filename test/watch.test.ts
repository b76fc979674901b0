import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerWatchCommand } from '../src/app/cli/commands/watch.ts';
import type { TrainerEvent } from '../src/core/train-events.ts';
import { createWatchHandle, LineTail, NotARunError } from '../src/app/dashboard/watch-handle.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'copronet-watch-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const runJson = {
  runName: 'watched',
  scenario: 'baseline-market',
  backend: 'cpu',
  seed: 3,
  totalTimesteps: 4096,
  roles: ['operator', 'coprocessor'],
  baselineReturns: { operator: 1 },
};
const metricsLine = (i: number) =>
  JSON.stringify({
    global_step: i * 512,
    iteration: i,
    elapsed_sec: i * 1.5,
    'charts/SPS': 341,
    'charts/episodic_return/operator': i * 2,
  });
const marketLine = JSON.stringify({
  global_step: 512,
  period: 9,
  delegatedShare: 0.5,
  selfExecutedShare: 0.3,
  droppedShare: 0.2,
  meanPriceRatio: 0.95,
  failures: 1,
  slashes: 0,
  undetectedShirks: 2,
  activeOperators: 4,
  activeCoprocessors: 3,
  coprocessorLoads: [0.5, null, 0.9],
  reputations: { operator: [0.9, 0.8], coprocessor: [0.7, 0.6, null] },
  optimalLoad: 0.7,
});

async function collect(until: (events: TrainerEvent[]) => boolean, timeoutMs = 3000) {
  const handle = createWatchHandle(dir, { pollMs: 20 });
  const events: TrainerEvent[] = [];
  let completed = false;
  handle.events$.subscribe({ next: (e) => events.push(e), complete: () => (completed = true) });
  const end = Date.now() + timeoutMs;
  while (!until(events)) {
    if (Date.now() > end) throw new Error(`timed out; got ${events.map((e) => e.type).join(',')}`);
    await sleep(10);
  }
  return { handle, events, isCompleted: () => completed };
}

describe('createWatchHandle', () => {
  it('refuses a directory that is not a run, saying what to pass', () => {
    expect(() => createWatchHandle(join(dir, 'nope'))).toThrow(
      /is not a directory.*copronet watch runs\/<name>/,
    );
    expect(() => createWatchHandle(dir)).toThrow(NotARunError);
    expect(() => createWatchHandle(dir)).toThrow(/has no run\.json/);
    writeFileSync(join(dir, 'run.json'), '{"runName": ');
    expect(() => createWatchHandle(dir)).toThrow(/not valid JSON/);
    writeFileSync(join(dir, 'run.json'), '{"foo": 1}');
    expect(() => createWatchHandle(dir)).toThrow(/no "runName"/);
  });

  it('replays run.json, metrics.jsonl and market.jsonl, then follows appends, including a partial last line', async () => {
    writeFileSync(join(dir, 'run.json'), JSON.stringify(runJson));
    writeFileSync(join(dir, 'metrics.jsonl'), `${metricsLine(1)}\n${metricsLine(2)}\n`);
    writeFileSync(join(dir, 'market.jsonl'), `${marketLine}\n`);
    const { handle, events, isCompleted } = await collect((ev) => ev.length >= 4);
    expect(events[0]).toMatchObject({
      type: 'start',
      runName: 'watched',
      totalTimesteps: 4096,
      roles: ['operator', 'coprocessor'],
    });
    expect(events[1]).toEqual({
      type: 'iteration',
      iteration: 1,
      globalStep: 512,
      elapsedSec: 1.5,
      metrics: { 'charts/SPS': 341, 'charts/episodic_return/operator': 2 },
    });
    const market = events.find((e) => e.type === 'market');
    if (market?.type !== 'market') throw new Error('no market event');
    expect(market.globalStep).toBe(512);
    expect(market.market.coprocessorLoads).toBeInstanceOf(Float32Array);
    expect(
      Array.from(market.market.coprocessorLoads).map((v) => (Number.isNaN(v) ? 'NaN' : v.toFixed(1))),
    ).toEqual(['0.5', 'NaN', '0.9']);
    expect(Number.isNaN(market.market.reputations.coprocessor[2])).toBe(true);
    // A line from before the choices were recorded: they load as NaN, the mechanism as unknown.
    expect(market.market).toMatchObject({ mechanism: '', bidReading: 'markup' });
    for (const k of ['meanMarkup', 'meanPsi', 'meanKappa', 'meanShirk', 'meanEta', 'meanTheta'] as const) {
      expect(market.market[k], k).toBeNaN();
    }

    // A writer caught mid-line: nothing until the newline arrives.
    const line3 = metricsLine(3);
    appendFileSync(join(dir, 'metrics.jsonl'), line3.slice(0, 25));
    await sleep(100);
    expect(events).toHaveLength(4);
    appendFileSync(join(dir, 'metrics.jsonl'), `${line3.slice(25)}\n`);
    const end = Date.now() + 2000;
    while (events.length < 5 && Date.now() < end) await sleep(10);
    expect(events[4]).toMatchObject({ type: 'iteration', iteration: 3, globalStep: 1536 });

    // Controls cannot reach the other process; stop ends the stream.
    handle.pause();
    handle.requestSave();
    handle.requestStop();
    expect(isCompleted()).toBe(true);
  });

  it('reads the agents choices of a market line, and which reading of the first action applies', async () => {
    const choices = {
      meanMarkup: 0.12,
      meanPsi: 0.56,
      meanKappa: 0.8,
      meanShirk: 0.03,
      meanEta: 0.91,
      meanTheta: 0.2,
    };
    const line = (extra: Record<string, unknown>) =>
      JSON.stringify({ ...JSON.parse(marketLine), ...choices, ...extra });
    writeFileSync(join(dir, 'run.json'), JSON.stringify(runJson));
    writeFileSync(
      join(dir, 'market.jsonl'),
      `${line({ mechanism: 'scoring-dutch', bidReading: 'markup' })}\n${line({ mechanism: 'reverse-dutch', bidReading: 'psi' })}\n${line({ mechanism: 'qualified-dutch' })}\n`,
    );
    const { handle, events } = await collect((ev) => ev.length >= 4);
    const markets = events.flatMap((e) => (e.type === 'market' ? [e.market] : []));
    expect(markets.map((m) => [m.mechanism, m.bidReading])).toEqual([
      ['scoring-dutch', 'markup'],
      ['reverse-dutch', 'psi'],
      // No bidReading in the line: the mechanism's.
      ['qualified-dutch', 'psi'],
    ]);
    for (const m of markets) expect(m).toMatchObject(choices);
    handle.requestStop();
  });

  it('takes role names from the role specs a trainer writes, and replays each iteration after its snapshots', async () => {
    const spec = (name: string) => ({ name, count: 4, obsDim: 19, action: { kind: 'box', dim: 2 } });
    writeFileSync(
      join(dir, 'run.json'),
      JSON.stringify({ ...runJson, roles: [spec('operator'), spec('coprocessor')] }),
    );
    // Snapshots carry the step of the iteration before their rollout: 0 before iteration 1 (step 512), 512 after.
    const market = (step: number) => JSON.stringify({ ...JSON.parse(marketLine), global_step: step });
    writeFileSync(join(dir, 'metrics.jsonl'), `${metricsLine(1)}\n${metricsLine(2)}\n`);
    writeFileSync(join(dir, 'market.jsonl'), `${market(0)}\n${market(0)}\n${market(512)}\n`);
    const { handle, events } = await collect((ev) => ev.length >= 6);
    expect(events[0]).toMatchObject({ type: 'start', roles: ['operator', 'coprocessor'] });
    expect(events.slice(1).map((e) => `${e.type}@${'globalStep' in e ? e.globalStep : ''}`)).toEqual([
      'market@0',
      'market@0',
      'iteration@512',
      'market@512',
      'iteration@1024',
    ]);
    handle.requestStop();
  });

  it('waits for files that do not exist yet and reports malformed lines', async () => {
    writeFileSync(join(dir, 'run.json'), JSON.stringify(runJson));
    const { handle, events } = await collect((ev) => ev.length >= 1);
    writeFileSync(join(dir, 'metrics.jsonl'), `not json\n${metricsLine(1)}\n`);
    const end = Date.now() + 2000;
    while (events.length < 3 && Date.now() < end) await sleep(10);
    expect(events.map((e) => e.type)).toEqual(['start', 'log', 'iteration']);
    expect(events[1]).toMatchObject({ level: 'warn', message: expect.stringContaining('malformed line') });
    handle.requestStop();
  });
});

describe('LineTail', () => {
  it('splits a multi-byte character across reads without corrupting it', () => {
    const file = join(dir, 'x.jsonl');
    const tail = new LineTail(file);
    expect(tail.read()).toEqual([]);
    const bytes = Buffer.from('{"m":"μ-load"}\n');
    writeFileSync(file, bytes.subarray(0, 7));
    expect(tail.read()).toEqual([]);
    appendFileSync(file, bytes.subarray(7));
    expect(tail.read()).toEqual(['{"m":"μ-load"}']);
  });
  it('starts over when the file is truncated', () => {
    const file = join(dir, 'y.jsonl');
    const tail = new LineTail(file);
    writeFileSync(file, 'aaaa\nbbbb\n');
    expect(tail.read()).toEqual(['aaaa', 'bbbb']);
    writeFileSync(file, 'c\n');
    expect(tail.read()).toEqual(['c']);
  });
});

describe('copronet watch', () => {
  function program() {
    const p = new Command('copronet').exitOverride();
    let err = '';
    p.configureOutput({ writeErr: (s) => (err += s), writeOut: () => {} });
    registerWatchCommand(p);
    for (const c of p.commands) c.exitOverride().configureOutput({ writeErr: (s) => (err += s) });
    return { p, err: () => err };
  }

  it('says clearly when the directory is not a run', async () => {
    const { p, err } = program();
    await expect(p.parseAsync(['node', 'copronet', 'watch', dir])).rejects.toMatchObject({ exitCode: 2 });
    expect(err()).toContain(`${dir} is not a run directory: it has no run.json`);
  });

  it('prints plain lines of a watched run with --no-dashboard and stops on requestStop (SIGINT)', async () => {
    writeFileSync(join(dir, 'run.json'), JSON.stringify(runJson));
    writeFileSync(join(dir, 'metrics.jsonl'), `${metricsLine(1)}\n`);
    const { p } = program();
    const out: string[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => {
      out.push(String(s));
      return true;
    }) as typeof process.stdout.write;
    try {
      const run = p.parseAsync(['node', 'copronet', 'watch', dir, '--no-dashboard', '--poll', '20']);
      const end = Date.now() + 2000;
      while (!out.join('').includes('it 1 |') && Date.now() < end) await sleep(10);
      process.emit('SIGINT');
      await run;
    } finally {
      process.stdout.write = orig;
    }
    expect(out.join('')).toContain('run watched: scenario baseline-market');
    expect(out.join('')).toContain('it 1 | step 512/4,096 12.5% | 341 sps');
  });
});
