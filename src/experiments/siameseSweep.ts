/**
 * The Siamese-NAS N/K sweeps (arXiv 2210.00546, Fig. 6 and Fig. 7): for each
 * method (random search, plain GCN predictor, siamese predictor, + NSAM,
 * + BTS), benchmark, point (N trained to fit the predictor, K top-ranked then
 * trained) and repeat, search with a seeded generator and record the best true
 * accuracy among the N + K trained, the best-found curve over the queries and
 * the predictor's rank correlation.
 *
 * Runs are planned per (benchmark, method, N, repeat) with the largest K any
 * point asks for at that N: a searcher's first N + K' queries do not depend on
 * K (see `SweepTask`), so every smaller K is read off the same run. Every
 * finished run is written to the results folder at once, so a killed sweep resumes
 * where it stopped and a rerun with the same config does no work. Runs go to
 * the run engine (src/engine) on the configured executor — this thread, a
 * pool of worker threads, or a BullMQ queue served by `nas worker` on any
 * number of machines — and give the same numbers on each.
 */
import { groupRows } from './studyRows.js';
import { join, resolve } from 'node:path';
import { byProfile, currentProfile, resultsDir, type Profile } from '../config.js';
import { COUNT, POSITIVE_INTEGER, checkField, checkOneOf } from '../core/checks.js';
import { NB201_SPACE_SIZE } from '../spaces/nb201.js';
import { missingFields } from '../engine/store.js';
import { checkExecutorConfig, runKey, runStudy, type ExecutorConfig, type ProgressSink, type RunSpec } from '../engine/index.js';
import { findDataPath } from '../loaders/dataFiles.js';
import { NB201_CELLS_ZIP } from '../loaders/cellJson.js';
import { findTinyNanoBench } from '../loaders/tinyNanoBench.js';
import { bestFoundCurve, meanConfidenceInterval, meanOfFinite } from '../metrics/index.js';
import { officialBestAt } from '../searchers/common.js';
import { BRP_SELECTIONS } from '../searchers/brpIterative.js';
import { BRP_PAIR_FORWARDS } from '../predictors/brpNas.js';
import {
  OFFICIAL_UNTRAINED,
  SIAMESE_METHODS,
  SWEEP_BENCHMARKS,
  SWEEP_SCORINGS,
  runSweepTask,
  scheduleMatchedBnMomentum,
  sweepMethodKind,
  sweepMethodUsesPredictor,
  type SiameseMethod,
  type SweepBenchmark,
  type SweepBrpSettings,
  type SweepBtsSettings,
  type SweepPredictorSettings,
  type SweepRunConfig,
  type SweepRunResult,
  type SweepScoring,
  type SweepTask,
} from './siameseSweepTask.js';

export { OFFICIAL_UNTRAINED, SIAMESE_METHODS, SWEEP_BENCHMARKS, SWEEP_SCORINGS, SWEEP_TARGETS, runSweepTask, loadSweepBenchmark, scheduleMatchedBnMomentum, sweepMethodKind, sweepMethodUsesPredictor, sweepSearchBudget } from './siameseSweepTask.js';
export type { SiameseMethod, SweepBenchmark, SweepBrpSettings, SweepBtsSettings, SweepPredictorSettings, SweepRunConfig, SweepRunResult, SweepScoring, SweepTask };

/** Bump when a code change alters run results: older cached runs then no longer match (2: scoring, and the ranking head stored). */
export const SWEEP_VERSION = 2;

export interface SweepPoint {
  readonly N: number;
  readonly K: number;
}

/** One figure's worth of points on one benchmark. */
export interface SweepSeries {
  /** Stable name, e.g. `fig6a-cifar100`; rows and figures refer to it. */
  readonly id: string;
  readonly title: string;
  readonly benchmark: SweepBenchmark;
  readonly methods: readonly SiameseMethod[];
  readonly points: readonly SweepPoint[];
}

