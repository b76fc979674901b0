import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { MarketSnapshot, TrainerEvent } from '../src/core/train-events.ts';
import { chooseRenderer } from '../src/app/dashboard/choose-renderer.ts';
import { runPlainLog } from '../src/app/dashboard/plain-log.ts';
import { syntheticMarket, syntheticStart } from '../src/app/dashboard/synthetic-trainer.ts';
import type { TrainerHandle } from '../src/app/dashboard/types.ts';

function handleOf(subject: Subject<TrainerEvent>): TrainerHandle {
  const noop = () => {};
  return { events$: subject, pause: noop, resume: noop, requestSave: noop, requestStop: noop };
}

describe('runPlainLog', () => {
  it('prints one line per iteration and one per event, and resolves on done', async () => {
    const subject = new Subject<TrainerEvent>();
    const lines: string[] = [];
    const done = runPlainLog(handleOf(subject), { out: { write: (s: string) => lines.push(s) } });
    subject.next(syntheticStart('plain-run', 10_000));
    subject.next({
      type: 'iteration',
      iteration: 1,
      globalStep: 2500,
      elapsedSec: 5,
      metrics: {
        'charts/SPS': 500,
        'charts/episodic_return/operator': 12.5,
        'charts/episodic_return/coprocessor': -3,
        'losses/policy_loss/operator': -0.0123,
        'losses/value_loss/operator': 1.5,
        'losses/entropy/operator': 1.1,
        'losses/approx_kl/operator': 0.004,
      },
    });
    subject.next({ type: 'market', globalStep: 2500, market: {} as never });
    subject.next({
      type: 'checkpoint',
      globalStep: 2500,
      path: 'runs/plain-run/ck-2500',
      reason: 'periodic',
    });
    subject.next({ type: 'best', globalStep: 2500, role: 'operator', value: 12.5 });
    subject.next({ type: 'ejection', globalStep: 2600, agent: 'coprocessor-7', period: 12 });
    subject.next({ type: 'paused', paused: true });
    subject.next({ type: 'log', level: 'warn', message: 'learning rate annealed to 0' });
    subject.next({ type: 'done', globalStep: 10_000, reason: 'budget' });
    await done;
    expect(lines.every((l) => l.endsWith('\n') && l.indexOf('\n') === l.length - 1)).toBe(true);
    expect(lines.map((l) => l.trimEnd())).toEqual([
      'run plain-run: scenario baseline-market, backend wasm, seed 7, 10,000 steps, roles operator, coprocessor',
      'it 1 | step 2,500/10,000 25.0% | 500 sps | ETA 0:15 | return op 12.5 cp -3 | loss op pg=-0.0123 v=1.5 ent=1.1 kl=0.004',
      'step 2,500: checkpoint (periodic) -> runs/plain-run/ck-2500',
      'step 2,500: new best operator return 12.5',
      'step 2,600: ejected coprocessor-7 in period 12',
      'paused',
      'warn: learning rate annealed to 0',
      'step 10,000: done (budget) after 0:05',
    ]);
  });

  it('prints no escape codes and resolves when the stream completes without done', async () => {
    const subject = new Subject<TrainerEvent>();
    let text = '';
    const done = runPlainLog(handleOf(subject), { out: { write: (s: string) => (text += s) } });
    subject.next({ type: 'iteration', iteration: 1, globalStep: 1, elapsedSec: 1, metrics: {} });
    subject.complete();
    await done;
    expect(text).toBe('it 1 | step 1 | 1 sps | ETA -\n');
    expect(text.includes('\u001b')).toBe(false);
  });

  it('ends an iteration line with the choices of the last market snapshot', async () => {
    const subject = new Subject<TrainerEvent>();
    const lines: string[] = [];
    const done = runPlainLog(handleOf(subject), { out: { write: (s: string) => lines.push(s) } });
    const it = (i: number): TrainerEvent => ({
      type: 'iteration',
      iteration: i,
      globalStep: i,
      elapsedSec: i,
      metrics: {},
    });
    const market = (m: Partial<MarketSnapshot>): TrainerEvent => ({
      type: 'market',
      globalStep: 1,
      market: { ...syntheticMarket(3), ...m },
    });
    subject.next(it(1));
    const chosen = {
      meanMarkup: 0.12,
      meanShirk: 0.03,
      meanEta: 0.91,
      selfExecutedShare: 0.18,
      meanPriceRatio: 0.34,
    };
    subject.next(market(chosen));
    subject.next(it(2));
    subject.next(
      market({ ...chosen, mechanism: 'qualified-dutch', bidReading: 'psi', meanPsi: 0.62, meanShirk: 0 }),
    );
    subject.next(it(3));
    subject.complete();
    await done;
    expect(lines.map((l) => l.trimEnd())).toEqual([
      'it 1 | step 1 | 1 sps | ETA -',
      'it 2 | step 2 | 1 sps | ETA - | cp markup +0.12 shirk 0.03 | op eta 0.91 self 18% | price 0.34',
      'it 3 | step 3 | 1 sps | ETA - | cp psi 0.62 shirk 0 | op eta 0.91 self 18% | price 0.34',
    ]);
  });

  it('thins iteration lines with `every`', async () => {
    const subject = new Subject<TrainerEvent>();
    const lines: string[] = [];
    const done = runPlainLog(handleOf(subject), { out: { write: (s: string) => lines.push(s) }, every: 10 });
    for (let i = 1; i <= 30; i++)
      subject.next({ type: 'iteration', iteration: i, globalStep: i, elapsedSec: i, metrics: {} });
    subject.complete();
    await done;
    expect(lines.map((l) => l.split(' |')[0])).toEqual(['it 10', 'it 20', 'it 30']);
  });
});

describe('chooseRenderer', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it('draws the dashboard on a terminal', () => {
    expect(chooseRenderer({ stdout: tty, stdin: tty, env: {} })).toBe('dashboard');
    expect(chooseRenderer({ stdout: tty, stdin: pipe, env: {} })).toBe('dashboard');
  });
  it('prints plain lines to a pipe, in CI, on a dumb terminal, or with --no-dashboard', () => {
    expect(chooseRenderer({ stdout: pipe, stdin: tty, env: {} })).toBe('plain');
    expect(chooseRenderer({ stdout: tty, stdin: tty, env: { CI: 'true' } })).toBe('plain');
    expect(chooseRenderer({ stdout: tty, stdin: tty, env: { CI: 'false' } })).toBe('dashboard');
    expect(chooseRenderer({ stdout: tty, stdin: tty, env: { TERM: 'dumb' } })).toBe('plain');
    expect(chooseRenderer({ noDashboard: true, stdout: tty, stdin: tty, env: {} })).toBe('plain');
  });
});
