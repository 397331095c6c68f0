/**
 * Figures and tables of the ReNAS 424-sample study (notebook 01 and scripts):
 * they only reshape a `Renas424Result` / `RenasRunPredictions` into plotly
 * figures and table rows; every number comes from the study.
 */
import { rankAverage } from '../metrics/ranks.js';
import type { RenasNb201Result } from './renasNb201.js';
import type { RenasSearchResult } from './renasSearch.js';
import { meanStd } from '../metrics/summary.js';
import { PALETTE, addReferencePoints, lineFigure, scatterFigure, withLayout, type LineSeries, type PlotlyFigure } from '../viz/index.js';
import { RENAS_ABLATION_DEFAULT, expandCurve, type RenasAblationResult, type Renas424Result, type RenasRunPredictions, type WholeSpaceResult } from './renas424.js';

/**
 * Values the ReNAS paper reports for NAS-Bench-101 (Xu et al., CVPR 2021;
 * see docs/PROTOCOLS.md §2). Search numbers are mean ± std of the best TEST
 * accuracy (%) among the top 10 picked after training on 0.1 % (424 cells);
 * the Kendall τ values are commonly quoted but unconfirmed.
 */
export const RENAS_PAPER = {
  renasTop10: { mean: 93.95, std: 0.11 },
  randomSearch: { mean: 93.72, std: 0.13 },
  /** Share of the 423,624-cell space better than ReNAS's pick. */
  renasTopPercent: 0.02,
  tau: [
    { trainSize: 424, tau: 0.657 },
    { trainSize: 4236, tau: 0.816 },
  ],
} as const;

const LOSS_LABEL = { ranking: 'ranking loss (ReNAS)', mse: 'MSE (baseline)' } as const;
/** The same colour for a loss in every figure. */
const LOSS_COLOR = { ranking: PALETTE[0]!, mse: PALETTE[1]! } as const;
const pct = (v: number): number => 100 * v;
const fmt = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const pm = (mean: number, std: number, digits = 2): string => `${fmt(mean, digits)} ± ${fmt(std, digits)}`;

/** 0 (worst) … 100 (best) rank percentile of each value, ties averaged. */
export function rankPercentiles(values: ArrayLike<number>): Float64Array {
  const ranks = rankAverage(values);
  const n = ranks.length;
  return ranks.map((r) => (n > 1 ? (100 * (r - 1)) / (n - 1) : 50));
}

/**
 * Predicted against true ranking of the held-out cells, as rank percentiles:
 * the ranking loss scores on no particular scale, so percentiles are what
 * both losses can be compared on, and the diagonal is the perfect ranking.
 */
export function predictedVsTrueFigure(p: RenasRunPredictions): PlotlyFigure {
  const fig = scatterFigure({
    x: rankPercentiles(p.truth),
    y: rankPercentiles(p.predicted),
    diagonal: true,
    name: `held-out cells (${p.ids.length.toLocaleString('en-US')})`,
    markerSize: 3,
    title: `Predicted vs true rank: seed ${p.seed}, N = ${p.trainSize}, ${p.lossKind} loss (Kendall τ = ${p.kendallTau.toFixed(3)})`,
    xTitle: 'true rank percentile (validation accuracy, 100 = best)',
    yTitle: 'predicted rank percentile',
    width: 640,
    height: 600,
  });
  // Draw the diagonal over the dense cloud, not under it.
  const diagonal = fig.data.filter((t) => t['mode'] === 'lines').map((t) => ({ ...t, line: { color: '#111111', dash: 'dash', width: 2 } }));
  const points = fig.data.filter((t) => t['mode'] !== 'lines');
  return withLayout({ data: [...points, ...diagonal], layout: fig.layout }, { xaxis: { range: [-2, 102] }, yaxis: { range: [-2, 102] } });
}