export interface SiameseSweepConfig {
  /** Root of every run's seed. */
  readonly seed: string;
  readonly repeats: number;
  /** Scorings run and reported, each its own runs (`SWEEP_SCORINGS`; the paper comparison uses 'official'). */
  readonly scorings: readonly SweepScoring[];
  readonly series: readonly SweepSeries[];
  readonly predictor: SweepPredictorSettings;
  readonly bts: SweepBtsSettings;
  /** BRP-NAS predictor and iterative selection; required when a series runs method 'brp-nas'. */
  readonly brp?: SweepBrpSettings;
  /** Architectures of each benchmark (a fixed random sample) the predictor's Kendall / Spearman are measured on. */
  readonly correlationSample: number;
  /** Where the runs execute: `{ kind: 'in-thread' }`, `{ kind: 'pool', threads }` or `{ kind: 'queue', url }` (see src/engine). */
  readonly executor: ExecutorConfig;
  /** Where finished runs are cached; default `<resultsDir>/siamese-nk-sweep`. */
  readonly cacheDir?: string;
  /** Data file/folder per benchmark instead of the data folder's (tests, other copies). */
  readonly sources?: Partial<Record<SweepBenchmark, string>>;
}

/** The paper's protocol (docs/PROTOCOLS.md §4), against which `scaledDownNotes` compares a config. */
const PAPER_PROTOCOL = { repeats: 100, epochs: 200, hidden: 64, maxBudget: 210 } as const;

/** eagle's NB201 BRP-NAS run (acc_gcn_nasbench201_bin.yaml, README: `--iter 5 --sample_best2`). */
export const BRP_OFFICIAL: SweepBrpSettings = Object.freeze({
  layers: 4,
  hidden: 600,
  epochs: 250,
  batchSize: 64,
  iterations: 5,
  selection: 'best-and-top-random',
  pairForward: 'per-pair',
});

/**
 * What `config` changes with respect to the paper's protocol, computed from
 * the config itself (so an edited config is described as it is, not as its
 * profile was).
 */
export function scaledDownNotes(config: SiameseSweepConfig): string[] {
  const notes: string[] = [];
  if (config.repeats < PAPER_PROTOCOL.repeats) notes.push(`${config.repeats} repeats per point (paper: ${PAPER_PROTOCOL.repeats})`);
  if (!config.scorings.includes('official')) notes.push("without the official scoring (N − 3 trained, best of the top K of the ranking): no row is scored as the paper's");
  if (config.predictor.epochs !== PAPER_PROTOCOL.epochs) {
    notes.push(`predictor: ${config.predictor.epochs} epochs with the official 20/50/30 % + 3 schedule (paper: ${PAPER_PROTOCOL.epochs})`);
  }
  if (config.predictor.bnMomentum !== undefined && config.predictor.bnMomentum !== 0.997) {
    notes.push(`predictor batch-norm momentum ${config.predictor.bnMomentum} (official 0.997)${config.predictor.bnMomentum === scheduleMatchedBnMomentum(config.predictor.epochs) ? `, which leaves after ${config.predictor.epochs} epochs the share of initial statistics the official 200 leave` : ''}`);
  }
  if (config.predictor.hidden !== PAPER_PROTOCOL.hidden) notes.push(`predictor hidden width ${config.predictor.hidden} (paper: ${PAPER_PROTOCOL.hidden})`);
  const fig6 = config.series.filter((s) => s.id.startsWith('fig6'));
  const benchmarks = new Set(fig6.map((s) => s.benchmark));
  if (fig6.length > 0 && !benchmarks.has('nb201-cifar10')) notes.push('Fig. 6 on CIFAR-100 only (the published points are CIFAR-100)');
  if (fig6.length > 0 && !benchmarks.has('nb201-cifar100')) notes.push('Fig. 6 without CIFAR-100, where the published points are');
  const maxBudget = Math.max(0, ...fig6.flatMap((s) => s.points.map((p) => p.N + p.K)));
  if (fig6.length > 0 && maxBudget < PAPER_PROTOCOL.maxBudget) notes.push(`Fig. 6: N + K ≤ ${maxBudget} (paper: up to ${PAPER_PROTOCOL.maxBudget})`);
  if (config.brp && config.series.some((s) => s.methods.includes('brp-nas'))) {
    const b = config.brp;
    const changed = (Object.keys(BRP_OFFICIAL) as (keyof SweepBrpSettings)[]).filter((k) => b[k] !== BRP_OFFICIAL[k]);
    if (changed.length > 0) notes.push(`BRP-NAS: ${changed.map((k) => `${k} ${b[k]} (eagle: ${BRP_OFFICIAL[k]})`).join(', ')}`);
  }
  if (config.correlationSample < 15_625) notes.push(`rank correlation on a fixed random sample of ${config.correlationSample.toLocaleString('en-US')} architectures`);
  return notes;
}

