/**
 * Figures and tables of the Siamese-NAS N/K sweeps (notebook 03 and the CLI):
 * Fig. 6-style lines (mean best found vs N + K, 95 % CI band, one line per
 * method), Fig. 7-style best-found curves, the Tiny-NASBench-201 FLOPs
 * histogram with its derived threshold, and our numbers beside the published
 * points of docs/PROTOCOLS.md §4.
 */
import type { Benchmark } from '../core/types.js';
import type { Nb201Arch } from '../spaces/nb201.js';
import { flopsHistogram, tinyNb201Break } from '../spaces/tinyNb201.js';
import { MIN_REPEATS_FOR_BAND, REFERENCE_COLOR, addReferencePoints, barFigure, houseLayout, lineFigure, withLayout, type PlotlyFigure } from '../viz/index.js';
import {
  SIAMESE_METHODS,
  meanBestFoundCurve,
  type SiameseMethod,
  type SiameseSweepResult,
  type SweepBenchmark,
  type SweepScoring,
  type SweepSeries,
} from './siameseSweep.js';

/** How each scoring is named in titles and tables. */
export const SCORING_LABEL: Readonly<Record<SweepScoring, string>> = {
  official: 'official scoring: best of the top K of the predicted ranking, N − 3 trained',
  search: 'search scoring: best of the N + K trained',
};

/** The scoring a figure shows when none is asked for: the paper's ('official') when the sweep ran it. */
function defaultScoring(result: Pick<SiameseSweepResult, 'config'>): SweepScoring {
  return result.config.scorings.includes('official') ? 'official' : result.config.scorings[0]!;
}

/** A value read off a figure of the paper (docs/PROTOCOLS.md §4); fractions, like our results. */
export interface PublishedPoint {
  /** The sweep series it belongs beside. */
  readonly series: string;
  readonly benchmark: SweepBenchmark;
  /** Who the paper credits it to. */
  readonly source: string;
  /** Our method it is compared with. */
  readonly ourMethod: SiameseMethod;
  readonly N: number | null;
  readonly K: number | null;
  /** Architectures trained, N + K. */
  readonly budget: number;
  readonly value: number;
}

const BRP = 'BRP-NAS (as reported in the Siamese-NAS paper)';
const SIAMESE = 'Siamese-NAS (siams+NSAM+BTS)';

/** Published points of Siamese-NAS (arXiv 2210.00546) as listed in docs/PROTOCOLS.md §4; "≈" values are read off the figures. */
export const SIAMESE_PUBLISHED_POINTS: readonly PublishedPoint[] = [
  ...[
    [100, 0.737],
    [125, 0.738],
    [150, 0.738],
    [200, 0.7385],
  ].map(([budget, value]) => ({
    // BRP-NAS's trace: its 100 training cells, then the ranking's best untrained (eagle README).
    series: 'brp-cifar100',
    benchmark: 'nb201-cifar100' as const,
    source: BRP,
    ourMethod: 'brp-nas' as const,
    N: 100,
    K: budget! - 100,
    budget: budget!,
    value: value!,
  })),
  { series: 'fig6a-cifar100', benchmark: 'nb201-cifar100', source: SIAMESE, ourMethod: 'siams+nsam+bts', N: 30, K: 95, budget: 125, value: 0.727 },
  { series: 'fig6a-cifar100', benchmark: 'nb201-cifar100', source: SIAMESE, ourMethod: 'siams+nsam+bts', N: 30, K: 170, budget: 200, value: 0.731 },
  { series: 'fig6b-cifar100', benchmark: 'nb201-cifar100', source: SIAMESE, ourMethod: 'siams+nsam+bts', N: 70, K: 30, budget: 100, value: 0.736 },
  { series: 'fig6b-cifar100', benchmark: 'nb201-cifar100', source: SIAMESE, ourMethod: 'siams+nsam+bts', N: 120, K: 30, budget: 150, value: 0.741 },
  { series: 'fig6b-cifar100', benchmark: 'nb201-cifar100', source: SIAMESE, ourMethod: 'siams+nsam+bts', N: 180, K: 30, budget: 210, value: 0.742 },
  { series: 'fig7-tiny-nb201', benchmark: 'tiny-nb201-cifar10', source: SIAMESE, ourMethod: 'siams+nsam+bts', N: 100, K: 5, budget: 105, value: 0.913 },
  { series: 'fig7-tiny-nanobench', benchmark: 'tiny-nanobench', source: SIAMESE, ourMethod: 'siams+nsam+bts', N: 100, K: 5, budget: 105, value: 0.93 },
];

