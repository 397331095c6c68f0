/**
 * One run of the Siamese-NAS N/K sweep: load (and keep) the benchmark, build
 * the method's searcher, search with a seeded generator, and score the fitted
 * predictor's ranking. Pure function of its JSON input, so the in-process path
 * and every executor of the run engine (src/engine) produce identical results.
 */
import { whenBackendReady } from '../backend.js';
import { createRng } from '../core/rng.js';
import type { BenchRecord, Benchmark, FitHook, PredictorFactory, Searcher } from '../core/types.js';
import { type BrpPairForward } from '../predictors/brpNas.js';
import { loadNb201 } from '../loaders/cellJson.js';
import { findTinyNanoBench, loadTinyNanoBench } from '../loaders/tinyNanoBench.js';
import { kendallTau, spearmanRho } from '../metrics/index.js';
import { officialPhases, type GraphPredictorConfig } from '../predictors/config.js';
import { PREDICTORS, registeredPredictorFactory, type PredictorSpace } from '../predictors/registry.js';
import { SEARCHERS, createSearcher } from '../searchers/registry.js';
import { createBrpSearch, createBtsSearch, createPredictorTopKSearch, type BrpSelection } from '../searchers/index.js';
import type { NanoCell } from '../spaces/nanobench.js';
import type { Nb201Arch } from '../spaces/nb201.js';
import { tinyNb201 } from '../spaces/tinyNb201.js';
// Registers the built-in parts in every thread that runs sweep tasks.
import '../registrations.js';

/** The paper's methods and BRP-NAS. A sweep also runs any registered predictor (top-K by it) or registered searcher that needs no predictor, by name (`sweepMethodKind`). */
export const SIAMESE_METHODS = ['random', 'gcn', 'siams', 'siams+nsam', 'siams+nsam+bts', 'brp-nas'] as const;
export type BuiltinSiameseMethod = (typeof SIAMESE_METHODS)[number];
/** A built-in method or a registered part's name; `(string & {})` keeps the built-ins' completion. */
export type SiameseMethod = BuiltinSiameseMethod | (string & {});

/**
 * How a sweep runs a method: 'random' and 'searcher' (a registered searcher
 * without a predictor) spend the whole budget themselves; 'graph' (GCN,
 * siamese), 'bts' and 'brp' are the paper's and BRP-NAS's; 'predictor' is a
 * registered predictor, trained on N cells, whose ranking gives the K picks
 * (with its own default settings: the sweep's graph settings are not its).
 */
export type SweepMethodKind = 'random' | 'graph' | 'bts' | 'brp' | 'predictor' | 'searcher';

export function sweepMethodKind(method: string, where = 'siamese sweep'): SweepMethodKind {
  switch (method) {
    case 'random':
      return 'random';
    case 'gcn':
    case 'siams':
    case 'siams+nsam':
      return 'graph';
    case 'siams+nsam+bts':
      return 'bts';
    case 'brp-nas':
      return 'brp';
  }
  if (PREDICTORS.has(method)) return 'predictor';
  if (SEARCHERS.has(method)) {
    const spec = SEARCHERS.get(method);
    if (!spec.usesPredictor && !spec.needsSpace) return 'searcher';
    throw new RangeError(`${where}: searcher ${JSON.stringify(method)} ${spec.needsSpace ? 'walks a search space' : 'needs a predictor'}; a sweep method is a built-in (${SIAMESE_METHODS.join(', ')}), a registered predictor or a registered searcher that needs neither`);
  }
  throw new RangeError(
    `${where}: method ${JSON.stringify(method)} is not one of ${SIAMESE_METHODS.join(', ')}, a registered predictor (${PREDICTORS.names().join(', ')}) or a registered searcher (${SEARCHERS.names().join(', ')})`,
  );
}

/** Whether `method` fits a predictor (so its runs have a ranking and rank correlations). */
export function sweepMethodUsesPredictor(method: string): boolean {
  const kind = sweepMethodKind(method);
  return kind !== 'random' && kind !== 'searcher';
}

export const SWEEP_BENCHMARKS = ['nb201-cifar10', 'nb201-cifar100', 'tiny-nb201-cifar10', 'tiny-nanobench'] as const;
export type SweepBenchmark = (typeof SWEEP_BENCHMARKS)[number];

