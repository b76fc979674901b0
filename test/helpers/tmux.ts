/**
 * A detached tmux server as a pseudo-terminal for end-to-end tests: start a
 * command in a pane of a given size, send keys, read the screen.
 */
import { execFileSync, spawnSync } from 'node:child_process';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const hasTmux = spawnSync('tmux', ['-V']).status === 0;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export /** One detached tmux session on a private server, running `command` in a `columns` x `rows` pty. */
class TmuxScreen {
  private readonly socket = `copronet-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  constructor(command: string, columns: number, rows: number) {
    // Keep the pane after the command ends, with its exit status on screen.
    const script = `cd ${JSON.stringify(ROOT)} && env -u CI ${command}; echo "EXIT=$?"; sleep 600`;
    this.tmux('new-session', '-d', '-s', 'e2e', '-x', String(columns), '-y', String(rows), script);
  }
  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }
  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'e2e');
  }
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'e2e', ...keys);
  }
  resize(columns: number, rows: number): void {
    this.tmux('resize-window', '-t', 'e2e', '-x', String(columns), '-y', String(rows));
  }
  async waitFor(check: (screen: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = this.screen();
      if (check(s)) return s;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; the screen shows:\n${s}`);
      await sleep(100);
    }
  }
  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}