function seriesOf(result: Pick<SiameseSweepResult, 'config'>, id: string): SweepSeries {
  const s = result.config.series.find((x) => x.id === id);
  if (!s) throw new Error(`siamese sweep: no series ${JSON.stringify(id)} in this config (have ${result.config.series.map((x) => x.id).join(', ')})`);
  return s;
}

/** Whether the sweep has results for a series (false when its data was missing or it was not in the config). */
export function hasSeries(result: Pick<SiameseSweepResult, 'rows'>, id: string): boolean {
  return result.rows.some((r) => r.series === id);
}

/**
 * A y range (percent) framing the mean lines and the published points: with few
 * repeats the 95 % bands are very wide (t quantile 12.7 for 2 repeats) and
 * would otherwise squash the lines; bands are clipped at the frame.
 */
function focusRange(values: readonly number[]): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return [0, 100];
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const pad = Math.max(0.25 * (hi - lo), 0.5);
  return [Math.max(0, lo - pad), Math.min(100, hi + pad)];
}

/** The series' methods: the paper's in their canonical order, then registered ones (e.g. param-count) in the series' order. */
function orderedMethods(series: SweepSeries): SiameseMethod[] {
  const builtin = SIAMESE_METHODS as readonly string[];
  return [...SIAMESE_METHODS.filter((m) => series.methods.includes(m)), ...series.methods.filter((m) => !builtin.includes(m))];
}

/** Line style: random search dotted, the zero-cost parameter-count baseline dashed, trained predictors solid. */
function methodDash(method: SiameseMethod): 'dot' | 'dash' | 'solid' {
  return method === 'random' ? 'dot' : method === 'param-count' ? 'dash' : 'solid';
}

function repeatsNote(repeats: number): string {
  return repeats >= MIN_REPEATS_FOR_BAND ? `mean of ${repeats} repeats, 95 % CI band` : `mean of ${repeats} repeat${repeats === 1 ? '' : 's'} (no CI band below ${MIN_REPEATS_FOR_BAND})`;
}

/**
 * Fig. 6 style: mean best test accuracy (%) vs N + K under one scoring
 * (default: official when run), one line per method with its 95 % CI band,
 * published points as stars.
 */
export function nkSweepFigure(result: Pick<SiameseSweepResult, 'config' | 'table' | 'rows'>, seriesId: string, scoring: SweepScoring = defaultScoring(result)): PlotlyFigure {
  const series = seriesOf(result, seriesId);
  if (!hasSeries(result, seriesId)) throw new Error(`siamese sweep: series ${seriesId} has no results (skipped?)`);
  if (!result.config.scorings.includes(scoring)) throw new Error(`siamese sweep: ${scoring} scoring was not run (scorings: ${result.config.scorings.join(', ')})`);
  const table = result.table.filter((r) => r.scoring === scoring);
  const repeats = Math.max(...table.filter((r) => r.series === seriesId).map((r) => r.repeats));
  const lines = orderedMethods(series).map((method) => {
    const rows = table.filter((r) => r.series === seriesId && r.method === method).sort((a, b) => a.budget - b.budget);
    return {
      name: method,
      x: rows.map((r) => r.budget),
      y: rows.map((r) => 100 * r.mean),
      ...(repeats >= MIN_REPEATS_FOR_BAND ? { band: rows.map((r) => 100 * r.ciHalfWidth) } : {}),
      dash: methodDash(method),
    };
  });
  const published = SIAMESE_PUBLISHED_POINTS.filter((p) => p.series === seriesId);
  let fig = lineFigure(lines, {
    title: `${series.title} (${SCORING_LABEL[scoring]})`,
    xTitle: `N + K; ${repeatsNote(repeats)}`,
    yTitle: 'best test accuracy found (%)',
  });
  fig = withLayout(fig, { yaxis: { range: focusRange([...lines.flatMap((l) => l.y), ...published.map((p) => 100 * p.value)]) } });
  for (const source of [...new Set(published.map((p) => p.source))]) {
    const points = published.filter((p) => p.source === source).map((p) => ({ x: p.budget, y: 100 * p.value }));
    fig = addReferencePoints(fig, points, {
      name: `${source} (paper)`,
      symbol: source === BRP ? 'diamond' : 'star',
      color: source === BRP ? '#7f7f7f' : REFERENCE_COLOR,
    });
  }
  return fig;
}

