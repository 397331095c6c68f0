/**
 * BRP-NAS (src/encoders/brpGraph.ts, src/predictors/brpNas.ts,
 * src/searchers/brpIterative.ts) against eagle's code: the NB201 graph
 * (hand-built cases), the pair target and KL loss, the network's size at
 * eagle's width, early stopping, AdamW's PyTorch rule, the iterative
 * selection with an ideal predictor, and the sweep's run identity.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs';
import { initBackend } from '../src/backend.js';
import { createBenchmark } from '../src/core/benchmark.js';
import { createRng } from '../src/core/rng.js';
import type { BenchRecord, FitReport } from '../src/core/types.js';
import { nb201BrpGraph, withGlobalNode } from '../src/encoders/brpGraph.js';
import { createGraphEncoder } from '../src/encoders/graphOneHot.js';
import { runKey } from '../src/engine/index.js';
import { BRP_OFFICIAL, checkSweepConfig, siameseSweepDefaults, sweepRunConfig } from '../src/experiments/siameseSweep.js';
import { kendallTau } from '../src/metrics/index.js';
import { HostAdam } from '../src/predictors/adam.js';
import { DEFAULT_BRP_NAS_CONFIG, createBrpNasPredictor, pairKl, pairTarget, resolveBrpNasConfig } from '../src/predictors/brpNas.js';
import { argsortDescending, type ContinuablePredictor, type TrainOptions } from '../src/predictors/types.js';
import { brpParts, createBrpSearch } from '../src/searchers/brpIterative.js';
import { SYNTHETIC_NUM_OPS, syntheticGraphBenchmark, syntheticNodeGraph, type SyntheticArch } from './fixtures/syntheticGraphSpace.js';

before(async () => {
  await initBackend({ prefer: 'wasm' });
});

/** 9×9 adjacency from the 8×8 cell links `rows` (i → set of j), with eagle's global row and the identity. */
function expectedAdjacency(rows: readonly (readonly number[])[]): number[][] {
  const cell = rows.map((links, i) => Array.from({ length: 8 }, (_, j) => (i === j || links.includes(j) ? 1 : 0)));
  return [[1, 1, 1, 1, 1, 1, 1, 1, 1], ...cell.map((r) => [0, ...r])];
}

/** 9×6 features: global, input, output fixed; `ops[k]` (2..4 or null) on node k + 1. */
function expectedFeatures(ops: readonly (number | null)[]): number[][] {
  const f = Array.from({ length: 9 }, () => [0, 0, 0, 0, 0, 0]);
  f[0]![5] = 1;
  f[1]![3] = 1;
  f[8]![4] = 1;
  ops.forEach((op, k) => {
    if (op !== null) f[k + 2]![op - 2] = 1;
  });
  return f;
}

