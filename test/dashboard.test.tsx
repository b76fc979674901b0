import { EventEmitter } from 'node:events';
import { render } from 'ink-testing-library';
import { Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { NoKeys } from '../bench/dashboard.ts';
import type { TrainerEvent } from '../src/core/train-events.ts';
import { Dashboard } from '../src/app/dashboard/Dashboard.tsx';
import { createDashboardStore } from '../src/app/dashboard/dashboard-store.ts';
import { runDashboard } from '../src/app/dashboard/run-dashboard.ts';
import { fmtNum, fmtPct } from '../src/app/dashboard/format.ts';
import {
  syntheticIteration,
  syntheticMarket,
  syntheticStart,
} from '../src/app/dashboard/synthetic-trainer.ts';
import type { TrainerHandle } from '../src/app/dashboard/types.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const strip = (s: string | undefined) => (s ?? '').replace(ANSI, '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function fakeHandle() {
  const subject = new Subject<TrainerEvent>();
  const calls: string[] = [];
  const handle: TrainerHandle = {
    events$: subject.asObservable(),
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
    requestSave: () => calls.push('requestSave'),
    requestStop: () => calls.push('requestStop'),
  };
  return { subject, calls, handle };
}

function script(subject: Subject<TrainerEvent>, iterations = 5) {
  subject.next(syntheticStart('demo-run-42', 1_000_000));
  for (let i = 1; i <= iterations; i++) {
    subject.next({
      type: 'iteration',
      iteration: i,
      globalStep: i * 2048,
      elapsedSec: i * 2,
      metrics: {
        'charts/SPS': 3210,
        'charts/episodic_return/operator': 10 + i,
        'charts/episodic_return/coprocessor': -3.25 + i,
        'losses/policy_loss/operator': -0.0123,
        'losses/approx_kl/operator': 0.0042,
      },
    });
  }
  subject.next({ type: 'market', globalStep: iterations * 2048, market: syntheticMarket(17) });
  subject.next({
    type: 'checkpoint',
    globalStep: 10240,
    path: 'runs/demo-run-42/ckpt-10240',
    reason: 'periodic',
  });
}

/** A stdout with a size, for ink, that keeps the last full frame. */
class SizedStdout extends EventEmitter {
  isTTY = true;
  frames: string[] = [];
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (s: string) => {
    if (s.includes('copronet')) this.frames.push(s);
    return true;
  };
  lastFrame = () => strip(this.frames[this.frames.length - 1]);
}

const stores: { dispose(): void }[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.dispose();
});

/** A row of the choices panel: label column, value column, then the trend. */
const choiceRow = (label: string, value: string, labelW = 11) =>
  `${label.padEnd(labelW)}${value.padStart(7)} `;

function mount() {
  const f = fakeHandle();
  const store = createDashboardStore(f.handle.events$, { throttleMs: 5 });
  stores.push(store);
  const app = render(<Dashboard store={store} controls={f.handle} />);
  return { ...f, app, frame: () => strip(app.lastFrame()) };
}