export interface RunOptions {
  /** Progress display; default: the engine's (a notebook output updated in place, a terminal bar, or log lines). `false` for none. */
  readonly onProgress?: ProgressSink | false;
  /** Stops the sweep (finished runs stay cached); the promise rejects. */
  readonly signal?: AbortSignal;
}

/** One (series, scoring, method, point, repeat). */
export interface SweepRow {
  readonly series: string;
  readonly benchmark: SweepBenchmark;
  readonly scoring: SweepScoring;
  readonly method: SiameseMethod;
  readonly N: number;
  readonly K: number;
  /** N + K: the point's budget (official scoring trains N − 3 of it). */
  readonly budget: number;
  readonly repeat: number;
  /** The score at (N, K): best of the first K ranked cells (official) or of the N + K queries (search). */
  readonly best: number;
  readonly kendallTau: number | null;
  readonly spearmanRho: number | null;
  readonly fineKendallTau: number | null;
  readonly fineSpearmanRho: number | null;
  /** Share of the initial batch-norm statistics left in the fitted predictor (null for random search). */
  readonly bnInitialShare: number | null;
}

/** Repeats of one (series, scoring, method, point) summarised. */
export interface SweepSummaryRow {
  readonly series: string;
  readonly benchmark: SweepBenchmark;
  readonly scoring: SweepScoring;
  readonly method: SiameseMethod;
  readonly N: number;
  readonly K: number;
  readonly budget: number;
  readonly repeats: number;
  readonly mean: number;
  /** Sample std over repeats (NaN for one repeat). */
  readonly std: number;
  /** 95 % confidence interval of the mean (Student t). */
  readonly ciLower: number;
  readonly ciUpper: number;
  readonly ciHalfWidth: number;
  /** Mean over repeats of the predictor's rank correlations (null for random search). */
  readonly kendallTau: number | null;
  readonly spearmanRho: number | null;
  readonly fineKendallTau: number | null;
  /** Mean share of the initial batch-norm statistics left in the fitted predictors (null for random search). */
  readonly bnInitialShare: number | null;
}

/** One executed run (what the cache holds) with its identity. */
export interface SweepRun {
  readonly config: SweepRunConfig;
  readonly result: SweepRunResult;
  /** Best ground truth after each query, in query order (derived from `result.values`). */
  readonly bestFound: readonly number[];
  readonly fromCache: boolean;
}

function sweepRun(config: SweepRunConfig, result: SweepRunResult, fromCache: boolean): SweepRun {
  return { config, result, bestFound: Array.from(bestFoundCurve(result.values)), fromCache };
}

export interface SkippedSeries {
  readonly series: string;
  readonly reason: string;
}

export interface SiameseSweepResult {
  readonly config: SiameseSweepConfig;
  readonly rows: SweepRow[];
  readonly table: SweepSummaryRow[];
  readonly runs: SweepRun[];
  readonly skipped: SkippedSeries[];
  readonly stats: { readonly total: number; readonly cached: number; readonly computed: number; readonly seconds: number };
}

// ---------------------------------------------------------------- series helpers

/** Points with N fixed and N + K over `budgets` (Fig. 6(a)). */
export function fixedNPoints(N: number, budgets: readonly number[]): SweepPoint[] {
  return budgets.map((b) => {
    if (b <= N) throw new RangeError(`fixedNPoints: budget N + K = ${b} must exceed N = ${N}`);
    return { N, K: b - N };
  });
}

