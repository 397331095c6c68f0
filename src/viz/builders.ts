/**
 * Figure builders: one function per kind of figure, each taking plain arrays
 * and returning a plotly figure in the house style. They only build values;
 * rendering and display live in render.ts / show.ts.
 */
import {
  DIVERGING_SCALE,
  LEGEND_ROOM,
  PALETTE,
  REFERENCE_COLOR,
  SEQUENTIAL_SCALE,
  checkFigure,
  houseLayout,
  withLayout,
  type ColorScale,
  type FigureOptions,
  type PlotlyFigure,
  type PlotlyLayout,
  type PlotlyTrace,
} from './figure.js';
import { checkField, POSITIVE_INTEGER } from '../core/checks.js';

/** Typed arrays serialise to `{"0":…}` in JSON, so every series becomes a plain array here. */
function toNumbers(values: ArrayLike<number>, what: string): number[] {
  if (values == null || typeof values.length !== 'number') throw new TypeError(`${what} must be an array of numbers`);
  const out = Array.from(values);
  out.forEach((v, i) => {
    if (typeof v !== 'number') throw new TypeError(`${what}[${i}] must be a number, got ${typeof v}`);
  });
  return out;
}

function checkSameLength(n: number, other: { length: number }, what: string): void {
  if (other.length !== n) throw new RangeError(`${what} has ${other.length} values but x/y have ${n}`);
}

