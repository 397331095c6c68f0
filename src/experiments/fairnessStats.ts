/**
 * Statistics of the FairNAS fairness ablation: the stratified architecture
 * sample that every supernet is ranked on, and the bootstrap over the
 * sampled architectures of the difference in Kendall tau (the paired t-test
 * over seeds is metrics/pairedTTest.ts, shared with the ReNAS ablation).
 */
import { createRng } from '../core/rng.js';
import { kendallTau } from '../metrics/index.js';
import { checkField, POSITIVE_INTEGER } from '../core/checks.js';

/** One quantile bin of a stratified sample. */
export interface StratumSummary {
  /** Smallest and largest value among ALL candidates of the bin (not just the picked ones). */
  readonly lower: number;
  readonly upper: number;
  readonly candidates: number;
  readonly picked: number;
}

export interface StratifiedSample {
  /** Indices into the input values, bin by bin (bin 0 = lowest values), in draw order within a bin. */
  readonly indices: Int32Array;
  /** Bin of each picked index (parallel to `indices`). */
  readonly binOf: Int32Array;
  readonly strata: readonly StratumSummary[];
}

/**
 * Splits the candidates into `bins` equal-count bins by value (quantile bins:
 * sort by value, ties broken by index so the result is deterministic, cut the
 * sorted list into consecutive runs of ⌊n/bins⌋ or ⌈n/bins⌉), then draws
 * `perBin` distinct candidates uniformly from each bin. Quantile rather than
 * equal-width bins keep the sample representative of the population (most
 * NAS-Bench-201 cells lie within a few points of the optimum) while still
 * guaranteeing that the poor tail is covered.
 */
export function stratifiedSample(values: ArrayLike<number>, opts: { bins: number; perBin: number; seed: number | string }): StratifiedSample {
  const { bins, perBin } = opts;
  const n = values.length;
  checkField('stratifiedSample', 'bins', bins, POSITIVE_INTEGER);
  checkField('stratifiedSample', 'perBin', perBin, POSITIVE_INTEGER);
  if (Math.floor(n / bins) < perBin) {
    throw new RangeError(`stratifiedSample: ${n} candidates in ${bins} bins leave ${Math.floor(n / bins)} per bin, fewer than perBin = ${perBin}`);
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`stratifiedSample: value ${i} is ${values[i]}, not a finite number`);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
  const rng = createRng(`${opts.seed}/stratified`);
  const indices = new Int32Array(bins * perBin);
  const binOf = new Int32Array(bins * perBin);
  const strata: StratumSummary[] = [];
  for (let b = 0; b < bins; b++) {
    const start = Math.floor((b * n) / bins);
    const end = Math.floor(((b + 1) * n) / bins);
    const picks = rng.sampleIndices(end - start, perBin);
    picks.forEach((k, j) => {
      indices[b * perBin + j] = order[start + k]!;
      binOf[b * perBin + j] = b;
    });
    strata.push({ lower: values[order[start]!]!, upper: values[order[end - 1]!]!, candidates: end - start, picked: perBin });
  }
  return { indices, binOf, strata };
}

export interface BootstrapDifference {
  /** Observed difference of the seed-mean Kendall tau, a − b. */
  readonly observed: number;
  /** Percentile interval of the difference over the resamples. */
  readonly lower: number;
  readonly upper: number;
  readonly level: number;
  readonly resamples: number;
  /** Share of resamples in which the difference is ≤ 0 (a one-sided bootstrap p for "a > b"). */
  readonly shareAtOrBelowZero: number;
}

/**
 * Bootstrap over architectures of the difference in seed-mean Kendall tau
 * between two samplers: resample the ranked architectures with replacement,
 * recompute each seed's tau (tau-b handles the duplicated items as ties) and
 * the difference of the means. It measures how much the conclusion depends on
 * WHICH architectures were sampled, not on training noise (that is the t-test's job).
 * `scoresA[s][i]` is seed s's supernet score of architecture i.
 */
export function bootstrapTauDifference(
  truth: ArrayLike<number>,
  scoresA: readonly ArrayLike<number>[],
  scoresB: readonly ArrayLike<number>[],
  opts: { resamples: number; seed: number | string; level?: number },
): BootstrapDifference {
  const n = truth.length;
  const level = opts.level ?? 0.95;
  checkField('bootstrapTauDifference', 'resamples', opts.resamples, POSITIVE_INTEGER);
  if (scoresA.length === 0 || scoresB.length === 0) throw new RangeError('bootstrapTauDifference: each sampler needs at least one seed of scores');
  for (const [name, list] of [['a', scoresA], ['b', scoresB]] as const) {
    list.forEach((s, k) => {
      if (s.length !== n) throw new RangeError(`bootstrapTauDifference: scores ${name}[${k}] has ${s.length} values for ${n} architectures`);
    });
  }
  const meanTau = (scores: readonly ArrayLike<number>[], idx: Int32Array | null): number => {
    const t = idx ? Float64Array.from(idx, (i) => truth[i]!) : truth;
    let sum = 0;
    for (const s of scores) sum += kendallTau(idx ? Float64Array.from(idx, (i) => s[i]!) : s, t);
    return sum / scores.length;
  };
  const observed = meanTau(scoresA, null) - meanTau(scoresB, null);
  const rng = createRng(`${opts.seed}/bootstrap`);
  const diffs: number[] = [];
  const idx = new Int32Array(n);
  for (let r = 0; r < opts.resamples; r++) {
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    const d = meanTau(scoresA, idx) - meanTau(scoresB, idx);
    // A resample can make one side constant (tau undefined); such resamples carry no information.
    if (!Number.isNaN(d)) diffs.push(d);
  }
  if (diffs.length === 0) return { observed, lower: NaN, upper: NaN, level, resamples: 0, shareAtOrBelowZero: NaN };
  diffs.sort((x, y) => x - y);
  const at = (q: number): number => diffs[Math.min(diffs.length - 1, Math.max(0, Math.floor(q * diffs.length)))]!;
  return {
    observed,
    lower: at((1 - level) / 2),
    upper: at((1 + level) / 2),
    level,
    resamples: diffs.length,
    shareAtOrBelowZero: diffs.filter((d) => d <= 0).length / diffs.length,
  };
}
