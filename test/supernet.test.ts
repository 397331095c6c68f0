import { test, before } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { unzipSync, strFromU8 } from 'fflate';
import { createRng } from '../src/core/rng.js';
import { initBackend } from '../src/backend.js';
import { findDataPath } from '../src/loaders/dataFiles.js';
import { NB201_OPS, nb201FromString, nb201ToString, type Nb201Arch } from '../src/spaces/nb201.js';
import { onednn, setNativeKernels } from '../src/backend/onednn.js';
import { NB201_FULL_SUPERNET, Nb201Supernet, batchNormTraining, batchNormTrainingNoAffine, type SupernetConfig } from '../src/supernet/nb201Supernet.js';
import { DEFAULT_SGD, SupernetTrainer, accumulatePathGradients, cosineLr, supernetTrainConfig, trainSupernet, type SupernetTrainConfig } from '../src/supernet/train.js';
import { evaluateArch, evaluateArchs, prepareEvalData } from '../src/supernet/evaluate.js';
import { EpochBatchStream, NB201_CIFAR10_NORMALIZATION, makeBatch, splitHoldout, type ImageSet } from '../src/supernet/imageBatches.js';
import { createSampler } from '../src/supernet/samplers.js';
import { readCheckpoint } from '../src/supernet/checkpoint.js';

const TINY: SupernetConfig = { channels: 4, cellsPerStage: 1, numClasses: 10, inputSize: 8, seed: 1 };
const ALL_OPS_ARCHS: Nb201Arch[] = NB201_OPS.map((_, op) => [op, op, op, op, op, op]);
const MIXED: Nb201Arch = [3, 2, 4, 1, 3, 0];

before(async () => {
  await tf.setBackend('cpu');
});

/** Random 8x8 RGB images with labels, generated here (no data files). */
function fixtureImages(n: number, size = 8, seed = 3): ImageSet {
  const rng = createRng(seed);
  const images = new Uint8Array(n * size * size * 3);
  for (let i = 0; i < images.length; i++) images[i] = rng.int(256);
  const labels = Uint8Array.from({ length: n }, () => rng.int(10));
  return { images, labels, n, imageSize: size };
}

function randomInput(batch: number, size: number, seed: number): tf.Tensor4D {
  const rng = createRng(seed);
  return tf.tensor4d(Float32Array.from({ length: batch * size * size * 3 }, () => 2 * rng() - 1), [batch, size, size, 3]);
}

function tinyTrainConfig(over: Partial<SupernetTrainConfig> = {}): SupernetTrainConfig {
  return supernetTrainConfig({
    supernet: { channels: 4, cellsPerStage: 1, numClasses: 10, inputSize: 8 },
    sampler: { kind: 'uniform' },
    updates: 4,
    batchSize: 4,
    seed: 5,
    ...over,
  });
}

test('forward: logits [batch, classes] for each of the 5 ops everywhere and a mixed cell; reduction blocks double channels', () => {
  const net = new Nb201Supernet(TINY);
  const x = randomInput(4, 8, 1);
  for (const arch of [...ALL_OPS_ARCHS, MIXED]) {
    for (const training of [true]) {
      const logits = net.forward(x, arch, { training });
      assert.deepEqual(logits.shape, [4, 10], nb201ToString(arch));
      assert.ok(Array.from(logits.dataSync()).every(Number.isFinite));
      logits.dispose();
    }
  }
  assert.deepEqual(net.stageChannels, [4, 8, 16]);
  assert.deepEqual(net.variable('reduce1/a/conv/w').shape, [3, 3, 4, 8]);
  assert.deepEqual(net.variable('reduce2/b/conv/w').shape, [3, 3, 16, 16]);
  assert.deepEqual(net.variable('reduce2/shortcut/conv/w').shape, [1, 1, 8, 16]);
  assert.deepEqual(net.variable('s2c0/e5/conv3x3/w').shape, [3, 3, 16, 16]);
  assert.deepEqual(net.variable('s0c0/e0/conv1x1/w').shape, [1, 1, 4, 4]);
  assert.deepEqual(net.variable('classifier/w').shape, [16, 10]);
  // Different ops give different outputs (the path really switches).
  const outs = ALL_OPS_ARCHS.map((a) => tf.tidy(() => Array.from(net.forward(x, a, { training: true }).dataSync())));
  assert.equal(new Set(outs.map((o) => o.join(','))).size, 5);
  assert.throws(() => net.forward(randomInput(2, 16, 1), MIXED, { training: true }), /input must be \[batch, 8, 8, 3\]/);
  assert.throws(() => net.forward(x, [0, 1, 2], { training: true }), /must have 6 edge ops/);
  assert.throws(() => new Nb201Supernet({ ...TINY, inputSize: 10 }), /multiple of 4/);
  x.dispose();
  net.dispose();
  assert.throws(() => net.trainableVariables(), /disposed/);
});

test("a path with 'none' on every edge runs; its logits no longer depend on the image", () => {
  const net = new Nb201Supernet(TINY);
  const x = randomInput(4, 8, 2);
  const logits = net.forward(x, [0, 0, 0, 0, 0, 0], { training: true });
  const rows = logits.arraySync();
  assert.deepEqual(logits.shape, [4, 10]);
  for (const row of rows) {
    row.forEach((v, k) => assert.ok(Math.abs(v - rows[0]![k]!) < 1e-5, `all-none cells zero the signal: row ${JSON.stringify(row)} vs ${JSON.stringify(rows[0])}`));
  }
  logits.dispose();
  x.dispose();
  net.dispose();
});

