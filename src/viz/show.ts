/**
 * `show(fig)`: the one call a notebook or script makes to look at a figure.
 *
 * In a tslab notebook it adds ONE output to the cell: a display bundle that
 * carries the static PNG and the figure in plotly's own MIME type
 * (`application/vnd.plotly.v1+json`). Each front-end shows one view of it:
 * JupyterLab with its plotly renderer, VS Code and nteract draw it
 * interactively with the plotly.js they bundle (no network, and every output
 * stands alone: nothing depends on an earlier cell having loaded plotly);
 * GitHub, nbviewer, exported HTML and front-ends without that renderer show
 * the PNG. The saved notebook holds the figure's JSON and one PNG, not the
 * 4.7 MB plotly bundle. `NAS_VIZ_INTERACTIVE=html` instead carries a
 * self-contained HTML view (plotly inlined in that very output: for the
 * classic notebook, at ~5 MB per figure); `NAS_VIZ_INTERACTIVE=0` the PNG only.
 * Everywhere it also saves the PNG under `figureDir()`, so every figure of a
 * run exists as a file.
 */
import { basename, extname, isAbsolute, join } from 'node:path';
import { resultsDir } from '../config.js';
import { writeFileAtomic } from '../core/atomicWrite.js';
import { checkFigure, figureSize, figureTitle, type PlotlyFigure } from './figure.js';
import { figureDivHtml, plotlyLoaderScript } from './html.js';
import type { MimeBundle } from './jupyter.js';
import { inNotebookKernel, notebookOutput } from './jupyter.js';
import { renderFigure } from './render.js';
import { FIGURE_EXTENSIONS, save } from './save.js';

export interface ShowOptions {
  /**
   * Where to save the figure: a bare name ("tau-vs-k") goes into `figureDir()`,
   * anything with a folder is a path from the repository root; no extension
   * means .png, a .svg/.html extension saves that format instead. Default: the title
   * (as a file name) in `figureDir()`.
   */
  saveAs?: string;
  /**
   * The interactive view carried beside the PNG in a notebook: 'mime'
   * (plotly's MIME type, default), 'html' (self-contained HTML with plotly
   * inlined), or false (PNG only). Default from `NAS_VIZ_INTERACTIVE`
   * (`0` | `mime` | `html`).
   */
  interactive?: InteractiveView | false;
  /**
   * PNG pixel density (default 2: sharp on high-DPI screens, shown at the
   * figure's CSS size). Without an explicit scale a 2× PNG over
   * `MAX_DEFAULT_PNG_BYTES` (a dense scatter) is rendered again at 1×.
   */
  scale?: number;
}

/** Largest default-scale PNG kept at 2×: executed notebooks and the committed report pages stay small. */
export const MAX_DEFAULT_PNG_BYTES = 1024 * 1024;

export type InteractiveView = 'mime' | 'html';

/** MIME type of plotly figures (JupyterLab's plotly renderer, VS Code, nteract). */
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

interface ShowState {
  figureGroup: string | undefined;
  untitledCount: number;
}

// On globalThis so re-imports of this module in one kernel share it.
const STATE_KEY = Symbol.for('nas-ts.viz.show');

function state(): ShowState {
  const g = globalThis as unknown as Record<symbol, ShowState | undefined>;
  let s = g[STATE_KEY];
  if (!s) {
    s = { figureGroup: undefined, untitledCount: 0 };
    g[STATE_KEY] = s;
  }
  return s;
}

/** Lower-case file-name-safe form of `text` ('' when nothing is left). */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents split off by NFKD
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
}

/**
 * Names the folder this notebook/study saves its figures in (under
 * `results/figures/`), e.g. `setFigureGroup('01_renas_424')` at the top of a notebook.
 */
export function setFigureGroup(name: string): void {
  const slug = slugify(name);
  if (!slug) throw new RangeError(`setFigureGroup: "${name}" has no letters or digits to name a folder with`);
  state().figureGroup = slug;
}

/**
 * The current figure group: `setFigureGroup()`, else `NAS_FIGURE_GROUP`, else
 * the notebook's name when Jupyter tells the kernel (`JPY_SESSION_NAME`), else
 * the running script's name, else "misc".
 */
export function figureGroup(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = state().figureGroup ?? env['NAS_FIGURE_GROUP'];
  if (explicit) return slugify(explicit) || 'misc';
  const notebook = env['JPY_SESSION_NAME'];
  if (notebook) return slugify(basename(notebook, extname(notebook))) || 'misc';
  // In a kernel argv[1] is tslab itself, which names nothing useful.
  const script = inNotebookKernel() ? undefined : process.argv[1];
  if (script) return slugify(basename(script).replace(/(\.test)?\.[cm]?[jt]s$/, '')) || 'misc';
  return 'misc';
}

