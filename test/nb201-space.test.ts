import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createBenchmark } from '../src/core/benchmark.js';
import type { BenchRecord } from '../src/core/types.js';
import { loadNb201, NB201_CELLS_ZIP } from '../src/loaders/cellJson.js';
import { findDataPath } from '../src/loaders/dataFiles.js';
import {
  type Nb201Arch,
  NB201_DATASETS,
  NB201_OPS,
  NB201_SPACE_SIZE,
  nb201FromOrdinal,
  nb201FromString,
  nb201IsConnected,
  nb201OpIndex,
  nb201Ordinal,
  nb201ToString,
  validateNb201Arch,
} from '../src/spaces/nb201.js';
import { NB201_NETWORKS, nb201Cost } from '../src/spaces/nb201Cost.js';
import { NB201_EDGE_NODES, NB201_NODE_GRAPH_OPS, nb201FromNodeOps, nb201ToNodeGraph } from '../src/spaces/nb201Graph.js';
import { firstFlopsBreak, flopsHistogram, tinyNb201, tinyNb201Break } from '../src/spaces/tinyNb201.js';

const REAL = findDataPath(NB201_CELLS_ZIP);
const realSkip = REAL ? false : `real data not found: ${NB201_CELLS_ZIP}`;
const op = (name: string): number => NB201_OPS.indexOf(name as (typeof NB201_OPS)[number]);

describe('NAS-Bench-201 arch strings and ordinals', () => {
  test('every one of the 15,625 cells round-trips through its string and ordinal', () => {
    const seen = new Set<string>();
    for (let i = 0; i < NB201_SPACE_SIZE; i++) {
      const arch = nb201FromOrdinal(i);
      const text = nb201ToString(arch);
      assert.deepEqual(nb201FromString(text), arch);
      assert.equal(nb201Ordinal(arch), i);
      seen.add(text);
    }
    assert.equal(seen.size, NB201_SPACE_SIZE);
  });

  test('string form matches the benchmark spelling', () => {
    const arch = [op('nor_conv_3x3'), op('none'), op('skip_connect'), op('avg_pool_3x3'), op('nor_conv_1x1'), op('nor_conv_3x3')];
    assert.equal(
      nb201ToString(arch),
      '|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|nor_conv_3x3~2|',
    );
  });

  test('invalid archs and strings are rejected with the reason', () => {
    assert.throws(() => validateNb201Arch([0, 1, 2]), /6 edge ops, got 3/);
    assert.throws(() => validateNb201Arch([0, 1, 2, 3, 4, 5]), /edge 5 has op 5/);
    assert.throws(() => validateNb201Arch([0, 1, 2, 3, 4, 1.5]), /edge 5 has op 1.5/);
    assert.throws(() => nb201FromString('|none~0|+|none~0|none~1|'), /expected 3 nodes/);
    assert.throws(() => nb201FromString('|none~0|+|none~0|+|none~0|none~1|none~2|'), /node 2 must have 2 inputs/);
    assert.throws(() => nb201FromString('|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|'), /unknown op "conv"/);
    assert.throws(() => nb201FromString('|none~1|+|none~0|none~1|+|none~0|none~1|none~2|'), /marked ~1/);
    assert.throws(() => nb201FromOrdinal(NB201_SPACE_SIZE), /ordinal must be an integer/);
  });

  test('op names of the data files: zeros is none', () => {
    assert.equal(nb201OpIndex('zeros'), op('none'));
    assert.equal(nb201OpIndex('none'), op('none'));
    assert.equal(nb201OpIndex('nor_conv_3x3'), op('nor_conv_3x3'));
    assert.equal(nb201OpIndex('conv3x3'), -1);
  });

  test('connectivity of input to output', () => {
    const none = op('none');
    const skip = op('skip_connect');
    assert.equal(nb201IsConnected([none, none, none, skip, none, none]), true); // 0->3 direct
    assert.equal(nb201IsConnected([skip, none, none, none, skip, none]), true); // 0->1->3
    assert.equal(nb201IsConnected([none, skip, none, none, none, skip]), true); // 0->2->3
    assert.equal(nb201IsConnected([skip, none, skip, none, none, skip]), true); // 0->1->2->3
    assert.equal(nb201IsConnected([none, none, skip, none, skip, skip]), false); // node 0 feeds nothing
    assert.equal(nb201IsConnected([skip, skip, skip, none, none, none]), false); // nothing reaches 3
  });
});

