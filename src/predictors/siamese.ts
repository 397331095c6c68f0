/**
 * The Siamese-NAS predictor (official `SiamsPredictor`): a coarse branch on the
 * graph only and a fine branch that fuses the estimation code into the graph
 * features by adjacency-masked attention, both ending in the SAME output layer
 * and trained together (loss = Huber(coarse) + Huber(fine)). `nsam: true` adds
 * node self-attention between the 2nd and 3rd GCN groups (the "+NSAM" variant).
 *
 * Use `rank()` to order architectures the way Siamese-NAS evaluates: coarse
 * ranking of everything, the top `rerankTop` (default 60) re-ranked by the fine
 * branch. `predict()` is the coarse branch alone; `predictFine()` the fine one.
 * Requires `extras.estimationCode` (3 numbers) on every record it sees.
 */
import type { PredictorFactory } from '../core/types.js';
import { createGraphPredictorVariant, type GraphPredictor, type GraphPredictorOptions } from './graphPredictor.js';

export interface SiamesePredictorOptions<A> extends GraphPredictorOptions<A> {
  readonly nsam?: boolean;
}

export function createSiamesePredictor<A>(options: SiamesePredictorOptions<A>): GraphPredictor<A> {
  return createGraphPredictorVariant({ kind: 'siamese', nsam: options.nsam ?? false }, options);
}

/** A `PredictorFactory` (seed → fresh predictor) for searchers and sweeps. */
export function siamesePredictorFactory<A>(options: Omit<SiamesePredictorOptions<A>, 'seed'>): PredictorFactory<A> {
  return (seed) => createSiamesePredictor({ ...options, seed });
}
