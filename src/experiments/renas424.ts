/**
 * The ReNAS study on NAS-Bench-101 (Xu et al., CVPR 2021, "424 samples"):
 * for every (seed, training-set size, loss) run —
 *   1. draw the training set from the 20,001-cell subset (the same draw for
 *      both losses of a seed and size, so they are compared on equal data);
 *   2. fit the ReNAS CNN with the ranking loss or the MSE baseline;
 *   3. Kendall τ (and Spearman ρ, precision@topK) on ALL remaining subset cells;
 *   4. search: rank all 20,001, "train" the topK best-ranked cells not yet
 *      trained; best true value among them (the paper's number) and among all
 *      N + topK trained, with its rank percentile in the subset;
 *   5. random search with the same N + topK evaluations.
 * Every run is cached by the run engine (keyed by its full config) under
 * `<resultsDir>/renas424/runs`, so a killed sweep resumes and a rerun is free.
 *
 * Ground truth: the subset holds only the VALIDATION accuracy after 108
 * epochs of one of the three official training runs (`val_acc_108`; which one is not verified).
 * The paper reports mean TEST accuracy of the top-10 (official code: final
 * test accuracy), so absolute numbers are comparable only loosely; rankings
 * and τ are on validation accuracy. The subset's optimum is that of 20,001
 * cells, not of the 423,624-cell space.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { currentProfile, byProfile, resultsDir, type Profile } from '../config.js';
import { writeFileAtomic } from '../core/atomicWrite.js';
import type { Benchmark } from '../core/types.js';
import { checkExecutorConfig, runKey, runStudy, toWireText, type ExecutorConfig, type ProgressSink, type RunSpec } from '../engine/index.js';
import { RunStore, missingFields } from '../engine/store.js';
import { checkField, checkSeedList, POSITIVE_INTEGER } from '../core/checks.js';
import { loadNb101Subset } from '../loaders/nb101.js';
import { kendallTau } from '../metrics/kendallTau.js';
import { meanStd } from '../metrics/summary.js';
import {
  RenasPredictor,
  resolveRenasConfig,
  type RenasLossKind,
  type RenasPredictorOverrides,
  type RenasPredictorState,
} from '../predictors/renas.js';
import type { Nb101Spec } from '../spaces/nb101.js';
import { loadNb101Space, type Nb101Space } from '../spaces/nb101Enumerate.js';
import { RENAS_FIDELITY_VARIANTS, summarizeRenasAblation, type RenasAblationConfig, type RenasAblationResult, type RenasAblationRun } from './renasAblation.js';
import { runRenasFitTask } from './renasFitTask.js';
import { rankWholeSpace, type WholeSpaceRanking } from './renasSpaceRanking.js';
import { RENAS_SEARCH_METHODS, type RenasSearchConfig } from './renasSearch.js';
import { checkRenasNb201Config, renasNb201Config, type RenasNb201Config } from './renasNb201.js';
import {
  encodeBenchmark,
  provideRenasBench,
  renasRunKey,
  renasTrainIndices,
  runRenasRunTask,
  type CompactCurve,
  type RenasBenchSource,
  type RenasRunCoordinates,
  type Renas424RunResult,
  type RenasRunOutput,
  type RenasRunTask,
} from './renasRunTask.js';

export { compactCurve, evaluateRenasRun, expandCurve, renasTrainIndices } from './renasRunTask.js';
export type { CompactCurve, Renas424RunResult } from './renasRunTask.js';
export { RENAS_ABLATION_DEFAULT, RENAS_FIDELITY_VARIANTS, summarizeRenasAblation } from './renasAblation.js';
export type { RenasAblationConfig, RenasAblationResult, RenasAblationRow, RenasAblationRun, RenasAblationVariant } from './renasAblation.js';
export { rankWholeSpace } from './renasSpaceRanking.js';
export type { RankWholeSpaceOptions, SpaceRankEntry, WholeSpaceRanking } from './renasSpaceRanking.js';

/** Predictor settings a study may set (loss and epochs are per run). */
export type RenasStudyPredictor = Omit<RenasPredictorOverrides, 'lossKind' | 'epochs'>;