describe('NAS-Bench-201 ops-as-nodes graph (Siamese-NAS form)', () => {
  test('matches the 10-node form of Siamese-NAS nas201.py', () => {
    const arch = nb201FromString('|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|nor_conv_3x3~2|');
    const g = nb201ToNodeGraph(arch);
    assert.deepEqual(g.ops, [
      'split_3', 'nor_conv_3x3', 'split_2', 'zeros', 'skip_connect', 'none', 'avg_pool_3x3', 'nor_conv_1x1', 'nor_conv_3x3', 'output',
    ]);
    const links: string[] = [];
    g.adjacency.forEach((row, i) => row.forEach((x, j) => x === 1 && links.push(`${i}-${j}`)));
    assert.deepEqual(links, ['0-1', '0-3', '0-6', '1-2', '2-4', '2-7', '3-5', '4-5', '5-8', '6-9', '7-9', '8-9']);
    assert.deepEqual(g.opCodes, g.ops.map((o) => NB201_NODE_GRAPH_OPS.indexOf(o)));
    assert.ok(g.opCodes.every((c) => c >= 0));
  });

  test('each edge-op node sits between the nodes of its cell edge', () => {
    // cell node -> graph node that carries its value: input 0, node1 = split_2 (2), node2 = sum (5), node3 = output (9)
    const carrier = [0, 2, 5, 9];
    const g = nb201ToNodeGraph(nb201FromOrdinal(1234));
    const edges = [[0, 1], [0, 2], [1, 2], [0, 3], [1, 3], [2, 3]];
    NB201_EDGE_NODES.forEach((node, e) => {
      const [from, to] = edges[e]!;
      assert.equal(g.adjacency[carrier[from!]!]![node], 1, `edge ${e} fed by cell node ${from}`);
      assert.equal(g.adjacency[node]![carrier[to!]!], 1, `edge ${e} feeds cell node ${to}`);
    });
  });

  test('every cell round-trips through its node ops; bad node lists are rejected', () => {
    for (let i = 0; i < NB201_SPACE_SIZE; i += 7) {
      const arch = nb201FromOrdinal(i);
      assert.deepEqual(nb201FromNodeOps(nb201ToNodeGraph(arch).ops), arch);
    }
    const ops = [...nb201ToNodeGraph(nb201FromOrdinal(0)).ops];
    assert.throws(() => nb201FromNodeOps(ops.slice(1)), /10 node ops, got 9/);
    assert.throws(() => nb201FromNodeOps(['output', ...ops.slice(1)]), /node 0 must be "split_3"/);
    const bad = ops.slice();
    bad[4] = 'conv5x5' as never;
    assert.throws(() => nb201FromNodeOps(bad), /node 4 has unknown op "conv5x5"/);
  });
});

