import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend.js';
import '@tensorflow/tfjs';
import { createRng } from '../src/core/rng.js';
import { createNb201GraphEncoder } from '../src/encoders/siameseGraphs.js';
import { NB201_CELLS_ZIP, loadNb201 } from '../src/loaders/cellJson.js';
import { findDataPath } from '../src/loaders/dataFiles.js';
import { officialPhases } from '../src/predictors/config.js';
import type { BenchRecord } from '../src/core/types.js';
import { createGraphEncoder } from '../src/encoders/graphOneHot.js';
import { kendallTau } from '../src/metrics/index.js';
import { HostAdam } from '../src/predictors/adam.js';
import type { GraphPredictorConfig } from '../src/predictors/config.js';
import { createGcnPredictor } from '../src/predictors/gcn.js';
import type { GraphPredictor } from '../src/predictors/graphPredictor.js';
import { ModelParams, adjacencyTensors, createGcnGroup, mish } from '../src/predictors/layers.js';
import { createSiamesePredictor } from '../src/predictors/siamese.js';
import { argsortDescending } from '../src/predictors/types.js';
import { SYNTHETIC_NUM_OPS, syntheticGraphBenchmark, syntheticNodeGraph, type SyntheticArch } from './fixtures/syntheticGraphSpace.js';

before(async () => {
  // wasm with the project's training kernels: several times faster than cpu for the 10-node, width-64 real-data runs.
  await initBackend({ prefer: 'wasm' });
});

const encoder = createGraphEncoder<SyntheticArch>({ toNodeGraph: syntheticNodeGraph, numOpTypes: SYNTHETIC_NUM_OPS, maxNodes: 7 });
const bench = syntheticGraphBenchmark(300, 11);
const train = bench.all().slice(0, 64);
const heldOut = bench.all().slice(64);
const accOf = (rs: readonly BenchRecord<SyntheticArch>[]): number[] => rs.map((r) => r.metrics['acc']!);

// Small and short, so the file runs in seconds on the cpu backend: the
// schedule keeps the official shape (phases, a fresh Adam each) with larger
// steps, and batch-norm momentum 0.9 instead of 0.997 so that the moving
// statistics used at inference settle within these ~100 steps.
const quick: Partial<GraphPredictorConfig> = {
  hidden: 32,
  batchSize: 16,
  bnMomentum: 0.9,
  phases: [
    { epochs: 5, learningRate: 1e-2 },
    { epochs: 7, learningRate: 1e-2 },
    { epochs: 3, learningRate: 1e-3 },
  ],
};

// ---- fused layers against plain tfjs autodiff ----

