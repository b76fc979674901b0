/**
 * A braille line chart (2x4 dots per character cell) with a y axis and an
 * optional dashed reference line, as plain rows of coloured segments that a
 * component can print with `<Text>`.
 */
import { fmtNum } from './format.ts';

export type CellKind = 'curve' | 'ref' | 'axis' | 'empty';

/** A run of characters of one kind. */
export interface Segment {
  text: string;
  kind: CellKind;
}

export interface LineChartOptions {
  /** Total width in characters, y-axis labels included. */
  width: number;
  /** Height in rows. */
  height: number;
  /** Value of a dashed horizontal reference line (e.g. the best baseline's return). @default undefined */
  reference?: number;
}

const DOT = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
];

/** Mean-resample `values` to at most `n` points. */
export function resample(values: readonly number[], n: number): number[] {
  if (values.length <= n) return [...values];
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = Math.floor((i * values.length) / n);
    const b = Math.max(a + 1, Math.floor(((i + 1) * values.length) / n));
    let sum = 0;
    for (let j = a; j < b; j++) sum += values[j];
    out.push(sum / (b - a));
  }
  return out;
}

function range(values: readonly number[], reference?: number): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of reference === undefined ? values : [...values, reference]) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) return [0, 1];
  if (hi - lo < 1e-9) {
    const pad = Math.abs(hi) > 1e-9 ? Math.abs(hi) * 0.1 : 1;
    return [lo - pad, hi + pad];
  }
  return [lo, hi];
}

/** Append to the row, joining runs of one kind; blanks join whatever run they follow (fewer ink nodes). */
function pushSegment(row: Segment[], text: string, kind: CellKind): void {
  const last = row[row.length - 1];
  if (last && (last.kind === kind || kind === 'empty')) last.text += text;
  else if (last && last.kind === 'empty') {
    last.text += text;
    last.kind = kind;
  } else row.push({ text, kind });
}

/** Draw `values` (oldest first) as `height` rows of exactly `width` characters each. */
export function lineChart(values: readonly number[], opts: LineChartOptions): Segment[][] {
  const { height } = opts;
  const finite = values.filter(Number.isFinite);
  const [lo, hi] = range(finite, opts.reference);
  const labels = [fmtNum(hi, 3), fmtNum((lo + hi) / 2, 3), fmtNum(lo, 3)];
  const labelW = Math.max(...labels.map((l) => l.length));
  const plotW = Math.max(1, opts.width - labelW - 1);
  const dotsW = plotW * 2;
  const dotsH = height * 4;
  const curve = new Uint8Array(plotW * height);
  const ref = new Uint8Array(plotW * height);
  const toY = (v: number) => Math.round(((hi - v) / (hi - lo)) * (dotsH - 1));
  const set = (grid: Uint8Array, x: number, y: number) => {
    if (x < 0 || y < 0 || x >= dotsW || y >= dotsH) return;
    grid[(y >> 2) * plotW + (x >> 1)] |= DOT[x & 1][y & 3];
  };
  if (opts.reference !== undefined && Number.isFinite(opts.reference)) {
    const y = toY(opts.reference);
    for (let x = 0; x < dotsW; x++) if (x % 4 < 2) set(ref, x, y);
  }
  const pts = resample(finite, dotsW);
  let px = -1;
  let py = -1;
  pts.forEach((v, i) => {
    const x = pts.length === 1 ? 0 : Math.round((i * (dotsW - 1)) / (pts.length - 1));
    const y = toY(v);
    if (px < 0) set(curve, x, y);
    else {
      const steps = Math.max(Math.abs(x - px), Math.abs(y - py), 1);
      for (let k = 1; k <= steps; k++)
        set(curve, Math.round(px + ((x - px) * k) / steps), Math.round(py + ((y - py) * k) / steps));
    }
    px = x;
    py = y;
  });
  const rows: Segment[][] = [];
  const midRow = Math.floor((height - 1) / 2);
  for (let r = 0; r < height; r++) {
    const row: Segment[] = [];
    let label = '';
    if (r === 0) label = labels[0];
    else if (r === height - 1) label = labels[2];
    else if (r === midRow && height >= 5) label = labels[1];
    pushSegment(row, `${label.padStart(labelW)}${label ? '┤' : '│'}`, 'axis');
    for (let c = 0; c < plotW; c++) {
      const cb = curve[r * plotW + c];
      const rb = ref[r * plotW + c];
      const bits = cb | rb;
      if (bits === 0) pushSegment(row, ' ', 'empty');
      else pushSegment(row, String.fromCharCode(0x2800 + bits), cb ? 'curve' : 'ref');
    }
    rows.push(row);
  }
  return rows;
}
