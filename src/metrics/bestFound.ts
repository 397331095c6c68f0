/**
 * Best-found-so-far curves of a search: after each query (architecture
 * trained / looked up), the best true value seen so far. Higher is better.
 */
import { assertNoNaN } from './validate.js';

/** Running maximum: out[i] = max(values[0..i]). Empty input gives an empty curve. */
export function bestFoundCurve(values: ArrayLike<number>): Float64Array {
  assertNoNaN('bestFoundCurve', 'values', values);
  const out = new Float64Array(values.length);
  let best = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v > best) best = v;
    out[i] = best;
  }
  return out;
}

/**
 * Best value found within each query budget: out[j] = max(values[0 .. budgets[j]−1]).
 * Each budget must be an integer in 1..values.length; a search that made fewer
 * queries than a budget asks about is an error, not an extrapolation.
 */
export function bestFoundAt(values: ArrayLike<number>, budgets: ArrayLike<number>): Float64Array {
  const curve = bestFoundCurve(values);
  const out = new Float64Array(budgets.length);
  for (let j = 0; j < budgets.length; j++) {
    const b = budgets[j]!;
    if (!Number.isInteger(b) || b < 1 || b > curve.length) {
      throw new RangeError(
        `bestFoundAt: budgets[${j}] = ${b} must be an integer in 1..${curve.length} (the number of queries made)`,
      );
    }
    out[j] = curve[b - 1]!;
  }
  return out;
}