export interface Renas424Config {
  readonly seeds: readonly number[];
  /** Seeds per training-set size (keys are sizes) where fewer than `seeds` fit the budget. */
  readonly seedsBySize: Readonly<Record<string, readonly number[]>>;
  readonly trainSizes: readonly number[];
  readonly lossKinds: readonly RenasLossKind[];
  /** Loss kinds per training-set size (keys are sizes), where not all of `lossKinds` fit the budget. */
  readonly lossKindsBySize: Readonly<Record<string, readonly RenasLossKind[]>>;
  /** Training epochs for sizes not in `epochsBySize`. */
  readonly epochs: number;
  /** Epochs per training-set size (keys are sizes). */
  readonly epochsBySize: Readonly<Record<string, number>>;
  /** Metric to predict and search for (the subset has only `val_acc_*`, of one run). */
  readonly target: string;
  /** Architectures "trained" after ranking (the paper's top 10). */
  readonly topK: number;
  /** Predictor settings (defaults: DEFAULT_RENAS_CONFIG, the official code). */
  readonly predictor: RenasStudyPredictor;
  /** Where the fits execute: `{ kind: 'in-thread' }`, `{ kind: 'pool', threads }` or `{ kind: 'queue', url }` (see src/engine). */
  readonly executor: ExecutorConfig;
  /** Ranking of the whole 423,624-cell space by one predictor (`runRenasWholeSpace`); `false` to skip. */
  readonly wholeSpace: false | { readonly seed: number; readonly trainSize: number; readonly lossKind: RenasLossKind; readonly topK: number; readonly batchSize: number; readonly limit?: number };
  /** Each fidelity switch flipped alone from `predictor` at one size, paired by seed (`false` to skip). */
  readonly ablation: false | RenasAblationConfig;
  /** The predictor in discrete search over the whole space (`runRenasSearch` in renasSearch.ts; `false` to skip). */
  readonly search: false | RenasSearchConfig;
  /** The same predictor on NAS-Bench-201 (`runRenasNb201` in renasNb201.ts; `false` to skip). */
  readonly nb201: false | RenasNb201Config;
}

/**
 * Profiles. Costs measured on this 2-core machine (wasm backend, one thread
 * per run, two runs at once), official network (813,615 parameters): one
 * full-batch step costs ≈ 3.3 ms of CPU per training cell, so a 200-epoch
 * run takes ≈ 4–5 min at 423 cells, ≈ 10 min at 1,000 and ≈ 40 min at 4,236;
 * predicting costs ≈ 0.2 ms per cell (≈ 4 s for the subset, ≈ 90 s for the
 * whole space).
 * - smoke: one seed, 423 only, 10 epochs, both losses (on 2 worker threads,
 *   so the notebook exercises the pool), the ablation at 2 epochs, and the
 *   space ranking limited to its first 20,000 cells.
 * - paper: the official schedule (batch 1,024, 200 epochs) at every size,
 *   with FEWER SEEDS at the large sizes to bound the time: 10 seeds × both
 *   losses at 423, 3 seeds × both losses at 1,000, one seed with the ranking
 *   loss at 4,236; 10,000 only in `full`. The ablation flips each switch at
 *   423 over 5 seeds (ranking loss). Then one whole-space ranking, and the
 *   predictor-guided search (renasSearch.ts): 3 seeds, one 200-epoch fit
 *   each shared by its methods, 20,000 predicted candidates per evolution
 *   or local search. NAS-Bench-201 (renasNb201.ts): 3 datasets × 0.1 / 1 / 5 %
 *   × 5 seeds × both losses, 200 epochs.
 * - full: 10 seeds, both losses, every size including 10,000, the ablation
 *   and the search over 10 seeds: many hours on 2 cores; spread the study
 *   over machines with the run queue.
 */
