/**
 * Figures of the FairNAS fairness ablation, built from its result (no
 * computation beyond averaging over seeds and smoothing for display).
 */
import { NB201_EDGES, NB201_OPS } from '../spaces/nb201.js';
import { MIN_REPEATS_FOR_BAND, barFigure, heatmapFigure, lineFigure, scatterFigure, withLayout, type LineSeries, type PlotlyFigure } from '../viz/index.js';
import type { FairnessAblationResult, FairnessRun } from './fairnessAblation.js';
import { CURVE_MEASURES, curveSummary, isComputeMatched, seriesLabel, type CurveMeasure } from './fairnessReport.js';

const samplerRuns = (result: FairnessAblationResult, series: string): FairnessRun[] => result.runs.filter((r) => r.series === series);

/**
 * The study's main figure: Kendall τ of each series against its training
 * budget (log axis; mean and 95 % CI band over seeds), with the baselines a
 * supernet ranking has to beat drawn as flat dashed lines. `x: 'passes'`
 * puts every series on forward/backward passes (compute) instead of updates.
 */
export function tauCurveFigure(result: FairnessAblationResult, measure: CurveMeasure = 'tau', x: 'updates' | 'passes' = 'updates'): PlotlyFigure {
  const seeds = result.config.seeds;
  const banded = seeds.length >= MIN_REPEATS_FOR_BAND;
  const series: LineSeries[] = result.summary.map((s) => {
    const points = curveSummary(result.runs, s.sampler, seeds, measure);
    return {
      name: seriesLabel(s.sampler),
      x: points.map((p) => (x === 'updates' ? p.point.update : p.point.forwardBackwardPasses)),
      y: points.map((p) => p.mean),
      ...(banded ? { band: points.map((p) => p.halfWidth) } : {}),
      dash: isComputeMatched(s.sampler) ? ('dot' as const) : ('solid' as const),
      markers: true,
    };
  });
  const xs = series.flatMap((s) => Array.from(s.x as ArrayLike<number>));
  const span = [Math.min(...xs), Math.max(...xs)];
  const vs12 = measure === 'tau12' || measure === 'tau12Loss';
  const b = result.baselines;
  const flat = (name: string, value: number, color: string): LineSeries[] => (Number.isFinite(value) ? [{ name, x: span, y: [value, value], dash: 'dash', color, markers: false }] : []);
  series.push(...flat(`parameter count (τ ${b[vs12 ? 'paramsVsTruth12' : 'paramsVsTruth'].toFixed(3)})`, b[vs12 ? 'paramsVsTruth12' : 'paramsVsTruth'], '#9c755f'));
  if (!vs12) series.push(...flat(`12-epoch training (τ ${b.truth12VsTruth.toFixed(3)})`, b.truth12VsTruth, '#bab0ac'));
  series.push(...flat(`null + 2 SE (${(2 * b.nullTauSe).toFixed(3)})`, 2 * b.nullTauSe, '#d3d3d3'));
  const label = CURVE_MEASURES.find((m) => m.key === measure)!.label;
  const fig = lineFigure(series, {
    // The sample and the band go on the y axis: in the title they ran past the figure's width.
    title: `Kendall τ against budget: ${label}`,
    xTitle: x === 'updates' ? 'parameter updates (log)' : 'forward/backward passes (log)',
    yTitle: `Kendall τ (${result.archs.length} archs, ${seeds.length} seed${seeds.length === 1 ? '' : 's'}${banded ? ', 95 % CI' : ''})`,
  });
  // Ticks at the budgets themselves: the log axis's own minor labels (2, 3, … 9) read as budgets.
  const ticks = [...new Set(xs)].sort((p, q) => p - q);
  return withLayout(fig, { xaxis: { type: 'log', tickvals: ticks, ticktext: ticks.map((t) => t.toLocaleString('en-US')) } });
}