/**
 * Fig. 7 style: mean best-found curve over the queries at the series' first
 * point, per method, with 95 % CI bands, from the search-scored runs (whose
 * queries are what a search trained, in order).
 */
export function bestFoundCurvesFigure(result: SiameseSweepResult, seriesId: string): PlotlyFigure {
  const series = seriesOf(result, seriesId);
  if (!hasSeries(result, seriesId)) throw new Error(`siamese sweep: series ${seriesId} has no results (skipped?)`);
  if (!result.config.scorings.includes('search')) throw new Error(`siamese sweep: the best-found curves need the search-scored runs; add 'search' to scorings`);
  const { N, K } = series.points[0]!;
  const curves = orderedMethods(series).map((method) => ({ method, curve: meanBestFoundCurve(result, series.benchmark, method, N, 'search') }));
  const repeats = Math.max(0, ...curves.map((c) => c.curve.repeats));
  const lines = curves.map(({ method, curve }) => {
    const length = N + K;
    return {
      name: method,
      x: Array.from({ length }, (_, i) => i + 1),
      y: curve.mean.slice(0, length).map((v) => 100 * v),
      ...(repeats >= MIN_REPEATS_FOR_BAND ? { band: curve.halfWidth.slice(0, length).map((v) => 100 * v) } : {}),
      dash: methodDash(method),
      markers: false,
    };
  });
  const published = SIAMESE_PUBLISHED_POINTS.filter((p) => p.series === seriesId);
  let fig = lineFigure(lines, {
    title: `${series.title}: N = ${N}, K = ${K}`,
    xTitle: `architectures trained so far; ${repeatsNote(repeats)}`,
    yTitle: 'best test accuracy found (%)',
  });
  // Frame the last three quarters of the curves (the first queries are single random draws).
  const framed = lines.flatMap((l) => l.y.slice(Math.floor(l.y.length / 4)));
  // The dashed line is where the top-K phase starts for the top-K searchers.
  fig = withLayout(fig, {
    yaxis: { range: focusRange([...framed, ...published.map((p) => 100 * p.value)]) },
    shapes: [{ type: 'line', x0: N + 0.5, x1: N + 0.5, yref: 'paper', y0: 0, y1: 1, line: { color: '#999999', dash: 'dash', width: 1 } }],
  });
  if (published.length > 0) {
    fig = addReferencePoints(fig, published.map((p) => ({ x: p.budget, y: 100 * p.value })), { name: 'Siamese-NAS (paper)' });
  }
  return fig;
}

/** Mean Kendall tau of each predictor over the points of a series, as grouped bars (coarse branch; fine branch for siamese), under one scoring's runs. */
export function rankCorrelationFigure(result: Pick<SiameseSweepResult, 'config' | 'table' | 'rows'>, seriesId: string, scoring: SweepScoring = defaultScoring(result)): PlotlyFigure {
  const series = seriesOf(result, seriesId);
  const rows = result.table.filter((r) => r.series === seriesId && r.scoring === scoring && r.kendallTau !== null);
  const budgets = [...new Set(rows.map((r) => `N=${r.N}`))];
  const methods = orderedMethods(series).filter((m) => rows.some((r) => r.method === m));
  return barFigure(
    methods.map((method) => ({
      name: method,
      categories: budgets,
      values: budgets.map((b) => rows.find((r) => r.method === method && `N=${r.N}` === b)?.kendallTau ?? NaN),
    })),
    { title: `${series.title}: predictor Kendall tau (${scoring}-scored runs)`, xTitle: 'predictor training set (coarse branch, fixed sample of the space)', yTitle: 'Kendall tau-b' },
  );
}