/** Points with K fixed and N + K over `budgets` (Fig. 6(b)). */
export function fixedKPoints(K: number, budgets: readonly number[]): SweepPoint[] {
  return budgets.map((b) => {
    if (b <= K) throw new RangeError(`fixedKPoints: budget N + K = ${b} must exceed K = ${K}`);
    return { N: b - K, K };
  });
}

/** The profile's sweep: every hyperparameter (what it scales down for this machine: `scaledDownNotes`). */
export function siameseSweepDefaults(profile: Profile = currentProfile()): SiameseSweepConfig {
  const methods = SIAMESE_METHODS;
  const fig6 = (dataset: 'cifar10' | 'cifar100', nFixed: number[], kFixed: number[]): SweepSeries[] => {
    const benchmark: SweepBenchmark = dataset === 'cifar10' ? 'nb201-cifar10' : 'nb201-cifar100';
    const label = dataset === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100';
    return [
      { id: `fig6a-${dataset}`, title: `Fig. 6(a) NB201 ${label}: N = 30, K varies`, benchmark, methods: sweepMethods, points: fixedNPoints(30, nFixed) },
      { id: `fig6b-${dataset}`, title: `Fig. 6(b) NB201 ${label}: K = 30, N varies`, benchmark, methods: sweepMethods, points: fixedKPoints(30, kFixed) },
    ];
  };
  const fig7 = (points: SweepPoint[]): SweepSeries[] => [
    { id: 'fig7-tiny-nb201', title: 'Fig. 7 Tiny-NASBench-201 (CIFAR-10)', benchmark: 'tiny-nb201-cifar10', methods: sweepMethods, points },
    { id: 'fig7-tiny-nanobench', title: 'Fig. 7 Tiny-NanoBench (CIFAR-10)', benchmark: 'tiny-nanobench', methods: nanoMethods, points },
  ];
  const official = { initialFraction: 0.3, stages: 10, stageRerankTop: 30 };
  // BRP-NAS's own protocol on its published points: N = 100 by iterative selection, then K more from the ranking.
  const brpSeries = (N: number, budgets: number[]): SweepSeries => ({
    id: 'brp-cifar100',
    title: `BRP-NAS protocol, NB201 CIFAR-100: N = ${N} by iterative selection, K varies`,
    benchmark: 'nb201-cifar100',
    methods: ['random', 'brp-nas'],
    points: fixedNPoints(N, budgets),
  });
  // The paper's methods, and the parameter count as a zero-cost baseline (a registered predictor) on NAS-Bench-201:
  // on its CIFAR-100 cells the largest cells are among the best, so a ranking must beat it to mean anything.
  const sweepMethods: SiameseMethod[] = [...methods.filter((m) => m !== 'brp-nas'), 'param-count'];
  const nanoMethods = sweepMethods.filter((m) => m !== 'param-count'); // Tiny-NanoBench cells carry no parameter count
  return byProfile<SiameseSweepConfig>(
    {
      smoke: {
        seed: 'smoke',
        repeats: 2,
        scorings: SWEEP_SCORINGS,
        series: [...fig6('cifar100', [50, 100], [50, 60]), ...fig7([{ N: 100, K: 5 }]), brpSeries(20, [25, 30])],
        predictor: { epochs: 22, hidden: 16, batchSize: 8, rerankTop: 60, bnMomentum: scheduleMatchedBnMomentum(22) },
        bts: official,
        brp: { layers: 2, hidden: 16, epochs: 10, batchSize: 64, iterations: 2, selection: 'best-and-top-random', pairForward: 'per-cell' },
        correlationSample: 500,
        executor: { kind: 'pool', threads: 2 },
      },
      paper: {
        seed: 'paper',
        repeats: 10,
        scorings: SWEEP_SCORINGS,
        series: [
          ...fig6('cifar100', [50, 75, 100, 125, 150, 200], [100, 150]),
          ...fig6('cifar10', [50, 75, 100, 125, 150, 200], [100, 150]),
          ...fig7([{ N: 100, K: 5 }]),
          brpSeries(100, [125, 150, 200]),
        ],
        // Cost on the 2-core machine: a point's runs are per N (every K at one N is one run), so Fig. 6(a) is one
        // run per method and repeat, Fig. 6(b) two. 10 repeats of both scorings, 24 epochs: see the notebook's
        // header for the measured wall time; 200 epochs would be ≈ 8× the predictor cost.
        // BN momentum matched to the short schedule: with the official 0.997, 24 epochs left 0.79 of the initial
        // batch-norm statistics at N = 30 (official schedule: 0.16) and BTS stage picks were close to random.
        predictor: { epochs: 24, hidden: 64, batchSize: 8, rerankTop: 60, bnMomentum: scheduleMatchedBnMomentum(24) },
        bts: official,
        // BRP-NAS at eagle's size (4 × 600, 250 epochs of all pairs, batch 64) costs ≈ 0.6 s a step on one core here and
        // ≈ 90,000 steps a run. Measured process CPU of one run at N = 100 (5 iterations): 4 × 64, 25 epochs, batch 64,
        // per pair: 242 s; per cell: 160 s; per cell at batch 256: 61 s, which is what 10 repeats × 2 scorings can afford.
        brp: { layers: 4, hidden: 64, epochs: 25, batchSize: 256, iterations: 5, selection: 'best-and-top-random', pairForward: 'per-cell' },
        correlationSample: 2000,
        executor: { kind: 'pool', threads: 2 },
      },
      full: {
        seed: 'full',
        repeats: 100,
        scorings: SWEEP_SCORINGS,
        series: [
          ...fig6('cifar100', [50, 75, 100, 125, 150, 200], [50, 100, 150, 210]),
          ...fig6('cifar10', [50, 75, 100, 125, 150, 200], [50, 100, 150, 210]),
          ...fig7([{ N: 100, K: 5 }]),
          brpSeries(100, [125, 150, 200]),
        ],
        predictor: { epochs: 200, hidden: 64, batchSize: 8, rerankTop: 60 },
        bts: official,
        brp: BRP_OFFICIAL,
        correlationSample: 100_000,
        executor: { kind: 'pool', threads: 2 },
      },
    },
    profile,
  );
}