describe('the eagle NAS-Bench-201 graph', () => {
  test('all nor_conv_3x3: every link kept, six labelled nodes', () => {
    const g = nb201BrpGraph([3, 3, 3, 3, 3, 3]);
    assert.deepEqual(g.adjacency, expectedAdjacency([[1, 2, 4], [3, 5], [6], [6], [7], [7], [7], []]));
    assert.deepEqual(g.features, expectedFeatures([3, 3, 3, 3, 3, 3]));
  });

  test('skip on 0→1: the input takes over its successors, the node is cleared', () => {
    const g = nb201BrpGraph([1, 3, 2, 4, 3, 3]);
    assert.deepEqual(g.adjacency, expectedAdjacency([[2, 3, 4, 5], [], [6], [6], [7], [7], [7], []]));
    assert.deepEqual(g.features, expectedFeatures([null, 3, 2, 4, 3, 3]));
  });

  test('skip on 2→3: both predecessors link to the output', () => {
    const g = nb201BrpGraph([3, 3, 3, 3, 3, 1]);
    assert.deepEqual(g.adjacency, expectedAdjacency([[1, 2, 4], [3, 5], [7], [7], [7], [7], [], []]));
    assert.deepEqual(g.features, expectedFeatures([3, 3, 3, 3, 3, null]));
  });

  test('none on 0→1: node 1 and what only it fed are cut off and cleared', () => {
    // 0→1 none: edges 1→2 and 1→3 lose their input, so nodes 3 and 5 are off every path.
    const g = nb201BrpGraph([0, 2, 3, 4, 2, 3]);
    assert.deepEqual(g.adjacency, expectedAdjacency([[2, 4], [], [6], [], [7], [], [7], []]));
    assert.deepEqual(g.features, expectedFeatures([null, 2, null, 4, null, 3]));
  });

  test('all none: only the global row, the identity and the input/output labels remain', () => {
    const g = nb201BrpGraph([0, 0, 0, 0, 0, 0]);
    assert.deepEqual(g.adjacency, expectedAdjacency([[], [], [], [], [], [], [], []]));
    assert.deepEqual(g.features, expectedFeatures([null, null, null, null, null, null]));
  });

  test('withGlobalNode prepends a global node linked to the real nodes only', () => {
    const inner = createGraphEncoder<SyntheticArch>({ toNodeGraph: syntheticNodeGraph, numOpTypes: SYNTHETIC_NUM_OPS, maxNodes: 6 });
    const enc = withGlobalNode(inner);
    const arch: SyntheticArch = { adjacency: [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], ops: [0, 2, 3, 1] };
    const { adj, features } = enc.encode([arch]);
    assert.equal(enc.nodes, 7);
    assert.equal(enc.features, SYNTHETIC_NUM_OPS + 1);
    assert.deepEqual(Array.from(adj.subarray(0, 7)), [1, 1, 1, 1, 1, 0, 0], 'global row: itself and the 4 real nodes');
    assert.deepEqual(Array.from(adj.subarray(7, 14)), [0, 1, 1, 1, 0, 0, 0], 'node 0: self loop and its two successors');
    assert.equal(features[SYNTHETIC_NUM_OPS], 1, 'global feature');
    assert.equal(features[7 + 0], 1, 'node 0 keeps its op');
  });
});

describe('pair target and loss', () => {
  test('target is the softmax of the two values; KL is 0 exactly when the logits give it', () => {
    assert.ok(Math.abs(pairTarget(0.7, 0.6) - 1 / (1 + Math.exp(-0.1))) < 1e-12);
    assert.ok(Math.abs(pairTarget(0.6, 0.6) - 0.5) < 1e-12);
    const t = pairTarget(0.9, 0.2);
    const l0 = Math.log(t);
    const l1 = Math.log(1 - t);
    assert.ok(Math.abs(pairKl(l0, l1, 0.9, 0.2)) < 1e-12);
    assert.ok(Math.abs(pairKl(l0 + 5, l1 + 5, 0.9, 0.2)) < 1e-12, 'shift-invariant (softmax)');
    const direct = t * Math.log(t / 0.5) + (1 - t) * Math.log((1 - t) / 0.5);
    assert.ok(Math.abs(pairKl(0, 0, 0.9, 0.2) - direct) < 1e-12);
  });
});

describe('optimiser', () => {
  test("HostAdam rule 'torch' with decoupled weight decay is torch.optim.AdamW", () => {
    const v = tf.variable(tf.tensor1d([0.5, -2]));
    const adam = new HostAdam([v], { learningRate: 0.1, rule: 'torch', decoupledWeightDecay: 0.01 });
    const grads = [[0.3, -1], [0.1, 0.4]];
    // Hand-computed AdamW (PyTorch 1.x): p ← p·(1 − lr·wd); m, v; p ← p − lr/bc1 · m / (√v/√bc2 + 1e-8).
    let p = [0.5, -2];
    const m = [0, 0];
    const s = [0, 0];
    grads.forEach((g, step) => {
      adam.apply([tf.tensor1d(g)]);
      const t = step + 1;
      p = p.map((w, k) => {
        const decayed = w * (1 - 0.1 * 0.01);
        m[k] = 0.9 * m[k]! + 0.1 * g[k]!;
        s[k] = 0.999 * s[k]! + 0.001 * g[k]! ** 2;
        return decayed - ((0.1 / (1 - 0.9 ** t)) * m[k]!) / (Math.sqrt(s[k]!) / Math.sqrt(1 - 0.999 ** t) + 1e-8);
      });
      const got = Array.from(v.dataSync());
      got.forEach((x, k) => assert.ok(Math.abs(x - p[k]!) < 1e-6, `step ${t} weight ${k}: ${x} vs ${p[k]}`));
    });
    v.dispose();
  });
});

