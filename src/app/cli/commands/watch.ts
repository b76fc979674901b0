/**
 * `copronet watch runs/<name>`: the live dashboard of a run another process
 * is training, read from the files it writes (run.json, metrics.jsonl,
 * market.jsonl). Read-only: p and s are off; q quits.
 *
 * The dashboard (ink, react, rxjs) loads when the command runs, not when it
 * is registered, so `--help` stays fast.
 */
import type { Command } from 'commander';

export interface WatchCommandOptions {
  /** How often to read the run's files, in milliseconds. @default 250 */
  poll: string;
  /** False with `--no-dashboard`: print plain lines instead. @default true */
  dashboard: boolean;
}

export function registerWatchCommand(program: Command): Command {
  return program
    .command('watch')
    .description('show the live dashboard of a run that another process is training (read-only)')
    .argument('<run-dir>', 'the run directory, e.g. runs/<name>')
    .option('--poll <ms>', 'how often to read the run files, in milliseconds', '250')
    .option('--no-dashboard', 'print plain log lines instead of the dashboard')
    .action(async function (this: Command, runDir: string, opts: WatchCommandOptions) {
      const pollMs = Number(opts.poll);
      if (!(pollMs > 0))
        this.error(`error: --poll must be a positive number of milliseconds, got "${opts.poll}"`);
      const { createWatchHandle, NotARunError } = await import('../../dashboard/watch-handle.ts');
      let handle: ReturnType<typeof createWatchHandle>;
      try {
        handle = createWatchHandle(runDir, { pollMs });
      } catch (err) {
        if (err instanceof NotARunError) this.error(`error: ${err.message}`, { exitCode: 2 });
        throw err;
      }
      const { chooseRenderer } = await import('../../dashboard/choose-renderer.ts');
      if (chooseRenderer({ noDashboard: !opts.dashboard }) === 'dashboard') {
        const { runDashboard } = await import('../../dashboard/run-dashboard.ts');
        await runDashboard(handle, { readOnly: true });
        return;
      }
      const { runPlainLog } = await import('../../dashboard/plain-log.ts');
      const onSigint = () => handle.requestStop();
      process.once('SIGINT', onSigint);
      try {
        await runPlainLog(handle);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