/**
 * How a run's result at (N, K) is scored (docs/PROTOCOLS.md §7):
 * - 'official': the official code's protocol (train_eval.py, eval_nas.py,
 *   drawing.py). A run at budget N trains N − 3 cells (BTS: ⌊0.3·(N − 3)⌋ of
 *   them at random, the rest in the stages); the value at K is the best true
 *   value among the first K cells of the predicted ranking of the whole
 *   space, training cells kept in that ranking (`MaxAccs`); random search is
 *   the best of K random cells.
 * - 'search': what a search that trained N + K cells found: N trained, then
 *   the K best-ranked cells not trained yet; the value is the best of all
 *   N + K (≥ the official value for the same ranking); random search draws
 *   N + K cells.
 */
export const SWEEP_SCORINGS = ['official', 'search'] as const;
export type SweepScoring = (typeof SWEEP_SCORINGS)[number];

/** Cells of a budget the official code does not train (`budget = budget - 3` in train_eval.py). */
export const OFFICIAL_UNTRAINED = 3;

/** Ground-truth metric of each benchmark (what "best found" is measured in). */
export const SWEEP_TARGETS: Readonly<Record<SweepBenchmark, string>> = {
  'nb201-cifar10': 'test_acc_200',
  'nb201-cifar100': 'test_acc_200',
  'tiny-nb201-cifar10': 'test_acc_200',
  'tiny-nanobench': 'gt_accuracy',
};

/** Predictor hyperparameters a sweep may change (the rest are the official defaults, src/predictors/config.ts). */
export interface SweepPredictorSettings {
  /** Total epochs of the official schedule (official 200; phases 20 % / 50 % / 30 % + 3). */
  readonly epochs: number;
  readonly hidden: number;
  readonly batchSize: number;
  /** Siamese: coarse-ranking head re-ranked by the fine branch (official 60). */
  readonly rerankTop: number;
  /**
   * Batch-norm momentum; undefined → the official 0.997. A short schedule
   * with 0.997 leaves most of the initial statistics in place (24 epochs at
   * N = 30: 0.79 of them); `scheduleMatchedBnMomentum(epochs)` leaves the
   * share the official 200-epoch schedule leaves at every N.
   */
  readonly bnMomentum?: number;
}

const OFFICIAL_BN_MOMENTUM = 0.997;

const scheduleEpochs = (epochs: number): number => officialPhases(epochs).reduce((sum, p) => sum + p.epochs, 0);

/**
 * The momentum m with which the schedule scaled to `epochs` leaves the share
 * of initial batch-norm statistics that the official 200-epoch schedule
 * (203 epochs with its last 3) leaves with 0.997: steps per epoch are the
 * same in both, so m = 0.997^(203 / epochs of the scaled schedule). Rounded
 * to 6 digits for the run key. 24 epochs (26 with the phases truncated):
 * 0.977310.
 */
export function scheduleMatchedBnMomentum(epochs: number): number {
  return Number((OFFICIAL_BN_MOMENTUM ** (scheduleEpochs(200) / scheduleEpochs(epochs))).toFixed(6));
}

/** BTS settings (official: 0.3 random, 10 stages, each ranking a tenth of the space, re-ranking its top 30). */
export interface SweepBtsSettings {
  readonly initialFraction: number;
  readonly stages: number;
  readonly stageRerankTop: number;
}

/**
 * BRP-NAS settings (src/predictors/brpNas.ts, src/searchers/brpIterative.ts;
 * eagle's NB201 run: 4 × 600, 250 epochs, batch 64, 5 iterations,
 * 'best-and-top-random', 'per-pair').
 */
export interface SweepBrpSettings {
  readonly layers: number;
  readonly hidden: number;
  /** E and B: the last iteration trains E epochs at B pairs per batch, iteration i (i+1)/T of each. */
  readonly epochs: number;
  readonly batchSize: number;
  readonly iterations: number;
  readonly selection: BrpSelection;
  readonly pairForward: BrpPairForward;
}