const bench = syntheticGraphBenchmark(160, 5, 6);
const truth = (r: BenchRecord<SyntheticArch>): number => r.metrics['acc']!;
const synthEncoder = withGlobalNode(createGraphEncoder<SyntheticArch>({ toNodeGraph: syntheticNodeGraph, numOpTypes: SYNTHETIC_NUM_OPS, maxNodes: 6 }));

describe('the predictor', () => {
  test("eagle's network has 1,093,202 parameters (4 × 600 GCN + LayerNorm, 1,200 → 2 pair layer)", async () => {
    assert.deepEqual({ ...DEFAULT_BRP_NAS_CONFIG }, {
      layers: 4, hidden: 600, dropout: 0.2, epochs: 250, batchSize: 64, learningRate: 3.5e-4, weightDecay: 5e-4,
      earlyStopPatience: 35, earlyStopAfter: 20, targetScale: 1, pairForward: 'per-pair', predictBatch: 1024,
    });
    // Built on first training; counted from its variables (a 2-node graph with 6 features, as NB201's).
    const records = bench.all().slice(0, 2);
    const pair = createBrpNasPredictor({ encoder: { name: 'six', nodes: 2, features: 6, encode: (archs) => ({ adj: new Float32Array(archs.length * 4).fill(1), features: new Float32Array(archs.length * 12).fill(1) }) }, seed: 0, config: { epochs: 1, dropout: 0 } });
    await pair.fit(records, records.map(truth));
    assert.equal(pair.parameterCount, 6 * 600 + 600 + 1200 + 3 * (600 * 600 + 600 + 1200) + 1200 * 2 + 2);
    assert.equal(pair.parameterCount, 1_093_202);
    pair.dispose();
  });

  test('learns a ranking: held-out Kendall tau, predict gives positions, rank is their order', async () => {
    const train = bench.all().slice(0, 40);
    const held = bench.all().slice(40);
    const p = createBrpNasPredictor({ encoder: synthEncoder, seed: 3, config: { layers: 2, hidden: 32, epochs: 30, batchSize: 128, pairForward: 'per-cell', targetScale: 20 } });
    const report = await p.fit(train, train.map(truth));
    assert.equal(report.pairs, 40 * 39);
    assert.ok(report.lossHistory[report.lossHistory.length - 1]! < report.lossHistory[0]!, `loss fell: ${report.lossHistory.join(', ')}`);
    const positions = await p.predict(held);
    assert.deepEqual(Array.from(positions).sort((a, b) => a - b), Array.from({ length: held.length }, (_, i) => i), 'a permutation of positions');
    const tau = kendallTau(positions, held.map(truth));
    assert.ok(tau > 0.4, `held-out tau ${tau}`);
    const order = await p.rank(held);
    assert.deepEqual(Array.from(order), Array.from(argsortDescending(positions)), 'rank = positions best first');
    // The reported epoch loss is the mean KL over every ordered training pair.
    const a: BenchRecord<SyntheticArch>[] = [];
    const b: BenchRecord<SyntheticArch>[] = [];
    for (const x of train) for (const y of train) if (x !== y) (a.push(x), b.push(y));
    const prob = await p.pairProbabilities(a, b);
    let kl = 0;
    prob.forEach((q, k) => {
      const t = pairTarget(20 * truth(a[k]!), 20 * truth(b[k]!));
      kl += t * Math.log(t / q) + (1 - t) * Math.log((1 - t) / (1 - q));
    });
    assert.ok(Math.abs(kl / a.length - report.lossHistory[report.lossHistory.length - 1]!) < 1e-3, `${kl / a.length} vs ${report.lossHistory.at(-1)}`);
    p.dispose();
  });

  test('per-cell and per-pair forwards train alike without dropout; fits are reproducible', async () => {
    const train = bench.all().slice(0, 12);
    const fit = async (pairForward: 'per-pair' | 'per-cell'): Promise<readonly number[]> => {
      const p = createBrpNasPredictor({ encoder: synthEncoder, seed: 7, config: { layers: 2, hidden: 16, epochs: 4, batchSize: 16, dropout: 0, pairForward } });
      const r = await p.fit(train, train.map(truth));
      p.dispose();
      return r.lossHistory;
    };
    const perPair = await fit('per-pair');
    const perCell = await fit('per-cell');
    perPair.forEach((l, e) => assert.ok(Math.abs(l - perCell[e]!) < 1e-4 * (1 + l), `epoch ${e}: ${l} vs ${perCell[e]}`));
    assert.deepEqual(await fit('per-pair'), perPair);
  });

  test('early stopping: after earlyStopAfter, patience epochs without a lower loss end the call', async () => {
    const train = bench.all().slice(0, 6);
    // A learning rate that cannot move a float32 weight: the loss stays the same every epoch.
    const p = createBrpNasPredictor({ encoder: synthEncoder, seed: 1, config: { layers: 1, hidden: 8, dropout: 0, learningRate: 1e-30, weightDecay: 0, earlyStopAfter: 2, earlyStopPatience: 3 } });
    const r = await p.train(train, train.map(truth), { epochs: 50, batchSize: 8 });
    // Epoch indices 3 (first looked at), 4, 5, 6 (third without improvement): 7 epochs.
    assert.equal(r.epochs, 7);
    assert.equal(r.stoppedEarly, true);
    p.dispose();
  });

  test('config errors name the field', () => {
    assert.throws(() => resolveBrpNasConfig({ hidden: 0 }), /BRP-NAS config: hidden is 0, expected an integer ≥ 1/);
    assert.throws(() => resolveBrpNasConfig({ pairForward: 'both' as 'per-cell' }), /pairForward "both" is not one of per-pair, per-cell/);
    assert.throws(() => resolveBrpNasConfig({ hiden: 3 } as object), /unknown field "hiden"/);
  });
});

