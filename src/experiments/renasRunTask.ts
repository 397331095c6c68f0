/**
 * One run of the ReNAS study as the run engine computes it: load (and keep)
 * the benchmark, draw the run's training cells, fit the predictor, score
 * every cell, and measure τ and the search on the cells not trained on. A
 * pure function of its JSON task, so this thread, a pool thread and a queue
 * worker on another machine give the same result.
 */
import { readFileSync } from 'node:fs';
import { createBenchmark } from '../core/benchmark.js';
import { createRng } from '../core/rng.js';
import type { BenchRecord, Benchmark } from '../core/types.js';
import { fromWireText, type TaskContext } from '../engine/index.js';
import { DEFAULT_RENAS_ENCODING, encodeRenasArchs, nb101RenasTensor, type RenasEncodingOptions, type RenasTensor } from '../encoders/renasTensor.js';
import { nb201RenasTensor } from '../encoders/renasTensor201.js';
import { loadNb201 } from '../loaders/cellJson.js';
import { loadNb101Subset } from '../loaders/nb101.js';
import { bestFoundCurve } from '../metrics/bestFound.js';
import { kendallTau } from '../metrics/kendallTau.js';
import { precisionAtK } from '../metrics/precisionAtK.js';
import { spearmanRho } from '../metrics/spearmanRho.js';
import { renasBatching, resolveRenasConfig, type RenasLossKind, type RenasPredictorOverrides, type RenasPredictorState } from '../predictors/renas.js';
import { argsortDescending } from '../predictors/types.js';
import type { Nb101Spec } from '../spaces/nb101.js';
import type { Nb201Arch, Nb201Dataset } from '../spaces/nb201.js';
import { runRenasFitTask, type RenasFitOutcome } from './renasFitTask.js';
import { createPredictor } from '../predictors/registry.js';
// Registers the built-in parts in every thread that runs ReNAS tasks.
import '../registrations.js';

/**
 * Where a run's benchmark comes from, which also fixes the tensor: the data
 * folder's NAS-Bench-101 20k subset (or another copy of it), a NAS-Bench-101
 * benchmark file the study wrote, or NAS-Bench-201 on one dataset (the data
 * folder's cell zip or another source `loadNb201` reads).
 */
export type RenasBenchSource =
  | { readonly kind: 'nb101-subset'; readonly path?: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'nb201'; readonly dataset: Nb201Dataset; readonly path?: string };

/** A benchmark of either space with the tensor its runs encode it with. */
export type RenasSpaceBench = { readonly bench: Benchmark<Nb101Spec>; readonly space: 'nb101' } | { readonly bench: Benchmark<Nb201Arch>; readonly space: 'nb201'; readonly dataset: Nb201Dataset };

/** A benchmark file (what `writeRenasBenchFile` writes for a benchmark given in memory). */
export interface RenasBenchFile {
  readonly name: string;
  readonly records: readonly BenchRecord<Nb101Spec>[];
}

export interface RenasRunTask {
  readonly bench: RenasBenchSource;
  readonly target: string;
  readonly topK: number;
  readonly seed: number;
  readonly trainSize: number;
  readonly predictor: RenasPredictorOverrides;
  /** Also return the score of every benchmark cell (a predicted-vs-true plot). */
  readonly keepPredictions: boolean;
  /** Also return the fitted predictor (to rank the whole space with it). */
  readonly returnState: boolean;
  /** A registered predictor to fit instead of ReNAS's (see `RenasRunCoordinates.model`). */
  readonly model?: string;
}

export interface RenasRunOutput {
  readonly run: Renas424RunResult;
  readonly predictions?: Float32Array;
  readonly state?: RenasPredictorState;
}

/** Loaded benchmarks, and their encodings per encoding option set, once per thread. */
const benches = new Map<string, Promise<RenasSpaceBench>>();
const encodings = new Map<string, Promise<Float32Array>>();

function sourceId(source: RenasBenchSource): string {
  return JSON.stringify(source);
}

/** Makes a benchmark given in memory available to runs in this thread under `source` (no file read). */
export function provideRenasBench(source: RenasBenchSource, bench: Benchmark<Nb101Spec>): void {
  if (!benches.has(sourceId(source))) benches.set(sourceId(source), Promise.resolve({ bench, space: 'nb101' }));
}