/** Everything that determines one run's result; the run cache is keyed by this (K excluded, see below). */
export interface SweepRunConfig {
  readonly study: 'siamese-nk-sweep';
  /** Bumped when a change of the code changes results, so old cached runs are not reused. */
  readonly version: number;
  readonly benchmark: SweepBenchmark;
  /** Data file or folder for the benchmark; undefined → the data folder's (checksum-verified) file. */
  readonly source: string | undefined;
  readonly method: SiameseMethod;
  readonly N: number;
  readonly repeat: number;
  readonly seed: string;
  /** Budget accounting and scoring (see `SWEEP_SCORINGS`). */
  readonly scoring: SweepScoring;
  /** The graph predictors' settings; undefined for random search and BRP-NAS. */
  readonly predictor: SweepPredictorSettings | undefined;
  /** Only for the BTS method. */
  readonly bts: SweepBtsSettings | undefined;
  /** Only for BRP-NAS (which has no siamese `predictor` settings). */
  readonly brp?: SweepBrpSettings;
  /** Size of the fixed random sample of the benchmark the predictor's rank correlation is measured on (0: none). */
  readonly correlationSample: number;
}

/**
 * A run to execute: its identity plus K. K is left out of the identity on
 * purpose: none of the searchers lets K influence its first N + K queries (the
 * predictor is trained and the space ranked before K is used, and K only cuts
 * the ranked list), so one run with the largest K of a sweep answers every
 * smaller K at the same N by its prefix.
 */
export interface SweepTask {
  readonly config: SweepRunConfig;
  readonly K: number;
}

export interface SweepRunResult {
  readonly N: number;
  /** K this run went up to; prefixes answer every K' ≤ K. */
  readonly K: number;
  readonly queried: readonly string[];
  /** Ground truth of each query, in order. */
  readonly values: readonly number[];
  /** Queries 0..initialCount−1 were random draws (BTS: ⌊0.3 N⌋; top-K: N; random: N + K; official scoring: of N − 3, and K for random). */
  readonly initialCount: number;
  /** Predictor methods: true values of the first K cells of the final ranking of the whole space, training cells included (official scoring); null for random search. */
  readonly ranking: readonly number[] | null;
  /** Predictor's (coarse-branch) Kendall tau-b / Spearman rho on the correlation sample; null for random search. */
  readonly kendallTau: number | null;
  readonly spearmanRho: number | null;
  /** Siamese predictors: the same for the fine branch (estimation code fused in). */
  readonly fineKendallTau: number | null;
  readonly fineSpearmanRho: number | null;
  /** Share of the initial batch-norm running statistics left in the fitted predictor (`GraphFitReport.bnInitialShare`); null for random search. */
  readonly bnInitialShare: number | null;
  /** Wall time of the search and scoring (benchmark loading excluded). */
  readonly seconds: number;
}

// ---------------------------------------------------------------- benchmarks (kept per thread)

type AnyBench = Benchmark<Nb201Arch> | Benchmark<NanoCell>;
const benchCache = new Map<string, Promise<AnyBench>>();

/** The sweep's benchmark, loaded once per thread (a worker keeps what it loaded for its later runs). */
export function loadSweepBenchmark(name: SweepBenchmark, source?: string): Promise<AnyBench> {
  const key = `${name}|${source ?? ''}`;
  let pending = benchCache.get(key);
  if (!pending) {
    pending = loadUncached(name, source);
    // A failed load is not cached, so fixing the data and retrying works.
    pending.catch(() => benchCache.delete(key));
    benchCache.set(key, pending);
  }
  return pending;
}

async function loadUncached(name: SweepBenchmark, source: string | undefined): Promise<AnyBench> {
  switch (name) {
    case 'nb201-cifar10':
      return loadNb201({ dataset: 'cifar10', source });
    case 'nb201-cifar100':
      return loadNb201({ dataset: 'cifar100', source });
    case 'tiny-nb201-cifar10':
      return tinyNb201(await loadNb201({ dataset: 'cifar10', source }));
    case 'tiny-nanobench': {
      const found = source ?? findTinyNanoBench();
      return loadTinyNanoBench(found === undefined ? {} : { source: found });
    }
    default:
      throw new Error(`siamese sweep: unknown benchmark ${JSON.stringify(name)}; expected one of ${SWEEP_BENCHMARKS.join(', ')}`);
  }
}