test('GCN group (fused convolutions, batch norm + mish with a custom gradient) equals the plain formula, values and gradients', async () => {
  const [B, n, inDim, units] = [3, 5, 4, 6];
  const rng = createRng('layer');
  const params = new ModelParams(rng);
  const bn = { momentum: 0.9, epsilon: 1e-3 };
  const group = createGcnGroup(params, inDim, units, bn);
  const [kernel, gamma, beta] = params.trainable as [tf.Variable, tf.Variable, tf.Variable];
  const [movingMean] = params.state as [tf.Variable];
  // Non-trivial scale and shift so their gradients are exercised.
  gamma.assign(tf.tensor1d(Array.from({ length: 2 * units }, () => 0.5 + rng())));
  beta.assign(tf.tensor1d(Array.from({ length: 2 * units }, () => rng() - 0.5)));
  const adjFlat = new Float32Array(B * n * n);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < n; i++) {
      adjFlat[b * n * n + i * n + i] = 1;
      for (let j = i + 1; j < n; j++) if (rng() < 0.4) adjFlat[b * n * n + i * n + j] = 1;
    }
  }
  const graph = adjacencyTensors(adjFlat, B, n);
  const x = tf.variable(tf.tensor3d(Array.from({ length: B * n * inDim }, () => rng() * 2 - 1), [B, n, inDim]));
  const weights = tf.tensor3d(Array.from({ length: B * n * units }, () => rng()), [B, n, units]);

  const reference = (): tf.Tensor3D => {
    const branch = (adj: tf.Tensor3D, part: number): tf.Tensor2D => {
      const w = tf.slice(kernel, [0, part * units], [inDim, units]);
      const h = tf.reshape(tf.matMul(tf.reshape(x, [B * n, inDim]), w), [B, n, units]);
      const conv = tf.reshape(tf.matMul(adj, h), [B * n, units]) as tf.Tensor2D;
      const { mean, variance } = tf.moments(conv, 0);
      const g = tf.slice(gamma, [part * units], [units]);
      const o = tf.slice(beta, [part * units], [units]);
      const z = tf.batchNorm(conv, mean, variance, o, g, bn.epsilon);
      return tf.mul(z, tf.tanh(tf.softplus(z))) as tf.Tensor2D; // textbook mish
    };
    return tf.reshape(tf.div(tf.add(branch(graph.adj, 0), branch(graph.adjT, 1)), 2), [B, n, units]) as tf.Tensor3D;
  };
  const loss = (f: () => tf.Tensor3D) => () => tf.sum(tf.mul(f(), weights)) as tf.Scalar;
  const vars = [x, kernel, gamma, beta];
  const fused = tf.variableGrads(loss(() => group(graph, x, true)), vars);
  const plain = tf.variableGrads(loss(reference), vars);
  assert.ok(Math.abs(fused.value.dataSync()[0]! - plain.value.dataSync()[0]!) < 1e-4);
  for (const v of vars) {
    const a = fused.grads[v.name]!.dataSync();
    const b = plain.grads[v.name]!.dataSync();
    const scale = Math.max(...Array.from(b, Math.abs));
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-4 * Math.max(1, scale), `${v.name}[${i}]: ${a[i]} vs ${b[i]}`);
  }
  // The one training call moved the moving mean from 0 toward the batch mean: (1 − 0.9) · mean.
  const conv = tf.reshape(tf.matMul(graph.block, tf.reshape(tf.matMul(tf.reshape(x, [B * n, inDim]), kernel), [B, 2 * n, units])), [B * n, 2 * units]);
  const batchMean = tf.mean(conv, 0).dataSync();
  const mm = movingMean.dataSync();
  for (let c = 0; c < 2 * units; c++) assert.ok(Math.abs(mm[c]! - (1 - 0.9) * batchMean[c]!) < 1e-5, `moving mean ${c}`);
  tf.dispose([fused.value, plain.value, ...Object.values(fused.grads), ...Object.values(plain.grads), conv, weights, x]);
  params.dispose();
});

test('mish via the sigmoid equals x · tanh(softplus(x)), also far from 0', () => {
  const x = tf.tensor1d([-80, -20, -5, -1, -1e-3, 0, 1e-3, 0.5, 1, 3, 10, 40, 80]);
  const ours = mish(x).dataSync();
  const textbook = tf.mul(x, tf.tanh(tf.softplus(x))).dataSync();
  ours.forEach((v, i) => assert.ok(Math.abs(v - textbook[i]!) <= 1e-6 * Math.max(1, Math.abs(textbook[i]!)), `x[${i}]: ${v} vs ${textbook[i]}`));
  x.dispose();
});

test('host Adam follows the Keras update rule', () => {
  const v = tf.variable(tf.tensor1d([1, -2]));
  const adam = new HostAdam([v], { learningRate: 0.1 });
  const g1 = tf.tensor1d([0.5, -1]);
  const g2 = tf.tensor1d([-0.25, 2]);
  adam.apply([g1]);
  adam.apply([g2]);
  const expected = [1, -2].map((w0, i) => {
    const gs = [[0.5, -1][i]!, [-0.25, 2][i]!];
    let w = w0;
    let m = 0;
    let s = 0;
    gs.forEach((g, t) => {
      m = 0.9 * m + 0.1 * g;
      s = 0.999 * s + 0.001 * g * g;
      const lr = (0.1 * Math.sqrt(1 - 0.999 ** (t + 1))) / (1 - 0.9 ** (t + 1));
      w -= (lr * m) / (Math.sqrt(s) + 1e-7);
    });
    return w;
  });
  const got = v.dataSync();
  expected.forEach((e, i) => assert.ok(Math.abs(got[i]! - e) < 1e-6, `w[${i}] ${got[i]} vs ${e}`));
  tf.dispose([v, g1, g2]);
});

