/** Small number and time formatters shared by the dashboard and the plain log. */

/** `1234567` -> `1,234,567`; non-finite values print as `-`. */
export function fmtInt(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  return Math.round(n).toLocaleString('en-US');
}

/** A compact number: 4 significant digits, exponent form for very small or large magnitudes. */
export function fmtNum(n: number | undefined, digits = 4): string {
  if (n === undefined || Number.isNaN(n)) return '-';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return '0';
  const a = Math.abs(n);
  if (a >= 1e6 || a < 1e-3) return n.toExponential(Math.max(0, digits - 2));
  const s = n.toPrecision(digits);
  return s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s;
}

/** `0.4213` -> `42.1%`. */
export function fmtPct(n: number | undefined, digits = 1): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  return `${(n * 100).toFixed(digits)}%`;
}

/** Seconds -> `1:02:03` (or `2:03` under an hour); `-` when unknown. */
export function fmtDuration(sec: number | undefined): string {
  if (sec === undefined || !Number.isFinite(sec) || sec < 0) return '-';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** `12345` -> `12.3k`, for steps per second and step counts in tight spaces. */
export function fmtSI(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/** A text progress bar of exactly `width` cells, using eighth blocks for the partial cell. */
export function progressBar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const eighths = Math.round(f * width * 8);
  const full = Math.floor(eighths / 8);
  const rest = eighths % 8;
  const partial = rest > 0 ? ' ▏▎▍▌▋▊▉'[rest] : '';
  return '█'.repeat(full) + partial + '░'.repeat(Math.max(0, width - full - partial.length));
}

/** Pad or cut `s` to exactly `width` characters. */
export function fit(s: string, width: number): string {
  if (width <= 0) return '';
  if (s.length > width) return width > 1 ? `${s.slice(0, width - 1)}…` : s.slice(0, width);
  return s.padEnd(width);
}

/** Short role label for tight columns: `operator` -> `op`, `coprocessor` -> `cp`, others cut to 4. */
export function shortRole(role: string): string {
  if (role === 'operator') return 'op';
  if (role === 'coprocessor') return 'cp';
  return role.slice(0, 4);
}