test('training batch norm: closed-form gradient equals autodiff of moments + batchNorm', () => {
  const rng = createRng(8);
  const rand = (shape: number[], lo: number, hi: number): tf.Tensor =>
    tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * rng()), shape);
  const x = rand([3, 4, 5, 6], -2, 3) as tf.Tensor4D;
  const gamma = rand([6], 0.5, 1.5) as tf.Tensor1D;
  const beta = rand([6], -1, 1) as tf.Tensor1D;
  const w = rand([3, 4, 5, 6], -1, 1);
  const reference = (a: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor4D => {
    const { mean, variance } = tf.moments(a, [0, 1, 2]);
    return tf.batchNorm4d(a, mean as tf.Tensor1D, variance as tf.Tensor1D, b, g, 1e-5);
  };
  const lossOf = (bn: typeof reference) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.square(bn(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D)), w));
  const ours = tf.grads(lossOf(batchNormTraining))([x, gamma, beta]);
  const theirs = tf.grads(lossOf(reference))([x, gamma, beta]);
  const value = tf.tidy(() => tf.max(tf.abs(tf.sub(batchNormTraining(x, gamma, beta), reference(x, gamma, beta)))).dataSync()[0]!);
  assert.ok(value < 1e-5, `forward differs by ${value}`);
  ['x', 'gamma', 'beta'].forEach((name, i) => {
    const a = ours[i]!.dataSync();
    const b = theirs[i]!.dataSync();
    const scale = Math.max(...Array.from(b, Math.abs));
    for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k]! - b[k]!) <= 1e-4 * scale, `d${name}[${k}]: ${a[k]} vs ${b[k]}`);
  });
  tf.dispose([x, gamma, beta, w, ...ours, ...theirs]);
});

test('training batch norm without affine parameters: x̂, and its closed-form gradient equals autodiff', () => {
  const rng = createRng(9);
  const rand = (shape: number[], lo: number, hi: number): tf.Tensor =>
    tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * rng()), shape);
  const x = rand([3, 4, 5, 6], -2, 3) as tf.Tensor4D;
  const w = rand([3, 4, 5, 6], -1, 1);
  const reference = (a: tf.Tensor4D): tf.Tensor4D => {
    const { mean, variance } = tf.moments(a, [0, 1, 2]);
    // Unit scale and zero offset given explicitly: tfjs-wasm's batchNorm gradient fails without them.
    return tf.batchNorm4d(a, mean as tf.Tensor1D, variance as tf.Tensor1D, tf.zeros([6]) as tf.Tensor1D, tf.ones([6]) as tf.Tensor1D, 1e-5);
  };
  const lossOf = (bn: (a: tf.Tensor4D) => tf.Tensor4D) => (a: tf.Tensor) => tf.sum(tf.mul(tf.square(bn(a as tf.Tensor4D)), w));
  const ours = tf.grad(lossOf(batchNormTrainingNoAffine))(x);
  const theirs = tf.grad(lossOf(reference))(x);
  const value = tf.tidy(() => tf.max(tf.abs(tf.sub(batchNormTrainingNoAffine(x), reference(x)))).dataSync()[0]!);
  assert.ok(value < 1e-5, `forward differs by ${value}`);
  const [a, b] = [ours.dataSync(), theirs.dataSync()];
  const scale = Math.max(...Array.from(b, Math.abs));
  for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k]! - b[k]!) <= 1e-4 * scale, `dx[${k}]: ${a[k]} vs ${b[k]}`);
  tf.dispose([x, w, ours, theirs]);
});

/** The wasm backend with our training kernels (initBackend chooses it once per process; later tests switch back to it). */
async function useWasm(): Promise<void> {
  await initBackend();
  assert.ok(await tf.setBackend('wasm'), 'the wasm backend initialises');
}

/** Values of `f()` and the gradients of Σ f()·w on backend `name` (the inputs made there from plain arrays). */
async function bnValueAndGrads(name: string, xs: Float32Array, shape: number[], withAffine: boolean, seed: number): Promise<Float32Array[]> {
  await tf.setBackend(name);
  const c = shape[3]!;
  const rng = createRng(seed);
  const x = tf.tensor4d(xs, shape as [number, number, number, number]);
  const gamma = tf.tensor1d(Float32Array.from({ length: c }, () => 0.5 + rng()));
  const beta = tf.tensor1d(Float32Array.from({ length: c }, () => rng() - 0.5));
  const w = tf.tensor(Float32Array.from({ length: xs.length }, () => 2 * rng() - 1), shape);
  const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor4D =>
    withAffine ? batchNormTraining(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D) : batchNormTrainingNoAffine(a as tf.Tensor4D);
  const before = tf.memory().numTensors;
  const value = f(x, gamma, beta);
  const grads = withAffine
    ? tf.grads((a, g, b) => tf.sum(tf.mul(f(a, g, b), w)))([x, gamma, beta])
    : [tf.grad((a) => tf.sum(tf.mul(f(a, gamma, beta), w)))(x)];
  const out = [value, ...grads].map((t) => Float32Array.from(t.dataSync()));
  tf.dispose([value, ...grads]);
  assert.equal(tf.memory().numTensors, before, `${name}: batch norm leaked tensors`);
  tf.dispose([x, gamma, beta, w]);
  return out;
}

