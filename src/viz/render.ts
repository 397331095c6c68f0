/**
 * Static rendering of plotly figures (PNG / SVG) in headless Chromium.
 *
 * plotly.js only draws in a browser, so one Chromium (driven by
 * playwright-core) is launched per process on the first render and reused:
 * launching costs seconds, a render tens of milliseconds. The browser must
 * never keep a script or a notebook kernel alive, so its process handles are
 * un-referenced between renders (Node exits as soon as the program is done)
 * and it is killed when the process exits. `closeRenderer()` closes it early.
 */
import { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { checkFigure, figureSize, type PlotlyFigure } from './figure.js';

export interface RenderOptions {
  /** Default 'png'. */
  format?: 'png' | 'svg';
  /** CSS pixels; default the figure's layout width, else 720. */
  width?: number;
  /** CSS pixels; default the figure's layout height, else 440. */
  height?: number;
  /** Pixel density of a PNG (2 → twice the width and height in pixels); default 1. */
  scale?: number;
}

const DEFAULT_CHROMIUM = '/usr/bin/chromium';

// No sandbox (containers lack the namespaces), no GPU, and nothing that phones home.
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

/** Chromium used for rendering: `NAS_CHROMIUM`, else Debian's /usr/bin/chromium. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env['NAS_CHROMIUM'] || DEFAULT_CHROMIUM;
}

/**
 * The plotly.js browser bundle: the minified build when `plotly.js-dist-min`
 * is installed (about half the size, which matters when it is embedded in a
 * notebook or an HTML file), else `plotly.js-dist`. Paths are relative to the
 * repository root (the working directory of scripts and of the notebook kernel).
 */
export function plotlyBundlePath(): string {
  const candidates = [
    join(process.cwd(), 'node_modules', 'plotly.js-dist-min', 'plotly.min.js'),
    join(process.cwd(), 'node_modules', 'plotly.js-dist', 'plotly.js'),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(`plotly.js bundle not found (looked for ${candidates.join(' and ')}); run \`npm ci\` in the repository root (working directory is ${process.cwd()})`);
  }
  return found;
}

interface Renderer {
  browser: Browser;
  page: Page;
}

interface RendererState {
  renderer: Promise<Renderer> | null;
  /** Renders run one at a time on the single page. */
  queue: Promise<unknown>;
  /** Chromium processes launched by this module, killed on exit if still alive. */
  children: Set<ChildProcess>;
  exitHookInstalled: boolean;
}

// Kept on globalThis: a notebook kernel may load this module more than once
// (re-imports after edits) and must still share one browser.
const STATE_KEY = Symbol.for('nas-ts.viz.renderer');

function state(): RendererState {
  const g = globalThis as unknown as Record<symbol, RendererState | undefined>;
  let s = g[STATE_KEY];
  if (!s) {
    s = { renderer: null, queue: Promise.resolve(), children: new Set(), exitHookInstalled: false };
    g[STATE_KEY] = s;
  }
  return s;
}

/** Renders `fig` to PNG bytes. */
export function renderFigure(fig: PlotlyFigure, opts?: RenderOptions & { format?: 'png' }): Promise<Uint8Array>;
/** Renders `fig` to an SVG document. */
export function renderFigure(fig: PlotlyFigure, opts: RenderOptions & { format: 'svg' }): Promise<string>;
export async function renderFigure(fig: PlotlyFigure, opts: RenderOptions = {}): Promise<Uint8Array | string> {
  checkFigure(fig, 'renderFigure');
  const size = figureSize(fig);
  const format = opts.format ?? 'png';
  if (format !== 'png' && format !== 'svg') throw new RangeError(`renderFigure: format must be 'png' or 'svg', got ${JSON.stringify(format)}`);
  const width = checkPositive(opts.width ?? size.width, 'width');
  const height = checkPositive(opts.height ?? size.height, 'height');
  const scale = checkPositive(opts.scale ?? 1, 'scale');
  const s = state();
  const run = s.queue.then(() => keepAliveWhile(() => renderOnPage(fig, { format, width, height, scale })));
  s.queue = run.catch(() => undefined);
  return run;
}

function checkPositive(v: number, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`renderFigure: ${what} must be a positive number, got ${v}`);
  return v;
}

