"""PyTorch reference for bench/conv-ceiling.ts: process CPU time (one thread)
of single convolution layers, forward and forward + backward (input and
weight gradients), at the shapes that dominate a NAS-Bench-201 supernet step,
and of a large float32 matrix product.

    /usr/bin/python3 bench/reference/conv_ceiling.py '[{"label": "...", "channels": 16, "size": 32, "kernel": 3, "batch": 64}]'

prints one JSON object: {"torch": version, "shapes": [{"label", "fwdMs", "fwdBwdMs"}], "gemmGflops": x}
Debian's python3-torch (bench set-up only: environment/bench-setup.sh).
"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)


def cpu_ms(f, reps):
    for _ in range(3):
        f()
    samples = []
    for _ in range(reps):
        t = time.process_time()
        f()
        samples.append((time.process_time() - t) * 1e3)
    return statistics.median(samples)


def main():
    shapes = json.loads(sys.argv[1])
    out = []
    for s in shapes:
        c, n, k, b = s["channels"], s["size"], s["kernel"], s["batch"]
        x = torch.rand(b, c, n, n, requires_grad=True)
        w = torch.rand(c, c, k, k, requires_grad=True)
        reps = s.get("reps", 10)
        fwd = cpu_ms(lambda: F.conv2d(x, w, padding=k // 2), reps)
        g = torch.rand(b, c, n, n)
        both = cpu_ms(lambda: torch.autograd.grad(F.conv2d(x, w, padding=k // 2), (x, w), g), reps)
        out.append({"label": s["label"], "fwdMs": fwd, "fwdBwdMs": both})
    a, bm = torch.rand(1024, 1024), torch.rand(1024, 1024)
    gemm = cpu_ms(lambda: a @ bm, 5)
    print(json.dumps({"torch": torch.__version__, "shapes": out, "gemmGflops": 2 * 1024 ** 3 / gemm / 1e6}))


main()