for (const native of [true, false]) test(`fused training batch norm (${native ? 'native kernels' : 'wasm kernels only'}) equals the tfjs-op composition on cpu: values and gradients, with and without γ/β`, {
  skip: native && onednn().addon === null ? `the oneDNN addon is not loaded: ${onednn().reason}` : false,
}, async () => {
  await useWasm();
  setNativeKernels(native);
  try {
    // One channel, a few, and a NAS-Bench-201 width; a large mean checks the two-pass variance; the last
    // has more rows than the native kernel sums in float before adding to double (1,024), and a partial tile.
    const shapes: [number[], number][] = [[[2, 3, 3, 1], 0], [[3, 4, 5, 6], 0], [[8, 4, 4, 20], 50], [[9, 15, 17, 5], 20]];
    for (const [shape, offset] of shapes) {
      const rng = createRng(shape.join());
      const xs = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => offset + 3 * rng() - 1);
      for (const withAffine of [true, false]) {
        const wasm = await bnValueAndGrads('wasm', xs, shape, withAffine, 11);
        const cpu = await bnValueAndGrads('cpu', xs, shape, withAffine, 11);
        const labels = ['value', 'dx', 'dγ', 'dβ'];
        wasm.forEach((a, i) => {
          const b = cpu[i]!;
          const scale = Math.max(1e-3, ...Array.from(b, Math.abs));
          let worst = 0;
          for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k]! - b[k]!) / scale);
          assert.ok(worst < 1e-4, `[${shape}] affine=${withAffine} ${labels[i]}: wasm vs cpu differ by ${worst.toExponential(2)} (relative)`);
        });
      }
    }
  } finally {
    setNativeKernels(true);
    await tf.setBackend('cpu');
  }
});

test("a supernet path's gradients on wasm (fused BN, replacement conv kernels) equal those on cpu", async () => {
  const config: SupernetConfig = { channels: 3, cellsPerStage: 1, numClasses: 10, inputSize: 8, seed: 4 };
  const paths: Nb201Arch[] = [MIXED, [3, 3, 3, 3, 3, 3], [2, 4, 1, 2, 4, 0]];
  const gradsOn = async (name: string): Promise<Float32Array[]> => {
    await tf.setBackend(name);
    const net = new Nb201Supernet(config);
    const x = randomInput(6, 8, 21);
    const y = tf.tensor1d([0, 1, 2, 3, 4, 5], 'int32');
    const { grads } = accumulatePathGradients(net, x, y, paths, 'sum');
    const out = grads.map((g) => Float32Array.from(g.dataSync()));
    tf.dispose([...grads, x, y]);
    net.dispose();
    return out;
  };
  await useWasm();
  try {
    const wasm = await gradsOn('wasm');
    const cpu = await gradsOn('cpu');
    const names = new Nb201Supernet(config).variableNames();
    wasm.forEach((a, i) => {
      const b = cpu[i]!;
      const scale = Math.max(1e-3, ...Array.from(b, Math.abs));
      for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k]! - b[k]!) <= 1e-3 * scale, `${names[i]}[${k}]: wasm ${a[k]} vs cpu ${b[k]}`);
    });
  } finally {
    await tf.setBackend('cpu');
  }
});

test("stride-2 reduction conv: top/left padding alone equals PyTorch's padding of 1 on every side on even-sized inputs", () => {
  const rng = createRng(31);
  for (const size of [4, 8, 16]) {
    const x = tf.tensor4d(Float32Array.from({ length: 2 * size * size * 3 }, () => rng() - 0.5), [2, size, size, 3]);
    const w = tf.tensor4d(Float32Array.from({ length: 3 * 3 * 3 * 5 }, () => rng() - 0.5), [3, 3, 3, 5]);
    const symmetric = tf.conv2d(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), w, 2, 'valid');
    const topLeft = tf.conv2d(x, w, 2, [[0, 0], [1, 0], [1, 0], [0, 0]]);
    assert.deepEqual(topLeft.shape, symmetric.shape);
    assert.deepEqual(Array.from(topLeft.dataSync()), Array.from(symmetric.dataSync()), `size ${size}`);
    tf.dispose([x, w, symmetric, topLeft]);
  }
});

test('cell-op BN: no affine parameters by default (the NB201 references), the other BNs keep theirs; cellBnAffine: true adds them', () => {
  const plain = new Nb201Supernet(TINY);
  const affine = new Nb201Supernet({ ...TINY, cellBnAffine: true });
  assert.equal(plain.config.cellBnAffine, false);
  const names = plain.variableNames();
  assert.ok(!names.some((n) => /^s\dc\d\/e\d\/conv\dx\d\/bn\//.test(n)), 'no γ/β in any cell op');
  for (const n of ['stem/bn/gamma', 'reduce1/a/bn/beta', 'last/bn/gamma']) assert.ok(names.includes(n), n);
  assert.ok(affine.variableNames().includes('s0c0/e0/conv3x3/bn/gamma'));
  // 2 BN parameters per channel of each of the 2 conv ops on 6 edges, one cell per stage at C, 2C, 4C.
  const expected = [4, 8, 16].reduce((sum, c) => sum + 2 * c * 2 * 6, 0);
  assert.equal(affine.totalParamCount() - plain.totalParamCount(), expected);
  // The stand-alone network's count does not depend on the supernet's BN.
  for (const arch of [MIXED, [3, 3, 3, 3, 3, 3], [0, 1, 4, 0, 1, 4]] as Nb201Arch[]) assert.equal(plain.paramCount(arch), affine.paramCount(arch));
  assert.throws(() => new Nb201Supernet({ ...TINY, cellBnAffine: 'no' as never }), /cellBnAffine must be true or false/);
  plain.dispose();
  affine.dispose();
});

test('batch-statistics scoring: needs no calibration, equals the training-mode forward, and leaves the running statistics alone', async () => {
  const data = fixtureImages(40);
  const trainer = SupernetTrainer.create(tinyTrainConfig({ updates: 2 }), data);
  await trainer.run();
  const net = trainer.supernet;
  const { train, holdout } = splitHoldout(data.n, 12, 1);
  const setup = { calibrationIndices: train, heldOutIndices: holdout, calibrationBatches: 0, batchSize: 6, resolution: 8, normalization: NB201_CIFAR10_NORMALIZATION, seed: 2 };
  const evalData = prepareEvalData(data, { ...setup, bn: 'batch-stats' });
  assert.equal(evalData.calibration.length, 0);
  const before = net.bnStatistics();
  const scored = evaluateArch(net, MIXED, evalData);
  assert.equal(net.bnCalibratedFor, null, 'nothing was recalibrated');
  assert.deepEqual(net.bnStatistics(), before);
  let correct = 0;
  let loss = 0;
  for (const { x, y } of evalData.heldOut) {
    tf.tidy(() => {
      const logits = net.forward(x, MIXED, { training: true });
      correct += tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32')).dataSync()[0]!;
      loss += tf.sum(tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), logits, undefined, undefined, tf.Reduction.NONE)).dataSync()[0]!;
    });
  }
  assert.equal(scored.accuracy, correct / 12);
  assert.ok(Math.abs(scored.loss - loss / 12) < 1e-6, `${scored.loss} vs ${loss / 12}`);
  // The same batches scored after recalibration give other numbers (running, not batch, statistics).
  const recal = prepareEvalData(data, { ...setup, calibrationBatches: 2, bn: 'recalibrate' });
  assert.notEqual(evaluateArch(net, MIXED, recal).loss, scored.loss);
  assert.throws(() => prepareEvalData(data, { ...setup, bn: 'running' as never }), /bn is "running"; use one of batch-stats, recalibrate/);
  evalData.dispose();
  recal.dispose();
  trainer.dispose();
});