// ---- predictors on a learnable synthetic target ----

async function fitAndScore(p: GraphPredictor<SyntheticArch>): Promise<{ tau: number; predictions: Float32Array }> {
  const report = await p.fit(train, accOf(train));
  assert.equal(report.epochs, 15);
  assert.equal(report.lossHistory.length, 15);
  assert.ok(report.lossHistory.every(Number.isFinite));
  const predictions = await p.predict(heldOut);
  assert.equal(predictions.length, heldOut.length);
  return { tau: kendallTau(predictions, accOf(heldOut)), predictions };
}

for (const variant of ['gcn', 'siamese', 'siamese+nsam'] as const) {
  test(`${variant} predictor learns a structural target: Kendall tau on held-out archs well above chance`, async () => {
    const before = tf.memory().numTensors;
    const p =
      variant === 'gcn'
        ? createGcnPredictor({ encoder, seed: 1, config: quick })
        : createSiamesePredictor({ encoder, seed: 1, nsam: variant === 'siamese+nsam', config: quick });
    assert.deepEqual(p.requires, variant === 'gcn' ? [] : ['estimationCode']);
    const { tau } = await fitAndScore(p);
    console.log(`${variant}: held-out tau ${tau.toFixed(3)}`);
    assert.ok(tau > 0.4, `${variant}: held-out Kendall tau ${tau.toFixed(3)} should be well above 0`);
    if (variant !== 'gcn') {
      const fine = await p.predictFine(heldOut);
      const fineTau = kendallTau(fine, accOf(heldOut));
      console.log(`${variant}: fine-branch tau ${fineTau.toFixed(3)}`);
      assert.ok(fineTau > 0.4, `${variant}: fine-branch tau ${fineTau.toFixed(3)}`);
    }
    p.dispose();
    assert.equal(tf.memory().numTensors, before, 'dispose() releases every tensor the predictor made');
  });
}

test('same seed → identical predictions; another seed → different ones', async () => {
  const make = (seed: number) =>
    createSiamesePredictor({ encoder, seed, nsam: true, config: { ...quick, phases: [{ epochs: 2, learningRate: 1e-2 }], stepsPerEpoch: 2 } });
  const runs: Float32Array[] = [];
  for (const seed of [5, 5, 6]) {
    const p = make(seed);
    await p.fit(train, accOf(train));
    runs.push(await p.predict(heldOut));
    p.dispose();
  }
  assert.deepEqual(Array.from(runs[0]!), Array.from(runs[1]!));
  assert.notDeepEqual(Array.from(runs[0]!), Array.from(runs[2]!));
});

test('siamese rank(): coarse order of everything, its top R re-ordered by the fine branch', async () => {
  const p = createSiamesePredictor({ encoder, seed: 2, config: { ...quick, phases: [{ epochs: 2, learningRate: 1e-2 }] } });
  await p.fit(train, accOf(train));
  const coarseOrder = argsortDescending(await p.predict(heldOut));
  const R = 20;
  const top = Array.from(coarseOrder.subarray(0, R));
  const fine = await p.predictFine(top.map((i) => heldOut[i]!));
  const expectedHead = Array.from(argsortDescending(fine), (k) => top[k]!);
  const ranked = await p.rank(heldOut, { rerankTop: R });
  assert.deepEqual(Array.from(ranked.subarray(0, R)), expectedHead);
  assert.deepEqual(Array.from(ranked.subarray(R)), Array.from(coarseOrder.subarray(R)));
  assert.deepEqual(new Set(ranked), new Set(heldOut.map((_, i) => i)));
  assert.deepEqual(Array.from(await p.rank(heldOut, { rerankTop: 0 })), Array.from(coarseOrder));
  p.dispose();
});