export function renas424Config(profile: Profile = currentProfile()): Renas424Config {
  const common = {
    target: 'val_acc_108',
    topK: 10,
    predictor: {},
    lossKinds: ['ranking', 'mse'] as const,
    epochs: 200,
    epochsBySize: {},
    executor: { kind: 'pool', threads: 2 } as const,
  };
  const tenSeeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const wholeSpace = { seed: 0, trainSize: 423, lossKind: 'ranking', topK: 10, batchSize: 4096 } as const;
  const ablation = (seeds: readonly number[], epochs: number): RenasAblationConfig => ({ trainSize: 423, seeds, lossKind: 'ranking', epochs, variants: RENAS_FIDELITY_VARIANTS });
  const search = (seeds: readonly number[], epochs: number, evaluations: number): RenasSearchConfig => ({
    seeds,
    trainSize: 423,
    topK: 10,
    epochs,
    evaluations,
    populationSize: 100,
    sampleSize: 25,
    batch: 100,
    starts: 10,
    methods: RENAS_SEARCH_METHODS,
  });
  return byProfile<Renas424Config>(
    {
      // Two workers even here: the smoke notebook then runs the worker pool inside tslab (CI checks it).
      smoke: {
        ...common,
        seeds: [0],
        seedsBySize: {},
        lossKindsBySize: {},
        trainSizes: [423],
        epochs: 10,
        wholeSpace: { ...wholeSpace, limit: 20_000 },
        ablation: ablation([0], 2),
        search: search([0], 10, 2000),
        nb201: renasNb201Config('smoke'),
      },
      paper: {
        ...common,
        seeds: tenSeeds,
        seedsBySize: { 1000: [0, 1, 2], 4236: [0] },
        lossKindsBySize: { 4236: ['ranking'] },
        trainSizes: [423, 1000, 4236],
        wholeSpace,
        ablation: ablation([0, 1, 2, 3, 4], 200),
        search: search([0, 1, 2], 200, 20_000),
        nb201: renasNb201Config('paper'),
      },
      full: {
        ...common,
        seeds: tenSeeds,
        seedsBySize: {},
        lossKindsBySize: {},
        trainSizes: [423, 1000, 4236, 10000],
        wholeSpace,
        ablation: ablation(tenSeeds, 200),
        search: search(tenSeeds, 200, 20_000),
        nb201: renasNb201Config('full'),
      },
    },
    profile,
  );
}

export function epochsFor(config: Renas424Config, trainSize: number): number {
  return config.epochsBySize[String(trainSize)] ?? config.epochs;
}

export function seedsFor(config: Renas424Config, trainSize: number): readonly number[] {
  return config.seedsBySize[String(trainSize)] ?? config.seeds;
}

export function lossKindsFor(config: Renas424Config, trainSize: number): readonly RenasLossKind[] {
  return config.lossKindsBySize[String(trainSize)] ?? config.lossKinds;
}

/** One tidy row per run. */
export interface Renas424Row extends Omit<Renas424RunResult, 'searchCurve' | 'randomCurve' | 'searchPicks'> {
  readonly seed: number;
  readonly trainSize: number;
  readonly lossKind: RenasLossKind;
  readonly epochs: number;
  readonly cached: boolean;
}

export interface Renas424SummaryRow {
  readonly trainSize: number;
  readonly lossKind: RenasLossKind;
  readonly epochs: number;
  readonly runs: number;
  readonly tauMean: number;
  readonly tauStd: number;
  readonly searchTopKBestMean: number;
  readonly searchTopKBestStd: number;
  readonly searchBestMean: number;
  readonly searchBestStd: number;
  readonly searchBestTopFractionMean: number;
  readonly randomBestMean: number;
  readonly randomBestStd: number;
  readonly fitSecondsMean: number;
}

export interface Renas424Result {
  readonly config: Renas424Config;
  readonly rows: Renas424Row[];
  readonly summary: Renas424SummaryRow[];
  /** Best-found curves per run, keyed `${seed}/${trainSize}/${lossKind}`. */
  readonly curves: Record<string, { search: CompactCurve; random: CompactCurve }>;
  /** The subset's best value of the target (the ceiling of any search here). */
  readonly subsetBest: number;
  /** The whole-space ranking of `config.wholeSpace` (undefined when it is `false`). */
  readonly wholeSpace: WholeSpaceResult | undefined;
  /** The fidelity ablation of `config.ablation` (undefined when it is `false`). */
  readonly ablation: RenasAblationResult | undefined;
}