/** The Tiny-NASBench-201 FLOPs histogram of a NAS-Bench-201 benchmark with the derived cut (dashed line). */
export function tinyNb201FlopsFigure(bench: Benchmark<Nb201Arch>, binWidth = 1): PlotlyFigure {
  const flops = bench.metric('flops');
  const hist = flopsHistogram(flops, binWidth);
  const cut = tinyNb201Break(bench);
  const layout = houseLayout({
    title: `Tiny-NASBench-201: ${cut.lowerGroupSize} of ${bench.size} cells ≤ ${cut.threshold.toFixed(2)} MFLOPs`,
    xTitle: `MFLOPs on ${bench.name} (bins of ${binWidth})`,
    yTitle: 'cells',
  });
  const bars = {
    type: 'bar',
    name: 'cells',
    x: hist.binStarts.map((start) => start + binWidth / 2),
    y: hist.counts,
    width: binWidth,
    marker: { color: '#4e79a7', line: { width: 0 } },
  };
  return withLayout(
    { data: [bars], layout },
    {
      bargap: 0,
      shapes: [{ type: 'line', x0: cut.threshold, x1: cut.threshold, yref: 'paper', y0: 0, y1: 1, line: { color: REFERENCE_COLOR, dash: 'dash', width: 2 } }],
      annotations: [
        {
          x: cut.threshold,
          yref: 'paper',
          y: 1,
          text: `threshold ${cut.threshold.toFixed(2)} (gap ${cut.lowerGroupMax.toFixed(2)} → ${cut.upperGroupMin.toFixed(2)})`,
          showarrow: false,
          xanchor: 'left',
          yanchor: 'top',
          font: { size: 12 },
        },
      ],
    },
  );
}

export interface PaperComparisonRow {
  readonly benchmark: SweepBenchmark;
  readonly series: string;
  readonly scoring: SweepScoring;
  readonly budget: number;
  readonly published: string;
  readonly paper: number;
  readonly ourMethod: SiameseMethod;
  readonly N: number | null;
  readonly K: number | null;
  /** Our mean best found (null: point not in this sweep). */
  readonly ours: number | null;
  readonly ci95: number | null;
  readonly repeats: number;
  /** ours − paper. */
  readonly difference: number | null;
  /** The benchmark's optimum of our ground truth (seed-mean test accuracy), when given. */
  readonly optimum: number | null;
  /** optimum − ours: how far our search stays from the best cell. */
  readonly oursGap: number | null;
  /** optimum − paper (negative: the paper's value is above our optimum, i.e. another ground truth). */
  readonly paperGap: number | null;
}

/**
 * Our results beside every published point, one row per point and scoring
 * run (the official scoring first: it is the paper's). BRP-NAS points are
 * compared with our BRP-NAS at N = 100 (its iterative selection) and K =
 * budget − 100, its own search trace; the point at 100 (K = 0, the
 * training cells alone) has no run, as the official scoring reads K ≥ 1.
 * Siamese-NAS points with our siams+NSAM+BTS at the same N and K.
 */
export function paperComparison(
  result: Pick<SiameseSweepResult, 'table' | 'config'>,
  optima: Readonly<Partial<Record<SweepBenchmark, number>>> = {},
): PaperComparisonRow[] {
  const scorings = [...result.config.scorings].sort((a, b) => (a === 'official' ? -1 : b === 'official' ? 1 : 0));
  return scorings.flatMap((scoring) => SIAMESE_PUBLISHED_POINTS.map((p) => {
    const ours = result.table.find(
      (r) =>
        r.scoring === scoring &&
        r.series === p.series &&
        r.method === p.ourMethod &&
        r.budget === p.budget &&
        (p.N === null || r.N === p.N) &&
        (p.K === null || r.K === p.K),
    );
    return {
      benchmark: p.benchmark,
      series: p.series,
      scoring,
      budget: p.budget,
      published: p.source,
      paper: p.value,
      ourMethod: p.ourMethod,
      N: ours?.N ?? p.N,
      K: ours?.K ?? p.K,
      ours: ours ? ours.mean : null,
      ci95: ours && Number.isFinite(ours.ciHalfWidth) ? ours.ciHalfWidth : null,
      repeats: ours?.repeats ?? 0,
      difference: ours ? ours.mean - p.value : null,
      optimum: optima[p.benchmark] ?? null,
      oursGap: ours && optima[p.benchmark] !== undefined ? optima[p.benchmark]! - ours.mean : null,
      paperGap: optima[p.benchmark] !== undefined ? optima[p.benchmark]! - p.value : null,
    };
  }));
}