test('the fused in-place SGD update equals tfjs\'s momentum optimizer (clip, decay, Nesterov), through a checkpoint too', async () => {
  // This file runs on the cpu backend; the fused update needs wasm, which the studies use.
  await useWasm();
  assert.equal(tf.getBackend(), 'wasm', 'the fused update runs on the wasm backend');
  const data = fixtureImages(24);
  const dir = mkdtempSync(join(tmpdir(), 'fused-sgd-'));
  try {
    // A small clip norm so clipping is active; strict-fair so some ops have no gradient in an update of EF-style samplers too.
    for (const optimizer of [{ gradClipNorm: 0.05 }, { gradClipNorm: null, nesterov: false }]) {
      // Float rounding differs between the two (one JS loop vs tfjs kernels) and grows with every update: 6 updates stay within 1e-3.
      const config = tinyTrainConfig({ sampler: { kind: 'ef', k: 2 }, updates: 6, optimizer: { ...DEFAULT_SGD, ...optimizer } });
      const weightsAfter = async (tfjsOnly: boolean, viaCheckpoint: boolean): Promise<Float32Array[]> => {
        SupernetTrainer.tfjsOptimizerOnly = tfjsOnly;
        try {
          let trainer = SupernetTrainer.create(config, data);
          if (viaCheckpoint) {
            const path = join(dir, `half-${tfjsOnly}.json`);
            await trainer.run({ untilUpdate: 3, checkpointPath: path });
            trainer.dispose();
            trainer = await SupernetTrainer.resume(path, config, data);
          }
          await trainer.run();
          const out = trainer.supernet.getWeights().map((w) => w.values);
          trainer.dispose();
          return out;
        } finally {
          SupernetTrainer.tfjsOptimizerOnly = false;
        }
      };
      const reference = await weightsAfter(true, false);
      for (const fused of [await weightsAfter(false, false), await weightsAfter(false, true)]) {
        let worst = 0;
        fused.forEach((w, i) => w.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - reference[i]![k]!) / (1e-3 + Math.abs(reference[i]![k]!))))));
        assert.ok(worst < 1e-3, `${JSON.stringify(optimizer)}: fused and tfjs weights differ by ${worst.toExponential(2)} (relative)`);
      }
      assert.ok(reference.some((w, i) => w.some((v, k) => v !== fixtureWeights(config)[i]![k])), 'training changed the weights');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await tf.setBackend('cpu');
  }
});

function fixtureWeights(config: SupernetTrainConfig): Float32Array[] {
  const net = new Nb201Supernet({ ...config.supernet, seed: config.seed });
  const out = net.getWeights().map((w) => w.values);
  net.dispose();
  return out;
}

test('tfjs same-padded average pooling excludes the padding (NAS-Bench-201 count_include_pad=False)', () => {
  const pooled = tf.tidy(() => Array.from(tf.avgPool(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, 3, 1, 'same').dataSync()));
  for (const v of pooled) assert.ok(Math.abs(v - 1) < 1e-6);
});

test('sub-network parameter counts: fixed network + the arch\'s conv ops (with or without cell-op affine BN); full supernet counts every op', () => {
  for (const cellBnAffine of [false, true]) {
    const net = new Nb201Supernet({ ...NB201_FULL_SUPERNET, cellBnAffine, seed: 0 });
    // Largest and smallest NAS-Bench-201 CIFAR-10 networks (benchmark `params`, in M).
    assert.equal(net.paramCount([3, 3, 3, 3, 3, 3]), 1531546);
    assert.equal(net.paramCount([0, 0, 0, 0, 0, 0]), 73306);
    assert.ok(net.totalParamCount() > net.paramCount([3, 3, 3, 3, 3, 3]));
    net.dispose();
  }
});

