/**
 * Requests from outside the loop (a dashboard key, a signal handler) and the
 * loop's yields to the event loop. Every request only sets a flag; the loop in
 * trainer.ts acts on it at its next yield or iteration boundary, so all of these
 * are safe to call from event handlers and signal handlers.
 *
 * A pause takes effect at a safe point: an iteration boundary or a yield inside
 * a rollout, never inside an update (the update's yields only let the event loop
 * run). While the loop waits there ("parked"), the state of the boundary before
 * the rollout is still exact, so a save requested then is written at once, and
 * the time parked is not training time (`activeMs`).
 */
import type { TrainerEvents } from './events.ts';

export type StopReason = 'interrupt' | 'quit';

export class TrainerControl {
  private paused = false;
  private parked = false;
  private parkedAt = 0;
  private pausedMs = 0;
  private stop: StopReason | undefined;
  private save = false;
  private lastYield = 0;
  private wake: (() => void) | undefined;
  /** Writes a save requested while the loop is parked (set by the trainer; called synchronously). */
  onParkedSave: (() => void) | undefined;

  /**
   * `yieldMs`: the longest the loop runs without yielding (the config's `yieldMs`).
   * `now`: the clock in milliseconds (tests pass a fake one).
   */
  constructor(
    private readonly yieldMs: number,
    private readonly events: TrainerEvents,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Pause at the next safe point; the `paused` event says when it took effect. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.wake?.();
  }

  /** A pause was requested (it may not have taken effect yet). */
  get isPaused(): boolean {
    return this.paused;
  }

  /** The loop is waiting at a safe point because of a pause. */
  get isParked(): boolean {
    return this.parked;
  }

  /** Write `checkpoints/latest`: at once while parked, else at the next iteration boundary. */
  requestSave(): void {
    this.save = true;
    if (this.parked) this.saveParked();
  }

  /** Stop as soon as possible (the first reason given wins). */
  requestStop(reason: StopReason = 'interrupt'): void {
    this.stop ??= reason;
    this.wake?.();
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
    this.lastYield = this.now();
  }

  /** The clock without the time spent parked: what the trainer's elapsed time, SPS and perf times measure. */
  activeMs(): number {
    return this.now() - this.pausedMs - (this.parked ? this.now() - this.parkedAt : 0);
  }

  /**
   * Yield to the event loop once `yieldMs` passed since the last yield (so a dashboard can render and
   * requests arrive). With `pausable` (the default; false inside an update), wait here while paused,
   * until resumed or stopped.
   */
  async maybeYield(pausable = true): Promise<void> {
    const now = this.now();
    const park = pausable && this.paused;
    if (now - this.lastYield < this.yieldMs && !park) return;
    await new Promise<void>((r) => setImmediate(r));
    if (pausable && this.paused && !this.stop) await this.park();
    this.lastYield = this.now();
  }

  /** Wait at a safe point until resumed or stopped. */
  private async park(): Promise<void> {
    this.parked = true;
    this.parkedAt = this.now();
    this.events.paused(true);
    // A save requested before the pause took effect (e.g. during the update).
    if (this.save && this.parked) this.saveParked();
    while (this.paused && !this.stop) await new Promise<void>((r) => (this.wake = r));
    this.wake = undefined;
    this.pausedMs += this.now() - this.parkedAt;
    this.parked = false;
    if (!this.stop) this.events.paused(false);
  }

  private saveParked(): void {
    this.onParkedSave?.();
    this.save = false;
  }
}