/** Kendall τ (mean ± std over seeds) against training-set size, per loss, with the paper's values. */
export function tauBySizeFigure(result: Renas424Result): PlotlyFigure {
  const series: LineSeries[] = result.config.lossKinds.map((loss) => {
    const rows = result.summary.filter((s) => s.lossKind === loss).sort((a, b) => a.trainSize - b.trainSize);
    return { name: LOSS_LABEL[loss], color: LOSS_COLOR[loss], x: rows.map((s) => s.trainSize), y: rows.map((s) => s.tauMean), band: rows.map((s) => s.tauStd), markers: true };
  });
  const seeds = result.config.seeds.length;
  const sizes = [...new Set([...result.config.trainSizes, ...RENAS_PAPER.tau.map((t) => t.trainSize)])].sort((a, b) => a - b);
  const fig = lineFigure(series, {
    title: `Kendall τ on the held-out subset cells (mean ± std over ${seeds} seed${seeds === 1 ? '' : 's'})`,
    xTitle: 'training-set size N (cells with known accuracy)',
    yTitle: 'Kendall τ',
  });
  const withPaper = addReferencePoints(
    fig,
    RENAS_PAPER.tau.map((t) => ({ x: t.trainSize, y: t.tau, label: t.tau.toFixed(3) })),
    { name: 'ReNAS paper (quoted, unconfirmed)' },
  );
  return withLayout(withPaper, { xaxis: { type: 'log', tickvals: sizes, ticktext: sizes.map((n) => n.toLocaleString('en-US')) } });
}

/** Indices 0 … length-1 spaced evenly on a log axis (always keeps the first and last). */
function logSpacedIndices(length: number, points: number): number[] {
  const out = new Set<number>([0, length - 1]);
  for (let k = 0; k < points; k++) out.add(Math.min(length - 1, Math.round(Math.exp((Math.log(length) * k) / (points - 1))) - 1));
  return [...out].filter((i) => i >= 0).sort((a, b) => a - b);
}

/**
 * Best validation accuracy found against the number of architectures
 * "trained" (queried): random search as a curve (mean ± std over seeds), and
 * for each loss the ReNAS search — N random training cells, then the predicted
 * top K — as one point per training-set size at N + K queries. The paper's
 * test-accuracy numbers (424 + 10 queries) and the subset's best are marked.
 */
export function bestFoundFigure(result: Renas424Result): PlotlyFigure {
  const { config } = result;
  // Each seed's longest random curve (that of its largest N); both losses share it.
  const maxSize = Math.max(...config.trainSizes);
  const randomCurves = config.seeds
    .map((seed) => result.curves[`${seed}/${maxSize}/${config.lossKinds[0]}`]?.random)
    .filter((c): c is NonNullable<typeof c> => c !== undefined)
    .map((c) => expandCurve(c));
  if (randomCurves.length === 0) throw new Error(`bestFoundFigure: no random-search curve for N = ${maxSize} in the result`);
  const length = Math.min(...randomCurves.map((c) => c.length));
  const at = logSpacedIndices(length, 160);
  const randomStats = at.map((i) => meanStd(randomCurves.map((c) => pct(c[i]!))));
  const series: LineSeries[] = [
    { name: 'random search', x: at.map((i) => i + 1), y: randomStats.map((s) => s.mean), band: randomStats.map((s) => s.std), color: '#888888', markers: false },
  ];
  for (const loss of config.lossKinds) {
    const rows = result.summary.filter((s) => s.lossKind === loss).sort((a, b) => a.trainSize - b.trainSize);
    series.push({
      name: `N + top ${config.topK}, ${loss === 'ranking' ? 'ranking loss' : 'MSE'}`,
      color: LOSS_COLOR[loss],
      x: rows.map((s) => s.trainSize + config.topK),
      y: rows.map((s) => pct(s.searchBestMean)),
      band: rows.map((s) => s.searchBestStd * 100),
      markers: true,
    });
  }
  const subsetBest = pct(result.subsetBest);
  series.push({ name: `subset best ${subsetBest.toFixed(2)} %`, x: [1, length], y: [subsetBest, subsetBest], color: '#111111', dash: 'dot', markers: false });
  const paperX = 424 + 10;
  let fig = lineFigure(series, {
    title: `Best accuracy found vs architectures queried (mean ± std, ${result.config.seeds.length} seed${result.config.seeds.length === 1 ? '' : 's'})`,
    xTitle: 'architectures queried (log scale)',
    yTitle: 'best validation accuracy found (%)',
    height: 540,
  });
  fig = addReferencePoints(fig, [{ x: paperX, y: RENAS_PAPER.renasTop10.mean }], { name: 'paper: ReNAS (test acc.)' });
  fig = addReferencePoints(fig, [{ x: paperX, y: RENAS_PAPER.randomSearch.mean }], { name: 'paper: random (test acc.)', symbol: 'diamond', size: 12 });
  // The first few random queries are far below everything else: start the y axis where the curves are informative.
  const fromQuery = Math.min(10, length) - 1;
  const lows = [...randomStats.filter((_, k) => at[k]! >= fromQuery).map((s) => s.mean), ...series.slice(1).flatMap((s) => Array.from(s.y))];
  const lo = Math.min(...lows.filter(Number.isFinite), RENAS_PAPER.randomSearch.mean);
  const hi = Math.max(subsetBest, RENAS_PAPER.renasTop10.mean);
  // Six legend entries need two rows: below the plot, where they cannot run into the title.
  return withLayout(fig, {
    xaxis: { type: 'log' },
    yaxis: { range: [lo - 0.15 * (hi - lo) - 0.05, hi + 0.08 * (hi - lo) + 0.05] },
    legend: { orientation: 'h', x: 0, xanchor: 'left', y: -0.2, yanchor: 'top' },
    margin: { t: 50, b: 130 },
  });
}

