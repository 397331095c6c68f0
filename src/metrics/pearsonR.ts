/**
 * Pearson's correlation coefficient. Written here rather than taken from
 * simple-statistics' `sampleCorrelation` because that one accepts only
 * number[] (our data are typed arrays), throws for n < 2 and does not detect
 * constant input (a constant non-representable value such as 0.1 leaves a
 * rounding residue after centring and yields a meaningless r).
 */
import { assertPairedSamples } from './validate.js';

/**
 * Pearson's r, clipped to [−1, 1] like scipy. Returns NaN when undefined:
 * fewer than 2 pairs (scipy raises instead) or either sample constant (scipy
 * also returns NaN). Throws on unequal lengths or NaN values.
 */
export function pearsonR(x: ArrayLike<number>, y: ArrayLike<number>): number {
  assertPairedSamples('pearsonR', x, y);
  const n = x.length;
  if (n < 2 || isConstant(x) || isConstant(y)) return NaN;
  let sumX = 0;
  let sumY = 0;
  for (let i = 0; i < n; i++) {
    sumX += x[i]!;
    sumY += y[i]!;
  }
  const meanX = sumX / n;
  const meanY = sumY / n;
  // Two passes (centre first) keep precision when the values sit far from zero, e.g. accuracies near 94 %.
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - meanX;
    const dy = y[i]! - meanY;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  // Separate roots so sxx * syy cannot overflow for very large values.
  const r = sxy / (Math.sqrt(sxx) * Math.sqrt(syy));
  return Math.min(1, Math.max(-1, r));
}

function isConstant(values: ArrayLike<number>): boolean {
  const first = values[0];
  for (let i = 1; i < values.length; i++) if (values[i] !== first) return false;
  return true;
}