// ---------------------------------------------------------------- predictors and searchers

/** The predictor space of a sweep benchmark's cells. */
export function sweepPredictorSpace(benchmark: SweepBenchmark): PredictorSpace {
  return benchmark === 'tiny-nanobench' ? 'nanobench' : 'nb201';
}

function predictorOverrides(s: SweepPredictorSettings): Partial<GraphPredictorConfig> {
  return {
    phases: officialPhases(s.epochs),
    hidden: s.hidden,
    batchSize: s.batchSize,
    rerankTop: s.rerankTop,
    ...(s.bnMomentum !== undefined ? { bnMomentum: s.bnMomentum } : {}),
  };
}

/** Rank correlations of a freshly fitted predictor, filled in by `scoringFactory`. */
interface FitScores {
  kendallTau: number | null;
  spearmanRho: number | null;
  fineKendallTau: number | null;
  fineSpearmanRho: number | null;
  bnInitialShare: number | null;
}

/**
 * A predictor factory whose predictors score themselves on the correlation
 * sample after every fit (BTS: after all its growth stages; BRP-NAS: after
 * every further `train`, the last call's scores stay), through
 * `Predictor.onFitted`: the searchers dispose their predictor themselves,
 * and this is the one moment the fitted model is reachable.
 */
function scoringFactory(
  inner: PredictorFactory<unknown>,
  sample: readonly BenchRecord<unknown>[],
  target: string,
  scores: FitScores,
): PredictorFactory<unknown> {
  const score: FitHook<unknown> = async (predictor, report) => {
    const share = (report as { bnInitialShare?: number }).bnInitialShare;
    scores.bnInitialShare = typeof share === 'number' ? share : null;
    if (sample.length < 2) return;
    const truth = sample.map((r) => r.metrics[target]!);
    const coarse = await predictor.predict(sample);
    scores.kendallTau = kendallTau(coarse, truth);
    scores.spearmanRho = spearmanRho(coarse, truth);
    const fine = (predictor as { predictFine?: (r: readonly BenchRecord<unknown>[]) => Promise<Float32Array> }).predictFine;
    if (predictor.requires.includes('estimationCode') && fine) {
      const fineScores = await fine(sample);
      scores.fineKendallTau = kendallTau(fineScores, truth);
      scores.fineSpearmanRho = spearmanRho(fineScores, truth);
    }
  };
  return (seed) => {
    const predictor = inner(seed);
    predictor.onFitted?.(score);
    return predictor;
  };
}

function searcherFor(config: SweepRunConfig, factoryOf: (predictor: string, settings: Readonly<Record<string, unknown>> | undefined) => PredictorFactory<unknown>): Searcher<unknown> {
  const { method, predictor, bts, brp } = config;
  const kind = sweepMethodKind(method);
  if (kind === 'random' || kind === 'searcher') return createSearcher(method, {}, 'siamese sweep');
  if (kind === 'predictor') return createPredictorTopKSearch({ predictorFactory: factoryOf(method, undefined), name: method });
  if (kind === 'brp') {
    if (!brp) throw new Error('siamese sweep: method brp-nas needs brp settings');
    const settings = { layers: brp.layers, hidden: brp.hidden, epochs: brp.epochs, batchSize: brp.batchSize, pairForward: brp.pairForward };
    return createBrpSearch({ predictorFactory: factoryOf('brp-nas', settings), iterations: brp.iterations, selection: brp.selection, epochs: brp.epochs, batchSize: brp.batchSize, name: method });
  }
  if (!predictor) throw new Error(`siamese sweep: method ${method} needs predictor settings`);
  const overrides = predictorOverrides(predictor);
  if (kind === 'graph') {
    return createPredictorTopKSearch({ predictorFactory: factoryOf(method, overrides), ...(method === 'gcn' ? {} : { rerankTop: predictor.rerankTop }), name: method });
  }
  if (!bts) throw new Error('siamese sweep: method siams+nsam+bts needs bts settings');
  return createBtsSearch({
    predictorFactory: factoryOf('siams+nsam', overrides),
    initialFraction: bts.initialFraction,
    stages: bts.stages,
    stageRerankTop: bts.stageRerankTop,
    finalRerankTop: predictor.rerankTop,
    name: method,
  });
}