/** `results/figures/<group>` (under `NAS_RESULTS_DIR` when set); `group` defaults to {@link figureGroup}. */
export function figureDir(group?: string): string {
  const folder = group === undefined ? figureGroup() : slugify(group);
  if (!folder) throw new RangeError(`figureDir: "${group}" has no letters or digits to name a folder with`);
  return join(resultsDir(), 'figures', folder);
}

/** The file `show()` saves to for a given `saveAs` (see {@link ShowOptions.saveAs}). */
export function figurePath(fig: PlotlyFigure, saveAs?: string): string {
  let path: string;
  if (saveAs === undefined) {
    const name = slugify(figureTitle(fig)) || `figure-${++state().untitledCount}`;
    path = join(figureDir(), name);
  } else {
    if (saveAs.trim() === '') throw new RangeError('show: saveAs must not be empty');
    const hasFolder = isAbsolute(saveAs) || /[\\/]/.test(saveAs);
    path = hasFolder ? saveAs : join(figureDir(), saveAs);
  }
  const ext = extname(path).toLowerCase();
  if (ext === '') return `${path}.png`;
  if (!(FIGURE_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new RangeError(`show: saveAs "${saveAs}" has extension ${ext}; use one of ${FIGURE_EXTENSIONS.join(', ')} or none (PNG)`);
  }
  return path;
}

const warnedInteractive = new Set<string>();

/** The interactive view asked for by `NAS_VIZ_INTERACTIVE`; an unknown value is named in a warning and the default used. */
export function interactiveViewFromEnv(env: NodeJS.ProcessEnv = process.env): InteractiveView | false {
  const raw = env['NAS_VIZ_INTERACTIVE'];
  if (raw === undefined || raw === '' || raw === '1' || raw === 'mime') return 'mime';
  if (raw === '0') return false;
  if (raw === 'html') return 'html';
  // Said once per process, then the default: a figure is never lost to a misspelt setting.
  if (!warnedInteractive.has(raw)) {
    warnedInteractive.add(raw);
    process.stderr.write(`NAS_VIZ_INTERACTIVE=${JSON.stringify(raw)} is not one of 0, mime, html; using mime\n`);
  }
  return 'mime';
}

/**
 * The one display bundle of a figure: its PNG (shown at the figure's CSS
 * size), a text line naming the saved file, and the interactive view.
 */
export function figureBundle(fig: PlotlyFigure, png: Uint8Array, savedTo: string, view: InteractiveView | false): { data: MimeBundle; metadata: Record<string, unknown> } {
  const { width, height } = figureSize(fig);
  const title = figureTitle(fig);
  const data: Record<string, unknown> = {
    'image/png': Buffer.from(png).toString('base64'),
    'text/plain': `${title ? `Figure "${title}"` : 'Figure'} (saved to ${savedTo})`,
  };
  if (view === 'mime') data[PLOTLY_MIME] = { data: fig.data, layout: fig.layout ?? {}, config: { displaylogo: false, responsive: false } };
  if (view === 'html') data['text/html'] = `${plotlyLoaderScript()}\n${figureDivHtml(fig)}`;
  // The 2× PNG is displayed at the figure's CSS size.
  return { data: data as MimeBundle, metadata: { 'image/png': { width, height } } };
}

/**
 * Shows `fig`: in a tslab notebook as one output carrying the PNG and an
 * interactive view (see the module comment), elsewhere by logging where it
 * was saved. Always saves it (see `saveAs`). Await it, so the output lands
 * in the cell that called it.
 */
export async function show(fig: PlotlyFigure, opts: ShowOptions = {}): Promise<void> {
  checkFigure(fig, 'show');
  const view = opts.interactive ?? interactiveViewFromEnv();
  const path = figurePath(fig, opts.saveAs);
  let scale = opts.scale ?? 2;
  let png = await renderFigure(fig, { format: 'png', scale });
  if (opts.scale === undefined && png.length > MAX_DEFAULT_PNG_BYTES) {
    scale = 1;
    png = await renderFigure(fig, { format: 'png', scale });
  }
  if (extname(path).toLowerCase() === '.png') writeFileAtomic(path, png);
  else await save(fig, path, { scale });

  const out = notebookOutput();
  if (!out) {
    console.log(`figure saved: ${path}`);
    return;
  }
  const bundle = figureBundle(fig, png, path, view);
  out.display(bundle.data, bundle.metadata);
}
