"""scipy side of bench/kendall-tau.ts: times scipy.stats.kendalltau on data of
the same size and kind as the TypeScript benchmark, generated here with a
fixed seed. Only the kendalltau call is timed.

Usage: python3 kendall_tau_timing.py N RUNS OUT_DIR
Prints one JSON line with the per-run times. Unless OUT_DIR is "-", writes each
case's x and y as little-endian float64 files there so the benchmark can check
its own tau on the same data. The benchmark calls this once per round (RUNS=1)
so that its own runs and scipy's interleave on a machine whose load varies.
"""
import json
import os
import sys
import time

import numpy as np
import scipy
from scipy import stats


def cases(n, rng):
    # Same construction as bench/kendall-tau.ts: a noisy monotone relation
    # (like predicted vs true accuracy), and a heavily tied variant of it.
    x = rng.random(n)
    y = x + 0.5 * rng.random(n)
    yield "random floats", x, y
    yield "heavily tied", np.floor(x * 100), np.floor(y * 20)


def main():
    n, runs, out_dir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rng = np.random.default_rng(20240601)
    result = {"scipy": scipy.__version__, "numpy": np.__version__, "cases": {}}
    for name, x, y in cases(n, rng):
        stats.kendalltau(x, y)  # warm-up, like the TypeScript side
        times = []
        tau = float("nan")
        for _ in range(runs):
            t0 = time.perf_counter()
            tau = stats.kendalltau(x, y).statistic
            times.append((time.perf_counter() - t0) * 1000)
        slug = name.replace(" ", "_")
        if out_dir != "-":
            x.astype("<f8").tofile(os.path.join(out_dir, slug + "_x.f64"))
            y.astype("<f8").tofile(os.path.join(out_dir, slug + "_y.f64"))
        result["cases"][name] = {"times_ms": times, "tau": float(tau), "file": slug}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
