/**
 * Interfaces shared by the three studies (ReNAS, FairNAS, Siamese-NAS).
 *
 * Data flows one way: benchmark files → loaders → records → encoders →
 * tensors → predictors / supernet → searchers → results → figures. Each arrow
 * is one of the plain values below, so every stage can be tested alone.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { SearchSpace } from '../spaces/searchSpace.js';

/** One evaluated architecture of a benchmark. `A` is the space's own spec type. */
export interface BenchRecord<A> {
  /** Stable id within its benchmark: module hash (NB101), index (NB201), cell id. */
  readonly id: string;
  readonly arch: A;
  /** Named scalar results, e.g. `val_acc_108`, `test_acc_200`, `params`, `flops`. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Optional side data a predictor may require (see `Predictor.requires`). */
  readonly extras?: Readonly<{ estimationCode?: readonly number[] }>;
}

/** An indexed, immutable collection of records. */
export interface Benchmark<A> {
  readonly name: string;
  readonly size: number;
  get(id: string): BenchRecord<A>;
  has(id: string): boolean;
  all(): readonly BenchRecord<A>[];
  /** `n` distinct records drawn uniformly without replacement. */
  sample(n: number, rng: Rng): BenchRecord<A>[];
  filter(pred: (r: BenchRecord<A>) => boolean, name?: string): Benchmark<A>;
  /** The values of one metric in `all()` order; throws naming the metric if a record lacks it. */
  metric(name: string): Float64Array;
}

/**
 * A benchmark with no finite table (NAS-Bench-301 style): a surrogate model
 * gives the metrics of any architecture of its space. Searchers that walk a
 * space (evolution, local search, random search) query it like a table;
 * those that rank a whole table (top-K, BTS, BRP-NAS) cannot.
 */
export interface SurrogateBenchmark<A> {
  readonly kind: 'surrogate';
  readonly name: string;
  readonly space: SearchSpace<A>;
  /** The surrogate's metrics of `arch` (e.g. `{ val_acc: 0.93 }`); deterministic. */
  evaluate(arch: A): Readonly<Record<string, number>>;
}

/** What a searcher queries: a benchmark table or a surrogate. */
export type Queryable<A> = Benchmark<A> | SurrogateBenchmark<A>;

/** True for a surrogate (no finite table). */
export function isSurrogate<A>(bench: Queryable<A>): bench is SurrogateBenchmark<A> {
  return (bench as { kind?: unknown }).kind === 'surrogate';
}

/** The table of `bench`, or an error saying that `who` needs one (a surrogate has none). */
export function tableOf<A>(bench: Queryable<A>, who: string): Benchmark<A> {
  if (isSurrogate(bench)) throw new Error(`${who} ranks a benchmark's whole table, and ${bench.name} is a surrogate with none; use a searcher that walks the space (random, regularized-evolution, local-search)`);
  return bench;
}

/** Maps a batch of architectures to one tensor; the shape is documented by each encoder. */
export interface Encoder<A> {
  readonly name: string;
  encode(archs: readonly A[]): tf.Tensor;
}

/** Side data a predictor needs besides the architecture (NASLib-style data requirements). */
export type PredictorRequirement = 'estimationCode';

/**
 * The one predictor interface (scikit-learn / NASLib style). Targets are the
 * quantity to rank by (higher is better); predictions only need to order
 * architectures correctly unless the predictor says otherwise.
 */
export interface Predictor<A> {
  readonly name: string;
  readonly requires: readonly PredictorRequirement[];
  fit(archs: readonly BenchRecord<A>[], targets: ArrayLike<number>, opts?: FitOptions): Promise<FitReport>;
  predict(archs: readonly BenchRecord<A>[]): Promise<Float32Array>;
  dispose(): void;
  /**
   * Registers `hook`, run after every completed fit (and every further
   * `train` of a continuable predictor) before that call returns: how a study
   * measures the model a searcher fitted without wrapping the predictor.
   * Optional: a predictor without it cannot be observed (its rank
   * correlations are then not reported).
   */
  onFitted?(hook: FitHook<A>): void;
}

/** See `Predictor.onFitted`: the fitted predictor and the report its fit returned. */
export type FitHook<A> = (predictor: Predictor<A>, report: FitReport) => Promise<void> | void;

export interface FitOptions {
  /** Called once per epoch with the training loss, e.g. to draw a live curve. */
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface FitReport {
  readonly epochs: number;
  readonly lossHistory: readonly number[];
  /** Epoch whose weights were kept (ReNAS keeps the best training Kendall tau). */
  readonly keptEpoch?: number;
}

/** Creates a fresh, unfitted predictor for one run; `seed` makes its initialisation reproducible. */
export type PredictorFactory<A> = (seed: number) => Predictor<A>;

/** What a searcher did: architectures in the order it "trained" them (looked up their ground truth). */
export interface SearchResult {
  readonly queried: readonly string[];
  /** True target of each query, in query order. */
  readonly values: Float64Array;
  /**
   * Predictor-guided searchers that rank the whole benchmark: the first
   * `topK` cells of that final ranking, training cells INCLUDED, with their
   * true values. The official Siamese-NAS scoring (`MaxAccs`) is the running
   * maximum along it; see `officialBestAt` in searchers/common.ts.
   */
  readonly ranking?: { readonly ids: readonly string[]; readonly values: Float64Array };
}

/** Picks which architectures to train, given a query budget. */
export interface Searcher<A> {
  readonly name: string;
  search(bench: Queryable<A>, target: string, budget: SearchBudget, rng: Rng): Promise<SearchResult>;
}

export interface SearchBudget {
  /** Architectures trained to fit the predictor (N). */
  readonly trainSamples: number;
  /** Top-ranked architectures then trained (K). */
  readonly topK: number;
}

/** A seeded uniform generator in [0, 1) plus the few derived draws every module needs. */
export interface Rng {
  (): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Fisher–Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[];
  /** `k` distinct indices of [0, n), in random order. */
  sampleIndices(n: number, k: number): Int32Array;
  /** An independent generator derived from this one (for workers, repeats). */
  fork(label: string | number): Rng;
  /** JSON-serialisable snapshot; `restoreRng(state)` continues the stream from here. */
  state(): RngState;
  readonly seed: string;
}

/** Snapshot of an `Rng` (seedrandom alea's internal state plus the seed text). */
export interface RngState {
  readonly seed: string;
  readonly alea: { readonly c: number; readonly s0: number; readonly s1: number; readonly s2: number };
}