/** The summary as display rows: accuracies in %, τ and search results mean ± std over seeds. */
export function renasSummaryRows(result: Renas424Result): Record<string, string | number>[] {
  const { topK } = result.config;
  return result.summary.map((s) => ({
    N: s.trainSize,
    loss: s.lossKind,
    epochs: s.epochs,
    runs: s.runs,
    'Kendall τ': pm(s.tauMean, s.tauStd, 3),
    [`top-${topK} best (%)`]: pm(pct(s.searchTopKBestMean), pct(s.searchTopKBestStd)),
    [`best of N+${topK} (%)`]: pm(pct(s.searchBestMean), pct(s.searchBestStd)),
    'better cells (% of subset)': fmt(pct(s.searchBestTopFractionMean), 3),
    [`random, N+${topK} (%)`]: pm(pct(s.randomBestMean), pct(s.randomBestStd)),
    'fit (s)': fmt(s.fitSecondsMean, 1),
  }));
}

/** The predicted top cells of the whole space: hash, score, and the true validation accuracy where the subset has it. */
export function wholeSpaceRows(space: WholeSpaceResult): Record<string, string | number>[] {
  return space.top.map((e) => ({
    rank: e.rank + 1,
    'space index': e.index,
    hash: e.hash,
    score: Number(e.score.toFixed(4)),
    'in subset': e.inBenchmark ? 'yes' : 'no',
    'val. accuracy (%)': e.trueValue === null ? '–' : fmt(pct(e.trueValue), 2),
  }));
}

/**
 * This study beside the published numbers. Ours: validation accuracy of one official run
 * on the 20,001-cell subset; the paper's: test accuracy (mean of 3 runs) on
 * the official 423,624-cell data.
 */
export function renasComparisonRows(result: Renas424Result): Record<string, string>[] {
  const { config, summary } = result;
  // The paper's "424" is 423 cells in the official code (floor of 0.1 %): either stands for it.
  const at = (n: number, loss: 'ranking' | 'mse') =>
    summary.find((s) => s.trainSize === n && s.lossKind === loss) ?? (n === 424 ? summary.find((s) => s.trainSize === 423 && s.lossKind === loss) : undefined);
  const rows: Record<string, string>[] = [];
  const seedsOf = (runs: number): string => `${runs} seed${runs === 1 ? '' : 's'}`;
  const r424 = at(424, 'ranking');
  const m424 = at(424, 'mse');
  const small = (r424 ?? m424)?.trainSize ?? 424;
  rows.push({
    measure: `ReNAS: best of the top ${config.topK} (%), N = ${small} (paper: 424)`,
    paper: `${pm(RENAS_PAPER.renasTop10.mean, RENAS_PAPER.renasTop10.std)} (test)`,
    'this study': r424 ? `${pm(pct(r424.searchTopKBestMean), pct(r424.searchTopKBestStd))} (val., ${seedsOf(r424.runs)})` : 'not run',
  });
  rows.push({
    measure: `MSE baseline: best of the top ${config.topK} (%), N = ${small}`,
    paper: '–',
    'this study': m424 ? `${pm(pct(m424.searchTopKBestMean), pct(m424.searchTopKBestStd))} (val., ${seedsOf(m424.runs)})` : 'not run',
  });
  const rand = r424 ?? m424;
  rows.push({
    measure: `random search (%), ${small + config.topK} queries`,
    paper: `${pm(RENAS_PAPER.randomSearch.mean, RENAS_PAPER.randomSearch.std)} (test)`,
    'this study': rand ? `${pm(pct(rand.randomBestMean), pct(rand.randomBestStd))} (val., ${seedsOf(rand.runs)})` : 'not run',
  });
  rows.push({
    measure: 'ReNAS pick: share of cells better (%)',
    paper: `${RENAS_PAPER.renasTopPercent} (of 423,624)`,
    'this study': r424 ? `${fmt(pct(r424.searchBestTopFractionMean), 3)} (of the 20,001-cell subset, best of N+${config.topK})` : 'not run',
  });
  for (const { trainSize, tau } of RENAS_PAPER.tau) {
    const ours = at(trainSize, 'ranking');
    rows.push({
      measure: `Kendall τ, ranking loss, N = ${trainSize.toLocaleString('en-US')}${ours && ours.trainSize !== trainSize ? ` (here ${ours.trainSize})` : ''}`,
      paper: `${tau.toFixed(3)} (quoted, unconfirmed)`,
      'this study': ours ? `${pm(ours.tauMean, ours.tauStd, 3)} (${seedsOf(ours.runs)}, ${ours.epochs} epochs)` : 'not run',
    });
  }
  const ws = result.wholeSpace;
  if (ws) {
    rows.push({
      measure: `whole space: predicted top ${ws.top.length}`,
      paper: `${pm(RENAS_PAPER.renasTop10.mean, RENAS_PAPER.renasTop10.std)} (test, best of the 10)`,
      'this study':
        `${ws.topInBenchmark} of ${ws.top.length} in the subset` +
        (ws.bestTrueValueInTop === null ? '' : `, best ${fmt(pct(ws.bestTrueValueInTop), 2)} (val.)`) +
        ` — ${ws.ranked.toLocaleString('en-US')} cells ranked, seed ${ws.seed}`,
    });
  }
  return rows;
}

