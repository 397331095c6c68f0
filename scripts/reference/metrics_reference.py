"""Reference values for test/metrics.test.ts, computed with scipy/numpy.

Run:  python3 scripts/reference/metrics_reference.py
and paste the printed JSON into the EXPECTED literal of the test.

The tied integer datasets come from a 32-bit linear congruential generator
(Numerical Recipes constants) so the TypeScript test can rebuild exactly the
same data without storing it: value = (state >> 16) % levels.
"""
import json

import numpy as np
import scipy
from scipy import stats


def lcg_ints(seed, n, levels):
    state = seed & 0xFFFFFFFF
    out = []
    for _ in range(n):
        state = (1664525 * state + 1013904223) & 0xFFFFFFFF
        out.append((state >> 16) % levels)
    return out


def datasets():
    # n = 7, hand-written: ties in x, in y, and in both (pairs 1-2 and 4-5 share x and y).
    yield "n7", [1, 2, 2, 3, 3, 3, 5], [2, 1, 1, 3, 2, 2, 3]
    # n = 50: x has 5 levels, y = x + noise with 3 levels -> heavy ties, positively related.
    x = lcg_ints(1, 50, 5)
    noise = lcg_ints(11, 50, 3)
    yield "n50", x, [a + b for a, b in zip(x, noise)]
    # n = 1000: 10 levels each, y weakly anti-related to x.
    x = lcg_ints(2, 1000, 10)
    noise = lcg_ints(22, 1000, 12)
    yield "n1000", x, [b - a for a, b in zip(x, noise)]
    # n = 1000: x from 1000 levels (few ties) vs y from 3 levels (massive ties).
    yield "n1000_mixed", lcg_ints(3, 1000, 1000), lcg_ints(33, 1000, 3)


def main():
    out = {"scipy": scipy.__version__, "correlations": {}, "rankAverage": {}, "tQuantile": [], "meanCI": {}}
    for name, x, y in datasets():
        out["correlations"][name] = {
            "kendallTauB": float(stats.kendalltau(x, y, variant="b").statistic),
            "spearman": float(stats.spearmanr(x, y).statistic),
            "pearson": float(stats.pearsonr(x, y).statistic),
        }
    out["rankAverage"]["n7_x"] = stats.rankdata([1, 2, 2, 3, 3, 3, 5], method="average").tolist()
    out["rankAverage"]["n7_y"] = stats.rankdata([2, 1, 1, 3, 2, 2, 3], method="average").tolist()
    for p, df in [(0.975, 1), (0.975, 2), (0.975, 4), (0.975, 9), (0.975, 29), (0.975, 99), (0.995, 3), (0.9995, 1000), (0.6, 7), (0.025, 5)]:
        out["tQuantile"].append([p, df, float(stats.t.ppf(p, df))])
    sample = [93.1, 93.72, 93.5, 94.05, 92.88, 93.61, 93.95, 93.2, 93.44, 93.8]
    m = float(np.mean(sample))
    s = float(np.std(sample, ddof=1))
    lo, hi = stats.t.interval(0.95, len(sample) - 1, loc=m, scale=s / np.sqrt(len(sample)))
    out["meanCI"] = {"values": sample, "mean": m, "std": s, "lower": float(lo), "upper": float(hi)}
    # One line per section keeps the output easy to paste into the test.
    body = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in out.items())
    print("{\n" + body + "\n}")


if __name__ == "__main__":
    main()