const NB201_ZIP = 'nasbench201/nasbench201_cells.zip';
test('sub-network parameter counts equal NAS-Bench-201 `params` on real cells', { skip: findDataPath(NB201_ZIP) ? false : 'real data not found: ' + NB201_ZIP }, () => {
  const zipPath = findDataPath(NB201_ZIP)!;
  const wanted = new Set(['1', '100', '2000', '5000', '8330', '12000', '15000'].map((id) => `nasbench201/nasbench201_cifar10-10/${id}.json`));
  const files = unzipSync(new Uint8Array(readFileSync(zipPath)), { filter: (f) => wanted.has(f.name) });
  assert.equal(Object.keys(files).length, wanted.size, 'sample cells present in the archive');
  const net = new Nb201Supernet({ ...NB201_FULL_SUPERNET, seed: 0 });
  for (const [name, bytes] of Object.entries(files)) {
    const cell = JSON.parse(strFromU8(bytes)) as { operations: string[]; params: number };
    const arch = cell.operations.map((op) => NB201_OPS.indexOf((op === 'zeros' ? 'none' : op) as (typeof NB201_OPS)[number]));
    assert.equal(net.paramCount(arch) / 1e6, cell.params, `${name} ${JSON.stringify(cell.operations)}`);
  }
  net.dispose();
});

test('gradients: every variable gets one; variables of unused ops get exact zeros; mean = sum / k', () => {
  const net = new Nb201Supernet(TINY);
  const x = randomInput(4, 8, 3);
  const y = tf.tensor1d([1, 2, 3, 4], 'int32');
  const names = net.variableNames();
  const { losses, grads } = accumulatePathGradients(net, x, y, [MIXED], 'sum');
  assert.equal(losses.length, 1);
  assert.equal(grads.length, names.length);
  const used = net.variablesUsedBy(MIXED);
  let nonzeroUsedConvs = 0;
  grads.forEach((g, i) => {
    const absMax = Math.max(...Array.from(g.dataSync()).map(Math.abs));
    assert.deepEqual(g.shape, net.trainableVariables()[i]!.shape);
    if (!used.has(names[i]!)) assert.equal(absMax, 0, `${names[i]} is not on the path; its gradient must be zero`);
    else if (names[i]!.endsWith('/w') && absMax > 0) nonzeroUsedConvs++;
  });
  // Edge 0 uses conv3x3, edge 1 conv1x1: their weights are on the path and get gradients.
  assert.ok(used.has('s1c0/e0/conv3x3/w') && !used.has('s1c0/e0/conv1x1/w'));
  assert.ok(nonzeroUsedConvs >= 3 * 3, `expected gradients on the path's conv weights, got ${nonzeroUsedConvs}`);
  tf.dispose(grads);

  const paths: Nb201Arch[] = [MIXED, [1, 3, 3, 2, 4, 4]];
  const summed = accumulatePathGradients(net, x, y, paths, 'sum');
  const averaged = accumulatePathGradients(net, x, y, paths, 'mean');
  assert.deepEqual(summed.losses, averaged.losses);
  summed.grads.forEach((g, i) => {
    const a = g.dataSync();
    const b = averaged.grads[i]!.dataSync();
    for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k]! / 2 - b[k]!) <= 1e-6 * (1 + Math.abs(a[k]!)));
  });
  tf.dispose([...summed.grads, ...averaged.grads, x, y]);
  net.dispose();
});

/** The weights of a trainer, by name. */
function weightMap(trainer: SupernetTrainer): Map<string, Float32Array> {
  return new Map(trainer.supernet.getWeights().map((w) => [w.name, w.values]));
}

test('one update: all variables are passed to the optimizer; with no weight decay only the path moves', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'supernet-'));
  try {
    const data = fixtureImages(16);
    const trainer = SupernetTrainer.create(tinyTrainConfig({ optimizer: { ...tinyTrainConfig().optimizer, weightDecay: 0 } }), data);
    const before = weightMap(trainer);
    const record = trainer.step();
    const after = weightMap(trainer);
    const used = trainer.supernet.variablesUsedBy(nb201FromString(record.paths[0]!));
    let movedUsed = 0;
    for (const [name, w] of before) {
      const moved = w.some((v, k) => v !== after.get(name)![k]);
      if (!used.has(name)) assert.ok(!moved, `${name} is off the path: zero gradient, no momentum yet, no decay → unchanged`);
      else if (moved) movedUsed++;
    }
    assert.ok(movedUsed > used.size / 2, `most path variables should move (${movedUsed} of ${used.size})`);
    // The optimizer keeps one momentum slot per variable: all were passed, in order.
    const path = join(dir, 'ck.json');
    await trainer.saveCheckpoint(path);
    const ck = readCheckpoint(path);
    assert.deepEqual(ck.optimizer.slots.map((s) => s.name), trainer.supernet.variableNames().map((n) => `${n}/momentum`));
    assert.equal(ck.optimizer.iterations, 1);
    assert.equal(trainer.updatesDone, 1);
    assert.equal(trainer.forwardBackwardPasses, 1);
    trainer.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one update = clip(summed gradient) + weight decay through Nesterov SGD, untouched ops included', () => {
  const data = fixtureImages(16);
  const optimizer = { lr: 0.1, lrMin: 0, momentum: 0.9, nesterov: true, weightDecay: 0.01, gradClipNorm: 0.5 };
  const config = tinyTrainConfig({ sampler: { kind: 'ef', k: 2 }, augment: false, optimizer });
  const trainer = SupernetTrainer.create(config, data);
  // Rebuild the first step's batch and paths from the same seeded streams.
  const indices = new EpochBatchStream(Int32Array.from({ length: 16 }, (_, i) => i), 4, `${config.seed}/batches`).next();
  const batch = makeBatch(data, indices, { resolution: 8, normalization: config.normalization, augment: null });
  const paths = createSampler(config.sampler, `${config.seed}/sampler`).next(0);
  const { grads } = accumulatePathGradients(trainer.supernet, batch.x, batch.y, paths, 'sum');
  const g = grads.map((t) => (t.dataSync() as Float32Array).slice());
  const norm = Math.sqrt(g.reduce((s, a) => s + a.reduce((t, v) => t + v * v, 0), 0));
  assert.ok(norm > optimizer.gradClipNorm, `the fixture should exercise clipping (norm ${norm})`);
  const clip = optimizer.gradClipNorm / (norm + 1e-6);
  const before = trainer.supernet.getWeights();
  const record = trainer.step();
  assert.deepEqual(record.paths, paths.map(nb201ToString));
  const after = trainer.supernet.getWeights();
  const used = new Set(paths.flatMap((p) => [...trainer.supernet.variablesUsedBy(p)]));
  let checkedUntouched = 0;
  before.forEach((w, i) => {
    if (!used.has(w.name)) checkedUntouched++;
    for (let k = 0; k < w.values.length; k++) {
      // First step: momentum buffer = gradient, so Nesterov moves by lr·(1 + m)·gradient.
      const grad = g[i]![k]! * clip + optimizer.weightDecay * w.values[k]!;
      const expected = w.values[k]! - optimizer.lr * (1 + optimizer.momentum) * grad;
      assert.ok(Math.abs(after[i]!.values[k]! - expected) <= 1e-5 * (1 + Math.abs(expected)), `${w.name}[${k}]: ${after[i]!.values[k]} vs ${expected}`);
    }
  });
  assert.ok(checkedUntouched > 0);
  tf.dispose([...grads, batch.x, batch.y]);
  trainer.dispose();

  // Neither clipping nor decay: gradients go to the optimizer as they are.
  const plain = SupernetTrainer.create(tinyTrainConfig({ optimizer: { ...optimizer, weightDecay: 0, gradClipNorm: null } }), data);
  plain.step();
  plain.step();
  assert.equal(plain.updatesDone, 2);
  plain.dispose();
});

