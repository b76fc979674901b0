/**
 * Where each panel goes for a terminal size. Wide terminals show every panel
 * at once; small ones (80x24 and up to `WIDE_MIN`) show one panel at a time
 * behind a tab bar. The dynamic frame is kept one row shorter than the
 * terminal: ink clears the whole screen on every frame once its output
 * reaches the terminal height.
 */

export type PanelId = 'curves' | 'market' | 'load' | 'health' | 'events' | 'choices';

export const PANELS: readonly { id: PanelId; title: string; short: string }[] = [
  { id: 'curves', title: 'Learning curves', short: 'Curves' },
  { id: 'market', title: 'Market now', short: 'Market' },
  { id: 'load', title: 'Coprocessor load & reputation', short: 'Load' },
  { id: 'health', title: 'Training health', short: 'Health' },
  { id: 'events', title: 'Events', short: 'Events' },
  { id: 'choices', title: 'Agent choices', short: 'Choices' },
];

/** Smallest terminal that gets the all-panels layout. */
export const WIDE_MIN = { columns: 110, rows: 30 } as const;

export interface Box2 {
  width: number;
  height: number;
}

export type Layout =
  | { mode: 'tabbed'; columns: number; rows: number; body: Box2 }
  | {
      mode: 'wide';
      columns: number;
      rows: number;
      curves: Box2;
      market: Box2;
      load: Box2;
      choices: Box2;
      health: Box2;
      events: Box2;
    };

/** Rows of the header (2) and the footer (1). */
const CHROME_ROWS = 3;

export function computeLayout(columns: number, rows: number): Layout {
  const cols = Math.max(40, Math.floor(columns));
  const rws = Math.max(12, Math.floor(rows));
  const frame = rws - 1;
  if (cols < WIDE_MIN.columns || rws < WIDE_MIN.rows) {
    return {
      mode: 'tabbed',
      columns: cols,
      rows: rws,
      body: { width: cols, height: frame - CHROME_ROWS - 1 },
    };
  }
  const body = frame - CHROME_ROWS;
  const events = Math.max(5, Math.round(body * 0.2));
  const top = Math.ceil((body - events) * 0.55);
  const bottom = body - events - top;
  const left = Math.round(cols * 0.58);
  const right = cols - left;
  // Bottom row: load | choices | health; health as wide as its columns need at most, choices at least.
  const health = Math.min(42, right);
  const choices = Math.max(32, Math.round(cols * 0.28));
  return {
    mode: 'wide',
    columns: cols,
    rows: rws,
    curves: { width: left, height: top },
    market: { width: right, height: top },
    load: { width: cols - choices - health, height: bottom },
    choices: { width: choices, height: bottom },
    health: { width: health, height: bottom },
    events: { width: cols, height: events },
  };
}
