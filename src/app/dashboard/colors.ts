/** Colours of the dashboard, in one place. */

const ROLE_COLORS = ['cyan', 'magenta', 'green', 'blue', 'yellow'];

/** A stable colour per role: its index in the run's role list. */
export function roleColor(roles: readonly string[], role: string): string {
  const i = roles.indexOf(role);
  return ROLE_COLORS[Math.max(i, 0) % ROLE_COLORS.length];
}

export const LOG_COLORS: Record<string, string> = {
  start: 'white',
  checkpoint: 'blue',
  best: 'green',
  ejection: 'red',
  info: 'gray',
  warn: 'yellow',
  paused: 'yellow',
  done: 'green',
};