describe('NAS-Bench-201 parameters and FLOPs', () => {
  test('the empty cell costs only the fixed network (hand count)', () => {
    // stem 3*16*9 + BN 32; reduction 1: 16*32*9 + 64 + 32*32*9 + 64 + 16*32; reduction 2: 32*64*9 + 128 + 64*64*9 + 128 + 32*64;
    // last BN 128; classifier 64*10 + 10
    const params = 432 + 32 + (4608 + 64 + 9216 + 64 + 512) + (18432 + 128 + 36864 + 128 + 2048) + 128 + 650;
    const flops = 432 * 1024 + (4608 + 9216 + 512) * 256 + (18432 + 36864 + 2048) * 64 + 650;
    const cost = nb201Cost([0, 0, 0, 0, 0, 0], 'cifar10');
    assert.equal(cost.paramCount, params);
    assert.equal(cost.flopCount, flops);
    assert.equal(cost.params, params / 1e6);
  });

  test('a 3x3 conv edge adds 5 cells x its conv + BN per stage', () => {
    const base = nb201Cost([0, 0, 0, 0, 0, 0], 'cifar100');
    const one = nb201Cost([0, 0, 0, op('nor_conv_3x3'), 0, 0], 'cifar100');
    const perStage = [16, 32, 64].map((c) => 5 * (9 * c * c + 2 * c));
    assert.equal(one.paramCount - base.paramCount, perStage.reduce((a, b) => a + b));
    const flopsPerStage = [16, 32, 64].map((c, s) => 5 * 9 * c * c * (32 >> s) ** 2);
    assert.equal(one.flopCount - base.flopCount, flopsPerStage.reduce((a, b) => a + b));
    assert.throws(() => nb201Cost([0, 0, 0, 0, 0, 0], 'mnist' as never), /unknown dataset "mnist"/);
    assert.throws(() => nb201Cost([0, 0, 0, 0, 0, 0], { ...NB201_NETWORKS.cifar10, inputSize: 30 }), /divisible by 4/);
  });

  for (const dataset of NB201_DATASETS) {
    test(`equals params and flops of every ${dataset} cell in the data`, { skip: realSkip }, async () => {
      const bench = await loadNb201({ dataset });
      let maxParamErr = 0;
      let maxFlopsErr = 0;
      for (const r of bench.all()) {
        const cost = nb201Cost(r.arch, dataset);
        maxParamErr = Math.max(maxParamErr, Math.abs(cost.params - r.metrics['params']!));
        maxFlopsErr = Math.max(maxFlopsErr, Math.abs(cost.flops - r.metrics['flops']!));
      }
      assert.equal(bench.size, 15614);
      // Differences are float noise in the files' last digits (params in M, flops in M).
      assert.ok(maxParamErr < 1e-9, `max |params error| ${maxParamErr} M`);
      assert.ok(maxFlopsErr < 1e-9, `max |flops error| ${maxFlopsErr} M`);
    });
  }
});

describe('Tiny-NASBench-201', () => {
  const rec = (id: number, flops: number): BenchRecord<Nb201Arch> => ({ id: String(id), arch: nb201FromOrdinal(id), metrics: { flops } });

  test('the first break is the first gap much longer than the typical step', () => {
    // groups 10,12,14 | 30,32 | 60: steps 2,2,16,2,28 -> median 2, first step > 4 is 14 -> 30
    const values = [10, 10, 12, 14, 14, 14, 30, 32, 32, 60];
    const b = firstFlopsBreak(values);
    assert.equal(b.lowerGroupMax, 14);
    assert.equal(b.upperGroupMin, 30);
    assert.equal(b.threshold, 22);
    assert.equal(b.typicalStep, 2);
    assert.equal(b.lowerGroupSize, 6);
    assert.throws(() => firstFlopsBreak([1, 2, 3, 4]), /one group/);
    assert.throws(() => firstFlopsBreak([1, 1]), /at least 3 distinct/);
  });

  test('tinyNb201 keeps the first group, or cells under an explicit maxFlops', () => {
    const bench = createBenchmark('toy', [10, 10, 12, 14, 30, 32, 60].map((f, i) => rec(i, f)));
    assert.deepEqual(tinyNb201(bench).all().map((r) => r.id), ['0', '1', '2', '3']);
    assert.deepEqual(tinyNb201(bench, { maxFlops: 31 }).all().map((r) => r.id), ['0', '1', '2', '3', '4']);
    assert.equal(tinyNb201(bench).name, 'tiny-toy');
    const h = flopsHistogram(bench.metric('flops'), 10);
    assert.deepEqual(h.counts, [0, 4, 0, 2, 0, 0, 1]);
    assert.deepEqual(h.binStarts, [0, 10, 20, 30, 40, 50, 60]);
  });

  test('on CIFAR-10 the first group is the cells without a 3x3 conv (about 4,000, about <= 35 MFLOPs)', { skip: realSkip }, async () => {
    const bench = await loadNb201({ dataset: 'cifar10' });
    const b = tinyNb201Break(bench);
    const tiny = tinyNb201(bench);
    const no3x3 = bench.all().filter((r) => !r.arch.includes(op('nor_conv_3x3')));
    assert.deepEqual(tiny.all().map((r) => r.id), no3x3.map((r) => r.id));
    assert.equal(tiny.size, b.lowerGroupSize);
    assert.ok(b.threshold > 30 && b.threshold < 40, `threshold ${b.threshold}`);
    assert.ok(tiny.size > 3500 && tiny.size < 4500, `size ${tiny.size}`);
    const h = flopsHistogram(bench.metric('flops'));
    assert.equal(h.counts.reduce((a, c) => a + c, 0), bench.size);
  });
});
