/**
 * Top-k overlap between a predictor's ranking and the true ranking (higher is
 * better on both), the "precision@k" of NAS predictor papers.
 */
import { assertPairedSamples } from './validate.js';

/**
 * Fraction of the predicted top-k that belongs to the true top-k; without
 * ties this is |predicted top-k ∩ true top-k| / k, i.e. the fraction of the
 * true top-k that the predictor recovers.
 *
 * Ties are resolved without favouring any item (index order would be arbitrary):
 * - truth: the true top-k is every item whose truth is ≥ the k-th largest
 *   truth, so an item tied with the k-th best counts as a true top-k member
 *   (the set may hold more than k items, yet the result is still ≤ 1);
 * - prediction: items whose score is above the k-th largest prediction are all
 *   selected; of the m items tied AT it, the r still needed are taken uniformly
 *   at random and the result is the expectation over that choice
 *   (hits among them × r / m). A constant predictor thus scores the chance level.
 * Throws unless the lengths match, nothing is NaN and k is an integer in 1..n.
 */
export function precisionAtK(predicted: ArrayLike<number>, truth: ArrayLike<number>, k: number): number {
  assertPairedSamples('precisionAtK', predicted, truth, 'predicted', 'truth');
  const n = predicted.length;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new RangeError(`precisionAtK: k must be an integer in 1..${n} (the number of items), got ${k}`);
  }
  const truthCut = kthLargest(truth, k);
  const predictedCut = kthLargest(predicted, k);
  let above = 0;
  let hitsAbove = 0;
  let tiedAtCut = 0;
  let hitsTiedAtCut = 0;
  for (let i = 0; i < n; i++) {
    const p = predicted[i]!;
    const isTrueTop = truth[i]! >= truthCut;
    if (p > predictedCut) {
      above++;
      if (isTrueTop) hitsAbove++;
    } else if (p === predictedCut) {
      tiedAtCut++;
      if (isTrueTop) hitsTiedAtCut++;
    }
  }
  const stillNeeded = k - above;
  return (hitsAbove + (hitsTiedAtCut * stillNeeded) / tiedAtCut) / k;
}

function kthLargest(values: ArrayLike<number>, k: number): number {
  const sorted = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) sorted[i] = values[i]!;
  sorted.sort();
  return sorted[values.length - k]!;
}
