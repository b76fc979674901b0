/**
 * Progress of a grid on stderr: one line redrawn in place on a terminal, plain
 * lines at every tenth of the way otherwise (logs, CI, tests).
 */

export interface ProgressOptions {
  /** Where to write. @default process.stderr */
  stream?: NodeJS.WriteStream;
  /** Print nothing. @default false */
  quiet?: boolean;
}

export class Progress {
  private done = 0;
  private lastDecile = -1;
  private detail = '';
  private lastDetailAt = Number.NEGATIVE_INFINITY;
  private readonly t0 = performance.now();
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly quiet: boolean;

  /**
   * @param label what is running, e.g. `cells`
   * @param total cells to compute
   * @param reused cells found on disk (not computed)
   */
  constructor(
    readonly label: string,
    readonly total: number,
    readonly reused: number,
    opts: ProgressOptions = {},
  ) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
    this.quiet = opts.quiet ?? false;
    if (!this.quiet && !this.tty)
      this.stream.write(`${label}: ${total} to compute, ${reused} reused from disk\n`);
    this.draw();
  }

  /** One more cell finished. */
  tick(): void {
    this.done++;
    this.draw();
  }

  /**
   * A status of the backend (e.g. a queue's jobs waiting and running, its workers): after the bar on a
   * terminal; a plain line at most every 5 s otherwise.
   */
  status(text: string): void {
    if (text === this.detail) return;
    this.detail = text;
    if (this.quiet) return;
    if (this.tty) this.draw();
    else if (performance.now() - this.lastDetailAt >= 5000) {
      this.lastDetailAt = performance.now();
      this.stream.write(`${this.label}: ${text}\n`);
    }
  }

  /** A line that stays (a job that failed, a worker that refused one). */
  note(text: string): void {
    if (this.quiet) return;
    this.stream.write(`${this.tty ? '\r\x1b[2K' : ''}${this.label}: ${text}\n`);
    this.draw();
  }

  /** Finish the line (terminal) and print the elapsed time. */
  end(): void {
    if (this.quiet) return;
    const s = ((performance.now() - this.t0) / 1000).toFixed(1);
    if (this.tty) this.stream.write(`\r\x1b[2K${this.line()} done in ${s} s\n`);
    else this.stream.write(`${this.label}: done in ${s} s\n`);
  }

  private line(): string {
    const width = 24;
    const frac = this.total > 0 ? this.done / this.total : 1;
    const fill = Math.round(frac * width);
    const detail = this.detail ? ` | ${this.detail}` : '';
    return `${this.label} [${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${this.done}/${this.total} (+${this.reused} reused)${detail}`;
  }

  private draw(): void {
    if (this.quiet || this.total === 0) return;
    if (this.tty) {
      const s = ((performance.now() - this.t0) / 1000).toFixed(1);
      this.stream.write(`\r\x1b[2K${this.line()} ${s} s`);
      return;
    }
    const decile = Math.floor((10 * this.done) / this.total);
    if (decile !== this.lastDecile && this.done > 0) {
      this.lastDecile = decile;
      this.stream.write(`${this.label}: ${this.done}/${this.total}\n`);
    }
  }
}