function finiteRange(values: readonly number[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

function seriesColor(i: number, explicit: string | undefined): string {
  return explicit ?? PALETTE[i % PALETTE.length]!;
}

function checkSeriesList<T extends { name: string }>(series: readonly T[], where: string): void {
  if (!Array.isArray(series) || series.length === 0) throw new TypeError(`${where}: expected a non-empty array of series`);
  series.forEach((s, i) => {
    if (typeof s.name !== 'string' || s.name === '') throw new TypeError(`${where}: series[${i}] needs a non-empty name`);
  });
}

// ---------------------------------------------------------------- scatter

export interface ScatterOptions extends FigureOptions {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Numbers → a continuous colour scale with a colour bar; strings → one legend entry per category. */
  color?: ArrayLike<number> | readonly string[];
  colorTitle?: string;
  /** Hover text per point, e.g. architecture ids. */
  labels?: readonly string[];
  /** Draw the y = x line (predicted vs. true plots). */
  diagonal?: boolean;
  /** Legend name of the points when there is no categorical colour. */
  name?: string;
  markerSize?: number;
}

/** Points y against x, optionally coloured, labelled and with the y = x diagonal. */
export function scatterFigure(opts: ScatterOptions): PlotlyFigure {
  const x = toNumbers(opts.x, 'scatterFigure: x');
  const y = toNumbers(opts.y, 'scatterFigure: y');
  checkSameLength(x.length, y, 'scatterFigure: y');
  if (opts.labels) checkSameLength(x.length, opts.labels, 'scatterFigure: labels');
  if (opts.color) checkSameLength(x.length, opts.color, 'scatterFigure: color');
  // Many points overlap; smaller, translucent markers keep density visible.
  const dense = x.length > 500;
  const size = opts.markerSize ?? (dense ? 5 : 8);
  const opacity = dense ? 0.55 : 0.85;
  const traces: PlotlyTrace[] = [];

  if (opts.diagonal) {
    const range = finiteRange([...x, ...y]);
    if (range) {
      traces.push({
        type: 'scatter', mode: 'lines', name: 'y = x', x: range, y: range,
        line: { color: '#888888', dash: 'dash', width: 1.2 }, hoverinfo: 'skip',
      });
    }
  }

  const categorical = opts.color !== undefined && typeof (opts.color as ArrayLike<unknown>)[0] === 'string';
  if (opts.color !== undefined && categorical) {
    const groups = new Map<string, number[]>();
    Array.from(opts.color as ArrayLike<string>).forEach((c, i) => {
      if (typeof c !== 'string') throw new TypeError(`scatterFigure: color[${i}] must be a string like the first value`);
      let idx = groups.get(c);
      if (!idx) groups.set(c, (idx = []));
      idx.push(i);
    });
    [...groups.entries()].forEach(([category, idx], g) => {
      traces.push({
        type: 'scatter', mode: 'markers', name: category,
        x: idx.map((i) => x[i]), y: idx.map((i) => y[i]),
        ...(opts.labels ? { text: idx.map((i) => opts.labels![i]) } : {}),
        marker: { color: seriesColor(g, undefined), size, opacity, line: { width: 0 } },
      });
    });
  } else {
    const marker: Record<string, unknown> = { size, opacity, line: { width: 0 }, color: PALETTE[0] };
    if (opts.color !== undefined) {
      marker['color'] = toNumbers(opts.color as ArrayLike<number>, 'scatterFigure: color');
      marker['colorscale'] = SEQUENTIAL_SCALE;
      marker['showscale'] = true;
      marker['colorbar'] = { title: { text: opts.colorTitle ?? '' }, thickness: 14 };
    }
    traces.push({
      type: 'scatter', mode: 'markers', name: opts.name ?? 'points', x, y,
      ...(opts.labels ? { text: [...opts.labels] } : {}),
      marker,
    });
  }

  return { data: traces, layout: houseLayout(opts, categorical || Boolean(opts.diagonal)) };
}

// ---------------------------------------------------------------- lines

export interface LineSeries {
  name: string;
  y: ArrayLike<number>;
  /** Default 0, 1, 2, … */
  x?: ArrayLike<number> | readonly string[];
  /** Half-width of a shaded band around the line (mean ± band), e.g. a std or CI half-width. */
  band?: ArrayLike<number>;
  color?: string;
  dash?: 'solid' | 'dash' | 'dot' | 'dashdot';
  /** Draw a marker at each point (default: only when there are ≤ 30 points). */
  markers?: boolean;
}

/**
 * Fewest repeats (seeds) a confidence or ± std band should be drawn for: with
 * 2 the 95 % t quantile is 12.7 and the band fills the plot, saying nothing.
 */
export const MIN_REPEATS_FOR_BAND = 3;

/** Marker symbols by series, so lines that coincide stay distinguishable (colour alone is hidden by the line on top). */
const SERIES_SYMBOLS = ['circle', 'square', 'diamond', 'triangle-up', 'x', 'triangle-down', 'cross', 'pentagon'] as const;

/** Several named lines over a shared x axis, each with an optional shaded mean ± band. */
export function lineFigure(series: readonly LineSeries[], opts: FigureOptions = {}): PlotlyFigure {
  checkSeriesList(series, 'lineFigure');
  const bands: PlotlyTrace[] = [];
  const lines: PlotlyTrace[] = [];
  series.forEach((s, i) => {
    const where = `lineFigure: series "${s.name}"`;
    const y = toNumbers(s.y, `${where} y`);
    const x: (number | string)[] = s.x ? Array.from(s.x as ArrayLike<number | string>) : y.map((_, j) => j);
    checkSameLength(y.length, x, `${where} x`);
    const color = seriesColor(i, s.color);
    if (s.band) {
      const band = toNumbers(s.band, `${where} band`);
      checkSameLength(y.length, band, `${where} band`);
      // One closed polygon (upper edge forward, lower edge back) instead of two
      // 'tonexty' traces, so the band never depends on trace order.
      const ok = y.map((v, j) => Number.isFinite(v) && Number.isFinite(band[j]!));
      const idx = y.map((_, j) => j).filter((j) => ok[j]);
      const back = idx.slice().reverse();
      bands.push({
        type: 'scatter', mode: 'lines', name: `${s.name} ± band`, legendgroup: s.name, showlegend: false,
        x: [...idx.map((j) => x[j]), ...back.map((j) => x[j])],
        y: [...idx.map((j) => y[j]! + band[j]!), ...back.map((j) => y[j]! - band[j]!)],
        fill: 'toself', fillcolor: color, opacity: 0.18, line: { width: 0, color }, hoverinfo: 'skip',
      });
    }
    const markers = s.markers ?? y.length <= 30;
    lines.push({
      type: 'scatter', mode: markers ? 'lines+markers' : 'lines', name: s.name, legendgroup: s.name, x, y,
      line: { color, width: 2.2, dash: s.dash ?? 'solid' },
      // Later series get smaller, open markers, so a line hidden under an identical one still shows its markers.
      marker: { color, size: Math.max(5, 9 - i), symbol: `${SERIES_SYMBOLS[i % SERIES_SYMBOLS.length]}${i > 0 ? '-open' : ''}`, line: { color, width: 1.5 } },
    });
  });
  // Bands first so every line is drawn on top of every band.
  return { data: [...bands, ...lines], layout: houseLayout(opts, series.length > 1) };
}

// ---------------------------------------------------------------- bars

export interface BarSeries {
  name: string;
  categories: readonly (string | number)[];
  values: ArrayLike<number>;
  /** Symmetric error bar half-lengths (e.g. std over seeds). */
  errors?: ArrayLike<number>;
  color?: string;
}

/** Grouped bars, one colour per series, with optional error bars. */
export function barFigure(series: readonly BarSeries[], opts: FigureOptions = {}): PlotlyFigure {
  checkSeriesList(series, 'barFigure');
  const data: PlotlyTrace[] = series.map((s, i) => {
    const where = `barFigure: series "${s.name}"`;
    const values = toNumbers(s.values, `${where} values`);
    checkSameLength(values.length, s.categories, `${where} categories`);
    const trace: PlotlyTrace = {
      type: 'bar', name: s.name, x: s.categories.map(String), y: values,
      marker: { color: seriesColor(i, s.color), line: { width: 0 } },
    };
    if (s.errors) {
      const errors = toNumbers(s.errors, `${where} errors`);
      checkSameLength(values.length, errors, `${where} errors`);
      trace['error_y'] = { type: 'data', array: errors, visible: true, color: '#333333', thickness: 1.3, width: 5 };
    }
    return trace;
  });
  const layout = houseLayout(opts, series.length > 1);
  layout['barmode'] = 'group';
  layout['bargap'] = 0.25;
  // Categories stay categories even when they look numeric (e.g. "4", "8", "16").
  return withLayout({ data, layout }, { xaxis: { type: 'category', showgrid: false } });
}

// ---------------------------------------------------------------- heatmap

export interface HeatmapOptions extends FigureOptions {
  /** Rows of the matrix; row 0 is drawn at the top. */
  z: ReadonlyArray<ArrayLike<number>>;
  rowLabels?: readonly string[];
  colLabels?: readonly string[];
  /** Write each value in its cell (default: when there are at most 400 cells). */
  annotate?: boolean;
  /** Decimals of the written values (default 2). */
  decimals?: number;
  /** Signed data: blue–white–red centred on 0 with a symmetric range. */
  diverging?: boolean;
  colorScale?: ColorScale;
  zmin?: number;
  zmax?: number;
  zTitle?: string;
}

/** A labelled matrix (e.g. Kendall τ of every predictor on every split), values written in the cells. */
export function heatmapFigure(opts: HeatmapOptions): PlotlyFigure {
  if (!Array.isArray(opts.z) || opts.z.length === 0) throw new TypeError('heatmapFigure: z must be a non-empty array of rows');
  const z = opts.z.map((row, r) => toNumbers(row, `heatmapFigure: z[${r}]`));
  const nCols = z[0]!.length;
  z.forEach((row, r) => {
    if (row.length !== nCols) throw new RangeError(`heatmapFigure: z[${r}] has ${row.length} values but z[0] has ${nCols}`);
  });
  const rowLabels = labelsFor(opts.rowLabels, z.length, 'rowLabels');
  const colLabels = labelsFor(opts.colLabels, nCols, 'colLabels');

  const range = finiteRange(z.flat()) ?? [0, 1];
  const absMax = Math.max(Math.abs(range[0]), Math.abs(range[1]));
  const zmin = opts.zmin ?? (opts.diverging ? -absMax : range[0]);
  const zmax = opts.zmax ?? (opts.diverging ? absMax : range[1]);
  const scale = opts.colorScale ?? (opts.diverging ? DIVERGING_SCALE : SEQUENTIAL_SCALE);

  const trace: PlotlyTrace = {
    type: 'heatmap', z, x: colLabels, y: rowLabels, zmin, zmax,
    colorscale: scale, xgap: 1, ygap: 1,
    colorbar: { title: { text: opts.zTitle ?? '' }, thickness: 14 },
    hovertemplate: '%{y} · %{x}: %{z}<extra></extra>',
  };
  const annotate = opts.annotate ?? z.length * nCols <= 400;
  const decimals = opts.decimals ?? 2;
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 10) throw new RangeError(`heatmapFigure: decimals must be an integer in 0..10, got ${decimals}`);
  if (annotate) {
    // Plotly's own cell text (not layout annotations): one text layer, far
    // faster to draw, shrunk to fit small cells, and its default colour
    // contrasts with each cell's fill.
    trace['texttemplate'] = `%{z:.${decimals}f}`;
    trace['textfont'] = { size: 12 };
  }
  const layout = houseLayout(opts);
  return withLayout(
    { data: [trace], layout },
    {
      xaxis: { type: 'category', showgrid: false, showline: false, ticks: '' },
      // Reversed so the matrix reads like a table: first row on top.
      yaxis: { type: 'category', showgrid: false, showline: false, ticks: '', autorange: 'reversed' },
    },
  );
}

function labelsFor(labels: readonly string[] | undefined, n: number, what: string): string[] {
  if (!labels) return Array.from({ length: n }, (_, i) => String(i));
  if (labels.length !== n) throw new RangeError(`heatmapFigure: ${what} has ${labels.length} labels for ${n} ${what.startsWith('row') ? 'rows' : 'columns'}`);
  // A category axis merges equal labels, which would silently stack cells.
  const seen = new Set<string>();
  for (const l of labels) {
    if (seen.has(String(l))) throw new RangeError(`heatmapFigure: ${what} repeats the label "${l}"; labels must be unique`);
    seen.add(String(l));
  }
  return labels.map(String);
}

// ---------------------------------------------------------------- histogram

export interface HistogramSeries {
  name: string;
  values: ArrayLike<number>;
  color?: string;
}

export interface HistogramOptions extends FigureOptions {
  /** Number of bins over the combined range of all series (default 30). */
  bins?: number;
  normalize?: 'count' | 'percent' | 'probability' | 'density';
}

/** Distributions of one or more series, overlaid on shared bins. */
export function histogramFigure(series: readonly HistogramSeries[], opts: HistogramOptions = {}): PlotlyFigure {
  checkSeriesList(series, 'histogramFigure');
  const values = series.map((s) => toNumbers(s.values, `histogramFigure: series "${s.name}" values`));
  const bins = opts.bins ?? 30;
  checkField('histogramFigure', 'bins', bins, POSITIVE_INTEGER);
  const range = finiteRange(values.flat());
  if (!range) throw new RangeError('histogramFigure: no finite values to bin');
  // Shared explicit bins: plotly would otherwise bin each overlaid series differently.
  const size = range[1] > range[0] ? (range[1] - range[0]) / bins : 1;
  const xbins = { start: range[0], end: range[1] + size * 1e-9, size };
  const normalize = opts.normalize ?? 'count';
  const histnorm = normalize === 'count' ? '' : normalize;
  const overlay = series.length > 1;
  const data: PlotlyTrace[] = series.map((s, i) => ({
    type: 'histogram', name: s.name, x: values[i], xbins, autobinx: false, histnorm,
    marker: { color: seriesColor(i, s.color), line: { color: '#ffffff', width: 0.6 } },
    opacity: overlay ? 0.6 : 0.9,
  }));
  const layout = houseLayout({ ...opts, yTitle: opts.yTitle ?? normalize }, overlay);
  layout['barmode'] = 'overlay';
  layout['bargap'] = 0.02;
  return { data, layout };
}

// ---------------------------------------------------------------- reference points

export interface ReferencePoint {
  x: number | string;
  y: number;
  /** Text written next to the marker. */
  label?: string;
}

export interface ReferenceOptions {
  /** Legend entry, e.g. "paper" (the default) or "ReNAS (paper)". */
  name?: string;
  /** Plotly marker symbol (default "star"). */
  symbol?: string;
  color?: string;
  size?: number;
}

/**
 * Returns a copy of `fig` with reference points (e.g. values a paper reports)
 * drawn as large black markers with a legend entry, distinct from the data.
 */
export function addReferencePoints(fig: PlotlyFigure, points: readonly ReferencePoint[], opts: ReferenceOptions = {}): PlotlyFigure {
  checkFigure(fig, 'addReferencePoints');
  if (!Array.isArray(points) || points.length === 0) throw new TypeError('addReferencePoints: expected a non-empty array of { x, y } points');
  points.forEach((p, i) => {
    if (typeof p.y !== 'number') throw new TypeError(`addReferencePoints: points[${i}].y must be a number`);
    if (typeof p.x !== 'number' && typeof p.x !== 'string') throw new TypeError(`addReferencePoints: points[${i}].x must be a number or a category string`);
  });
  const labelled = points.some((p) => p.label);
  const trace: PlotlyTrace = {
    type: 'scatter', mode: labelled ? 'markers+text' : 'markers', name: opts.name ?? 'paper',
    x: points.map((p) => p.x), y: points.map((p) => p.y),
    text: points.map((p) => p.label ?? ''), textposition: 'top center', textfont: { size: 12 },
    marker: {
      symbol: opts.symbol ?? 'star', size: opts.size ?? 15, color: opts.color ?? REFERENCE_COLOR,
      line: { color: '#ffffff', width: 1 },
    },
    cliponaxis: false,
  };
  const layout: PlotlyLayout = { ...fig.layout, showlegend: true };
  const margin = fig.layout['margin'] as { t?: unknown } | undefined;
  if (fig.layout['showlegend'] !== true && margin && typeof margin.t === 'number') {
    layout['margin'] = { ...margin, t: margin.t + LEGEND_ROOM };
  }
  return { data: [...fig.data, trace], layout };
}
