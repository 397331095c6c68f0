import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend.js';
import { createRng } from '../src/core/rng.js';
import { createGraphEncoder } from '../src/encoders/graphOneHot.js';
import {
  encodeEstimationCodes,
  fitEstimationCodeStats,
  readEstimationCode,
  standardiseEstimationCodes,
} from '../src/encoders/estimationCode.js';
import { SYNTHETIC_NUM_OPS, randomDag, syntheticGraphBenchmark, syntheticNodeGraph, type SyntheticArch } from './fixtures/syntheticGraphSpace.js';

before(async () => {
  // wasm with the project's training kernels: several times faster than cpu for the 10-node, width-64 real-data runs.
  await initBackend({ prefer: 'wasm' });
});

const encoder = createGraphEncoder<SyntheticArch>({
  toNodeGraph: syntheticNodeGraph,
  numOpTypes: SYNTHETIC_NUM_OPS,
  maxNodes: 7,
});

test('graph encoder: shapes, A + I on every node, zero padding, one-hot ops, mask', async () => {
  const rng = createRng('enc');
  const archs = Array.from({ length: 12 }, () => randomDag(rng, 7));
  const { adj, features, mask } = encoder.encodeGraphs(archs);
  assert.deepEqual(adj.shape, [12, 7, 7]);
  assert.deepEqual(features.shape, [12, 7, SYNTHETIC_NUM_OPS]);
  assert.deepEqual(mask.shape, [12, 7]);
  const a = (await adj.array()) as number[][][];
  const f = (await features.array()) as number[][][];
  const m = (await mask.array()) as number[][];
  archs.forEach((arch, b) => {
    const size = arch.ops.length;
    for (let i = 0; i < 7; i++) {
      for (let j = 0; j < 7; j++) {
        const expected = i === j ? 1 : i < size && j < size ? arch.adjacency[i]![j]! : 0;
        assert.equal(a[b]![i]![j], expected, `arch ${b} adj[${i}][${j}]`);
      }
      const row = f[b]![i]!;
      if (i < size) {
        assert.equal(row.reduce((s, v) => s + v, 0), 1, `arch ${b} node ${i} one-hot`);
        assert.equal(row[arch.ops[i]!], 1);
      } else {
        assert.ok(row.every((v) => v === 0), `arch ${b} padded node ${i} has no op`);
      }
      assert.equal(m[b]![i], i < size ? 1 : 0);
    }
  });
  const joined = encoder.encode(archs);
  assert.deepEqual(joined.shape, [12, 7, 7 + SYNTHETIC_NUM_OPS]);
  const jv = (await joined.array()) as number[][][];
  assert.deepEqual(jv[3]![2]!.slice(0, 7), a[3]![2]);
  assert.deepEqual(jv[3]![2]!.slice(7), f[3]![2]);
  tf.dispose([adj, features, mask, joined]);
});

test('graph encoder: padOp marks padded nodes with that op (the official "none" padding)', () => {
  const padded = createGraphEncoder<SyntheticArch>({ toNodeGraph: syntheticNodeGraph, numOpTypes: SYNTHETIC_NUM_OPS, maxNodes: 7, padOp: 5 });
  const arch: SyntheticArch = {
    adjacency: [
      [0, 1, 0, 0],
      [0, 0, 1, 1],
      [0, 0, 0, 1],
      [0, 0, 0, 0],
    ],
    ops: [0, 2, 3, 1],
  };
  const { features, mask } = padded.encodeArrays([arch]);
  for (let i = 4; i < 7; i++) {
    assert.equal(features[i * SYNTHETIC_NUM_OPS + 5], 1);
    assert.equal(mask[i], 0);
  }
});

test('graph encoder: encoding is cached per arch object and does not change', () => {
  let calls = 0;
  const counting = createGraphEncoder<SyntheticArch>({
    toNodeGraph: (a) => {
      calls++;
      return syntheticNodeGraph(a);
    },
    numOpTypes: SYNTHETIC_NUM_OPS,
    maxNodes: 7,
  });
  const arch = randomDag(createRng('cache'), 7);
  const first = counting.encodeArrays([arch, arch]);
  const second = counting.encodeArrays([arch]);
  assert.equal(calls, 1);
  assert.deepEqual(Array.from(second.adj), Array.from(first.adj.subarray(0, 49)));
});

