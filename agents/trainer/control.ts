/**
 * Requests from outside the loop (a dashboard key, a signal handler) and the
 * loop's yields to the event loop. Every request only sets a flag; the loop in
 * trainer.ts acts on it at its next yield or iteration boundary, so all of these
 * are safe to call from event handlers and signal handlers.
 */
import type { TrainerEvents } from './events.ts';

export type StopReason = 'interrupt' | 'quit';

export class TrainerControl {
  private paused = false;
  private stop: StopReason | undefined;
  private save = false;
  private lastYield = 0;

  /** `yieldMs`: the longest the loop runs without yielding (the config's `yieldMs`). */
  constructor(
    private readonly yieldMs: number,
    private readonly events: TrainerEvents,
  ) {}

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.events.paused(true);
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.events.paused(false);
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Write `checkpoints/latest` at the next iteration boundary. */
  requestSave(): void {
    this.save = true;
  }

  /** Stop as soon as possible (the first reason given wins). */
  requestStop(reason: StopReason = 'interrupt'): void {
    this.stop ??= reason;
  }

  /** Why a stop was requested; undefined while none was. */
  get stopReason(): StopReason | undefined {
    return this.stop;
  }

  get saveRequested(): boolean {
    return this.save;
  }

  /** The requested save was written. */
  saveDone(): void {
    this.save = false;
  }

  /** Start the yield clock (at the start of a run). */
  startClock(): void {
    this.lastYield = performance.now();
  }

  /**
   * Yield to the event loop once `yieldMs` passed since the last yield (so a dashboard can render and
   * requests arrive), and wait here while paused, until resumed or stopped.
   */
  async maybeYield(): Promise<void> {
    const now = performance.now();
    if (now - this.lastYield < this.yieldMs && !this.paused) return;
    await new Promise<void>((r) => setImmediate(r));
    while (this.paused && !this.stop) await new Promise<void>((r) => setTimeout(r, 50));
    this.lastYield = performance.now();
  }
}
