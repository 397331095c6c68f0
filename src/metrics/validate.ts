/**
 * Input checks shared by the metrics. Every error names the metric, the
 * argument and the offending index, so a bad value is easy to trace back to
 * the record it came from.
 */

/** Throws unless `values[i]` is a number and not NaN for every i. */
export function assertNoNaN(metric: string, argName: string, values: ArrayLike<number>): void {
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    // `typeof` also catches holes/undefined in plain arrays coming from untyped notebook code.
    if (typeof v !== 'number' || v !== v) {
      throw new RangeError(`${metric}: ${argName}[${i}] is ${v === undefined ? 'missing' : String(v)}, expected a number`);
    }
  }
}

/** Throws unless `x` and `y` have the same length and contain no NaN. */
export function assertPairedSamples(
  metric: string,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  xName = 'x',
  yName = 'y',
): void {
  if (x.length !== y.length) {
    throw new RangeError(`${metric}: ${xName} has length ${x.length} but ${yName} has length ${y.length}; they must be equal`);
  }
  assertNoNaN(metric, xName, x);
  assertNoNaN(metric, yName, y);
}