export interface Renas424Options {
  /** The benchmark (default: the 20k NAS-Bench-101 subset from the data folder). */
  readonly bench?: Benchmark<Nb101Spec>;
  /** Cache folder (default `<resultsDir>/renas424/runs`). */
  readonly cacheDir?: string;
  /** Progress lines of the steps outside the runs (e.g. to stderr). */
  readonly onProgress?: (message: string) => void;
  /** The runs' progress display; default: the engine's (notebook output updated in place, terminal bar, or log lines); `false` for none. */
  readonly progress?: ProgressSink | false;
  /** Stops between runs (finished runs stay cached); the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** The space to rank for `config.wholeSpace` (default: `loadNb101Space()`). */
  readonly space?: Nb101Space;
  /**
   * Runs whose scores of every subset cell are also kept (for
   * `renasRunPredictions`, e.g. a predicted-vs-true plot), so that plot needs
   * no second fit. Only runs fitted in this call can be kept.
   */
  readonly keepPredictions?: readonly RenasRunId[];
}

export function defaultRenasCacheDir(): string {
  return join(resultsDir(), 'renas424', 'runs');
}

/** `over` laid on `base`, the encoding field by field. */
function mergePredictor(base: RenasStudyPredictor, over: RenasStudyPredictor = {}): RenasStudyPredictor {
  return { ...base, ...over, encoding: { ...base.encoding, ...over.encoding } };
}

/** A run of the study proper (not the ablation). */
function studyRun(config: Renas424Config, seed: number, trainSize: number, lossKind: RenasLossKind): RenasRunCoordinates {
  return { seed, trainSize, lossKind, epochs: epochsFor(config, trainSize), predictor: config.predictor };
}

/** The identity of one run of this study (`renasRunKey`). */
function runKeyOf(config: Renas424Config, bench: Benchmark<Nb101Spec>, run: RenasRunCoordinates) {
  return renasRunKey('renas424', config, bench, run);
}

function checkSize(where: string, n: unknown, config: Renas424Config, benchSize: number): void {
  checkField(where, 'training-set size', n, { min: 2, integer: true });
  if ((n as number) + config.topK > benchSize) throw new RangeError(`${where}: N + topK = ${(n as number) + config.topK} exceeds the ${benchSize} cells of the benchmark`);
}

/** Every field of the config checked before any run starts, each error naming the field, the value and what is allowed. */
export function checkRenas424Config(config: Renas424Config, benchSize: number): void {
  const where = 'renas424 config';
  checkSeedList(`${where}: seeds`, config.seeds);
  if (config.lossKinds.length === 0) throw new RangeError(`${where}: lossKinds is empty`);
  for (const l of config.lossKinds) if (l !== 'ranking' && l !== 'mse') throw new RangeError(`${where}: lossKinds holds ${JSON.stringify(l)}, not ranking or mse`);
  checkField(where, 'topK', config.topK, POSITIVE_INTEGER);
  checkField(where, 'epochs', config.epochs, POSITIVE_INTEGER);
  checkExecutorConfig(config.executor, `${where}: executor`);
  resolveRenasConfig(config.predictor);
  for (const n of config.trainSizes) {
    checkSize(where, n, config, benchSize);
    checkField(where, `epochsBySize[${n}]`, epochsFor(config, n), POSITIVE_INTEGER);
    checkSeedList(`${where}: seedsBySize[${n}]`, seedsFor(config, n));
    if (lossKindsFor(config, n).length === 0) throw new RangeError(`${where}: lossKindsBySize[${n}] is empty`);
  }
  if (config.nb201) checkRenasNb201Config(config.nb201);
  const ab = config.ablation;
  if (ab) {
    const at = `${where}: ablation`;
    checkSize(at, ab.trainSize, config, benchSize);
    checkSeedList(`${at}.seeds`, ab.seeds);
    checkField(at, 'epochs', ab.epochs, POSITIVE_INTEGER);
    if (ab.lossKind !== 'ranking' && ab.lossKind !== 'mse') throw new RangeError(`${at}: lossKind ${JSON.stringify(ab.lossKind)} is not ranking or mse`);
    const names = new Set<string>();
    for (const v of ab.variants) {
      if (!v.name || names.has(v.name)) throw new RangeError(`${at}: variant names must be unique and non-empty, got ${JSON.stringify(v.name)}`);
      names.add(v.name);
      if (v.trainSize !== undefined) checkSize(`${at} variant ${JSON.stringify(v.name)}`, v.trainSize, config, benchSize);
      try {
        resolveRenasConfig(mergePredictor(config.predictor, v.predictor));
      } catch (err) {
        throw new RangeError(`${at} variant ${JSON.stringify(v.name)}: ${(err as Error).message}`);
      }
    }
  }
}

