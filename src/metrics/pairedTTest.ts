/**
 * Paired comparison of two configurations run on the same seeds (a − b per
 * seed): Student's t-test and the t confidence interval of the mean
 * difference. Used by every ablation (FairNAS samplers, ReNAS switches).
 */
import { meanStd, studentTQuantile } from './summary.js';

/** Two-sided p-value of Student's t statistic `t` with `df` degrees of freedom. */
export function studentTTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t)) return NaN;
  const target = Math.abs(t);
  if (target === 0) return 1;
  // metrics/ exports the t quantile but not the CDF; invert the quantile by
  // bisection on log p (monotone), which is exact enough for a report.
  const quantileAt = (p: number): number => studentTQuantile(1 - p / 2, df);
  const floor = 1e-15;
  if (target >= quantileAt(floor)) return floor; // beyond double resolution: report the bound
  let lo = Math.log(floor);
  let hi = 0; // p = 1
  for (let i = 0; i < 80; i++) {
    const mid = 0.5 * (lo + hi);
    if (quantileAt(Math.exp(mid)) > target) lo = mid;
    else hi = mid;
  }
  return Math.exp(0.5 * (lo + hi));
}

export interface PairedTTest {
  /** Mean of a − b over the pairs. */
  readonly meanDifference: number;
  readonly stdDifference: number;
  readonly n: number;
  readonly df: number;
  readonly t: number;
  /** Two-sided; NaN with fewer than 2 pairs or when every difference is 0. */
  readonly p: number;
  /** 95 % t confidence interval of the mean difference. */
  readonly lower: number;
  readonly upper: number;
}

/** Paired t-test of a − b (e.g. Kendall tau of two samplers, paired by training seed). */
export function pairedTTest(a: ArrayLike<number>, b: ArrayLike<number>, level = 0.95): PairedTTest {
  if (a.length !== b.length) throw new RangeError(`pairedTTest: ${a.length} values in a but ${b.length} in b; pairs need equal lengths`);
  if (a.length === 0) throw new RangeError('pairedTTest: no pairs');
  const diff = Array.from(a, (v, i) => v - b[i]!);
  const { mean, std, n } = meanStd(diff);
  const df = n - 1;
  if (n < 2) return { meanDifference: mean, stdDifference: NaN, n, df, t: NaN, p: NaN, lower: NaN, upper: NaN };
  const se = std / Math.sqrt(n);
  const t = se > 0 ? mean / se : mean === 0 ? NaN : Math.sign(mean) * Infinity;
  const half = studentTQuantile((1 + level) / 2, df) * se;
  const p = Number.isNaN(t) ? NaN : Number.isFinite(t) ? studentTTwoSidedP(t, df) : 0;
  return { meanDifference: mean, stdDifference: std, n, df, t, p, lower: mean - half, upper: mean + half };
}