/** The fidelity ablation as display rows: τ per variant and its paired difference from the default (95 % t interval). */
export function renasAblationRows(ablation: RenasAblationResult): Record<string, string | number>[] {
  return ablation.rows.map((r) => {
    const isDefault = r.name === RENAS_ABLATION_DEFAULT;
    const diff = isDefault
      ? '—'
      : r.sameRunsAsDefault
        ? '0 (same runs as the default at this N)'
        : `${r.tauDifference >= 0 ? '+' : ''}${fmt(r.tauDifference, 3)} [${fmt(r.tauDifferenceLower, 3)}, ${fmt(r.tauDifferenceUpper, 3)}]`;
    return {
      variant: r.name,
      'official code': r.official,
      'this variant': r.variant,
      N: r.trainSize,
      seeds: r.runs,
      'Kendall τ': pm(r.tauMean, r.tauStd, 3),
      'Δτ vs default [95 % CI]': diff,
      p: isDefault || r.sameRunsAsDefault ? '—' : fmt(r.p, 3),
      'seeds above default': isDefault || r.sameRunsAsDefault ? '—' : `${r.seedsAbove} of ${r.runs}`,
      [`top-10 best (%)`]: fmt(pct(r.searchTopKBestMean), 2),
      updates: r.updates,
      'fit (s)': fmt(r.fitSecondsMean, 0),
    };
  });
}

/** Paired τ differences (variant − default) with their 95 % intervals, one row per variant: which switches matter. */
export function renasAblationFigure(ablation: RenasAblationResult): PlotlyFigure {
  const rows = ablation.rows.filter((r) => r.name !== RENAS_ABLATION_DEFAULT).reverse();
  const seeds = ablation.config.seeds.length;
  const y = rows.map((r) => r.name);
  const half = rows.map((r) => (Number.isFinite(r.tauDifferenceUpper) ? (r.tauDifferenceUpper - r.tauDifferenceLower) / 2 : 0));
  return withLayout(
    {
      data: [
        {
          type: 'scatter',
          mode: 'markers',
          name: `mean Δτ over ${seeds} seed${seeds === 1 ? '' : 's'} (95 % t interval)`,
          x: rows.map((r) => r.tauDifference),
          y,
          marker: { color: PALETTE[0], size: 9 },
          error_x: { type: 'data', array: half, visible: true, color: PALETTE[0], thickness: 1.5, width: 6 },
        },
        { type: 'scatter', mode: 'lines', name: 'no difference', x: [0, 0], y: [y[0], y[y.length - 1]], line: { color: '#111111', dash: 'dash', width: 1 }, showlegend: false },
      ],
      layout: {
        title: { text: `ReNAS fidelity ablation at N = ${ablation.config.trainSize}: Kendall τ of each variant minus the official default, paired by seed` },
        xaxis: { title: { text: 'Δ Kendall τ (variant − default)' }, zeroline: false },
        yaxis: { automargin: true, type: 'category' },
        width: 900,
        height: 120 + 48 * rows.length,
        showlegend: true,
        legend: { orientation: 'h', y: -0.25 },
        margin: { l: 220 },
      },
    },
    {},
  );
}