describe('Dashboard', () => {
  it('shows the run, returns, SPS and market values of a scripted event stream', async () => {
    const { subject, app, frame } = mount();
    script(subject);
    await waitFor(() => frame().includes('demo-run-42') && frame().includes('15'), 'the curves panel');
    const f = frame();
    expect(f).toContain('demo-run-42');
    expect(f).toContain('baseline-market');
    expect(f).toContain('3,210 sps');
    expect(f).toContain('operator return 15');
    expect(f).toContain('coprocessor return 1.75');
    expect(f).toContain('baseline 40');
    expect(f).toContain('checkpoint (periodic) -> runs/demo-run-42/ckpt-10240');
    app.stdin.write('2');
    const m = syntheticMarket(17);
    await waitFor(() => frame().includes('delegated'), 'the market panel');
    expect(frame()).toContain(`${(m.delegatedShare * 100).toFixed(1)}%`);
    expect(frame()).toContain(`${(m.droppedShare * 100).toFixed(1)}%`);
    expect(frame()).toContain(`operators ${m.activeOperators}`);
    app.stdin.write('3');
    await waitFor(() => frame().includes('L*=0.7'), 'the load panel');
    app.stdin.write('4');
    await waitFor(() => frame().includes('approx KL'), 'the health panel');
    expect(frame()).toContain('-0.0123');
    expect(frame()).toContain('0.0042');
    app.stdin.write('6');
    await waitFor(() => frame().includes('bid markup'), 'the choices panel');
    const f6 = frame();
    expect(f6).toContain(' 6 Choices');
    expect(f6).toContain('scoring-dutch');
    expect(f6).toContain(`coprocessor ${choiceRow('bid markup', `+${fmtNum(m.meanMarkup, 3)}`)}`);
    expect(f6).toContain(choiceRow('shirk prob', fmtNum(m.meanShirk, 3)));
    expect(f6).toContain(choiceRow('load cap', fmtNum(m.meanKappa, 3)));
    expect(f6).toContain(`operator    ${choiceRow('eta', fmtNum(m.meanEta, 3))}`);
    expect(f6).toContain(choiceRow('self-exec', fmtPct(m.selfExecutedShare)));
    expect(f6).toContain(choiceRow('theta', fmtNum(m.meanTheta, 3)));
    expect(f6).toContain(`clearing ${choiceRow('price / R', fmtNum(m.meanPriceRatio, 3), 14)}`);
    expect(f6).not.toContain('ask psi');
    app.unmount();
  });

  it('labels the coprocessors first action ask psi under qualified-dutch', async () => {
    const { subject, app, frame } = mount();
    script(subject, 1);
    const m = { ...syntheticMarket(18), mechanism: 'qualified-dutch', bidReading: 'psi' as const };
    subject.next({ type: 'market', globalStep: 4096, market: m });
    app.stdin.write('6');
    await waitFor(() => frame().includes('ask psi'), 'the psi label');
    expect(frame()).toContain('qualified-dutch');
    expect(frame()).toContain(`coprocessor ${choiceRow('ask psi', fmtNum(m.meanPsi, 3))}`);
    expect(frame()).not.toContain('bid markup');
    app.unmount();
  });

  it('p pauses then resumes, s saves, q requests a stop', async () => {
    const { subject, calls, app, frame } = mount();
    script(subject, 1);
    await waitFor(() => frame().includes('demo-run-42'), 'the first frame');
    await sleep(20);
    app.stdin.write('p');
    await waitFor(() => calls.length === 1, 'pause');
    app.stdin.write('p');
    await waitFor(() => calls.length === 2, 'resume');
    app.stdin.write('s');
    await waitFor(() => calls.length === 3, 'save');
    expect(calls).toEqual(['pause', 'resume', 'requestSave']);
    await waitFor(() => frame().includes('save requested'), 'the save note');
    app.stdin.write('q');
    await waitFor(() => calls.length === 4, 'stop');
    expect(calls[3]).toBe('requestStop');
    await waitFor(() => frame().includes('stopping'), 'the stopping note');
    app.unmount();
  });

  it('Ctrl-C behaves like q', async () => {
    const { subject, calls, app, frame } = mount();
    script(subject, 1);
    await waitFor(() => frame().includes('demo-run-42'), 'the first frame');
    await sleep(20);
    app.stdin.write('\u0003');
    await waitFor(() => calls.includes('requestStop'), 'stop on Ctrl-C');
    app.unmount();
  });

  it('follows paused events from the trainer, tab switches panels, ? shows help', async () => {
    const { subject, calls, app, frame } = mount();
    script(subject, 1);
    subject.next({ type: 'paused', paused: true });
    await waitFor(() => frame().includes('[PAUSED]'), 'the paused badge');
    app.stdin.write('p');
    await waitFor(() => calls.length === 1, 'resume');
    expect(calls).toEqual(['resume']);
    app.stdin.write('\t');
    await waitFor(() => frame().includes('period 17'), 'tab to the market panel');
    app.stdin.write('?');
    await waitFor(() => frame().includes('Keys'), 'the help overlay');
    app.unmount();
  });

  it('s while paused says the checkpoint is written now; unpaused, at the end of the iteration', async () => {
    const { subject, calls, app, frame } = mount();
    script(subject, 1);
    subject.next({ type: 'paused', paused: true });
    await waitFor(() => frame().includes('[PAUSED]'), 'the paused badge');
    app.stdin.write('s');
    await waitFor(() => frame().includes('saving a checkpoint now (paused)'), 'the paused save note');
    subject.next({ type: 'paused', paused: false });
    await waitFor(() => !frame().includes('[PAUSED]'), 'resumed');
    app.stdin.write('s');
    await waitFor(() => frame().includes('save requested: at the end of this iteration'), 'the save note');
    expect(calls).toEqual(['requestSave', 'requestSave']);
    app.unmount();
  });
});