/** Kendall tau and Spearman rho per sampler, bars = mean over seeds, error bars = std over seeds. */
export function tauBarFigure(result: FairnessAblationResult): PlotlyFigure {
  const categories = result.summary.map((s) => s.label);
  const seeds = result.config.seeds.length;
  // One seed has no spread: draw no error bar rather than a NaN one.
  const err = (v: number): number => (Number.isFinite(v) ? v : 0);
  return barFigure(
    [
      { name: 'Kendall τ', categories, values: result.summary.map((s) => s.tauMean), errors: result.summary.map((s) => err(s.tauStd)) },
      { name: 'Spearman ρ', categories, values: result.summary.map((s) => s.rhoMean), errors: result.summary.map((s) => err(s.rhoStd)) },
    ],
    {
      title: `Supernet ranking vs NB201 CIFAR-10 ground truth (${result.archs.length} archs, ${seeds} seed${seeds > 1 ? 's, ± std' : ''})`,
      yTitle: 'rank correlation',
    },
  );
}

/** Per sampler: supernet accuracy (mean over seeds) against ground truth, one point per architecture. */
export function rankScatterFigures(result: FairnessAblationResult): PlotlyFigure[] {
  return result.summary.map((s) => {
    const runs = samplerRuns(result, s.sampler);
    const meanAccuracy = result.archs.map((_, i) => (100 * runs.reduce((sum, r) => sum + r.accuracy[i]!, 0)) / runs.length);
    return scatterFigure({
      x: result.archs.map((a) => 100 * a.truth),
      y: meanAccuracy,
      // Bins are categories: one colour and legend entry each, not a continuous scale.
      color: result.archs.map((a) => `truth bin ${a.bin + 1}`),
      labels: result.archs.map((a) => a.arch),
      title: `${s.label}: τ = ${s.tauMean.toFixed(3)}, ρ = ${s.rhoMean.toFixed(3)}`,
      xTitle: 'NB201 CIFAR-10 test accuracy, 200 epochs (%)',
      yTitle: `supernet held-out accuracy (%)${runs.length > 1 ? `, mean of ${runs.length} seeds` : ''}`,
    });
  });
}

/** Per sampler: how many forward/backward passes trained each (edge, op), mean over seeds. */
export function countHeatmapFigures(result: FairnessAblationResult): PlotlyFigure[] {
  return result.summary.map((s) =>
    heatmapFigure({
      z: s.countsMean,
      rowLabels: NB201_EDGES.map(([from, to]) => `edge ${from}→${to}`),
      colLabels: [...NB201_OPS],
      decimals: 0,
      zTitle: 'passes',
      title: `${s.label}: training passes per (edge, op) over ${s.updates} updates`,
      height: 380,
    }),
  );
}

/** Moving average over a centred window of `width` points (shorter at the ends). */
function movingAverage(values: readonly number[], width: number): number[] {
  const half = Math.floor(width / 2);
  const prefix = [0];
  for (const v of values) prefix.push(prefix[prefix.length - 1]! + v);
  return values.map((_, i) => {
    const lo = Math.max(0, i - half);
    const hi = Math.min(values.length, i + half + 1);
    return (prefix[hi]! - prefix[lo]!) / (hi - lo);
  });
}

/** Training loss (mean over a sampler's paths of one update) per series, smoothed, mean ± std over seeds. */
export function lossCurveFigure(result: FairnessAblationResult): PlotlyFigure {
  const width = Math.max(1, Math.round(result.config.updates / 50));
  const series = result.summary.map((s) => {
    const updates = s.updates;
    // At most ~400 points per line: enough to read, light to render.
    const stride = Math.max(1, Math.floor(updates / 400));
    const xs = Array.from({ length: Math.ceil(updates / stride) }, (_, k) => k * stride);
    const curves = samplerRuns(result, s.sampler).map((r) => movingAverage(r.lossHistory, width));
    const mean = xs.map((x) => curves.reduce((sum, c) => sum + c[x]!, 0) / curves.length);
    const std = xs.map((x, k) => {
      if (curves.length < 2) return 0;
      const m = mean[k]!;
      return Math.sqrt(curves.reduce((sum, c) => sum + (c[x]! - m) ** 2, 0) / (curves.length - 1));
    });
    const banded = curves.length >= MIN_REPEATS_FOR_BAND;
    return { name: seriesLabel(s.sampler), x: xs.map((x) => x + 1), y: mean, ...(banded ? { band: std } : {}), markers: false };
  });
  return lineFigure(series, {
    title: `Supernet training loss (moving average of ${width} updates${result.config.seeds.length >= MIN_REPEATS_FOR_BAND ? ', band ± std over seeds' : ''})`,
    xTitle: 'parameter update',
    yTitle: 'cross-entropy (mean over the update’s paths)',
  });
}
