// SVG → PNG in-process with resvg (Rust, prebuilt per platform as an npm optional package): no
// browser, no external service. Loaded on first use, so commands that draw nothing never load it.
// Text uses the system's fonts (DejaVu Sans or any sans-serif the host has).
import type { Resvg as ResvgClass } from '@resvg/resvg-js';
import { createRequire } from 'node:module';

let resvg: { Resvg: typeof ResvgClass } | null = null;

export function svgToPng(svg: string): { png: Buffer; width: number; height: number } {
  resvg ??= createRequire(import.meta.url)('@resvg/resvg-js') as { Resvg: typeof ResvgClass };
  const image = new resvg.Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: 'rgba(0,0,0,0)' }).render();
  return { png: image.asPng(), width: image.width, height: image.height };
}
