import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRng } from '../src/core/rng.js';
import type { Rng } from '../src/core/types.js';
import {
  bestFoundAt,
  bestFoundCurve,
  denseRanks,
  kendallTau,
  meanConfidenceInterval,
  meanStd,
  pearsonR,
  precisionAtK,
  rankAverage,
  spearmanRho,
  studentTQuantile,
} from '../src/metrics/index.js';

/**
 * Produced by `python3 scripts/reference/metrics_reference.py` (scipy 1.17.1,
 * numpy): scipy.stats.kendalltau(variant='b'), spearmanr, pearsonr, rankdata
 * (method='average'), t.ppf and t.interval on the datasets built by
 * `referenceDatasets()` below (same LCG as the script). Regenerate by rerunning
 * the script and pasting its output here.
 */
const EXPECTED = {
  "scipy": "1.17.1",
  "correlations": {"n7": {"kendallTauB": 0.6063390625908325, "spearman": 0.6931032800836721, "pearson": 0.6513389472789296}, "n50": {"kendallTauB": 0.7898914017201891, "spearman": 0.8809455644238762, "pearson": 0.8907271372619616}, "n1000": {"kendallTauB": -0.4845972462300913, "spearman": -0.6393620261909574, "pearson": -0.6497658657695213}, "n1000_mixed": {"kendallTauB": 0.017017053797766753, "spearman": 0.021733724817640587, "pearson": 0.022047935968488412}},
  "rankAverage": {"n7_x": [1.0, 2.5, 2.5, 5.0, 5.0, 5.0, 7.0], "n7_y": [4.0, 1.5, 1.5, 6.5, 4.0, 4.0, 6.5]},
  "tQuantile": [[0.975, 1, 12.706204736174694], [0.975, 2, 4.302652729749462], [0.975, 4, 2.7764451051977934], [0.975, 9, 2.262157162798205], [0.975, 29, 2.045229642132703], [0.975, 99, 1.9842169515864174], [0.995, 3, 5.840909309733355], [0.9995, 1000, 3.300282648423944], [0.6, 7, 0.2631668613520229], [0.025, 5, -2.5705818356363155]],
  "meanCI": {"values": [93.1, 93.72, 93.5, 94.05, 92.88, 93.61, 93.95, 93.2, 93.44, 93.8], "mean": 93.525, "std": 0.3781901344268231, "lower": 93.25445907556781, "upper": 93.7955409244322}
} as const;

/** The script's generator: 32-bit LCG (Numerical Recipes constants), value = (state >> 16) % levels. */
function lcgInts(seed: number, n: number, levels: number): number[] {
  let state = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    state = (Math.imul(1664525, state) + 1013904223) >>> 0;
    out.push((state >>> 16) % levels);
  }
  return out;
}

function referenceDatasets(): Record<keyof typeof EXPECTED.correlations, [number[], number[]]> {
  const x50 = lcgInts(1, 50, 5);
  const noise50 = lcgInts(11, 50, 3);
  const x1000 = lcgInts(2, 1000, 10);
  const noise1000 = lcgInts(22, 1000, 12);
  return {
    n7: [[1, 2, 2, 3, 3, 3, 5], [2, 1, 1, 3, 2, 2, 3]],
    n50: [x50, x50.map((a, i) => a + noise50[i]!)],
    n1000: [x1000, x1000.map((a, i) => noise1000[i]! - a)],
    n1000_mixed: [lcgInts(3, 1000, 1000), lcgInts(33, 1000, 3)],
  };
}

