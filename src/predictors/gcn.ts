/**
 * The plain GCN accuracy predictor (the Siamese-NAS baseline, official
 * `NeuralPredictor`): three GCN groups of width 64 on the ops-as-nodes graph,
 * mean over features, dense(n → 1) + sigmoid; Huber loss on accuracy.
 */
import type { PredictorFactory } from '../core/types.js';
import { createGraphPredictorVariant, type GraphPredictor, type GraphPredictorOptions } from './graphPredictor.js';

export interface GcnPredictorOptions<A> extends GraphPredictorOptions<A> {
  /** Node self-attention between the 2nd and 3rd GCN groups (not in the official baseline). */
  readonly nsam?: boolean;
}

export function createGcnPredictor<A>(options: GcnPredictorOptions<A>): GraphPredictor<A> {
  return createGraphPredictorVariant({ kind: 'gcn', nsam: options.nsam ?? false }, options);
}

/** A `PredictorFactory` (seed → fresh predictor) for searchers and sweeps. */
export function gcnPredictorFactory<A>(options: Omit<GcnPredictorOptions<A>, 'seed'>): PredictorFactory<A> {
  return (seed) => createGcnPredictor({ ...options, seed });
}