/** Mean ± std per (trainSize, lossKind), in config order. */
export function summarizeRenas424(rows: readonly Renas424Row[]): Renas424SummaryRow[] {
  const groups = new Map<string, Renas424Row[]>();
  for (const r of rows) {
    const key = `${r.trainSize}/${r.lossKind}`;
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  return [...groups.values()].map((g) => {
    const stat = (f: (r: Renas424Row) => number) => meanStd(g.map(f));
    const tau = stat((r) => r.kendallTau);
    const topKBest = stat((r) => r.searchTopKBest);
    const best = stat((r) => r.searchBest);
    const random = stat((r) => r.randomBest);
    return {
      trainSize: g[0]!.trainSize,
      lossKind: g[0]!.lossKind,
      epochs: g[0]!.epochs,
      runs: g.length,
      tauMean: tau.mean,
      tauStd: tau.std,
      searchTopKBestMean: topKBest.mean,
      searchTopKBestStd: topKBest.std,
      searchBestMean: best.mean,
      searchBestStd: best.std,
      searchBestTopFractionMean: stat((r) => r.searchBestTopFraction).mean,
      randomBestMean: random.mean,
      randomBestStd: random.std,
      fitSecondsMean: stat((r) => r.fitSeconds).mean,
    };
  });
}

/**
 * Where runs read the benchmark: the data folder's subset, or (a benchmark
 * given in memory) a file written once under the results folder, content-
 * addressed, that worker threads and queue workers on this machine can read.
 */
function benchSource(options: Renas424Options, bench: Benchmark<Nb101Spec>): RenasBenchSource {
  if (!options.bench) return { kind: 'nb101-subset' };
  const text = toWireText({ name: bench.name, records: bench.all() });
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const path = resolve(options.cacheDir ?? defaultRenasCacheDir(), '..', 'benchmarks', `${hash}.json`);
  if (!existsSync(path)) writeFileAtomic(path, text);
  const source: RenasBenchSource = { kind: 'file', path };
  provideRenasBench(source, bench);
  return source;
}

/** Runs (or reads from the cache) every (seed, trainSize, lossKind) of the study. */
export async function runRenas424(config: Renas424Config = renas424Config(), options: Renas424Options = {}): Promise<Renas424Result> {
  const bench = options.bench ?? (await loadNb101Subset());
  checkRenas424Config(config, bench.size);
  const truth = bench.metric(config.target);
  const source = benchSource(options, bench);

  interface Job {
    readonly run: RenasRunCoordinates;
    /** The ablation variant ('' for the ablation's default), or undefined for a run of the study proper. */
    readonly variant: string | undefined;
    readonly key: ReturnType<typeof runKeyOf>;
    readonly runKey: string;
  }
  const jobs: Job[] = [];
  const add = (run: RenasRunCoordinates, variant: string | undefined): void => {
    const key = runKeyOf(config, bench, run);
    jobs.push({ run, variant, key, runKey: runKey(key) });
  };
  for (const trainSize of config.trainSizes) {
    for (const seed of seedsFor(config, trainSize)) for (const lossKind of lossKindsFor(config, trainSize)) add(studyRun(config, seed, trainSize, lossKind), undefined);
  }
  const ab = config.ablation;
  if (ab) {
    for (const variant of [undefined, ...ab.variants]) {
      for (const seed of ab.seeds) {
        add({ seed, trainSize: variant?.trainSize ?? ab.trainSize, lossKind: ab.lossKind, epochs: ab.epochs, predictor: mergePredictor(config.predictor, variant?.predictor) }, variant?.name ?? '');
      }
    }
  }
  // The run whose predictor ranks the whole space hands its weights back, so that ranking needs no second fit.
  const ws = config.wholeSpace;
  const wsCache = ws ? wholeSpaceCache(options) : undefined;
  const isStudyRun = (job: Job, id: RenasRunId): boolean =>
    job.variant === undefined && job.run.seed === id.seed && job.run.trainSize === id.trainSize && job.run.lossKind === id.lossKind;
  const wantsState = (job: Job): boolean => !!ws && isStudyRun(job, ws) && !wsCache!.getByConfig(wholeSpaceKey(config, bench, ws), wholeSpaceProblem);
  const keep = (job: Job): boolean => options.keepPredictions?.some((id) => isStudyRun(job, id)) ?? false;
  let wholeSpaceState: RenasPredictorState | undefined;
  // A variant identical to another run (e.g. a batching that changes nothing at this N) is one run, computed once.
  const specByKey = new Map<string, RunSpec<RenasRunTask>>();
  const jobOfKey = new Map<string, Job>();
  for (const job of jobs) {
    const spec = specByKey.get(job.runKey);
    const task = {
      bench: source,
      target: config.target,
      topK: config.topK,
      seed: job.run.seed,
      trainSize: job.run.trainSize,
      predictor: job.key.predictor,
      keepPredictions: keep(job) || (spec?.task.keepPredictions ?? false),
      returnState: wantsState(job) || (spec?.task.returnState ?? false),
    };
    const variantLabel = job.variant === undefined ? '' : job.variant === '' ? ' ablation: default' : ` ablation: ${job.variant}`;
    specByKey.set(job.runKey, { key: job.runKey, config: job.key, label: spec?.label ?? `seed ${job.run.seed} N=${job.run.trainSize} ${job.run.lossKind}${variantLabel}`, task });
    if (!jobOfKey.has(job.runKey)) jobOfKey.set(job.runKey, job);
  }
  const specs = [...specByKey.values()];
  const outcome = await runStudy<RenasRunTask, RenasRunOutput>(
    {
      study: 'renas424',
      taskRef: { module: 'src/experiments/renasRunTask.ts', export: 'runRenasRunTask' },
      runs: specs,
      local: runRenasRunTask,
      check: (r) => missingFields(r, ['run']) ?? missingFields(r.run, ['kendallTau', 'spearmanRho', 'precisionAtTopK', 'searchTopKBest', 'searchBest', 'randomBest', 'updates']),
    },
    {
      executor: config.executor,
      cacheDir: options.cacheDir ?? defaultRenasCacheDir(),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.progress !== undefined ? { progress: options.progress } : {}),
      // Predictions and weights are handed on here, not cached with the run.
      toStored: (out) => ({ run: out.run }),
      onResult: ({ key, result, fromCache }) => {
        if (fromCache) return;
        if (result.state) wholeSpaceState = result.state;
        if (result.predictions) {
          predictionsCache(options).putByConfig(jobOfKey.get(key)!.key, `predictions ${key}`, { predictions: Array.from(result.predictions), fitSeconds: result.run.fitSeconds });
        }
      },
    },
  );
  const resultOf = new Map(outcome.runs.map((o, i) => [specs[i]!.key, { result: o.result.run, cached: o.fromCache }] as const));
  options.signal?.throwIfAborted();

  const rows: Renas424Row[] = [];
  const ablationRuns: RenasAblationRun[] = [];
  const curves: Renas424Result['curves'] = {};
  for (const job of jobs) {
    const { result, cached } = resultOf.get(job.runKey)!;
    const { searchCurve, randomCurve, searchPicks: _picks, ...scalars } = result;
    const row: Renas424Row = { seed: job.run.seed, trainSize: job.run.trainSize, lossKind: job.run.lossKind, epochs: job.run.epochs, ...scalars, cached };
    if (job.variant === undefined) {
      rows.push(row);
      curves[`${job.run.seed}/${job.run.trainSize}/${job.run.lossKind}`] = { search: searchCurve, random: randomCurve };
    } else {
      ablationRuns.push({ ...row, variant: job.variant, runKey: job.runKey });
    }
  }
  const ablation = ab ? summarizeRenasAblation(ab, ablationRuns) : undefined;
  const wholeSpace = ws ? await runRenasWholeSpace(config, { ...options, bench, ...(wholeSpaceState ? { predictorState: wholeSpaceState } : {}) }) : undefined;
  return { config, rows, summary: summarizeRenas424(rows), curves, subsetBest: Math.max(...truth), wholeSpace, ablation };
}

