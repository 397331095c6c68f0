/**
 * The figure value every builder returns: a plain plotly.js figure
 * (`{ data, layout }`), typed only as far as this code relies on it, plus
 * the house style shared by all figures.
 */

/** One plotly trace; `type` is required so a figure always says what it draws. */
export type PlotlyTrace = { type: string } & Record<string, unknown>;
/** A plotly layout object (title, axes, legend, annotations, size …). */
export type PlotlyLayout = Record<string, unknown>;

export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout: PlotlyLayout;
}

/** Options every builder accepts. */
export interface FigureOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Pixels; default {@link FIGURE_WIDTH}. */
  width?: number;
  /** Pixels; default {@link FIGURE_HEIGHT}. */
  height?: number;
}

export const FIGURE_WIDTH = 720;
export const FIGURE_HEIGHT = 440;

/** Tableau 10: distinct, print-safe series colours on a white background. */
export const PALETTE: readonly string[] = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f',
  '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
];

/** A plotly colour scale: [position in 0..1, CSS colour] stops. */
export type ColorScale = ReadonlyArray<readonly [number, string]>;

/** Viridis (dark at low values, light at high): perceptually uniform, colour-blind safe. */
export const SEQUENTIAL_SCALE: ColorScale = [
  [0, '#440154'], [0.25, '#3b528b'], [0.5, '#21918c'], [0.75, '#5ec962'], [1, '#fde725'],
];

/** Blue–white–red, for signed values such as correlations (centre it on 0 with `zmid`). */
export const DIVERGING_SCALE: ColorScale = [
  [0, '#2166ac'], [0.25, '#67a9cf'], [0.5, '#f7f7f7'], [0.75, '#ef8a62'], [1, '#b2182b'],
];

/** Colour of reference points (e.g. values reported by a paper): black stands apart from every palette colour. */
export const REFERENCE_COLOR = '#111111';

// Fonts the Debian renderer lacks fall through to DejaVu Sans, so the PNG and the
// interactive view (Helvetica/Arial in most browsers) share the same metrics class.
const FONT_FAMILY = '"Helvetica Neue", Helvetica, Arial, "DejaVu Sans", sans-serif';

const AXIS_STYLE = {
  showgrid: true,
  gridcolor: '#ebebeb',
  zeroline: false,
  showline: true,
  linecolor: '#444444',
  linewidth: 1,
  ticks: 'outside',
  tickcolor: '#444444',
  ticklen: 4,
  automargin: true,
  title: { font: { size: 14 } },
};

/** Room above the plot for the one-row legend. */
export const LEGEND_ROOM = 30;

/**
 * The house layout: white background, light grid, readable fonts, 720×440;
 * `legend` says whether the figure shows its legend (a row above the plot).
 */
export function houseLayout(opts: FigureOptions = {}, legend = false): PlotlyLayout {
  const layout: PlotlyLayout = {
    width: checkSize(opts.width ?? FIGURE_WIDTH, 'width'),
    height: checkSize(opts.height ?? FIGURE_HEIGHT, 'height'),
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
    font: { family: FONT_FAMILY, size: 13, color: '#222222' },
    colorway: [...PALETTE],
    margin: { l: 70, r: 30, t: (opts.title ? 50 : 20) + (legend ? LEGEND_ROOM : 0), b: 60 },
    hovermode: 'closest',
    showlegend: legend,
    // One row above the plot: the plot keeps its full width and the legend
    // never collides with a colour bar on the right.
    legend: { orientation: 'h', x: 0, xanchor: 'left', y: 1.01, yanchor: 'bottom', bgcolor: 'rgba(255,255,255,0)' },
    xaxis: { ...AXIS_STYLE, title: { ...AXIS_STYLE.title, text: opts.xTitle ?? '' } },
    yaxis: { ...AXIS_STYLE, title: { ...AXIS_STYLE.title, text: opts.yTitle ?? '' } },
  };
  if (opts.title) {
    layout['title'] = { text: opts.title, x: 0.02, xanchor: 'left', y: 0.985, yref: 'container', yanchor: 'top', font: { size: 17 } };
  }
  return layout;
}

function checkSize(px: number, what: string): number {
  if (!Number.isFinite(px) || px < 50 || px > 10000) {
    throw new RangeError(`figure ${what} must be between 50 and 10000 pixels, got ${px}`);
  }
  return px;
}

/**
 * Returns a copy of `fig` whose layout is `patch` deep-merged into it (plain
 * objects merge, everything else replaces): the one verb for any tweak the
 * builders do not offer, e.g. `withLayout(fig, { yaxis: { type: 'log' } })`.
 */
export function withLayout(fig: PlotlyFigure, patch: PlotlyLayout): PlotlyFigure {
  checkFigure(fig, 'withLayout');
  return { data: fig.data.slice(), layout: deepMerge(fig.layout, patch) };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

function deepMerge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

/** Throws a clear error unless `fig` looks like a plotly figure; `where` names the caller. */
export function checkFigure(fig: unknown, where: string): asserts fig is PlotlyFigure {
  if (!isPlainObject(fig)) throw new TypeError(`${where}: expected a figure { data, layout }, got ${describe(fig)}`);
  if (!Array.isArray(fig['data'])) throw new TypeError(`${where}: figure.data must be an array of traces, got ${describe(fig['data'])}`);
  if (!isPlainObject(fig['layout'])) throw new TypeError(`${where}: figure.layout must be an object, got ${describe(fig['layout'])}`);
  fig['data'].forEach((trace: unknown, i: number) => {
    if (!isPlainObject(trace) || typeof trace['type'] !== 'string') {
      throw new TypeError(`${where}: figure.data[${i}] must be a trace object with a string "type"`);
    }
  });
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

/** The figure's title text, or '' when it has none. */
export function figureTitle(fig: PlotlyFigure): string {
  const title = fig.layout['title'];
  if (typeof title === 'string') return title;
  if (isPlainObject(title) && typeof title['text'] === 'string') return title['text'];
  return '';
}

/** The figure's size in CSS pixels (its layout's, else the house size). */
export function figureSize(fig: PlotlyFigure): { width: number; height: number } {
  const width = fig.layout['width'];
  const height = fig.layout['height'];
  return {
    width: typeof width === 'number' ? width : FIGURE_WIDTH,
    height: typeof height === 'number' ? height : FIGURE_HEIGHT,
  };
}