test('one strict-fair update trains every op of every edge (5 passes, one update)', () => {
  const data = fixtureImages(16);
  const trainer = SupernetTrainer.create(tinyTrainConfig({ sampler: { kind: 'strict-fair' }, optimizer: { ...tinyTrainConfig().optimizer, weightDecay: 0 } }), data);
  const before = weightMap(trainer);
  const record = trainer.step();
  assert.equal(record.paths.length, 5);
  assert.equal(record.pathLosses.length, 5);
  assert.equal(trainer.forwardBackwardPasses, 5);
  assert.equal(trainer.updatesDone, 1);
  const after = weightMap(trainer);
  // Edges leaving the cell input (e0, e1, e3) always see a non-zero input, so each conv op there gets a
  // non-zero gradient from the one path that holds it. (Edges from nodes 1, 2 may see all-zero inputs
  // when the path has 'none' upstream: those ops are trained, with zero weight gradient.)
  const fromInput = trainer.supernet.variableNames().filter((n) => /\/e[013]\/conv(1x1|3x3)\/w$/.test(n));
  assert.equal(fromInput.length, 3 * 3 * 2);
  for (const name of fromInput) {
    assert.ok(before.get(name)!.some((v, k) => v !== after.get(name)![k]), `${name} should be trained by one of the 5 paths`);
  }
  for (const row of trainer.sampler.counts()) assert.deepEqual(Array.from(row), [1, 1, 1, 1, 1]);
  trainer.dispose();
});

test('training does not leak tensors between updates; LR follows the cosine schedule', () => {
  const trainer = SupernetTrainer.create(tinyTrainConfig({ updates: 5 }), fixtureImages(16));
  trainer.step();
  const tensors = tf.memory().numTensors;
  trainer.step();
  trainer.step();
  assert.equal(tf.memory().numTensors, tensors);
  const o = trainer.config.optimizer;
  assert.deepEqual(trainer.lrHistory, [0, 1, 2].map((t) => cosineLr(t, 5, o)));
  assert.equal(cosineLr(0, 5, o), o.lr);
  assert.ok(Math.abs(cosineLr(5, 5, o) - o.lrMin) < 1e-12);
  assert.equal(trainer.lossHistory.length, 3);
  trainer.dispose();
});