// ---------------------------------------------------------------- planning

/**
 * Checks every value of a sweep config before any run starts (a notebook's
 * config cell calls it too), each error naming the field, the value and the
 * allowed range.
 */
export function checkSweepConfig(config: SiameseSweepConfig): void {
  const where = 'siamese sweep config';
  checkField(where, 'repeats', config.repeats, POSITIVE_INTEGER);
  if (!Array.isArray(config.scorings) || config.scorings.length === 0) throw new RangeError(`${where}: scorings must list at least one of ${SWEEP_SCORINGS.join(', ')}`);
  for (const sc of config.scorings) checkOneOf(where, 'scorings[]', sc, SWEEP_SCORINGS);
  if (new Set(config.scorings).size !== config.scorings.length) throw new RangeError(`${where}: scorings repeat: ${config.scorings.join(', ')}`);
  checkExecutorConfig(config.executor, `${where}: executor`);
  checkField(where, 'correlationSample', config.correlationSample, COUNT);
  for (const field of ['epochs', 'hidden', 'batchSize', 'rerankTop'] as const) checkField(where, `predictor.${field}`, config.predictor[field], POSITIVE_INTEGER);
  if (config.predictor.bnMomentum !== undefined) checkField(where, 'predictor.bnMomentum', config.predictor.bnMomentum, { min: 0, max: 0.999999 });
  checkField(where, 'bts.initialFraction', config.bts.initialFraction, { min: 0, max: 1 });
  checkField(where, 'bts.stages', config.bts.stages, POSITIVE_INTEGER);
  checkField(where, 'bts.stageRerankTop', config.bts.stageRerankTop, POSITIVE_INTEGER);
  if (config.brp !== undefined) {
    for (const field of ['layers', 'hidden', 'epochs', 'batchSize', 'iterations'] as const) checkField(where, `brp.${field}`, config.brp[field], POSITIVE_INTEGER);
    checkOneOf(where, 'brp.selection', config.brp.selection, BRP_SELECTIONS);
    checkOneOf(where, 'brp.pairForward', config.brp.pairForward, BRP_PAIR_FORWARDS);
  } else if (config.series.some((s) => s.methods.includes('brp-nas'))) {
    throw new RangeError(`${where}: a series runs brp-nas but the config has no brp settings (e.g. BRP_OFFICIAL)`);
  }
  const ids = new Set<string>();
  for (const s of config.series) {
    if (ids.has(s.id)) throw new Error(`${where}: two series are named ${JSON.stringify(s.id)}`);
    ids.add(s.id);
    checkOneOf(where, `series ${s.id}: benchmark`, s.benchmark, SWEEP_BENCHMARKS);
    for (const m of s.methods) sweepMethodKind(m, `${where}: series ${s.id}`);
    // No benchmark of the sweep has more cells than the NAS-Bench-201 space.
    for (const p of s.points) {
      checkField(where, `series ${s.id}: N`, p.N, { min: 1, max: NB201_SPACE_SIZE, integer: true });
      checkField(where, `series ${s.id}: K (at N = ${p.N})`, p.K, { min: 0, max: NB201_SPACE_SIZE - p.N, integer: true });
      if (config.scorings.includes('official')) {
        if (p.K < 1) throw new RangeError(`${where}: series ${s.id}: official scoring reads the ranking at K, so K must be ≥ 1 (point N = ${p.N}, K = ${p.K})`);
        if (s.methods.some(sweepMethodUsesPredictor) && p.N <= OFFICIAL_UNTRAINED) {
          throw new RangeError(`${where}: series ${s.id}: official scoring trains N − ${OFFICIAL_UNTRAINED} cells, so N must exceed ${OFFICIAL_UNTRAINED} (point N = ${p.N})`);
        }
      }
    }
  }
}

