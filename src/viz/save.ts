/** Writing figures to files: the format follows the file extension. */
import { extname } from 'node:path';
import { writeFileAtomic } from '../core/atomicWrite.js';
import { checkFigure, type PlotlyFigure } from './figure.js';
import { figureToHtml } from './html.js';
import { renderFigure } from './render.js';

export const FIGURE_EXTENSIONS = ['.png', '.svg', '.html'] as const;

export interface SaveOptions {
  /** PNG pixel density; default 2 (crisp on high-DPI screens and in papers). */
  scale?: number;
  width?: number;
  height?: number;
}

/**
 * Writes `fig` to `path` as PNG, SVG or a standalone interactive HTML page
 * (chosen by the extension), atomically, creating missing folders. Returns `path`.
 */
export async function save(fig: PlotlyFigure, path: string, opts: SaveOptions = {}): Promise<string> {
  checkFigure(fig, 'save');
  const ext = extname(path).toLowerCase();
  const size = { width: opts.width, height: opts.height };
  let data: string | Uint8Array;
  if (ext === '.png') data = await renderFigure(fig, { ...size, format: 'png', scale: opts.scale ?? 2 });
  else if (ext === '.svg') data = await renderFigure(fig, { ...size, format: 'svg' });
  else if (ext === '.html') data = figureToHtml(fig);
  else throw new RangeError(`save: cannot tell the format of "${path}": use one of ${FIGURE_EXTENSIONS.join(', ')}`);
  writeFileAtomic(path, data);
  return path;
}
