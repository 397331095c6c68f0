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
import { resultsDir } from '../config.js';
import { writeFileAtomic } from '../core/atomicWrite.js';
import type { Benchmark } from '../core/types.js';
import { runKey, runStudy, toWireText, type ProgressSink, type RunSpec } from '../engine/index.js';
import { RunStore, missingFields } from '../engine/store.js';
import { loadNb101Subset } from '../loaders/nb101.js';
import { kendallTau } from '../metrics/kendallTau.js';
import { meanStd } from '../metrics/summary.js';
import {
  RenasPredictor,
  type RenasLossKind,
  type RenasPredictorState,
} from '../predictors/renas.js';
import type { Nb101Spec } from '../spaces/nb101.js';
import { loadNb101Space, type Nb101Space } from '../spaces/nb101Enumerate.js';
import { groupRows } from './studyRows.js';
import { summarizeRenasAblation, type RenasAblationResult, type RenasAblationRun } from './renasAblation.js';
import { runRenasFitTask } from './renasFitTask.js';
import { rankWholeSpace, type WholeSpaceRanking } from './renasSpaceRanking.js';
import {
  encodeBenchmark,
  otherModel,
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
export { checkRenas424Config, epochsFor, lossKindsFor, renas424Config, seedsFor } from './renas424Config.js';
export type { Renas424Config, RenasStudyPredictor } from './renas424Config.js';
import { checkRenas424Config, epochsFor, lossKindsFor, mergePredictor, renas424Config, seedsFor, type Renas424Config } from './renas424Config.js';
export type { RankWholeSpaceOptions, SpaceRankEntry, WholeSpaceRanking } from './renasSpaceRanking.js';

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

/** A run of the study proper (not the ablation). */
function studyRun(config: Renas424Config, seed: number, trainSize: number, lossKind: RenasLossKind): RenasRunCoordinates {
  return { seed, trainSize, lossKind, epochs: epochsFor(config, trainSize), predictor: config.predictor, ...(config.model ? { model: config.model } : {}) };
}

/** The identity of one run of this study (`renasRunKey`). */
function runKeyOf(config: Renas424Config, bench: Benchmark<Nb101Spec>, run: RenasRunCoordinates) {
  return renasRunKey('renas424', config, bench, run);
}

/** Mean ± std per (trainSize, lossKind), in config order. */
export function summarizeRenas424(rows: readonly Renas424Row[]): Renas424SummaryRow[] {
  return groupRows(rows, ['trainSize', 'lossKind']).map((g) => {
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
      ...(otherModel(job.run.model) ? { model: job.run.model } : {}),
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
