/**
 * Summaries of repeated runs (mean ± std, 95 % confidence interval of the mean).
 * simple-statistics supplies the mean and the sample standard deviation; it has
 * no Student t distribution (and its `tTest` divides by the population standard
 * deviation, not the sample one), so the t quantile is computed here from the
 * regularised incomplete beta function, using simple-statistics' `gammaln`.
 */
import { gammaln, mean as ssMean, sampleStandardDeviation } from 'simple-statistics';
import { assertNoNaN } from './validate.js';

export interface MeanStd {
  readonly mean: number;
  /** Sample standard deviation (ddof = 1, like numpy `std(ddof=1)`); NaN for a single value. */
  readonly std: number;
  readonly n: number;
}

export interface MeanConfidenceInterval extends MeanStd {
  /** Confidence level, e.g. 0.95. */
  readonly level: number;
  /** t quantile × std / √n; NaN for a single value. */
  readonly halfWidth: number;
  readonly lower: number;
  readonly upper: number;
}

/** Mean and sample standard deviation (ddof = 1). Throws on empty input or NaN. */
/** Mean of the finite values, nulls skipped; null when none (a column some runs do not have, e.g. τ of random search). */
export function meanOfFinite(values: readonly (number | null)[]): number | null {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function meanStd(values: ArrayLike<number>): MeanStd {
  assertNoNaN('meanStd', 'values', values);
  const n = values.length;
  if (n === 0) throw new RangeError('meanStd: values is empty; need at least one value');
  const list = Array.from(values);
  // Equal values have no spread: the mean's rounding would otherwise leave a std of ~1e-16.
  const constant = list.every((v) => v === list[0]);
  return { mean: constant ? list[0]! : ssMean(list), std: n >= 2 ? (constant ? 0 : sampleStandardDeviation(list)) : NaN, n };
}

/**
 * Two-sided confidence interval of the mean from the Student t distribution
 * with n − 1 degrees of freedom: mean ± t_{(1+level)/2, n−1} · std / √n.
 * Defaults to 95 %. With one value the bounds are NaN (no spread to estimate).
 */
export function meanConfidenceInterval(values: ArrayLike<number>, level = 0.95): MeanConfidenceInterval {
  if (!(level > 0 && level < 1)) {
    throw new RangeError(`meanConfidenceInterval: level must be in (0, 1), got ${level}`);
  }
  const { mean, std, n } = meanStd(values);
  const halfWidth = n >= 2 ? (studentTQuantile((1 + level) / 2, n - 1) * std) / Math.sqrt(n) : NaN;
  return { mean, std, n, level, halfWidth, lower: mean - halfWidth, upper: mean + halfWidth };
}

/**
 * Quantile (inverse CDF) of Student's t distribution with `df` > 0 degrees of
 * freedom, accurate to ~1e-12 relative; matches `scipy.stats.t.ppf(p, df)`.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0) || !Number.isFinite(df)) throw new RangeError(`studentTQuantile: df must be a positive finite number, got ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  if (df === 1) return Math.tan(Math.PI * (p - 0.5)); // Cauchy: closed form
  const tail = 1 - p;
  // Bracket, then bisect on t: the upper tail is monotone and bisection cannot diverge.
  let lo = 0;
  let hi = 1;
  while (studentTUpperTail(hi, df) > tail) {
    lo = hi;
    hi *= 2;
  }
  for (let iter = 0; iter < 200 && hi - lo > 1e-14 * hi; iter++) {
    const mid = 0.5 * (lo + hi);
    if (studentTUpperTail(mid, df) > tail) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** P(T > t) for t ≥ 0: ½ · I_{df/(df+t²)}(df/2, ½). */
function studentTUpperTail(t: number, df: number): number {
  return 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** I_x(a, b) by the continued fraction of Numerical Recipes §6.4 (modified Lentz). */
function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = gammaln(a + b) - gammaln(a) - gammaln(b) + a * Math.log(x) + b * Math.log1p(-x);
  // The fraction converges fast only below the mean of the distribution; use symmetry above it.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 100000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) return h;
  }
  throw new Error(`regularizedIncompleteBeta: continued fraction did not converge for x=${x}, a=${a}, b=${b}`);
}