/** Predictor-guided search over the whole space, per method: best known accuracy (mean ± std over seeds) and unknown picks. */
export function renasSearchRows(result: RenasSearchResult): Record<string, string | number>[] {
  const { trainSize, topK } = result.config;
  return result.summary.map((s) => ({
    method: s.method,
    seeds: s.runs,
    [`best known of N+${topK} (%)`]: pm(pct(s.bestKnownMean), pct(s.bestKnownStd)),
    [`best known of the ${topK} picks (%)`]: s.seedsWithKnownPick ? `${fmt(pct(s.bestPickKnownMean), 2)} (${s.seedsWithKnownPick} of ${s.runs} seeds)` : '— (no pick in the subset)',
    [`picks outside the subset (of ${topK})`]: fmt(s.unknownPicksMean, 1),
    'subset best (%)': fmt(pct(result.subsetBest), 2),
    N: trainSize,
  }));
}

// ---------------------------------------------------------------------------------------------
// NAS-Bench-201 (renasNb201.ts)

const NB201_DATASET_LABEL = { cifar10: 'CIFAR-10', cifar100: 'CIFAR-100', imagenet16: 'ImageNet16-120' } as const;
const NB201_DATASET_COLOR = { cifar10: PALETTE[0]!, cifar100: PALETTE[2]!, imagenet16: PALETTE[3]! } as const;

/** Kendall τ on the held-out NAS-Bench-201 cells against the training-set size, per dataset and loss (mean ± std over seeds). */
export function renasNb201TauFigure(result: RenasNb201Result): PlotlyFigure {
  const series: LineSeries[] = [];
  for (const dataset of result.config.datasets) {
    for (const loss of result.config.lossKinds) {
      const rows = result.summary.filter((s) => s.dataset === dataset && s.lossKind === loss).sort((a, b) => a.trainSize - b.trainSize);
      series.push({
        name: `${NB201_DATASET_LABEL[dataset]}, ${LOSS_LABEL[loss]}`,
        color: NB201_DATASET_COLOR[dataset],
        dash: loss === 'mse' ? 'dash' : 'solid',
        x: rows.map((s) => s.trainSize),
        y: rows.map((s) => s.tauMean),
        band: rows.map((s) => s.tauStd),
        markers: true,
      });
    }
  }
  const seeds = result.config.seeds.length;
  const sizes = [...new Set(result.summary.map((s) => s.trainSize))].sort((a, b) => a - b);
  const fig = lineFigure(series, {
    title: `ReNAS on NAS-Bench-201: Kendall τ on the held-out cells (mean ± std over ${seeds} seed${seeds === 1 ? '' : 's'})`,
    xTitle: 'training-set size N (0.1 % / 1 % / 5 % of 15,625 cells)',
    yTitle: 'Kendall τ',
  });
  return withLayout(fig, { xaxis: { type: 'log', tickvals: sizes, ticktext: sizes.map((n) => n.toLocaleString('en-US')) } });
}

/** One row per (dataset, size, loss): τ with its 95 % interval, the search beside random search and the optimum (accuracies in %). */
export function renasNb201Rows(result: RenasNb201Result): Record<string, string | number>[] {
  const { topK } = result.config;
  return result.summary.map((s) => ({
    dataset: NB201_DATASET_LABEL[s.dataset],
    N: s.trainSize,
    'share of space': `${fmt(100 * s.fraction, 1)} %`,
    loss: s.lossKind,
    seeds: s.runs,
    'Kendall τ (95 % CI)': `${fmt(s.tauMean, 3)} ± ${fmt(s.tauCi95, 3)}`,
    [`best of top-${topK} (%)`]: pm(pct(s.searchTopKBestMean), pct(s.searchTopKBestStd)),
    [`best of N+${topK} (%)`]: pm(pct(s.searchBestMean), pct(s.searchBestStd)),
    [`random, N+${topK} (%)`]: pm(pct(s.randomBestMean), pct(s.randomBestStd)),
    'optimum (%)': fmt(pct(s.optimum), 2),
    updates: s.updates,
  }));
}