async function loadSource(source: RenasBenchSource): Promise<RenasSpaceBench> {
  if (source.kind === 'nb101-subset') return { bench: await loadNb101Subset(source.path ? { path: source.path } : {}), space: 'nb101' };
  if (source.kind === 'nb201') return { bench: await loadNb201({ dataset: source.dataset, ...(source.path ? { source: source.path } : {}) }), space: 'nb201', dataset: source.dataset };
  let file: RenasBenchFile;
  try {
    file = fromWireText<RenasBenchFile>(readFileSync(source.path, 'utf8'));
  } catch (err) {
    throw new Error(`ReNAS run: cannot read the benchmark file ${source.path} (${(err as Error).message}); a queue worker needs the data folder's subset, or this file at the same path`);
  }
  return { bench: createBenchmark(file.name, file.records), space: 'nb101' };
}

/** The tensor runs on `loaded` encode with (NAS-Bench-101's under `encoding`). */
export function renasTensorOf(loaded: RenasSpaceBench, encoding: RenasEncodingOptions = DEFAULT_RENAS_ENCODING): RenasTensor<Nb101Spec> | RenasTensor<Nb201Arch> {
  return loaded.space === 'nb201' ? nb201RenasTensor(loaded.dataset) : nb101RenasTensor(encoding);
}

/** A promise cached under `id` until it rejects. */
function memo<T>(cache: Map<string, Promise<T>>, id: string, make: () => Promise<T>): Promise<T> {
  let hit = cache.get(id);
  if (!hit) {
    hit = make();
    hit.catch(() => cache.delete(id));
    cache.set(id, hit);
  }
  return hit;
}

/** The benchmark of `source`, its tensor and its encodings (under `encoding` for NAS-Bench-101), loaded and encoded once per thread. */
export async function renasBench(
  source: RenasBenchSource,
  encoding: RenasEncodingOptions = DEFAULT_RENAS_ENCODING,
): Promise<{ bench: Benchmark<Nb101Spec> | Benchmark<Nb201Arch>; tensor: RenasTensor<Nb101Spec> | RenasTensor<Nb201Arch>; encoded: Float32Array }> {
  const loaded = await memo(benches, sourceId(source), () => loadSource(source));
  const tensor = renasTensorOf(loaded, encoding);
  const encoded = await memo(encodings, `${sourceId(source)} ${tensor.name} ${JSON.stringify(encoding)}`, async () =>
    encodeRenasArchs(tensor as RenasTensor<unknown>, (loaded.bench.all() as readonly BenchRecord<unknown>[]).map((r) => r.arch)),
  );
  return { bench: loaded.bench, tensor, encoded };
}

/**
 * A run of a registered predictor other than ReNAS's: fit on the run's
 * training records, score every record. Its settings are the run's
 * `predictor` overrides (lossKind and epochs included), which it may ignore.
 */