async function renderOnPage(fig: PlotlyFigure, opts: Required<RenderOptions>): Promise<Uint8Array | string> {
  const { page } = await getRenderer();
  let data: string;
  try {
    // Only an arrow with no inner named functions: tsx/esbuild may wrap named
    // functions in a `__name` helper that does not exist inside the page.
    data = await page.evaluate(
      ({ figure, options }) =>
        (globalThis as unknown as { Plotly: { toImage(f: unknown, o: unknown): Promise<string> } }).Plotly.toImage(figure, {
          ...options,
          imageDataOnly: true,
        }),
      { figure: fig, options: opts },
    );
  } catch (err) {
    throw new Error(`renderFigure: plotly could not render the figure as ${opts.format}: ${(err as Error).message}`);
  }
  return opts.format === 'png' ? Buffer.from(data, 'base64') : data;
}

/** Holds the event loop open while the (un-referenced) browser works for us. */
async function keepAliveWhile<T>(work: () => Promise<T>): Promise<T> {
  const hold = setInterval(() => undefined, 1 << 30);
  try {
    return await work();
  } finally {
    clearInterval(hold);
  }
}

function getRenderer(): Promise<Renderer> {
  const s = state();
  if (!s.renderer) {
    const launching = launchRenderer();
    s.renderer = launching;
    // A failed launch is not cached: the next render tries again (e.g. after installing Chromium).
    launching.catch(() => {
      if (s.renderer === launching) s.renderer = null;
    });
  }
  return s.renderer;
}

async function launchRenderer(): Promise<Renderer> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: figures are rendered to PNG/SVG in headless Chromium. ` +
        'Install it with `environment/setup.sh` (on Debian: `apt-get install -y chromium`), or set NAS_CHROMIUM to a Chromium binary.',
    );
  }
  const bundle = plotlyBundlePath();
  const s = state();
  const before = new Set(activeChildProcesses());
  // launch() gives Chromium a fresh temporary user-data-dir and deletes it on close.
  // Signal handling stays with the host: a notebook kernel gets SIGINT for "interrupt"
  // and must survive it, which Playwright's default SIGINT handler would not allow.
  const browser = await chromium.launch({
    executablePath,
    args: CHROMIUM_FLAGS,
    headless: true,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  try {
    const page = await browser.newPage();
    await page.goto('about:blank');
    await page.addScriptTag({ path: bundle });
    const loaded = await page.evaluate(() => typeof (globalThis as { Plotly?: { toImage?: unknown } }).Plotly?.toImage === 'function');
    if (!loaded) throw new Error(`renderFigure: ${bundle} loaded but defined no Plotly.toImage`);
    for (const child of activeChildProcesses()) {
      if (!before.has(child) && child.spawnfile === executablePath) {
        s.children.add(child);
        child.once('exit', () => s.children.delete(child));
        unrefProcess(child);
      }
    }
    installExitHook(s);
    const renderer = { browser, page };
    browser.on('disconnected', () => {
      // A crashed or closed browser is relaunched by the next render.
      void s.renderer?.then((current) => {
        if (current === renderer) s.renderer = null;
      }, () => undefined);
    });
    return renderer;
  } catch (err) {
    await browser.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Playwright exposes no handle on the browser process, and its pipes keep the
 * event loop alive forever; the process is found among Node's active handles
 * (the one spawned from `executablePath` during our launch) and un-referenced.
 */
function activeChildProcesses(): ChildProcess[] {
  const getHandles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles;
  if (typeof getHandles !== 'function') return [];
  return getHandles.call(process).filter((h): h is ChildProcess => h instanceof ChildProcess);
}

function unrefProcess(child: ChildProcess): void {
  child.unref();
  for (const stream of child.stdio) {
    (stream as { unref?: () => void } | null)?.unref?.();
  }
}

function installExitHook(s: RendererState): void {
  if (s.exitHookInstalled) return;
  s.exitHookInstalled = true;
  // Playwright kills its browsers on exit too; this covers any version that does not.
  // Only synchronous work is possible here, hence a kill rather than browser.close().
  process.once('exit', () => {
    for (const child of s.children) {
      try {
        // Playwright starts Chromium as a process-group leader: kill the whole group.
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** Closes the shared browser (if any); the next render launches a new one. */
export async function closeRenderer(): Promise<void> {
  const s = state();
  const current = s.renderer;
  s.renderer = null;
  if (!current) return;
  const renderer = await current.catch(() => null);
  if (renderer) await keepAliveWhile(() => renderer.browser.close());
}
