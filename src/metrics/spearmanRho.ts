/**
 * Spearman's rank correlation: Pearson's r of the average-tie ranks, as
 * `scipy.stats.spearmanr` computes it. (simple-statistics'
 * `sampleRankCorrelation` breaks ties by position instead, see ranks.ts.)
 */
import { pearsonR } from './pearsonR.js';
import { rankAverage } from './ranks.js';
import { assertPairedSamples } from './validate.js';

/**
 * Spearman's rho. Returns NaN when undefined (fewer than 2 pairs or a constant
 * sample), like scipy. Throws on unequal lengths or NaN values.
 */
export function spearmanRho(x: ArrayLike<number>, y: ArrayLike<number>): number {
  assertPairedSamples('spearmanRho', x, y);
  if (x.length < 2) return NaN;
  return pearsonR(rankAverage(x), rankAverage(y));
}