test('training-set growth (BTS hook): records returned after growth-phase epochs join the training set', async () => {
  const p = createGcnPredictor({
    encoder,
    seed: 4,
    config: { ...quick, stepsPerEpoch: 1, phases: [{ epochs: 2, learningRate: 1e-2 }, { epochs: 3, learningRate: 1e-2 }, { epochs: 1, learningRate: 1e-3 }] },
  });
  assert.equal(p.growthPhaseEpochs, 3);
  const calls: number[] = [];
  const extra = heldOut.slice(0, 9);
  const report = await p.fit(train.slice(0, 10), accOf(train.slice(0, 10)), {
    growth: {
      finalSize: 19,
      onEpochEnd: async (ctx) => {
        calls.push(ctx.epochInPhase);
        assert.equal(ctx.phaseEpochs, 3);
        const order = await ctx.rank(extra);
        assert.equal(order.length, extra.length);
        if (ctx.epochInPhase === 3) return undefined;
        const add = ctx.epochInPhase === 1 ? extra.slice(0, 4) : extra.slice(4);
        return { records: add, targets: accOf(add) };
      },
    },
  });
  assert.deepEqual(calls, [1, 2, 3], 'called after every epoch of the growth phase only');
  assert.equal(report.trainingSetSize, 19);
  assert.equal(report.epochs, 6);
  p.dispose();
});

test('bad input fails clearly: missing estimation codes, targets outside [0, 1], use before fit', async () => {
  const p = createSiamesePredictor({ encoder, seed: 3, config: { ...quick, phases: [{ epochs: 1, learningRate: 1e-3 }] } });
  await assert.rejects(p.predict(heldOut), /before fit/);
  const noCode = train.map(({ id, arch, metrics }) => ({ id, arch, metrics }));
  await assert.rejects(p.fit(noCode, accOf(train)), /has no extras.estimationCode/);
  const percent = accOf(train).map((a) => a * 100);
  await assert.rejects(p.fit(train, percent), /targetScale/);
  await assert.rejects(p.fit(train, [0.5]), /64 records but 1 targets/);
  p.dispose();
  // With targetScale the same percentages train, and predictions come back in percent.
  const scaled = createGcnPredictor({ encoder, seed: 3, config: { ...quick, phases: [{ epochs: 1, learningRate: 1e-3 }], targetScale: 0.01 } });
  await scaled.fit(train, percent);
  const predictions = await scaled.predict(heldOut.slice(0, 5));
  assert.ok(predictions.every((v) => v > 1 && v < 100), `predictions in percent: ${Array.from(predictions)}`);
  scaled.dispose();
});

// ---- real data: NAS-Bench-201 CIFAR-100 (skipped when the cell files are absent) ----

test(
  'siamese predictor on real NAS-Bench-201 CIFAR-100: 100 training cells rank the whole space above chance',
  { skip: findDataPath(NB201_CELLS_ZIP) ? false : `real data not found: ${NB201_CELLS_ZIP}` },
  async () => {
    const real = await loadNb201({ dataset: 'cifar100' });
    const nb201Encoder = createNb201GraphEncoder();
    const training = real.sample(100, createRng('real-nb201'));
    const p = createSiamesePredictor({
      encoder: nb201Encoder,
      seed: 1,
      // A short run of the official schedule (≈10 % of its steps) keeps the test quick.
      config: { phases: officialPhases(10) },
    });
    await p.fit(
      training,
      training.map((r) => r.metrics['test_acc_200']!),
    );
    const tau = kendallTau(await p.predict(real.all()), real.metric('test_acc_200'));
    console.log(`real NB201 CIFAR-100, N = 100: coarse-branch tau over ${real.size} cells ${tau.toFixed(3)}`);
    assert.ok(tau > 0.25, `tau ${tau.toFixed(3)}`);
    const order = await p.rank(real.all());
    assert.equal(new Set(order).size, real.size);
    p.dispose();
  },
);