/** Why a series cannot run here (its data is missing), or undefined. */
function missingData(benchmark: SweepBenchmark, config: SiameseSweepConfig): string | undefined {
  if (config.sources?.[benchmark] !== undefined) return undefined;
  if (benchmark === 'tiny-nanobench') {
    return findTinyNanoBench()
      ? undefined
      : 'Tiny-NanoBench not found in NAS_DATA_DIR, ./data or ../shared/data (get data/data.zip from github.com/D0352276/Siamese-NAS)';
  }
  return findDataPath(NB201_CELLS_ZIP) ? undefined : `NAS-Bench-201 cells not found: ${NB201_CELLS_ZIP} (see data/README.md)`;
}

/** The run identity of (benchmark, method, N, repeat) under `config`. */
export function sweepRunConfig(
  config: SiameseSweepConfig,
  benchmark: SweepBenchmark,
  method: SiameseMethod,
  N: number,
  repeat: number,
  scoring: SweepScoring,
): SweepRunConfig {
  const kind = sweepMethodKind(method);
  const usesPredictor = sweepMethodUsesPredictor(method);
  const brp = kind === 'brp';
  return {
    study: 'siamese-nk-sweep',
    version: SWEEP_VERSION,
    benchmark,
    source: config.sources?.[benchmark] === undefined ? undefined : resolve(config.sources[benchmark]!),
    method,
    N,
    repeat,
    seed: String(config.seed),
    scoring,
    // The graph settings are the paper methods'; a registered predictor runs with its own defaults.
    predictor: kind === 'graph' || kind === 'bts' ? { ...config.predictor } : undefined,
    bts: method === 'siams+nsam+bts' ? { ...config.bts } : undefined,
    ...(brp ? { brp: { ...config.brp! } } : {}),
    correlationSample: usesPredictor ? config.correlationSample : 0,
  };
}