describe('runDashboard', () => {
  async function renderAt(columns: number, rows: number, opts: { readOnly?: boolean } = {}) {
    const { subject, handle, calls } = fakeHandle();
    const stdout = new SizedStdout(columns, rows);
    const done = runDashboard(handle, {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: new NoKeys() as unknown as NodeJS.ReadStream,
      debug: true,
      throttleMs: 5,
      handleSigint: false,
      ...opts,
    });
    script(subject, 40);
    await waitFor(() => stdout.lastFrame().includes('operator return 50'), 'the frame');
    return { subject, stdout, done, calls };
  }

  const dynamicPart = (frame: string) => {
    const lines = frame.split('\n');
    return lines.slice(lines.findIndex((l) => l.startsWith('copronet ')));
  };

  it('fits 80x24: one panel at a time, no line longer than 80, frame shorter than the terminal', async () => {
    const { subject, stdout, done } = await renderAt(80, 24);
    const frame = stdout.lastFrame();
    for (const line of frame.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
    expect(dynamicPart(frame).length).toBeLessThanOrEqual(23);
    expect(frame).toContain(' 1 Curves ');
    expect(frame).toContain(' 6 Choices');
    expect(frame).toContain('keys off');
    subject.next({ type: 'done', globalStep: 1, reason: 'budget' });
    await done;
  });

  it('uses the whole of a 140x40 terminal, and re-lays out on resize', async () => {
    const { subject, stdout, done } = await renderAt(140, 40);
    let frame = stdout.lastFrame();
    for (const line of frame.split('\n')) expect([...line].length).toBeLessThanOrEqual(140);
    const dyn = dynamicPart(frame);
    expect(dyn.length).toBe(39);
    expect(frame).toContain('Market now');
    expect(frame).toContain('Training health');
    expect(frame).toContain('Coprocessor load');
    expect(frame).toContain('Agent choices');
    for (const label of ['bid markup', 'shirk prob', 'eta', 'self-exec', 'clearing price']) {
      expect(frame).toContain(label);
    }
    stdout.columns = 80;
    stdout.rows = 24;
    stdout.emit('resize');
    await waitFor(() => stdout.lastFrame().includes(' 1 Curves '), 'the tabbed layout after resize');
    frame = stdout.lastFrame();
    for (const line of frame.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
    subject.complete();
    await done;
  });

  it('read-only mode says p/s are off; it resolves when the stream ends', async () => {
    const { subject, stdout, done } = await renderAt(100, 30, { readOnly: true });
    expect(stdout.lastFrame()).toContain('[watching, read-only: p/s off]');
    subject.complete();
    await expect(done).resolves.toBeUndefined();
  });

  it('rejects with the trainer stream error', async () => {
    const { subject, done } = await renderAt(80, 24);
    subject.error(new Error('trainer crashed'));
    await expect(done).rejects.toThrow('trainer crashed');
  });
});

describe('DashboardStore', () => {
  it('delivers the last state when the stream completes inside a throttle window', async () => {
    const subject = new Subject<TrainerEvent>();
    const store = createDashboardStore(subject, { throttleMs: 50 });
    subject.next(syntheticStart());
    subject.next(syntheticIteration(3));
    subject.complete();
    await waitFor(() => store.isClosed(), 'close');
    expect(store.getState().iteration).toBe(3);
  });
});
