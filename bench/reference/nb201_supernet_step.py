"""PyTorch reference for bench/supernet-step.ts: process CPU time of one
single-path NAS-Bench-201 supernet training step, one thread.

The network is the one src/supernet/nb201Supernet.ts builds (docs/PROTOCOLS.md
§5, AutoDL-Projects' TinyNetwork): 3x3 conv stem + BN; three stages of N
cells at C, 2C, 4C channels joined by residual reduction blocks (ReLU → 3x3
conv stride 2 → BN → ReLU → 3x3 conv → BN, shortcut 2x2 average pool → 1x1
conv); BN + ReLU, global average pool, linear classifier. Every edge holds
the 5 candidate ops with their own weights (nor_conv_kxk = ReLU → conv → BN,
avg-pool 3x3 without padding in the average, skip, none). One step: a
uniformly random path, forward, cross-entropy, backward, gradient-norm clip
at 5, SGD (lr 0.025, momentum 0.9, Nesterov, weight decay 5e-4): the
project's defaults (src/supernet/train.ts DEFAULT_SGD).

Input: synthetic images already as a tensor (the project's step also
prepares its batch: crop, flip, normalise; bench/supernet-step.ts prints
that part separately).

    /usr/bin/python3 bench/reference/nb201_supernet_step.py '[{"label": "...", "channels": 8, "cellsPerStage": 1, "inputSize": 16, "batchSize": 64, "timedSteps": 8, "cellBnAffine": false}]'

Optional per size: "warmUpSteps" (default 1) and "paths" (one list of 6 op
indices per timed step, in NB201_OPS order per edge of EDGES: the project's
bench passes the paths its own timed steps trained, so both train the same).

prints one JSON object: {"torch": version, "threads": 1, "sizes": [{"label", "stepCpuMs", "meanCpuMs", "n", "params"}]}
(params: trainable parameters of the whole supernet, which test/supernet.test.ts
checks against the project's own count, so the two networks stay the same).
Debian's python3-torch (bench set-up only: environment/bench-setup.sh).
"""
import json
import random
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)

NUM_OPS = 5  # none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3
EDGES = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]


class ReluConvBn(nn.Sequential):
    def __init__(self, cin, cout, k, stride=1, affine=True):
        super().__init__(nn.ReLU(), nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout, affine=affine))


class Edge(nn.Module):
    def __init__(self, c, affine):
        super().__init__()
        # Cell ops: BN without affine parameters unless asked (cellBnAffine), as the NB201 supernet references.
        self.conv1 = ReluConvBn(c, c, 1, affine=affine)
        self.conv3 = ReluConvBn(c, c, 3, affine=affine)
        self.pool = nn.AvgPool2d(3, 1, 1, count_include_pad=False)

    def forward(self, x, op):
        if op == 0:
            return torch.zeros_like(x)
        if op == 1:
            return x
        if op == 2:
            return self.conv1(x)
        if op == 3:
            return self.conv3(x)
        return self.pool(x)


class Cell(nn.Module):
    def __init__(self, c, affine):
        super().__init__()
        self.edges = nn.ModuleList(Edge(c, affine) for _ in EDGES)

    def forward(self, x, arch):
        nodes = [x]
        for j in (1, 2, 3):
            nodes.append(sum(self.edges[e](nodes[i], arch[e]) for e, (i, t) in enumerate(EDGES) if t == j))
        return nodes[3]


class Reduction(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.a = ReluConvBn(cin, cout, 3, 2)
        self.b = ReluConvBn(cout, cout, 3)
        self.shortcut = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(cin, cout, 1, bias=False))

    def forward(self, x):
        return self.b(self.a(x)) + self.shortcut(x)


class Supernet(nn.Module):
    def __init__(self, c, n, affine=False, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))
        blocks = []
        width = c
        for stage in range(3):
            if stage:
                blocks.append(Reduction(width, width * 2))
                width *= 2
            blocks.extend(Cell(width, affine) for _ in range(n))
        self.blocks = nn.ModuleList(blocks)
        self.last = nn.Sequential(nn.BatchNorm2d(width), nn.ReLU())
        self.classifier = nn.Linear(width, classes)

    def forward(self, x, arch):
        x = self.stem(x)
        for block in self.blocks:
            x = block(x, arch) if isinstance(block, Cell) else block(x)
        x = self.last(x)
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def time_size(size, rng):
    torch.manual_seed(0)
    net = Supernet(size["channels"], size["cellsPerStage"], size.get("cellBnAffine", False))
    opt = torch.optim.SGD(net.parameters(), lr=0.025, momentum=0.9, nesterov=True, weight_decay=5e-4)
    b, s = size["batchSize"], size["inputSize"]
    x = torch.randn(b, 3, s, s)
    y = torch.randint(0, 10, (b,))
    net.train()

    # The paths the project's run trained, in its order, when given; else uniformly random ones.
    given = [list(p) for p in size.get("paths", [])]
    if given and len(given) != size["timedSteps"]:
        raise SystemExit(f"{size['label']}: {len(given)} paths for {size['timedSteps']} timed steps")

    def step(arch=None):
        if arch is None:
            arch = [rng.randrange(NUM_OPS) for _ in EDGES]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x, arch), y)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()

    for _ in range(size.get("warmUpSteps", 1)):
        step()  # warm-up: allocations, optimizer state
    times = []
    for i in range(size["timedSteps"]):
        t0 = time.process_time()
        step(given[i] if given else None)
        times.append((time.process_time() - t0) * 1000)
    params = sum(p.numel() for p in net.parameters())
    return {"label": size["label"], "stepCpuMs": statistics.median(times), "meanCpuMs": statistics.fmean(times), "n": len(times), "params": params}


def main():
    sizes = json.loads(sys.argv[1])
    rng = random.Random(0)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "sizes": [time_size(s, rng) for s in sizes]}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