/**
 * What a run queries: official scoring trains N − 3 (random search: K random
 * cells), search scoring N (random search: N + K), then K by the predictor.
 */
export function sweepSearchBudget(config: Pick<SweepRunConfig, 'method' | 'N' | 'scoring'>, K: number): { trainSamples: number; topK: number } {
  if (config.scoring === 'official') {
    if (!sweepMethodUsesPredictor(config.method)) return { trainSamples: 0, topK: K };
    if (config.N <= OFFICIAL_UNTRAINED) throw new RangeError(`siamese sweep: official scoring trains N − ${OFFICIAL_UNTRAINED} cells, so N must exceed ${OFFICIAL_UNTRAINED} (got ${config.N})`);
    return { trainSamples: config.N - OFFICIAL_UNTRAINED, topK: K };
  }
  return !sweepMethodUsesPredictor(config.method) ? { trainSamples: 0, topK: config.N + K } : { trainSamples: config.N, topK: K };
}

/** The seed of a run: shared by all methods at the same (benchmark, N, repeat), so methods are compared on paired draws. */
export function runSeed(config: Pick<SweepRunConfig, 'seed' | 'benchmark' | 'N' | 'repeat'>): string {
  return `siamese-nk-sweep/${config.seed}/${config.benchmark}/N${config.N}/r${config.repeat}`;
}

/** The fixed sample the rank correlations are measured on: the same for every run on a benchmark. */
export function correlationSampleOf<A>(bench: Benchmark<A>, size: number, seed: string): BenchRecord<A>[] {
  if (size <= 0) return [];
  if (size >= bench.size) return bench.all().slice();
  return bench.sample(size, createRng(`siamese-nk-sweep/${seed}/correlation/${bench.name}`));
}

/** Runs one sweep task in this thread (initialising the tfjs backend if nobody has). */
export async function runSweepTask(task: SweepTask): Promise<SweepRunResult> {
  const { config, K } = task;
  const usesPredictor = sweepMethodUsesPredictor(config.method);
  if (usesPredictor) await whenBackendReady();
  const bench = (await loadSweepBenchmark(config.benchmark, config.source)) as Benchmark<unknown>;
  // Timed after loading: a worker loads each benchmark once, so the load is not a cost of this run.
  const started = performance.now();
  const target = SWEEP_TARGETS[config.benchmark];
  const scores: FitScores = { kendallTau: null, spearmanRho: null, fineKendallTau: null, fineSpearmanRho: null, bnInitialShare: null };
  const sample = !usesPredictor ? [] : correlationSampleOf(bench, config.correlationSample, config.seed);
  const space = sweepPredictorSpace(config.benchmark);
  const factoryOf = (predictor: string, settings: Readonly<Record<string, unknown>> | undefined): PredictorFactory<unknown> =>
    scoringFactory(registeredPredictorFactory(predictor, { space, ...(settings ? { settings } : {}) }, `siamese sweep: method ${config.method}`), sample, target, scores);
  const searcher = searcherFor(config, factoryOf);
  const budget = sweepSearchBudget(config, K);
  const result = await searcher.search(bench, target, budget, createRng(runSeed(config)));
  const expected = budget.trainSamples + budget.topK;
  if (result.queried.length !== expected) {
    throw new Error(`siamese sweep: ${config.method} made ${result.queried.length} queries, expected ${expected} (N = ${config.N}, K = ${K}, ${config.scoring} scoring)`);
  }
  if (usesPredictor && (!result.ranking || result.ranking.values.length < K)) {
    throw new Error(`siamese sweep: ${config.method} returned no ranking of ${K} cells to score`);
  }
  const initialCount =
    !usesPredictor ? expected : 'initialCount' in result ? (result as { initialCount: number }).initialCount : budget.trainSamples;
  return {
    N: config.N,
    K,
    queried: result.queried.slice(),
    values: Array.from(result.values),
    initialCount,
    ranking: !usesPredictor ? null : Array.from(result.ranking!.values),
    ...scores,
    seconds: (performance.now() - started) / 1000,
  };
}