test('graph encoder: bad graphs fail with a message naming the problem', () => {
  const bad = (graph: { adjacency: number[][]; ops: number[] }, pattern: RegExp): void => {
    const enc = createGraphEncoder<number>({ toNodeGraph: () => graph, numOpTypes: 3, maxNodes: 3 });
    assert.throws(() => enc.encodeArrays([1]), pattern);
  };
  bad({ adjacency: [[0]], ops: [0, 1] }, /1 rows but there are 2 ops/);
  bad({ adjacency: [[0, 2], [0, 0]], ops: [0, 1] }, /adjacency\[0\]\[1\] = 2/);
  bad({ adjacency: [[0, 1], [0, 0]], ops: [0, 3] }, /node 1 has op 3/);
  bad({ adjacency: Array.from({ length: 4 }, () => [0, 0, 0, 0]), ops: [0, 0, 0, 0] }, /4 nodes, more than maxNodes = 3/);
  assert.throws(() => createGraphEncoder({ toNodeGraph: syntheticNodeGraph, numOpTypes: 0, maxNodes: 3 }), /numOpTypes/);
});

test('estimation code: standardised with training-set statistics only', async () => {
  const bench = syntheticGraphBenchmark(40, 3);
  const train = bench.all().slice(0, 30);
  const stats = fitEstimationCodeStats(train);
  const z = standardiseEstimationCodes(train, stats);
  for (let k = 0; k < 3; k++) {
    const col = Array.from({ length: train.length }, (_, b) => z[b * 3 + k]!);
    const mean = col.reduce((s, v) => s + v, 0) / col.length;
    const variance = col.reduce((s, v) => s + (v - mean) ** 2, 0) / col.length;
    assert.ok(Math.abs(mean) < 1e-5, `component ${k} mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 1e-4, `component ${k} variance ${variance}`);
  }
  // Unseen records use the same statistics, not their own.
  const other = bench.all().slice(30);
  const t = encodeEstimationCodes(other, stats);
  assert.deepEqual(t.shape, [10, 3]);
  const first = readEstimationCode(other[0]!);
  const expected = (first[1]! - stats.mean[1]!) / stats.std[1]!;
  assert.ok(Math.abs(((await t.array()) as number[][])[0]![1]! - expected) < 1e-5);
  t.dispose();
  assert.throws(() => readEstimationCode({ id: 'x', arch: 0, metrics: {} }), /record x has no extras.estimationCode/);
  assert.throws(() => readEstimationCode({ id: 'y', arch: 0, metrics: {}, extras: { estimationCode: [1, 2] } }), /2 values, expected 3/);
});

test('NAS-Bench-201 encoder: 10 ops-as-nodes with self loops, 9 labels, edge ops on nodes 1, 3, 4, 6, 7, 8', async () => {
  const { createNb201GraphEncoder } = await import('../src/encoders/siameseGraphs.js');
  const { NB201_NODE_GRAPH_OPS } = await import('../src/spaces/nb201Graph.js');
  const enc = createNb201GraphEncoder();
  const arch = [3, 0, 1, 2, 4, 3]; // conv3x3, none, skip, conv1x1, avg_pool, conv3x3
  const { adj, features } = enc.encodeArrays([arch]);
  assert.equal(adj.length, 100);
  for (let i = 0; i < 10; i++) assert.equal(adj[i * 10 + i], 1, `self loop on node ${i}`);
  const label = (node: number): string => NB201_NODE_GRAPH_OPS[features.subarray(node * 9, node * 9 + 9).indexOf(1)]!;
  assert.deepEqual(
    [1, 3, 4, 6, 7, 8].map(label),
    ['nor_conv_3x3', 'zeros', 'skip_connect', 'nor_conv_1x1', 'avg_pool_3x3', 'nor_conv_3x3'],
  );
  assert.deepEqual([0, 2, 5, 9].map(label), ['split_3', 'split_2', 'none', 'output']);
});