// ---------------------------------------------------------------------------------------------
// The whole space

export interface WholeSpaceResult extends WholeSpaceRanking {
  readonly seed: number;
  readonly trainSize: number;
  readonly lossKind: RenasLossKind;
  /** Top cells found in the subset: how many, and their best true value. */
  readonly topInBenchmark: number;
  readonly bestTrueValueInTop: number | null;
  readonly cached: boolean;
}

// Both are keyed by their config; a damaged file is moved aside and recomputed (RunStore).
function predictionsCache(options: Pick<Renas424Options, 'cacheDir'>): RunStore<StoredPredictions> {
  return new RunStore<StoredPredictions>(join(options.cacheDir ?? defaultRenasCacheDir(), '..', 'predictions'));
}

function wholeSpaceCache(options: Renas424Options): RunStore<Omit<WholeSpaceResult, 'cached'>> {
  return new RunStore<Omit<WholeSpaceResult, 'cached'>>(join(options.cacheDir ?? defaultRenasCacheDir(), '..', 'space'));
}

function wholeSpaceProblem(r: Omit<WholeSpaceResult, 'cached'>): string | undefined {
  return missingFields(r, ['seed', 'trainSize', 'lossKind', 'ranked', 'top', 'topInBenchmark', 'bestTrueValueInTop']);
}