/** Every run the sweep needs, each with the largest K asked at its (benchmark, method, N); series with missing data are skipped. */
export function planSweep(config: SiameseSweepConfig): { tasks: SweepTask[]; skipped: SkippedSeries[] } {
  checkSweepConfig(config);
  const skipped: SkippedSeries[] = [];
  const maxK = new Map<string, { benchmark: SweepBenchmark; method: SiameseMethod; N: number; K: number }>();
  for (const s of config.series) {
    const reason = missingData(s.benchmark, config);
    if (reason) {
      skipped.push({ series: s.id, reason });
      continue;
    }
    for (const method of s.methods) {
      for (const { N, K } of s.points) {
        const key = `${s.benchmark}|${method}|${N}`;
        const prev = maxK.get(key);
        if (!prev || prev.K < K) maxK.set(key, { benchmark: s.benchmark, method, N, K });
      }
    }
  }
  const tasks: SweepTask[] = [];
  // Repeat-major order: a sweep stopped half-way has every point at a similar number of repeats.
  for (let repeat = 0; repeat < config.repeats; repeat++) {
    for (const scoring of config.scorings) {
      for (const { benchmark, method, N, K } of maxK.values()) {
        tasks.push({ config: sweepRunConfig(config, benchmark, method, N, repeat, scoring), K });
      }
    }
  }
  return { tasks, skipped };
}

// ---------------------------------------------------------------- execution

export function defaultCacheDir(): string {
  return join(resultsDir(), 'siamese-nk-sweep');
}

function describeTask(task: SweepTask): string {
  const c = task.config;
  return `${c.benchmark} ${c.method} N=${c.N} K≤${task.K} repeat ${c.repeat} (${c.scoring})`;
}

/**
 * Runs (or reads from the cache) every run of the sweep and returns tidy rows
 * per (series, method, point, repeat) and their summary per point.
 */
export async function runSiameseSweep(config: SiameseSweepConfig, options: RunOptions = {}): Promise<SiameseSweepResult> {
  const started = performance.now();
  const { tasks, skipped } = planSweep(config);
  const runs: RunSpec<SweepTask>[] = tasks.map((task) => ({ key: runKey(task.config), config: task.config, task, label: describeTask(task) }));
  const outcome = await runStudy<SweepTask, SweepRunResult>(
    {
      study: 'siamese sweep',
      taskRef: { module: 'src/experiments/siameseSweepTask.ts', export: 'runSweepTask' },
      runs,
      local: runSweepTask,
      // A cached run that went to a smaller K than now asked for is redone (and overwritten).
      accept: (spec, hit) => hit.K >= spec.task.K,
      check: (r) => missingFields(r, ['N', 'K', 'queried', 'values', 'initialCount', 'ranking', 'kendallTau']),
    },
    {
      executor: config.executor,
      cacheDir: config.cacheDir ?? defaultCacheDir(),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress !== undefined ? { progress: options.onProgress } : {}),
    },
  );
  const sweepRuns = outcome.runs.map((o, i) => sweepRun(tasks[i]!.config, o.result, o.fromCache));
  const rows = sweepRows(config, sweepRuns);
  return {
    config,
    rows,
    table: summarizeSweep(rows),
    runs: sweepRuns,
    skipped,
    stats: { total: tasks.length, cached: outcome.stats.cached, computed: outcome.stats.computed, seconds: (performance.now() - started) / 1000 },
  };
}

// ---------------------------------------------------------------- results

/**
 * The score of `run` at K under its scoring: official — the best of the
 * first K ranked cells (random search: of its first K random cells); search
 * — the best of its first N + K queries.
 */
export function sweepScore(run: Pick<SweepRun, 'config' | 'result' | 'bestFound'>, K: number): number {
  const { config, result } = run;
  const where = `siamese sweep: run ${config.benchmark} ${config.method} N=${config.N} repeat ${config.repeat} (${config.scoring})`;
  if (config.scoring === 'official') {
    if (!sweepMethodUsesPredictor(config.method)) {
      if (result.values.length < K) throw new Error(`${where} has ${result.values.length} cells of its own, the point needs K = ${K}`);
      return run.bestFound[K - 1]!;
    }
    if (!result.ranking) throw new Error(`${where} has no ranking to score`);
    return officialBestAt({ values: result.ranking }, K);
  }
  const budget = config.N + K;
  if (result.values.length < budget) throw new Error(`${where} has ${result.values.length} queries, the point needs ${budget}`);
  return run.bestFound[budget - 1]!;
}