/** Ranks by the true value (an ideal predictor) and records every training call. */
function oracle(calls: { size: number; opts: TrainOptions }[]): ContinuablePredictor<SyntheticArch> {
  const rank = async (rs: readonly BenchRecord<SyntheticArch>[]): Promise<Int32Array> => argsortDescending(rs.map(truth));
  return {
    name: 'oracle',
    requires: [],
    async fit(): Promise<FitReport> {
      throw new Error('the iterative search trains on; it never refits');
    },
    async train(records, targets, opts) {
      assert.equal(targets.length, records.length);
      calls.push({ size: records.length, opts });
      return { epochs: opts.epochs, lossHistory: [] };
    },
    predict: async (rs) => Float32Array.from(rs.map(truth)),
    rank,
    dispose() {},
  };
}

describe('iterative data selection', () => {
  const sorted = bench.all().slice().sort((x, y) => truth(y) - truth(x));
  const rankOf = new Map(sorted.map((r, i) => [r.id, i]));

  test('parts: the random first part takes the remainder', () => {
    assert.deepEqual(brpParts(100, 5), [20, 20, 20, 20, 20]);
    assert.deepEqual(brpParts(97, 5), [21, 19, 19, 19, 19]);
    assert.deepEqual(brpParts(30, 1), [30]);
  });

  test("'best-and-top-random': half the best, half random from the best M/2^i; epochs and batch grow by E/T and B/T", async () => {
    const calls: { size: number; opts: TrainOptions }[] = [];
    const search = createBrpSearch<SyntheticArch>({ predictorFactory: () => oracle(calls), iterations: 4, selection: 'best-and-top-random', epochs: 250, batchSize: 64 });
    const r = await search.search(bench, 'acc', { trainSamples: 40, topK: 6 }, createRng(9));
    assert.equal(r.queried.length, 46);
    assert.equal(new Set(r.queried).size, 46, 'distinct queries');
    assert.deepEqual(calls.map((c) => c.size), [10, 20, 30, 40]);
    assert.deepEqual(calls.map((c) => [c.opts.epochs, c.opts.batchSize]), [[62, 16], [124, 32], [186, 48], [248, 64]]);
    assert.equal(r.initialCount, 10);
    r.iterations.slice(1).forEach((it, k) => {
      const i = k + 1;
      const best = it.added.slice(0, 5);
      const random = it.added.slice(5);
      // The ideal predictor's best untrained cells are the best-ranked of the space not yet taken.
      const taken = new Set(r.queried.slice(0, 10 * i));
      assert.deepEqual(best, sorted.filter((x) => !taken.has(x.id)).slice(0, 5).map((x) => x.id), `iteration ${i}: best half`);
      const top = Math.floor(bench.size / 2 ** i);
      for (const id of random) assert.ok(rankOf.get(id)! < top, `iteration ${i}: random pick ranked ${rankOf.get(id)} is within the best ${top}`);
    });
    assert.equal(r.values[10], truth(sorted[0]!), 'iteration 1 takes the optimum first');
    // The final K are the best untrained; the ranking head is the space's best, training cells included.
    const trained = new Set(r.queried.slice(0, 40));
    assert.deepEqual(r.queried.slice(40), sorted.filter((x) => !trained.has(x.id)).slice(0, 6).map((x) => x.id));
    assert.deepEqual(r.ranking!.ids, sorted.slice(0, 6).map((x) => x.id));
  });

  test("'median-random': the candidates halve every iteration and parts are drawn from them", async () => {
    const calls: { size: number; opts: TrainOptions }[] = [];
    const search = createBrpSearch<SyntheticArch>({ predictorFactory: () => oracle(calls), iterations: 3, selection: 'median-random', epochs: 30, batchSize: 6 });
    const r = await search.search(bench, 'acc', { trainSamples: 31, topK: 2 }, createRng(4));
    assert.deepEqual(r.iterations.map((it) => it.added.length), [11, 10, 10]);
    assert.deepEqual(r.iterations.map((it) => it.candidates), [160, 160, 80]);
    for (const id of r.iterations[1]!.added) assert.ok(rankOf.get(id)! < 80);
    for (const id of r.iterations[2]!.added) assert.ok(rankOf.get(id)! < 40);
  });

  test('budget and predictor checks', async () => {
    const search = createBrpSearch<SyntheticArch>({ predictorFactory: () => oracle([]), iterations: 5, selection: 'best-and-top-random', epochs: 250, batchSize: 64 });
    await assert.rejects(search.search(bench, 'acc', { trainSamples: 4, topK: 1 }, createRng(1)), /N = 4 is too small for 5 iterations/);
    await assert.rejects(search.search(bench, 'acc', { trainSamples: 150, topK: 11 }, createRng(1)), /exceeds the 160 architectures/);
    assert.throws(() => createBrpSearch<SyntheticArch>({ predictorFactory: () => oracle([]), iterations: 5, selection: 'best-and-top-random', epochs: 4, batchSize: 64 }), /leaves none per iteration/);
    const plain = createBrpSearch<SyntheticArch>({
      predictorFactory: () => ({ name: 'plain', requires: [], fit: async () => ({ epochs: 0, lossHistory: [] }), predict: async (rs) => new Float32Array(rs.length), dispose() {} }),
      iterations: 2, selection: 'best-and-top-random', epochs: 10, batchSize: 10,
    });
    await assert.rejects(plain.search(bench, 'acc', { trainSamples: 10, topK: 1 }, createRng(1)), /cannot go on training from its weights/);
  });
});