function wholeSpaceKey(config: Renas424Config, bench: Benchmark<Nb101Spec>, ws: Exclude<Renas424Config['wholeSpace'], false>) {
  return { ...runKeyOf(config, bench, studyRun(config, ws.seed, ws.trainSize, ws.lossKind)), wholeSpace: { topK: ws.topK, limit: ws.limit ?? null } };
}

/**
 * Ranks the whole enumerated space with the predictor of one study run
 * (`config.wholeSpace`: same training draw and config as in `runRenas424`):
 * the given fitted `predictorState` of that run, or a fresh fit in this
 * thread. Cached like the runs (under `<cacheDir>/../space`).
 */
export async function runRenasWholeSpace(
  config: Renas424Config = renas424Config(),
  options: Renas424Options & { readonly predictorState?: RenasPredictorState } = {},
): Promise<WholeSpaceResult | undefined> {
  const ws = config.wholeSpace;
  if (!ws) return undefined;
  const bench = options.bench ?? (await loadNb101Subset());
  const progress = options.onProgress ?? (() => undefined);
  const cache = wholeSpaceCache(options);
  const key = wholeSpaceKey(config, bench, ws);
  const hit = cache.getByConfig(key, wholeSpaceProblem);
  if (hit) return { ...hit, cached: true };
  const space = options.space ?? loadNb101Space();
  let predictor: RenasPredictor;
  if (options.predictorState) {
    predictor = RenasPredictor.fromState(options.predictorState);
  } else {
    const records = bench.all();
    const train = Array.from(renasTrainIndices(bench.size, ws.seed, ws.trainSize), (i) => records[i]!);
    predictor = new RenasPredictor(ws.seed, key.predictor);
    progress(`renas424 whole space: fitting seed ${ws.seed} N=${ws.trainSize} ${ws.lossKind} (${key.predictor.epochs} epochs)`);
    try {
      await predictor.fit(
        train,
        train.map((r) => r.metrics[config.target]!),
      );
    } catch (err) {
      predictor.dispose();
      throw err;
    }
  }
  try {
    let lastReport = 0;
    const ranking = await rankWholeSpace(predictor, space, {
      topK: ws.topK,
      batchSize: ws.batchSize,
      limit: ws.limit,
      bench,
      target: config.target,
      onProgress: (ranked, total) => {
        if (ranked - lastReport >= 50_000 || ranked === total) {
          lastReport = ranked;
          progress(`renas424 whole space: ${ranked.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} cells ranked`);
        }
      },
    });
    const found = ranking.top.filter((e) => e.inBenchmark);
    const result = {
      ...ranking,
      seed: ws.seed,
      trainSize: ws.trainSize,
      lossKind: ws.lossKind,
      topInBenchmark: found.length,
      bestTrueValueInTop: found.length ? Math.max(...found.map((e) => e.trueValue ?? -Infinity)) : null,
    };
    cache.putByConfig(key, `whole space seed ${ws.seed} N=${ws.trainSize}`, result);
    return { ...result, cached: false };
  } finally {
    predictor.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Per-architecture predictions of one run

/** One run of the study, by its coordinates. */
export interface RenasRunId {
  readonly seed: number;
  readonly trainSize: number;
  readonly lossKind: RenasLossKind;
}

export interface RenasRunPredictions extends RenasRunId {
  readonly epochs: number;
  /** The held-out subset cells (all but the training draw), in benchmark order. */
  readonly ids: string[];
  readonly predicted: Float32Array;
  readonly truth: Float64Array;
  /** Kendall τ of `predicted` vs `truth`: the run's `kendallTau` (the fit is deterministic). */
  readonly kendallTau: number;
  readonly fitSeconds: number;
  readonly cached: boolean;
}

/** Scores of every subset cell by one run's predictor, as cached under `<cacheDir>/../predictions`. */
interface StoredPredictions {
  readonly predictions: number[];
  readonly fitSeconds: number;
}

/**
 * The predictor of one run of the study (same training draw and
 * hyperparameters as in `runRenas424`) scored on its held-out cells, e.g. for
 * a predicted-vs-true plot. The study keeps only metrics per run unless the
 * run was named in `keepPredictions` when it was fitted; otherwise this refits
 * that run in the calling thread once. Either way the scores of every subset
 * cell are cached under `<cacheDir>/../predictions`.
 */
export async function renasRunPredictions(
  config: Renas424Config,
  run: RenasRunId,
  options: Pick<Renas424Options, 'bench' | 'cacheDir' | 'onProgress'> = {},
): Promise<RenasRunPredictions> {
  const bench = options.bench ?? (await loadNb101Subset());
  checkRenas424Config({ ...config, seeds: [run.seed], seedsBySize: {}, trainSizes: [run.trainSize], ablation: false }, bench.size);
  if (run.lossKind !== 'ranking' && run.lossKind !== 'mse') throw new RangeError(`renasRunPredictions: lossKind must be ranking or mse, got ${JSON.stringify(run.lossKind)}`);
  const key = runKeyOf(config, bench, studyRun(config, run.seed, run.trainSize, run.lossKind));
  const cache = predictionsCache(options);
  const truthAll = bench.metric(config.target);
  const trainIndices = renasTrainIndices(bench.size, run.seed, run.trainSize);
  // Predictions of another length than the benchmark are a damaged file: moved aside and refitted.
  const hit = cache.getByConfig(key, (p) =>
    missingFields(p, ['predictions', 'fitSeconds']) ??
    (Array.isArray(p.predictions) && p.predictions.length === bench.size ? undefined : `holds ${Array.isArray(p.predictions) ? p.predictions.length : 'no'} predictions for a benchmark of ${bench.size}`),
  );
  const cached = hit !== undefined;
  let stored = hit;
  if (!stored) {
    const records = bench.all();
    options.onProgress?.(`renas424 predictions: fitting seed ${run.seed} N=${run.trainSize} ${run.lossKind} (${key.predictor.epochs} epochs) in this thread`);
    const outcome = await runRenasFitTask(encodeBenchmark(records, key.predictor.encoding), records.length, {
      seed: run.seed,
      trainIndices,
      trainTargets: Float64Array.from(trainIndices, (i) => truthAll[i]!),
      predictor: key.predictor,
    });
    stored = { predictions: Array.from(outcome.predictions), fitSeconds: outcome.seconds };
    cache.putByConfig(key, `predictions seed ${run.seed} N=${run.trainSize} ${run.lossKind}`, stored);
  }
  const isTrain = new Uint8Array(bench.size);
  for (const i of trainIndices) isTrain[i] = 1;
  const heldOut: number[] = [];
  for (let i = 0; i < bench.size; i++) if (!isTrain[i]) heldOut.push(i);
  const records = bench.all();
  const scores = stored.predictions;
  const predicted = Float32Array.from(heldOut, (i) => scores[i]!);
  const truth = Float64Array.from(heldOut, (i) => truthAll[i]!);
  return {
    ...run,
    epochs: key.predictor.epochs,
    ids: heldOut.map((i) => records[i]!.id),
    predicted,
    truth,
    kendallTau: kendallTau(predicted, truth),
    fitSeconds: stored.fitSeconds,
    cached,
  };
}