/** Tidy rows: every requested point of every series, one row per scoring and repeat, read off the run covering it. */
export function sweepRows(config: SiameseSweepConfig, runs: readonly SweepRun[]): SweepRow[] {
  const byKey = new Map<string, SweepRun>();
  for (const run of runs) {
    const c = run.config;
    byKey.set(`${c.benchmark}|${c.method}|${c.N}|${c.repeat}|${c.scoring}`, run);
  }
  const rows: SweepRow[] = [];
  for (const s of config.series) {
    for (const scoring of config.scorings) {
      for (const method of s.methods) {
        for (const { N, K } of s.points) {
          for (let repeat = 0; repeat < config.repeats; repeat++) {
            const run = byKey.get(`${s.benchmark}|${method}|${N}|${repeat}|${scoring}`);
            if (!run) continue; // series skipped for missing data
            const { result } = run;
            const budget = N + K;
            const best = sweepScore(run, K);
            rows.push({
              series: s.id,
              benchmark: s.benchmark,
              scoring,
              method,
              N,
              K,
              budget,
              repeat,
              best,
              kendallTau: result.kendallTau,
              spearmanRho: result.spearmanRho,
              fineKendallTau: result.fineKendallTau,
              fineSpearmanRho: result.fineSpearmanRho,
              bnInitialShare: result.bnInitialShare ?? null,
            });
          }
        }
      }
    }
  }
  return rows;
}

/** Mean, std and 95 % CI over repeats per (series, scoring, method, N, K), in first-seen order. */
export function summarizeSweep(rows: readonly SweepRow[]): SweepSummaryRow[] {
  return groupRows(rows, ['series', 'scoring', 'method', 'N', 'K']).map((group) => {
    const first = group[0]!;
    const ci = meanConfidenceInterval(group.map((r) => r.best));
    return {
      series: first.series,
      benchmark: first.benchmark,
      scoring: first.scoring,
      method: first.method,
      N: first.N,
      K: first.K,
      budget: first.budget,
      repeats: group.length,
      mean: ci.mean,
      std: ci.std,
      ciLower: ci.lower,
      ciUpper: ci.upper,
      ciHalfWidth: ci.halfWidth,
      kendallTau: meanOfFinite(group.map((r) => r.kendallTau)),
      spearmanRho: meanOfFinite(group.map((r) => r.spearmanRho)),
      fineKendallTau: meanOfFinite(group.map((r) => r.fineKendallTau)),
      bnInitialShare: meanOfFinite(group.map((r) => r.bnInitialShare)),
    };
  });
}

/**
 * Mean best-found curve over the queries of the runs at (benchmark, method,
 * N) under `scoring` (default 'search', whose queries are what a search
 * trained): entry i is the mean over repeats of the best among the first
 * i + 1 queries, with its 95 % CI half-width, up to the shortest run's length.
 */
export function meanBestFoundCurve(
  result: Pick<SiameseSweepResult, 'runs'>,
  benchmark: SweepBenchmark,
  method: SiameseMethod,
  N: number,
  scoring: SweepScoring = 'search',
): { mean: number[]; halfWidth: number[]; repeats: number } {
  const runs = result.runs.filter((r) => r.config.benchmark === benchmark && r.config.method === method && r.config.N === N && r.config.scoring === scoring);
  if (runs.length === 0) throw new Error(`meanBestFoundCurve: no runs for ${benchmark} ${method} N=${N} with ${scoring} scoring`);
  const length = Math.min(...runs.map((r) => r.bestFound.length));
  const curves = runs.map((r) => r.bestFound);
  const mean: number[] = [];
  const halfWidth: number[] = [];
  for (let i = 0; i < length; i++) {
    const ci = meanConfidenceInterval(curves.map((c) => c[i]!));
    mean.push(ci.mean);
    halfWidth.push(ci.halfWidth);
  }
  return { mean, halfWidth, repeats: runs.length };
}

