/**
 * Figures: a vega-lite spec compiled to vega, rendered headless to SVG
 * (`renderer: 'none'`, no browser, no canvas), then rasterised to PNG with resvg.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../../src/core/atomic.ts';

/** The font every figure uses (shipped with most Linux distributions as fonts-dejavu). */
export const FIGURE_FONT = 'DejaVu Sans';

/** Shared look: font, sizes, white background. */
const CONFIG = {
  font: FIGURE_FONT,
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: 'start' as const, subtitleFontSize: 11, subtitleColor: '#555' },
  header: { labelFontSize: 12, titleFontSize: 12 },
};

/** Compile a vega-lite spec (with the shared config merged in) and render it to an SVG string. */
export async function toSvg(spec: TopLevelSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec;
  const vg = compile(withConfig).spec;
  const view = new vega.View(vega.parse(vg), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface PngOptions {
  /** Output width in pixels (the SVG is scaled). @default twice the SVG width */
  width?: number;
}

/** Rasterise an SVG string to PNG bytes with resvg, using the system fonts. */
export function svgToPng(svg: string, opts: PngOptions = {}): Uint8Array {
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: opts.width ? { mode: 'width', value: opts.width } : { mode: 'zoom', value: 2 },
    font: { loadSystemFonts: true, defaultFontFamily: FIGURE_FONT, sansSerifFamily: FIGURE_FONT },
  });
  return resvg.render().asPng();
}

/** Render `spec` and write `<base>.svg` and `<base>.png`; returns both paths. */
export async function writeFigure(base: string, spec: TopLevelSpec): Promise<{ svg: string; png: string }> {
  const svg = await toSvg(spec);
  writeFileAtomic(`${base}.svg`, svg);
  writeFileAtomic(`${base}.png`, svgToPng(svg));
  return { svg: `${base}.svg`, png: `${base}.png` };
}
