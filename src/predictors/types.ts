/**
 * Predictor capabilities beyond the core `Predictor` interface that the
 * searchers use: ranking (the siamese coarse → fine re-ranking) and growing the
 * training set during training (Siamese-NAS BTS).
 */
import type { BenchRecord, FitOptions, FitReport, Predictor } from '../core/types.js';

export interface RankOptions {
  /**
   * Siamese predictors: how many of the coarse branch's best to re-rank with the
   * fine branch (official: 60 for the final ranking, 30 inside BTS stages).
   * Ignored by predictors with one branch.
   */
  readonly rerankTop?: number;
}

/** A predictor with its own notion of ranking (which may differ from sorting `predict`). */
export interface RankingPredictor<A> extends Predictor<A> {
  /** Indices into `archs`, best first. */
  rank(archs: readonly BenchRecord<A>[], opts?: RankOptions): Promise<Int32Array>;
}

export interface GrowthContext<A> {
  /** 1-based epoch within the growth phase. */
  readonly epochInPhase: number;
  readonly phaseEpochs: number;
  /** Ranks with the model as it is now (inference mode). */
  rank(archs: readonly BenchRecord<A>[], opts?: RankOptions): Promise<Int32Array>;
}

export interface GrowthBatch<A> {
  readonly records: readonly BenchRecord<A>[];
  readonly targets: ArrayLike<number>;
}

/** Adds training records while the predictor trains (BTS). */
export interface TrainingSetGrowth<A> {
  /**
   * Training-set size once all growth is done. The official code sizes an
   * epoch (steps per epoch) by the full budget from the start, so this does too.
   */
  readonly finalSize: number;
  /** Called after every epoch of the predictor's growth phase; returned records join the training set. */
  onEpochEnd(ctx: GrowthContext<A>): Promise<GrowthBatch<A> | undefined>;
}

export interface GraphFitOptions<A> extends FitOptions {
  readonly growth?: TrainingSetGrowth<A>;
}

/** A ranking predictor whose training can take in new records (what BTS needs). */
export interface GrowablePredictor<A> extends RankingPredictor<A> {
  /** Epochs of the training phase during which `growth.onEpochEnd` is called. */
  readonly growthPhaseEpochs: number;
  fit(
    archs: readonly BenchRecord<A>[],
    targets: ArrayLike<number>,
    opts?: GraphFitOptions<A>,
  ): ReturnType<Predictor<A>['fit']>;
}

export interface TrainOptions extends FitOptions {
  readonly epochs: number;
  readonly batchSize: number;
}

/**
 * A ranking predictor that can go on training from its current weights on a
 * (grown) training set, as BRP-NAS's iterative data selection does: each
 * `train` call starts a fresh optimiser and schedule; `fit` starts again
 * from the seeded initialisation.
 */
export interface ContinuablePredictor<A> extends RankingPredictor<A> {
  train(archs: readonly BenchRecord<A>[], targets: ArrayLike<number>, opts: TrainOptions): Promise<FitReport>;
}

export function isContinuablePredictor<A>(p: Predictor<A>): p is ContinuablePredictor<A> {
  return isRankingPredictor(p) && typeof (p as Partial<ContinuablePredictor<A>>).train === 'function';
}

export function isRankingPredictor<A>(p: Predictor<A>): p is RankingPredictor<A> {
  return typeof (p as Partial<RankingPredictor<A>>).rank === 'function';
}

export function isGrowablePredictor<A>(p: Predictor<A>): p is GrowablePredictor<A> {
  return isRankingPredictor(p) && typeof (p as Partial<GrowablePredictor<A>>).growthPhaseEpochs === 'number';
}

/** Indices of `scores` sorted best (highest) first; ties keep index order, so the order is reproducible. */
export function argsortDescending(scores: ArrayLike<number>): Int32Array {
  const order = Int32Array.from({ length: scores.length }, (_, i) => i);
  // A typed-array sort with a comparator is stable in V8 (TimSort), so equal scores keep index order.
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return order;
}

/** The predictor's ranking of `records` (best first): its own `rank` if it has one, else `predict` sorted. */
export async function rankRecords<A>(
  predictor: Predictor<A>,
  records: readonly BenchRecord<A>[],
  opts?: RankOptions,
): Promise<Int32Array> {
  if (isRankingPredictor(predictor)) return predictor.rank(records, opts);
  return argsortDescending(await predictor.predict(records));
}