describe('in the Siamese sweep', () => {
  test('a brp-nas run carries the BRP settings (not the graph predictors\') in its identity', () => {
    const config = siameseSweepDefaults('paper');
    const run = sweepRunConfig(config, 'nb201-cifar100', 'brp-nas', 100, 0, 'official');
    assert.equal(run.predictor, undefined);
    assert.deepEqual(run.brp, config.brp);
    const wider = sweepRunConfig({ ...config, brp: { ...config.brp!, hidden: 600 } }, 'nb201-cifar100', 'brp-nas', 100, 0, 'official');
    assert.notEqual(runKey(run), runKey(wider));
    const gcn = sweepRunConfig({ ...config, brp: BRP_OFFICIAL }, 'nb201-cifar100', 'gcn', 100, 0, 'official');
    assert.equal(runKey(gcn), runKey(sweepRunConfig(config, 'nb201-cifar100', 'gcn', 100, 0, 'official')), 'other methods do not depend on the BRP settings');
    const { brp: _, ...without } = config;
    assert.throws(() => checkSweepConfig(without), /runs brp-nas but the config has no brp settings/);
    assert.throws(() => checkSweepConfig({ ...config, brp: { ...config.brp!, selection: 'best' as 'median-random' } }), /brp.selection "best" is not one of/);
  });
});