test('checkpoint + resume continues exactly like an uninterrupted run (weights, losses, counts)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'supernet-'));
  try {
    const data = fixtureImages(12); // 3 batches per epoch: the resume crosses an epoch boundary
    const config = tinyTrainConfig({ sampler: { kind: 'ef', k: 2 }, updates: 4, checkpointEvery: 2 });

    const straight = SupernetTrainer.create(config, data);
    await straight.run();
    const straightWeights = weightMap(straight);

    const path = join(dir, 'run', 'checkpoint.json');
    const first = SupernetTrainer.create(config, data);
    await first.run({ untilUpdate: 2, checkpointPath: path });
    first.dispose();
    assert.ok(existsSync(path));
    assert.deepEqual(readdirSync(join(dir, 'run')), ['checkpoint.json'], 'atomic write leaves no temp files');

    const resumed = await SupernetTrainer.resume(path, config, data);
    assert.equal(resumed.updatesDone, 2);
    await resumed.run({ checkpointPath: path });
    assert.equal(resumed.updatesDone, 4);
    assert.ok(resumed.finished);
    assert.deepEqual(resumed.lossHistory, straight.lossHistory);
    assert.deepEqual(resumed.lrHistory, straight.lrHistory);
    assert.equal(resumed.forwardBackwardPasses, straight.forwardBackwardPasses);
    assert.deepEqual(resumed.sampler.counts(), straight.sampler.counts());
    for (const [name, w] of weightMap(resumed)) assert.deepEqual(w, straightWeights.get(name), name);
    assert.equal(readCheckpoint(path).updatesDone, 4);
    resumed.dispose();

    // trainSupernet on a finished checkpoint reopens it without training further.
    let stepsRun = 0;
    const reopened = await trainSupernet(config, data, { checkpointPath: path, onStep: () => stepsRun++ });
    assert.equal(stepsRun, 0);
    assert.equal(reopened.updatesDone, 4);
    assert.deepEqual(reopened.lossHistory, straight.lossHistory);
    reopened.dispose();

    // The check is not vacuous: another seed ends elsewhere.
    const other = SupernetTrainer.create({ ...config, seed: 6 }, data);
    await other.run();
    assert.notDeepEqual(other.lossHistory, straight.lossHistory);
    other.dispose();
    straight.dispose();

    await assert.rejects(SupernetTrainer.resume(path, { ...config, batchSize: 2 }, data), /different training config/);
    await assert.rejects(SupernetTrainer.resume(path, config, fixtureImages(12, 8, 99)), /different training data/);
    assert.throws(() => readCheckpoint(join(dir, 'missing.json')), /does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('BN recalibration: required before evaluation, recomputes the path\'s running statistics, evaluation is deterministic', async () => {
  const data = fixtureImages(40);
  const trainer = SupernetTrainer.create(tinyTrainConfig({ updates: 2 }), data);
  await trainer.run();
  const net = trainer.supernet;
  const x = randomInput(4, 8, 4);
  assert.throws(() => net.forward(x, MIXED, { training: false }), /not calibrated/);

  const { train, holdout } = splitHoldout(data.n, 12, 1);
  const evalData = prepareEvalData(data, {
    bn: 'recalibrate',
    calibrationIndices: train,
    heldOutIndices: holdout,
    calibrationBatches: 3,
    batchSize: 8,
    resolution: 8,
    normalization: NB201_CIFAR10_NORMALIZATION,
    seed: 2,
  });
  const initial = net.bnStatistics();
  net.recalibrateBn(MIXED, evalData.calibration);
  assert.equal(net.bnCalibratedFor, nb201ToString(MIXED));
  const stats = net.bnStatistics();
  // Used BN instances changed from their (0, 1) start; BN of ops off the path kept theirs.
  for (const name of ['stem/bn', 'reduce1/a/bn', 's0c0/e0/conv3x3/bn', 's2c0/e4/conv3x3/bn', 'last/bn']) {
    assert.notDeepEqual(stats.get(name)!.mean, initial.get(name)!.mean, name);
  }
  assert.deepEqual(stats.get('s0c0/e0/conv1x1/bn'), initial.get('s0c0/e0/conv1x1/bn'));
  // The stem BN's running mean is the average of the per-batch means of the stem conv output,
  // and its variance the average of the unbiased per-batch variances.
  const [expectMean, expectVar] = tf.tidy(() => {
    const ms: tf.Tensor[] = [];
    const vs: tf.Tensor[] = [];
    for (const b of evalData.calibration) {
      const h = tf.conv2d(b, net.variable('stem/conv/w') as tf.Tensor4D, 1, 'same');
      const { mean, variance } = tf.moments(h, [0, 1, 2]);
      const n = h.shape[0] * h.shape[1] * h.shape[2];
      ms.push(mean);
      vs.push(tf.mul(variance, n / (n - 1)));
    }
    return [Array.from(tf.div(tf.addN(ms), ms.length).dataSync()), Array.from(tf.div(tf.addN(vs), vs.length).dataSync())];
  });
  stats.get('stem/bn')!.mean.forEach((v, k) => assert.ok(Math.abs(v - expectMean[k]!) < 1e-4, `mean ${k}: ${v} vs ${expectMean[k]}`));
  stats.get('stem/bn')!.variance.forEach((v, k) => assert.ok(Math.abs(v - expectVar[k]!) < 1e-3 * (1 + expectVar[k]!), `var ${k}`));

  const logits = net.forward(x, MIXED, { training: false });
  assert.deepEqual(logits.shape, [4, 10]);
  logits.dispose();
  assert.throws(() => net.forward(x, [1, 1, 1, 1, 1, 1], { training: false }), /calibrated for .*nor_conv_3x3/);

  const other: Nb201Arch = [1, 4, 3, 3, 2, 1];
  const firstPass = evaluateArch(net, MIXED, evalData);
  const results = await evaluateArchs(net, [other, MIXED], evalData);
  assert.deepEqual(results[1], firstPass, 'evaluation of an arch does not depend on what was evaluated before');
  assert.equal(results[0]!.arch, nb201ToString(other));
  for (const r of results) {
    assert.ok(r.accuracy >= 0 && r.accuracy <= 1 && Number.isInteger(r.accuracy * holdout.length));
    assert.ok(Number.isFinite(r.loss) && r.loss > 0);
  }

  net.markWeightsChanged();
  assert.throws(() => net.forward(x, MIXED, { training: false }), /not calibrated/);
  assert.throws(() => net.recalibrateBn(MIXED, []), /at least one batch/);
  evalData.dispose();
  x.dispose();
  trainer.dispose();
});

test('batches: normalisation, box down-sampling, crop+flip augmentation, epoch shuffling with restorable state', () => {
  // A 4x4 image whose red channel is 16·row + column; green 0, blue 255.
  const size = 4;
  const images = new Uint8Array(size * size * 3);
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) images.set([16 * r + c, 0, 255], (r * size + c) * 3);
  const one: ImageSet = { images, labels: [7], n: 1, imageSize: size };
  const unit = { mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] }; // leaves raw pixel values

  const plain = makeBatch(one, [0], { resolution: 4, normalization: unit, augment: null });
  const red = (b: { x: tf.Tensor4D }): number[][] => (b.x.arraySync()[0] as number[][][]).map((row) => row.map((px) => Math.round(px[0]! * 1000) / 1000));
  assert.deepEqual(red(plain), [[0, 1, 2, 3], [16, 17, 18, 19], [32, 33, 34, 35], [48, 49, 50, 51]]);
  assert.deepEqual(Array.from(plain.y.dataSync()), [7]);

  const half = makeBatch(one, [0], { resolution: 2, normalization: unit, augment: null });
  assert.deepEqual(red(half), [[8.5, 10.5], [40.5, 42.5]]);

  const norm = makeBatch(one, [0], { resolution: 4, normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.5, 0.5] }, augment: null });
  const px = (norm.x.arraySync()[0] as number[][][])[0]![0]!;
  assert.ok(Math.abs(px[1]! - (0 - 0.5) / 0.5) < 1e-6 && Math.abs(px[2]! - (1 - 0.5) / 0.5) < 1e-6);

  // Augmentation: predict the draws with a twin generator (row offset, column offset, flip).
  for (let trial = 0; trial < 6; trial++) {
    const seed = `aug${trial}`;
    const twin = createRng(seed);
    const pad = 2;
    const dy = twin.int(2 * pad + 1) - pad;
    const dx = twin.int(2 * pad + 1) - pad;
    const flip = twin() < 0.5;
    const aug = makeBatch(one, [0], { resolution: 4, normalization: unit, augment: { rng: createRng(seed), padding: pad } });
    const expected = Array.from({ length: size }, (_, r) =>
      Array.from({ length: size }, (_, c) => {
        const sy = r + dy;
        const sx = (flip ? size - 1 - c : c) + dx;
        return sy < 0 || sy >= size || sx < 0 || sx >= size ? 0 : 16 * sy + sx;
      }),
    );
    assert.deepEqual(red(aug), expected, `trial ${trial}: dy ${dy} dx ${dx} flip ${flip}`);
    tf.dispose([aug.x, aug.y]);
  }
  tf.dispose([plain.x, plain.y, half.x, half.y, norm.x, norm.y]);
  assert.throws(() => makeBatch(one, [0], { resolution: 3, normalization: unit, augment: null }), /divisor of the image size 4/);
  assert.throws(() => makeBatch(one, [1], { resolution: 4, normalization: unit, augment: null }), /outside 0..0/);
  assert.throws(() => makeBatch({ ...one, n: 2 }, [0], { resolution: 4, normalization: unit, augment: null }), /not n·4·4·3/);

  const indices = Int32Array.from([3, 5, 7, 9, 11, 13, 15]);
  const stream = new EpochBatchStream(indices, 3, 's');
  const epoch1 = [...stream.next(), ...stream.next()];
  assert.equal(new Set(epoch1).size, 6);
  assert.ok(epoch1.every((i) => indices.includes(i)));
  const saved = JSON.parse(JSON.stringify(stream.state()));
  const rest = [stream.next(), stream.next(), stream.next()].map((b) => Array.from(b));
  assert.equal(stream.epoch, 3, 'the 7th image is dropped, so the third call starts epoch 2 and the fifth epoch 3');
  const again = new EpochBatchStream(indices, 3, 'other');
  again.restore(saved);
  assert.deepEqual([again.next(), again.next(), again.next()].map((b) => Array.from(b)), rest);
  assert.throws(() => new EpochBatchStream(indices, 8, 's'), /batch size must be an integer in 1..7/);

  const split = splitHoldout(50, 10, 4);
  assert.equal(split.holdout.length, 10);
  assert.equal(split.train.length, 40);
  assert.deepEqual([...split.train, ...split.holdout].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(splitHoldout(50, 10, 4), split);
  assert.throws(() => splitHoldout(5, 5, 0), /holdout must be an integer in 1..4/);
});

