/** Decide between the live dashboard and plain log lines. */

export interface ChooseRendererOptions {
  /** `--no-dashboard` was given. @default false */
  noDashboard?: boolean;
  /** The output stream; the dashboard needs it to be a TTY. @default process.stdout */
  stdout?: { isTTY?: boolean };
  /** The input stream; not needed for the dashboard (without a TTY the keys are off). @default process.stdin */
  stdin?: { isTTY?: boolean };
  /** Environment, for `CI` and `TERM=dumb`. @default process.env */
  env?: Record<string, string | undefined>;
}

export type Renderer = 'dashboard' | 'plain';

/**
 * 'plain' when asked to, when stdout is not a terminal (a pipe, a file), in CI
 * (env `CI` set and not 'false' or '0') or on a dumb terminal; else 'dashboard'.
 * A non-TTY stdin alone keeps the dashboard, with its keys off.
 */
export function chooseRenderer(opts: ChooseRendererOptions = {}): Renderer {
  const { noDashboard = false, stdout = process.stdout, env = process.env } = opts;
  if (noDashboard) return 'plain';
  if (!stdout.isTTY) return 'plain';
  const ci = env.CI;
  if (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0') return 'plain';
  if (env.TERM === 'dumb') return 'plain';
  return 'dashboard';
}