async function fitRegisteredModel(model: string, loaded: RenasSpaceBench, task: RenasRunTask, trainIndices: Int32Array, truth: Float64Array): Promise<RenasFitOutcome> {
  const started = performance.now();
  const records = loaded.bench.all() as readonly BenchRecord<unknown>[];
  const predictor = createPredictor(
    model,
    { seed: task.seed, space: loaded.space, ...(loaded.space === 'nb201' ? { dataset: loaded.dataset } : {}), settings: task.predictor as Record<string, unknown> },
    `ReNAS run: model`,
  );
  try {
    const training = Array.from(trainIndices, (i) => records[i]!);
    const targets = Float64Array.from(trainIndices, (i) => truth[i]!);
    const report = await predictor.fit(training, targets);
    const predictions = await predictor.predict(records);
    if (predictions.length !== records.length) throw new Error(`ReNAS run: model ${model} returned ${predictions.length} scores for ${records.length} cells`);
    const trainTau = kendallTau(Float64Array.from(trainIndices, (i) => predictions[i]!), targets);
    return {
      predictions,
      report: {
        epochs: report.epochs,
        lossHistory: [...report.lossHistory],
        trainTauHistory: [trainTau],
        keptEpoch: report.keptEpoch ?? Math.max(0, report.epochs - 1),
        // Not a ReNAS optimiser: no batches or updates of its own to report.
        batchSize: trainIndices.length,
        stepsPerEpoch: 0,
        updates: 0,
      } as RenasFitOutcome['report'],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    predictor.dispose();
  }
}

/** Fits one run's predictor and measures it (the task function of the ReNAS study). */
export async function runRenasRunTask(task: RenasRunTask, context?: TaskContext): Promise<RenasRunOutput> {
  const model = otherModel(task.model);
  if (model) {
    const loaded = await memo(benches, sourceId(task.bench), () => loadSource(task.bench));
    context?.signal.throwIfAborted();
    const truth = loaded.bench.metric(task.target);
    const trainIndices = renasTrainIndices(loaded.bench.size, task.seed, task.trainSize);
    const outcome = await fitRegisteredModel(model, loaded, task, trainIndices, truth);
    return measuredRun(task, loaded.bench as Benchmark<unknown>, truth, trainIndices, outcome);
  }
  const { bench, tensor, encoded } = await renasBench(task.bench, resolveRenasConfig(task.predictor).encoding);
  context?.signal.throwIfAborted();
  const truth = bench.metric(task.target);
  const trainIndices = renasTrainIndices(bench.size, task.seed, task.trainSize);
  const outcome = await runRenasFitTask(
    encoded,
    bench.size,
    {
      seed: task.seed,
      trainIndices,
      trainTargets: Float64Array.from(trainIndices, (i) => truth[i]!),
      predictor: task.predictor,
      returnState: task.returnState,
    },
    tensor as RenasTensor<unknown>,
  );
  return measuredRun(task, bench as Benchmark<unknown>, truth, trainIndices, outcome);
}

/** τ, precision and the search on the cells not trained on, from a fit's scores of every cell. */
function measuredRun(task: RenasRunTask, bench: Benchmark<unknown>, truth: Float64Array, trainIndices: Int32Array, outcome: RenasFitOutcome): RenasRunOutput {
  const ids = bench.all().map((r) => r.id);
  const metrics = evaluateRenasRun(truth, ids, trainIndices, outcome.predictions, task.topK, createRng(`renas424/random/${task.seed}/${task.trainSize}`));
  const report = outcome.report;
  const run: Renas424RunResult = {
    ...metrics,
    keptEpoch: report.keptEpoch ?? report.epochs - 1,
    finalTrainTau: report.trainTauHistory[report.trainTauHistory.length - 1] ?? NaN,
    finalLoss: report.lossHistory[report.lossHistory.length - 1] ?? NaN,
    batchSize: report.batchSize,
    stepsPerEpoch: report.stepsPerEpoch,
    updates: report.updates,
    fitSeconds: outcome.seconds,
  };
  return { run, ...(task.keepPredictions ? { predictions: outcome.predictions } : {}), ...(outcome.state ? { state: outcome.state } : {}) };
}

/** A monotone best-found curve stored by its change points: after query `at[i]` (0-based) the best is `value[i]`. */
export interface CompactCurve {
  readonly length: number;
  readonly at: number[];
  readonly value: number[];
}

export function compactCurve(values: ArrayLike<number>): CompactCurve {
  const curve = bestFoundCurve(values);
  const at: number[] = [];
  const value: number[] = [];
  for (let i = 0; i < curve.length; i++) {
    if (i === 0 || curve[i]! !== curve[i - 1]!) {
      at.push(i);
      value.push(curve[i]!);
    }
  }
  return { length: curve.length, at, value };
}

/** The full curve (one value per query) of a compact one. */
export function expandCurve(curve: CompactCurve): Float64Array {
  const out = new Float64Array(curve.length);
  let k = 0;
  for (let i = 0; i < curve.length; i++) {
    while (k + 1 < curve.at.length && curve.at[k + 1]! <= i) k++;
    out[i] = curve.value[k]!;
  }
  return out;
}

/** What one run stores in the cache. */
export interface Renas424RunResult {
  readonly kendallTau: number;
  readonly spearmanRho: number;
  /** Fraction of the true top-`topK` of the remaining cells found in the predicted top-`topK`. */
  readonly precisionAtTopK: number;
  /** Best true value among the topK best-ranked untrained cells (the paper's reported number). */
  readonly searchTopKBest: number;
  /** Best true value among all N + topK trained cells. */
  readonly searchBest: number;
  /** Share of subset cells strictly better than `searchBest` (0 = the subset's best). */
  readonly searchBestTopFraction: number;
  readonly randomBest: number;
  readonly randomBestTopFraction: number;
  readonly searchCurve: CompactCurve;
  readonly randomCurve: CompactCurve;
  /** Hashes of the topK cells the search trained, best-ranked first. */
  readonly searchPicks: string[];
  readonly keptEpoch: number;
  readonly finalTrainTau: number;
  readonly finalLoss: number;
  readonly batchSize: number;
  readonly stepsPerEpoch: number;
  /** Adam updates of the fit. */
  readonly updates: number;
  readonly fitSeconds: number;
}

/** Where one run sits: its seed, size, loss, epochs and predictor settings (loss and epochs are per run). */
export interface RenasRunCoordinates {
  readonly seed: number;
  readonly trainSize: number;
  readonly lossKind: RenasLossKind;
  readonly epochs: number;
  readonly predictor: Omit<RenasPredictorOverrides, 'lossKind' | 'epochs'>;
  /** A registered predictor fitted instead of ReNAS's (`PREDICTORS`); undefined or 'renas' → the ReNAS predictor with `predictor`. */
  readonly model?: string;
}

/** The registered model of a run other than the ReNAS predictor itself, or undefined. */
export function otherModel(model: string | undefined): string | undefined {
  return model === undefined || model === 'renas' ? undefined : model;
}

/**
 * The identity of one ReNAS run, the engine's cache key: everything its
 * result depends on (the benchmark, hence the tensor; the resolved predictor
 * config) and nothing that only affects speed. Batch settings that cut this
 * N the same way are the same run (e.g. any batch size ≥ N is one full batch).
 */
export function renasRunKey(study: string, measure: { readonly target: string; readonly topK: number }, bench: { readonly name: string; readonly size: number }, run: RenasRunCoordinates) {
  const { predictBatch: _memoryOnly, ...resolved } = resolveRenasConfig({ ...run.predictor, lossKind: run.lossKind, epochs: run.epochs });
  const batchSize = Math.min(resolved.batchSize, run.trainSize);
  const cutsAlike = renasBatching({ batchSize, batchSplit: 'dataloader' }, run.trainSize).bounds.join() === renasBatching({ batchSize, batchSplit: resolved.batchSplit }, run.trainSize).bounds.join();
  const predictor = { ...resolved, batchSize, batchSplit: cutsAlike ? 'dataloader' : resolved.batchSplit };
  return {
    study,
    version: 2,
    benchmark: { name: bench.name, size: bench.size },
    target: measure.target,
    topK: measure.topK,
    seed: run.seed,
    trainSize: run.trainSize,
    predictor,
    // Only when set, so the ReNAS runs keep the keys they always had.
    ...(otherModel(run.model) ? { model: run.model } : {}),
  };
}

/** Which subset rows a run trains on: `trainSize` distinct rows drawn from (seed, size) alone. */
export function renasTrainIndices(benchSize: number, seed: number, trainSize: number): Int32Array {
  return createRng(`renas424/train/${seed}/${trainSize}`).sampleIndices(benchSize, trainSize);
}

/** Raw NCHW encodings of every NAS-Bench-101 record, one row after another. */
export function encodeBenchmark(records: readonly BenchRecord<Nb101Spec>[], encoding: RenasEncodingOptions = DEFAULT_RENAS_ENCODING): Float32Array {
  return encodeRenasArchs(nb101RenasTensor(encoding), records.map((r) => r.arch));
}

/** Share of `values` strictly greater than `v`. */
function topFraction(values: Float64Array, v: number): number {
  let better = 0;
  for (const x of values) if (x > v) better++;
  return better / values.length;
}

/** Metrics of one run from its predictions over the whole benchmark. */
export function evaluateRenasRun(
  truth: Float64Array,
  ids: readonly string[],
  trainIndices: Int32Array,
  predictions: Float32Array,
  topK: number,
  randomRng: ReturnType<typeof createRng>,
): Omit<Renas424RunResult, 'keptEpoch' | 'finalTrainTau' | 'finalLoss' | 'batchSize' | 'stepsPerEpoch' | 'updates' | 'fitSeconds'> {
  const n = truth.length;
  const isTrain = new Uint8Array(n);
  for (const i of trainIndices) isTrain[i] = 1;
  const restPred: number[] = [];
  const restTruth: number[] = [];
  for (let i = 0; i < n; i++) {
    if (isTrain[i]) continue;
    restPred.push(predictions[i]!);
    restTruth.push(truth[i]!);
  }
  const order = argsortDescending(predictions);
  const picks: number[] = [];
  for (let k = 0; k < order.length && picks.length < topK; k++) if (!isTrain[order[k]!]) picks.push(order[k]!);
  const trainedValues = [...Array.from(trainIndices, (i) => truth[i]!), ...picks.map((i) => truth[i]!)];
  const searchCurve = compactCurve(trainedValues);
  const searchBest = searchCurve.value[searchCurve.value.length - 1]!;
  const randomValues = Array.from(randomRng.sampleIndices(n, trainIndices.length + topK), (i) => truth[i]!);
  const randomCurve = compactCurve(randomValues);
  const randomBest = randomCurve.value[randomCurve.value.length - 1]!;
  return {
    kendallTau: kendallTau(restPred, restTruth),
    spearmanRho: spearmanRho(restPred, restTruth),
    precisionAtTopK: precisionAtK(restPred, restTruth, Math.min(topK, restPred.length)),
    searchTopKBest: Math.max(...picks.map((i) => truth[i]!)),
    searchBest,
    searchBestTopFraction: topFraction(truth, searchBest),
    randomBest,
    randomBestTopFraction: topFraction(truth, randomBest),
    searchCurve,
    randomCurve,
    searchPicks: picks.map((i) => ids[i]!),
  };
}