test('training config validation names the bad field', () => {
  assert.throws(() => tinyTrainConfig({ updates: 0 }), /supernet training config: updates is 0, expected an integer ≥ 1/);
  assert.throws(() => tinyTrainConfig({ gradReduce: 'max' as never }), /gradReduce/);
  assert.throws(() => supernetTrainConfig({ supernet: TINY, sampler: { kind: 'uniform' }, updates: 1, optimizer: { lr: -1 } }), /lr > 0/);
  assert.throws(() => SupernetTrainer.create(tinyTrainConfig({ supernet: { ...TINY, inputSize: 12 } }), fixtureImages(8)), /inputSize 12 must divide the image size 8/);
});

// The PyTorch reference that bench/supernet-step.ts times must be the same network (skipped where Debian's PyTorch is absent).
const torchProbe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
test('the PyTorch reference of bench/supernet-step.ts has exactly our supernet parameter count', { skip: torchProbe.status === 0 ? false : 'PyTorch not importable by /usr/bin/python3 (bash environment/bench-setup.sh)' }, () => {
  const sizes = [
    { label: 'small', channels: 8, cellsPerStage: 1, inputSize: 16, batchSize: 4, timedSteps: 1 },
    { label: 'full', channels: 16, cellsPerStage: 5, inputSize: 8, batchSize: 2, timedSteps: 1 },
  ];
  const run = spawnSync('/usr/bin/python3', ['bench/reference/nb201_supernet_step.py', JSON.stringify(sizes)], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { threads: number; sizes: { label: string; params: number; stepCpuMs: number }[] };
  assert.equal(out.threads, 1);
  sizes.forEach((s, i) => {
    const ours = new Nb201Supernet({ channels: s.channels, cellsPerStage: s.cellsPerStage, numClasses: 10, inputSize: s.inputSize, seed: 0 });
    assert.equal(out.sizes[i]!.params, ours.totalParamCount(), `${s.label}: PyTorch vs ours`);
    assert.ok(out.sizes[i]!.stepCpuMs > 0);
    ours.dispose();
  });
});