function assertClose(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} (tol ${tol})`);
}

/** -1, 0 or 1; unlike Math.sign(a - b) it is right for equal infinities. */
function compare(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Textbook O(n²) tau-b: sign products over all pairs, ties excluded from the denominators. */
function kendallTauBruteForce(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let concordantMinusDiscordant = 0;
  let untiedX = 0;
  let untiedY = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const sx = compare(x[i]!, x[j]!);
      const sy = compare(y[i]!, y[j]!);
      concordantMinusDiscordant += sx * sy;
      if (sx !== 0) untiedX++;
      if (sy !== 0) untiedY++;
    }
  }
  if (untiedX === 0 || untiedY === 0) return NaN;
  return concordantMinusDiscordant / Math.sqrt(untiedX * untiedY);
}

/** A random input of length n: continuous, or integer-valued with `levels` values (ties). */
function randomSample(rng: Rng, n: number, levels: number | null): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = levels === null ? rng() * 2 - 1 : rng.int(levels);
  return out;
}

describe('scipy reference values (tied integer data)', () => {
  const data = referenceDatasets();
  for (const [name, [x, y]] of Object.entries(data) as [keyof typeof data, [number[], number[]]][]) {
    const want = EXPECTED.correlations[name];
    test(`${name}: kendallTau matches scipy.stats.kendalltau`, () => {
      assertClose(kendallTau(x, y), want.kendallTauB, 1e-14, 'tau-b');
      // The same data as typed arrays must give the same answer.
      assertClose(kendallTau(Float32Array.from(x), Float64Array.from(y)), want.kendallTauB, 1e-14, 'tau-b typed');
    });
    test(`${name}: spearmanRho matches scipy.stats.spearmanr`, () => {
      assertClose(spearmanRho(x, y), want.spearman, 1e-12, 'rho');
    });
    test(`${name}: pearsonR matches scipy.stats.pearsonr`, () => {
      assertClose(pearsonR(x, y), want.pearson, 1e-12, 'r');
    });
  }

  test('rankAverage matches scipy.stats.rankdata(method="average")', () => {
    const [x, y] = data.n7;
    assert.deepEqual(Array.from(rankAverage(x)), EXPECTED.rankAverage.n7_x);
    assert.deepEqual(Array.from(rankAverage(y)), EXPECTED.rankAverage.n7_y);
  });

  test('studentTQuantile matches scipy.stats.t.ppf', () => {
    for (const [p, df, q] of EXPECTED.tQuantile) {
      assertClose(studentTQuantile(p, df), q, 1e-10 * Math.abs(q), `t.ppf(${p}, ${df})`);
    }
  });

  test('meanConfidenceInterval matches scipy.stats.t.interval with numpy std(ddof=1)', () => {
    const want = EXPECTED.meanCI;
    const ci = meanConfidenceInterval(want.values);
    assertClose(ci.mean, want.mean, 1e-12, 'mean');
    assertClose(ci.std, want.std, 1e-12, 'std');
    assertClose(ci.lower, want.lower, 1e-10, 'lower');
    assertClose(ci.upper, want.upper, 1e-10, 'upper');
    assert.equal(ci.n, 10);
    assert.equal(ci.level, 0.95);
  });
});

describe('kendallTau property test against the O(n^2) definition', () => {
  test('random tied and untied seeded inputs', () => {
    const rng = createRng('metrics-kendall-property');
    const levelsChoices = [null, 2, 3, 5, 20] as const;
    let compared = 0;
    for (let trial = 0; trial < 400; trial++) {
      const n = 2 + rng.int(trial < 300 ? 40 : 300); // many small cases, some long enough for the merge passes
      const x = randomSample(rng, n, levelsChoices[rng.int(levelsChoices.length)]!);
      const y = randomSample(rng, n, levelsChoices[rng.int(levelsChoices.length)]!);
      const expected = kendallTauBruteForce(x, y);
      const actual = kendallTau(x, y);
      if (Number.isNaN(expected)) {
        assert.ok(Number.isNaN(actual), `trial ${trial}: expected NaN, got ${actual}`);
      } else {
        assertClose(actual, expected, 1e-12, `trial ${trial} (n=${n})`);
        compared++;
      }
    }
    assert.ok(compared > 350, `too few defined cases compared: ${compared}`);
  });

  test('inputs whose y follows x give partial agreement, not a stray ±1', () => {
    const rng = createRng('metrics-kendall-noisy');
    const x = randomSample(rng, 2000, 50);
    const y = x.map((v) => v + rng.int(10));
    const tau = kendallTau(x, y);
    assertClose(tau, kendallTauBruteForce(x, y), 1e-12, 'noisy monotone');
    assert.ok(tau > 0.5 && tau < 1, `tau ${tau}`);
  });
});

describe('kendallTau edge cases', () => {
  test('n = 0, 1 and constant inputs give NaN like scipy', () => {
    assert.ok(Number.isNaN(kendallTau([], [])));
    assert.ok(Number.isNaN(kendallTau([1], [2])));
    assert.ok(Number.isNaN(kendallTau([1, 1], [2, 3])));
    assert.ok(Number.isNaN(kendallTau([4, 5, 6], [7, 7, 7])));
    assert.ok(Number.isNaN(kendallTau(new Float32Array(5).fill(0.1), new Float32Array(5).fill(0.1))));
  });
  test('n = 2 and perfectly (anti)correlated inputs give ±1', () => {
    assert.equal(kendallTau([1, 2], [2, 3]), 1);
    assert.equal(kendallTau([1, 2], [3, 2]), -1);
    const x = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i)); // distinct values in scrambled order
    assert.equal(kendallTau(x, x.map((v) => 3 * v + 1)), 1);
    assert.equal(kendallTau(x, x.map((v) => -Math.exp(v))), -1);
    // With ties shared by both samples, identical inputs still give exactly 1.
    const tied = [3, 1, 1, 2, 3, 3, 0];
    assert.equal(kendallTau(tied, tied), 1);
  });
  test('-0 and +0 are one value, infinities rank at the ends', () => {
    assert.equal(kendallTau([-0, 0, 1], [0, 0, 1]), kendallTau([0, 0, 1], [0, 0, 1]));
    assert.equal(kendallTau([-Infinity, 0, Infinity], [1, 2, 3]), 1);
  });
});

describe('input validation', () => {
  test('unequal lengths are rejected, naming both lengths', () => {
    assert.throws(() => kendallTau([1, 2, 3], [1, 2]), /kendallTau: x has length 3 but y has length 2/);
    assert.throws(() => spearmanRho([1], [1, 2]), /spearmanRho: x has length 1 but y has length 2/);
    assert.throws(() => pearsonR([1, 2], []), /pearsonR: x has length 2/);
    assert.throws(() => precisionAtK([1, 2], [1], 1), /precisionAtK: predicted has length 2 but truth has length 1/);
  });
  test('NaN is rejected, naming the argument and index', () => {
    assert.throws(() => kendallTau([1, NaN, 3], [1, 2, 3]), /kendallTau: x\[1\] is NaN/);
    assert.throws(() => kendallTau(new Float32Array([1, 2, 3]), new Float32Array([1, 2, NaN])), /kendallTau: y\[2\] is NaN/);
    assert.throws(() => spearmanRho([1, 2], [NaN, 2]), /spearmanRho: y\[0\] is NaN/);
    assert.throws(() => pearsonR([1, NaN], [1, 2]), /pearsonR: x\[1\] is NaN/);
    assert.throws(() => rankAverage([NaN]), /rankAverage: values\[0\] is NaN/);
    assert.throws(() => bestFoundCurve([1, NaN]), /bestFoundCurve: values\[1\] is NaN/);
    assert.throws(() => meanStd([1, NaN]), /meanStd: values\[1\] is NaN/);
    assert.throws(() => precisionAtK([1, 2], [1, NaN], 1), /precisionAtK: truth\[1\] is NaN/);
  });
  test('equal values have a std of exactly 0 and their own value as the mean', () => {
    const same = Array.from({ length: 10 }, () => 0.9436333333);
    const ms = meanStd(same);
    assert.equal(ms.std, 0);
    assert.equal(ms.mean, 0.9436333333);
    assert.equal(meanConfidenceInterval(same).halfWidth, 0);
  });
  test('missing entries in plain arrays are rejected', () => {
    const holey = [1, 2, 3] as number[];
    delete holey[1];
    assert.throws(() => kendallTau(holey, [1, 2, 3]), /kendallTau: x\[1\] is missing/);
  });
});

describe('rank helpers', () => {
  test('denseRanks gives consecutive 0-based ranks shared by ties', () => {
    const { ranks, distinct } = denseRanks([5, -1, 5, 2.5, -1]);
    assert.deepEqual(Array.from(ranks), [2, 0, 2, 1, 0]);
    assert.equal(distinct, 3);
  });
  test('denseRanks matches a comparator sort on awkward float layouts', () => {
    // Values that differ only in the low 32 bits of the float64 share the radix sort's high
    // half; runs longer than 64 take the range radix path, shorter ones insertion sort.
    const rng = createRng('metrics-dense-ranks');
    // 1 + m·2^-52 with m < 2^32 changes only the low word; drawing m from a small pool makes ties.
    const nearOne = (count: number) => {
      const pool = Array.from({ length: count / 2 }, () => 1 + rng.int(2 ** 32) * Number.EPSILON);
      return Array.from({ length: count }, () => pool[rng.int(pool.length)]!);
    };
    const cases: Record<string, number[]> = {
      'long run of near-equal values': nearOne(600),
      'short run of near-equal values': nearOne(40),
      'mixed signs, zeros, infinities, subnormals': Array.from({ length: 500 }, () =>
        [-Infinity, Infinity, -0, 0, 5e-324, -5e-324, -1e300, 1e300, -1.5, 2.25, -(1 + Number.EPSILON), -1][rng.int(12)]!,
      ),
      'wide-range random': Array.from({ length: 2000 }, () => (rng() - 0.5) * 10 ** rng.int(40)),
    };
    for (const [name, values] of Object.entries(cases)) {
      const reference = values.map((_, i) => i).sort((a, b) => compare(values[a]!, values[b]!) || a - b);
      const { ranks, distinct, counts, order } = denseRanks(values);
      assert.deepEqual(Array.from(order), reference, `${name}: order`);
      let rank = 0;
      for (let j = 0; j < reference.length; j++) {
        if (j > 0 && values[reference[j]!] !== values[reference[j - 1]!]) rank++;
        assert.equal(ranks[reference[j]!], rank, `${name}: rank of item ${reference[j]}`);
      }
      assert.equal(distinct, rank + 1, `${name}: distinct`);
      assert.equal(counts.reduce((a, b) => a + b, 0), values.length, `${name}: counts`);
      const shuffledPartner = Float64Array.from(values, () => rng.int(7));
      assertClose(kendallTau(values, shuffledPartner), kendallTauBruteForce(values, shuffledPartner), 1e-12, `${name}: tau`);
    }
  });
  test('rankAverage of distinct values is the 1-based order', () => {
    assert.deepEqual(Array.from(rankAverage([0.3, 0.1, 0.2])), [3, 1, 2]);
    assert.deepEqual(Array.from(rankAverage([])), []);
  });
});

describe('spearmanRho and pearsonR', () => {
  test('spearmanRho is Pearson of the average ranks and ±1 for monotone maps', () => {
    const rng = createRng('metrics-spearman');
    const x = randomSample(rng, 300, 7);
    const y = randomSample(rng, 300, 4);
    assertClose(spearmanRho(x, y), pearsonR(rankAverage(x), rankAverage(y)), 1e-15, 'definition');
    const z = randomSample(rng, 300, null);
    assertClose(spearmanRho(z, z.map((v) => Math.exp(5 * v))), 1, 1e-12, 'monotone');
    assertClose(spearmanRho(z, z.map((v) => -v * v * v)), -1, 1e-12, 'antitone');
  });
  test('pearsonR: exact linear relations give ±1, undefined cases NaN', () => {
    assertClose(pearsonR([1, 2, 3, 4], [10, 20, 30, 40]), 1, 1e-15, 'linear');
    assertClose(pearsonR([1, 2, 3, 4], [-1, -3, -5, -7]), -1, 1e-15, 'anti-linear');
    assert.ok(Number.isNaN(pearsonR([], [])));
    assert.ok(Number.isNaN(pearsonR([1], [1])));
    // 0.1 is not representable: a centring residue must not turn a constant into a correlation.
    assert.ok(Number.isNaN(pearsonR([0.1, 0.1, 0.1], [1, 2, 3])));
    assert.ok(Number.isNaN(spearmanRho([2, 2, 2], [1, 2, 3])));
    assert.ok(Number.isNaN(spearmanRho([1], [1])));
  });
  test('pearsonR stays accurate for values far from zero', () => {
    const x = [1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 5];
    const y = [1, 2, 3, 5];
    assertClose(pearsonR(x, y), 1, 1e-12, 'offset');
  });
});

describe('precisionAtK', () => {
  test('counts the overlap of the two top-k sets', () => {
    const truth = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    assert.equal(precisionAtK(truth, truth, 3), 1);
    assert.equal(precisionAtK([6, 5, 1, 2, 3, 4], truth, 2), 1);
    assert.equal(precisionAtK([6, 1, 5, 2, 3, 4], truth, 2), 0.5);
    assert.equal(precisionAtK([1, 2, 3, 4, 5, 6], truth, 3), 0);
    assert.equal(precisionAtK([1, 2, 3, 4, 5, 6], truth, 6), 1);
  });
  test('items tied with the k-th best truth count as true top-k members', () => {
    // Truth top-2 cut is 0.8, shared by items 1 and 2: picking item 2 instead of item 1 is not a miss.
    assert.equal(precisionAtK([9, 1, 8, 0], [0.9, 0.8, 0.8, 0.1], 2), 1);
  });
  test('predicted ties at the cut are scored by their expected hits', () => {
    // Item 0 is clearly chosen (a hit); one of items 1, 2, 3 (tied) fills slot 2, one of which is a hit.
    assertClose(precisionAtK([5, 1, 1, 1], [4, 3, 1, 0], 2), (1 + 1 / 3) / 2, 1e-15, 'partial tie');
    // A constant predictor scores the chance level k/n.
    assertClose(precisionAtK([0, 0, 0, 0, 0], [1, 2, 3, 4, 5], 2), 2 / 5, 1e-15, 'constant');
  });
  test('rejects k outside 1..n', () => {
    assert.throws(() => precisionAtK([1, 2], [1, 2], 0), /k must be an integer in 1\.\.2.*got 0/);
    assert.throws(() => precisionAtK([1, 2], [1, 2], 3), /got 3/);
    assert.throws(() => precisionAtK([1, 2], [1, 2], 1.5), /got 1.5/);
    assert.throws(() => precisionAtK([], [], 1), /1\.\.0/);
  });
});

describe('best-found curves', () => {
  test('bestFoundCurve is the running maximum', () => {
    assert.deepEqual(Array.from(bestFoundCurve([3, 1, 4, 1, 5, 2])), [3, 3, 4, 4, 5, 5]);
    assert.deepEqual(Array.from(bestFoundCurve([-2, -5])), [-2, -2]);
    assert.equal(bestFoundCurve([]).length, 0);
    assert.ok(bestFoundCurve(new Float32Array([1])) instanceof Float64Array);
  });
  test('bestFoundAt reads the curve at query budgets', () => {
    assert.deepEqual(Array.from(bestFoundAt([3, 1, 4, 1, 5, 2], [1, 2, 3, 6])), [3, 3, 4, 5]);
    assert.throws(() => bestFoundAt([3, 1], [3]), /bestFoundAt: budgets\[0\] = 3 must be an integer in 1\.\.2/);
    assert.throws(() => bestFoundAt([3, 1], [1, 0]), /budgets\[1\] = 0/);
    assert.throws(() => bestFoundAt([3, 1], [1.5]), /budgets\[0\] = 1.5/);
  });
});

describe('summaries', () => {
  test('meanStd uses the sample standard deviation (ddof = 1)', () => {
    const s = meanStd([2, 4, 4, 4, 5, 5, 7, 9]);
    assert.equal(s.mean, 5);
    assertClose(s.std, Math.sqrt(32 / 7), 1e-15, 'std');
    assert.equal(s.n, 8);
    const one = meanStd(new Float32Array([3]));
    assert.equal(one.mean, 3);
    assert.ok(Number.isNaN(one.std));
    assert.throws(() => meanStd([]), /meanStd: values is empty/);
  });
  test('meanConfidenceInterval: single value has NaN bounds, level is validated', () => {
    const ci = meanConfidenceInterval([1]);
    assert.equal(ci.mean, 1);
    assert.ok(Number.isNaN(ci.lower) && Number.isNaN(ci.upper));
    assert.throws(() => meanConfidenceInterval([1, 2], 1), /level must be in \(0, 1\), got 1/);
    const wide = meanConfidenceInterval([1, 2, 3], 0.99);
    const narrow = meanConfidenceInterval([1, 2, 3], 0.9);
    assert.ok(wide.halfWidth > narrow.halfWidth);
  });
  test('studentTQuantile is antisymmetric, tends to the normal and validates', () => {
    assert.equal(studentTQuantile(0.5, 3), 0);
    assertClose(studentTQuantile(0.1, 6), -studentTQuantile(0.9, 6), 1e-13, 'symmetry');
    assertClose(studentTQuantile(0.975, 1e6), 1.959965, 1e-5, 'normal limit');
    assert.throws(() => studentTQuantile(1, 3), /p must be in \(0, 1\)/);
    assert.throws(() => studentTQuantile(0.9, 0), /df must be a positive finite number/);
  });
});
