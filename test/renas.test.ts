import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend.js';
import { createBenchmark } from '../src/core/benchmark.js';
import { createRng } from '../src/core/rng.js';
import { RunStore } from '../src/engine/store.js';
import type { BenchRecord, Benchmark } from '../src/core/types.js';
import { parseRenasArgs } from '../src/cli/renas.js';
import {
  RENAS_CHANNELS,
  RENAS_FEATURES,
  RENAS_FLOPS_SCALE,
  RENAS_OP_CODES,
  RENAS_PARAMS_SCALE,
  createRenasEncoder,
  encodeRenasBatch,
  encodeRenasTensor,
  fitStandardizer,
  toNhwc,
} from '../src/encoders/renasTensor.js';
import {
  compactCurve,
  expandCurve,
  rankWholeSpace,
  renas424Config,
  renasTrainIndices,
  runRenas424,
  runRenasWholeSpace,
  RENAS_ABLATION_DEFAULT,
  type Renas424Config,
  type RenasAblationConfig,
  type RenasAblationRow,
} from '../src/experiments/renas424.js';
import { renasAblationFigure, renasAblationRows } from '../src/experiments/renasFigures.js';
import { findDataPath } from '../src/loaders/dataFiles.js';
import { NB101_SUBSET_FILE, loadNb101Subset } from '../src/loaders/nb101.js';
import { bestFoundCurve } from '../src/metrics/bestFound.js';
import { kendallTau } from '../src/metrics/kendallTau.js';
import { RenasPredictor, pairMatrices, pairwiseLogisticLoss, renasBatching, resolveRenasConfig } from '../src/predictors/renas.js';
import { RenasNet, col2im3x3Values, im2col3x3Values } from '../src/predictors/renasNet.js';
import { NB101_CONV1X1, NB101_CONV3X3, NB101_MAXPOOL3X3, nb101Hash, nb101Spec, type Nb101Spec } from '../src/spaces/nb101.js';
import { nb101NetworkCost } from '../src/spaces/nb101Cost.js';
import type { Nb101Space } from '../src/spaces/nb101Enumerate.js';
import { randomSpecs, syntheticBenchmark } from './fixtures/studies.js';

before(async () => {
  await initBackend();
});

const at = (t: Float32Array, b: number, c: number, i: number, j: number): number => t[b * RENAS_FEATURES + c * 49 + i * 7 + j]!;

// ---- fixtures: random valid NAS-Bench-101 cells with a learnable synthetic target ----

const bench = syntheticBenchmark(260, 'renas-test');
const accOf = (rs: readonly BenchRecord<Nb101Spec>[]): number[] => rs.map((r) => r.metrics['val_acc_108']!);

// ---- encoder ----

describe('ReNAS tensor', () => {
  // 0 → 1 (conv3x3) → 2 (maxpool) → 3 (output); 0 → 3; 1 → 3.
  const small = nb101Spec(
    [
      [0, 1, 0, 1],
      [0, 0, 1, 1],
      [0, 0, 0, 1],
      [0, 0, 0, 0],
    ],
    ['input', 'conv3x3-bn-relu', 'maxpool3x3', 'output'],
  );
  const full = nb101Spec(
    [
      [0, 1, 1, 0, 0, 0, 0],
      [0, 0, 0, 1, 0, 0, 0],
      [0, 0, 0, 0, 1, 0, 0],
      [0, 0, 0, 0, 0, 1, 0],
      [0, 0, 0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0, 0, 0],
    ],
    ['input', 'conv1x1-bn-relu', 'conv3x3-bn-relu', 'maxpool3x3', 'conv3x3-bn-relu', 'conv1x1-bn-relu', 'output'],
  );

  const SOURCE = { orientation: 'source', poolAndAddFlops: false } as const;

  test('type channel: the destination vertex\'s op code on every edge by default (public encoder), the source\'s as the switch; zero elsewhere', () => {
    const byDestination = encodeRenasTensor(full);
    const bySource = encodeRenasTensor(full, undefined, 0, SOURCE);
    const codes = [1, 2, 3, 4, 3, 2, 5];
    assert.deepEqual([RENAS_OP_CODES[-1], RENAS_OP_CODES[1], RENAS_OP_CODES[0], RENAS_OP_CODES[2], RENAS_OP_CODES[-2]], [1, 2, 3, 4, 5]);
    for (let i = 0; i < 7; i++) {
      for (let j = 0; j < 7; j++) {
        const edge = full.matrix[i * 7 + j]!;
        assert.equal(at(byDestination, 0, 0, i, j), edge * codes[j]!, `destination type[${i}][${j}]`);
        assert.equal(at(bySource, 0, 0, i, j), edge * codes[i]!, `source type[${i}][${j}]`);
      }
    }
  });

  test('padding keeps the output vertex last: a 4-vertex cell uses slots 0, 1, 2 and 6', () => {
    const t = encodeRenasTensor(small, undefined, 0, SOURCE);
    const expected: Record<string, number> = { '0,1': 1, '0,6': 1, '1,2': 3, '1,6': 3, '2,6': 4 };
    for (let c = 0; c < RENAS_CHANNELS; c++) {
      for (let i = 0; i < 7; i++) {
        for (let j = 0; j < 7; j++) {
          const v = at(t, 0, c, i, j);
          if (!(`${i},${j}` in expected)) assert.equal(v, 0, `channel ${c} [${i}][${j}] must be empty`);
          else if (c === 0) assert.equal(v, expected[`${i},${j}`], `type[${i}][${j}]`);
        }
      }
    }
  });

  test('padding, destination orientation: the output\'s code 5 shows in slot 6\'s column', () => {
    const t = encodeRenasTensor(small);
    const expected: Record<string, number> = { '0,1': 3, '0,6': 5, '1,2': 4, '1,6': 5, '2,6': 5 };
    for (let i = 0; i < 7; i++) for (let j = 0; j < 7; j++) assert.equal(at(t, 0, 0, i, j), expected[`${i},${j}`] ?? 0, `type[${i}][${j}]`);
  });

  test('FLOPs switch: max-pool 9·C·H·W and input additions (inputs − 1)·C·H·W counted only with poolAndAddFlops; parameters unchanged', () => {
    // Cell 1 (32x32, 128 → 128): vertices 1 and 2 feed the output, 64 channels each.
    const plain = nb101NetworkCost(small).cells[0]!;
    const counted = nb101NetworkCost(small, { poolAndAddFlops: true }).cells[0]!;
    assert.deepEqual(plain.vertexChannels, [128, 64, 64, 128]);
    assert.equal(plain.flops[2], 0, 'max-pool has no multiply-adds');
    assert.equal(counted.flops[2], 9 * 64 * 32 * 32, 'max-pool 3x3 over 64 channels at 32x32');
    assert.equal(counted.flops[1], plain.flops[1], 'vertex 1 has one input: nothing to add');
    assert.equal(counted.flops[6]! - plain.flops[6]!, 128 * 32 * 32, 'the output adds the projected input to the concatenation');
    assert.deepEqual(Array.from(counted.params), Array.from(plain.params));
    // Vertex 2 of this cell sums two inputs (0→2 projected, 1→2).
    const twoInputs = nb101Spec(
      [
        [0, 1, 1, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
        [0, 0, 0, 0],
      ],
      ['input', 'conv1x1-bn-relu', 'conv3x3-bn-relu', 'output'],
    );
    const a = nb101NetworkCost(twoInputs).cells[0]!;
    const b = nb101NetworkCost(twoInputs, { poolAndAddFlops: true }).cells[0]!;
    assert.equal(b.flops[2]! - a.flops[2]!, 128 * 32 * 32, 'vertex 2 sums two inputs of 128 channels');
    assert.equal(b.totalParams, a.totalParams);
  });

  test('channel order [type, f1, p1, …, f9, p9]: per-cell FLOPs and params of the source vertex, scaled', () => {
    const t = encodeRenasTensor(small, undefined, 0, SOURCE);
    const cost = nb101NetworkCost(small);
    for (let k = 0; k < 9; k++) {
      // Edge 1 → 2: source vertex 1 (conv3x3, fed by the input) has FLOPs and params in every cell.
      const flops = cost.cells[k]!.flops[1]!;
      const params = cost.cells[k]!.params[1]!;
      assert.ok(flops > 0 && params > 0);
      assert.ok(Math.abs(at(t, 0, 1 + 2 * k, 1, 2) - flops * RENAS_FLOPS_SCALE) <= 1e-6 * flops * RENAS_FLOPS_SCALE, `f${k + 1}`);
      assert.ok(Math.abs(at(t, 0, 2 + 2 * k, 1, 2) - params * RENAS_PARAMS_SCALE) <= 1e-6 * params * RENAS_PARAMS_SCALE, `p${k + 1}`);
      // The input vertex costs nothing; max-pool has no parameters and no multiply-adds.
      assert.equal(at(t, 0, 1 + 2 * k, 0, 1), 0);
      assert.equal(at(t, 0, 2 + 2 * k, 2, 6), 0);
    }
    // Later stacks have more channels: cell 9's params exceed cell 1's.
    assert.ok(at(t, 0, 18, 1, 2) > at(t, 0, 2, 1, 2));
  });

  test('batched encoder: [B, 19, 7, 7], same values as one at a time; NHWC transpose', () => {
    const specs = [small, full];
    const encoder = createRenasEncoder();
    const tensor = encoder.encode(specs);
    assert.deepEqual(tensor.shape, [2, 19, 7, 7]);
    const batch = tensor.dataSync() as Float32Array;
    tensor.dispose();
    assert.deepEqual(Array.from(batch.subarray(RENAS_FEATURES)), Array.from(encodeRenasTensor(full)));
    assert.deepEqual(Array.from(encodeRenasBatch(specs)), Array.from(batch));
    const nhwc = toNhwc(batch, 2);
    assert.equal(nhwc[RENAS_FEATURES + (1 * 7 + 3) * 19 + 0], at(batch, 1, 0, 1, 3));
    assert.equal(nhwc[(1 * 7 + 2) * 19 + 5], at(batch, 0, 5, 1, 2));
  });

  test('standardiser: per-element z-scores on the training set; constant positions only centred', () => {
    const specs = bench.all().slice(0, 50).map((r) => r.arch);
    const raw = encodeRenasBatch(specs);
    const st = fitStandardizer(raw, specs.length);
    const z = st.apply(raw.slice(), specs.length);
    let varying = 0;
    for (let i = 0; i < RENAS_FEATURES; i++) {
      let s = 0;
      let s2 = 0;
      let constant = true;
      for (let b = 0; b < specs.length; b++) {
        s += z[b * RENAS_FEATURES + i]!;
        s2 += z[b * RENAS_FEATURES + i]! ** 2;
        if (raw[b * RENAS_FEATURES + i] !== raw[i]) constant = false;
      }
      assert.ok(Math.abs(s / specs.length) < 1e-5, `mean of position ${i}`);
      if (constant) assert.equal(s2, 0, `constant position ${i} must standardise to 0`);
      else {
        varying++;
        assert.ok(Math.abs(s2 / specs.length - 1) < 1e-4, `variance of position ${i}`);
      }
    }
    assert.ok(varying > 100, `only ${varying} positions vary`);
    // Below the diagonal every entry is 0: scale 1, value stays 0.
    assert.equal(st.scale[0 * 49 + 3 * 7 + 1], 1);
    assert.equal(z[3 * 7 + 1], 0);
    assert.deepEqual(Array.from(st.applyToNhwc(raw, specs.length)), Array.from(toNhwc(z, specs.length)));
  });

  test('rejects a malformed spec with a clear message', () => {
    assert.throws(() => encodeRenasTensor({ numVertices: 8, matrix: new Uint8Array(64), ops: [] }), /not a pruned NAS-Bench-101 cell/);
  });
});

// ---- loss ----

describe('pairwise logistic loss', () => {
  function bruteForce(f: number[], y: number[], ties: 'constant' | 'exclude'): number {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < f.length; i++) {
      for (let j = 0; j < f.length; j++) {
        if (i === j) continue;
        const s = Math.sign(y[i]! - y[j]!);
        if (s === 0 && ties === 'exclude') continue;
        sum += Math.log(1 + Math.exp(-(f[i]! - f[j]!) * s));
        count++;
      }
    }
    return sum / count;
  }

  const f = [0.3, -1.2, 2.5, 0.0, 0.7];
  const y = [0.91, 0.93, 0.88, 0.93, 0.9];

  for (const ties of ['constant', 'exclude'] as const) {
    test(`matches the brute-force double loop (ties: ${ties})`, () => {
      const { sign, weight, weightSum } = pairMatrices(y, ties);
      const loss = tf.tidy(() => pairwiseLogisticLoss(tf.tensor1d(f), tf.tensor2d(sign, [5, 5]), tf.tensor2d(weight, [5, 5]), weightSum).dataSync()[0]!);
      assert.ok(Math.abs(loss - bruteForce(f, y, ties)) < 1e-5, `${loss} vs ${bruteForce(f, y, ties)}`);
    });
  }

  test('ties: constant log 2 per tied pair vs excluded', () => {
    const { weightSum: all } = pairMatrices(y, 'constant');
    const { weightSum: untied } = pairMatrices(y, 'exclude');
    assert.equal(all, 20);
    assert.equal(untied, 18); // y[1] = y[3]: one tied unordered pair = 2 ordered pairs
  });

  test('gradient pushes the best architecture up and the worst down', () => {
    const { sign, weight, weightSum } = pairMatrices(y, 'constant');
    const g = tf.tidy(() =>
      tf.grad((scores: tf.Tensor) => pairwiseLogisticLoss(scores as tf.Tensor1D, tf.tensor2d(sign, [5, 5]), tf.tensor2d(weight, [5, 5]), weightSum))(tf.zeros([5])).dataSync(),
    );
    // y: best are 1 and 3 (tied), worst is 2. Gradient descent raises a score when its gradient is negative.
    assert.ok(g[1]! < 0 && g[3]! < 0, `best scores should rise: ${Array.from(g)}`);
    assert.ok(g[2]! > 0, `worst score should fall: ${Array.from(g)}`);
    assert.ok(Math.abs(g[1]! - g[3]!) < 1e-7, 'tied architectures get the same push');
  });
});

// ---- network ----

describe('ReNAS network', () => {
  test('parameters: 813,615 with the official conv2 padding, 444,975 without', () => {
    const official = new RenasNet(createRng('params'), { bnMomentum: 0.1, bnEpsilon: 1e-5, conv2Padding: 'same' });
    const valid = new RenasNet(createRng('params'), { bnMomentum: 0.1, bnEpsilon: 1e-5, conv2Padding: 'valid' });
    assert.equal(official.numParams, 813_615);
    assert.equal(valid.numParams, 444_975);
    official.dispose();
    valid.dispose();
    assert.throws(() => new RenasNet(createRng('x'), { bnMomentum: 0.1, bnEpsilon: 1e-5, conv2Padding: 'full' as 'same' }), /conv2Padding must be 'same' or 'valid'/);
  });

  const gradientCases = [
    { label: 'NAS-Bench-101 19x7x7', conv2Padding: 'same', input: { channels: 19, side: 7 } },
    { label: 'NAS-Bench-101 19x7x7', conv2Padding: 'valid', input: { channels: 19, side: 7 } },
    { label: 'NAS-Bench-201 31x4x4', conv2Padding: 'same', input: { channels: 31, side: 4 } },
  ] as const;
  for (const { label, conv2Padding, input } of gradientCases)
  test(`custom gradients (dense, batch norm, convolutions) equal tf autodiff of the plain network (${label}, conv2 ${conv2Padding})`, () => {
    const net = new RenasNet(createRng('grad-check'), { bnMomentum: 0.1, bnEpsilon: 1e-5, conv2Padding, input });
    const rng = createRng('grad-input');
    const B = 6;
    const { channels, side } = input;
    const side2 = conv2Padding === 'same' ? side : side - 2;
    const x = tf.tensor4d(Float32Array.from({ length: B * side * side * channels }, () => 2 * rng() - 1), [B, side, side, channels]);
    const coeff = tf.tensor1d(Float32Array.from({ length: B }, () => 2 * rng() - 1));
    // Non-trivial BN scale / shift so their gradients are exercised.
    const [, g1, , , , b2] = net.trainable;
    g1!.assign(tf.tensor1d(Float32Array.from({ length: 2 * channels }, () => 0.5 + rng())));
    b2!.assign(tf.tensor1d(Float32Array.from({ length: 128 }, () => rng() - 0.5)));
    const plain = (): tf.Scalar => {
      const [w1, ga1, be1, w2, ga2, be2, fw1, fb1, fw2, fb2, fw3, fb3] = net.trainable as tf.Tensor[];
      const bn = (h: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor4D => {
        const { mean, variance } = tf.moments(h, [0, 1, 2]);
        return tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta) as tf.Tensor4D;
      };
      let h = tf.relu(bn(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same'), ga1!, be1!));
      h = tf.relu(bn(tf.conv2d(h, w2 as tf.Tensor4D, 1, conv2Padding), ga2!, be2!));
      let z = tf.reshape(h, [B, side2 * side2 * 128]) as tf.Tensor2D;
      z = tf.relu(tf.add(tf.matMul(z, fw1 as tf.Tensor2D), fb1!)) as tf.Tensor2D;
      z = tf.relu(tf.add(tf.matMul(z, fw2 as tf.Tensor2D), fb2!)) as tf.Tensor2D;
      const out = tf.reshape(tf.add(tf.matMul(z, fw3 as tf.Tensor2D), fb3!), [B]);
      return tf.sum(tf.mul(out, coeff));
    };
    const custom = tf.variableGrads(() => tf.sum(tf.mul(net.forwardTrain(x), coeff)) as tf.Scalar, net.trainable);
    net.discardBatchStats();
    const reference = tf.variableGrads(plain, net.trainable);
    assert.ok(Math.abs(custom.value.dataSync()[0]! - reference.value.dataSync()[0]!) < 1e-4, 'forward values differ');
    for (const v of net.trainable) {
      const a = custom.grads[v.name]!.dataSync();
      const b = reference.grads[v.name]!.dataSync();
      let maxAbs = 0;
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(b[i]!));
        maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
      }
      assert.ok(maxAbs > 0, `${v.name}: reference gradient is all zero, the check would be vacuous`);
      assert.ok(maxDiff <= 1e-3 * maxAbs + 1e-6, `${v.name}: max |custom − autodiff| = ${maxDiff} (max |grad| ${maxAbs})`);
    }
    tf.dispose([x, coeff, custom.value, reference.value, ...Object.values(custom.grads), ...Object.values(reference.grads)]);
    net.dispose();
  });

  test('im2col / col2im of a 3x3 valid conv: the same patches as 9 slices, and col2im is its adjoint', () => {
    const rng = createRng('im2col');
    const shape: [number, number, number, number] = [3, 7, 7, 5];
    const x = Float32Array.from({ length: 3 * 7 * 7 * 5 }, () => 2 * rng() - 1);
    const cols = im2col3x3Values(x, shape, 5);
    const xt = tf.tensor4d(x, shape);
    const taps: tf.Tensor4D[] = [];
    for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) taps.push(tf.slice(xt, [0, dy, dx, 0], [3, 5, 5, 5]));
    const reference = tf.reshape(tf.concat(taps, 3), [75, 45]);
    assert.deepEqual(Array.from(cols), Array.from(reference.dataSync()));
    // ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ for any c: col2im is exactly the transpose of im2col.
    const c = Float32Array.from({ length: cols.length }, () => 2 * rng() - 1);
    const back = col2im3x3Values(c, shape, 5);
    let lhs = 0;
    let rhs = 0;
    for (let i = 0; i < cols.length; i++) lhs += cols[i]! * c[i]!;
    for (let i = 0; i < x.length; i++) rhs += x[i]! * back[i]!;
    assert.ok(Math.abs(lhs - rhs) < 1e-3, `⟨im2col x, c⟩ = ${lhs} but ⟨x, col2im c⟩ = ${rhs}`);
    tf.dispose([xt, reference, ...taps]);
  });

  test('batching: official DataLoader batches of 1,024 then the rest; near-equal batches as the switch', () => {
    const official = resolveRenasConfig();
    const plain = (b: ReturnType<typeof renasBatching>) => ({ batchSize: b.batchSize, steps: b.steps, bounds: Array.from(b.bounds) });
    assert.deepEqual(plain(renasBatching(official, 423)), { batchSize: 423, steps: 1, bounds: [0, 423] });
    assert.deepEqual(plain(renasBatching(official, 1000)), { batchSize: 1000, steps: 1, bounds: [0, 1000] });
    assert.deepEqual(plain(renasBatching(official, 4236)), { batchSize: 1024, steps: 5, bounds: [0, 1024, 2048, 3072, 4096, 4236] });
    const old = resolveRenasConfig({ batchSize: 424, batchSplit: 'near-equal' });
    assert.deepEqual(plain(renasBatching(old, 1000)), { batchSize: 334, steps: 3, bounds: [0, 333, 666, 1000] });
    assert.equal(renasBatching(old, 10000).steps, 24);
    assert.deepEqual(plain(renasBatching(resolveRenasConfig({ batchSize: 100 }), 250)), { batchSize: 100, steps: 3, bounds: [0, 100, 200, 250] });
  });

  test('config: official defaults; unknown fields and bad values are errors naming the field', () => {
    const c = resolveRenasConfig();
    assert.deepEqual(
      { batchSize: c.batchSize, batchSplit: c.batchSplit, repeatLastStep: c.repeatLastStep, conv2Padding: c.conv2Padding, keptWeights: c.keptWeights, encoding: c.encoding, epochs: c.epochs },
      { batchSize: 1024, batchSplit: 'dataloader', repeatLastStep: true, conv2Padding: 'same', keptWeights: 'epoch-end', encoding: { orientation: 'destination', poolAndAddFlops: true }, epochs: 200 },
    );
    assert.deepEqual(resolveRenasConfig({ encoding: { orientation: 'source' } }).encoding, { orientation: 'source', poolAndAddFlops: true });
    assert.throws(() => resolveRenasConfig({ lossKind: 'hinge' as 'mse' }), /lossKind "hinge" is not one of ranking, mse/);
    assert.throws(() => resolveRenasConfig({ fullBatchMax: 424 } as object), /unknown field "fullBatchMax"/);
    assert.throws(() => resolveRenasConfig({ batchSize: 0 }), /batchSize is 0, expected an integer ≥ 1/);
    assert.throws(() => resolveRenasConfig({ repeatLastStep: 'yes' as unknown as boolean }), /repeatLastStep must be true or false/);
    assert.throws(() => resolveRenasConfig({ encoding: { orientation: 'row' as 'source' } }), /encoding.orientation "row" is not one of destination, source/);
  });
});

// ---- predictor ----

describe('ReNAS predictor', () => {
  const train = bench.all().slice(0, 100);
  const heldOut = bench.all().slice(100);

  for (const lossKind of ['ranking', 'mse'] as const) {
    test(`learns a synthetic ranking (${lossKind}): clear held-out Kendall τ`, async () => {
      const p = new RenasPredictor(3, { lossKind, epochs: 15 });
      const report = await p.fit(train, accOf(train));
      const tau = kendallTau(await p.predict(heldOut), accOf(heldOut));
      p.dispose();
      console.log(`synthetic ${lossKind}: held-out τ = ${tau.toFixed(3)}`);
      assert.equal(report.lossHistory.length, 15);
      assert.ok(report.lossHistory[14]! < report.lossHistory[0]!, `loss should fall: ${report.lossHistory[0]} → ${report.lossHistory[14]}`);
      assert.ok(tau > 0.3, `held-out τ = ${tau}`);
    });
  }

  test('same seed → same predictions; another seed → different ones; keeps the best-τ epoch', async () => {
    const fitPredict = async (seed: number, keepBestTrainTau = true) => {
      const p = new RenasPredictor(seed, { epochs: 6, keepBestTrainTau });
      const report = await p.fit(train.slice(0, 40), accOf(train.slice(0, 40)));
      const pred = await p.predict(heldOut.slice(0, 30));
      p.dispose();
      return { pred, report };
    };
    const a = await fitPredict(5);
    const b = await fitPredict(5);
    const c = await fitPredict(6);
    assert.deepEqual(Array.from(a.pred), Array.from(b.pred));
    assert.notDeepEqual(Array.from(a.pred), Array.from(c.pred));
    const taus = a.report.trainTauHistory;
    assert.equal(taus.length, 6);
    assert.equal(a.report.keptEpoch, taus.indexOf(Math.max(...taus)));
    const last = await fitPredict(5, false);
    assert.equal(last.report.keptEpoch, 5);
  });

  test('repeated step: 2·epochs − 1 Adam updates at full batch (399 in 200 epochs), one per batch without it', async () => {
    const fit = async (over: object) => {
      const p = new RenasPredictor(4, { epochs: 6, ...over });
      const report = await p.fit(train.slice(0, 40), accOf(train.slice(0, 40)));
      const pred = await p.predict(heldOut.slice(0, 20));
      p.dispose();
      return { report, pred: Array.from(pred) };
    };
    const official = await fit({});
    const once = await fit({ repeatLastStep: false });
    assert.equal(official.report.updates, 11);
    assert.equal(once.report.updates, 6);
    assert.notDeepEqual(official.pred, once.pred, 'the repeated step must change the weights');
    // Mini-batches: one repeat per epoch after the first, on top of one update per batch.
    const mini = await fit({ batchSize: 16 });
    assert.equal(mini.report.stepsPerEpoch, 3);
    assert.equal(mini.report.updates, 6 * 3 + 5);
  });

  test('repeated step: the extra update at the top of an epoch applies exactly the previous epoch\'s last gradient again', async (t) => {
    // Record every gradient map handed to Adam (values copied at the time of the call).
    const applied: Map<string, Float32Array>[] = [];
    const adam = tf.train.adam;
    t.mock.method(tf.train, 'adam', (...args: Parameters<typeof adam>) => {
      const optimizer = adam(...args);
      const apply = optimizer.applyGradients.bind(optimizer);
      optimizer.applyGradients = (grads) => {
        const map = grads as tf.NamedTensorMap;
        applied.push(new Map(Object.entries(map).map(([name, g]) => [name, Float32Array.from(g.dataSync())])));
        apply(grads);
      };
      return optimizer;
    });
    const p = new RenasPredictor(5, { epochs: 3, keepBestTrainTau: false });
    const report = await p.fit(train.slice(0, 30), accOf(train.slice(0, 30)));
    p.dispose();
    assert.equal(report.updates, 5);
    assert.equal(applied.length, 5, 'epochs 0, 1, 2 at full batch: g0 | g0 again, g1 | g1 again, g2');
    const same = (a: Map<string, Float32Array>, b: Map<string, Float32Array>): boolean =>
      a.size === b.size && [...a].every(([name, v]) => b.has(name) && v.every((x, i) => x === b.get(name)![i]));
    assert.ok(same(applied[0]!, applied[1]!), 'epoch 1 starts by re-applying epoch 0\'s gradient');
    assert.ok(same(applied[2]!, applied[3]!), 'epoch 2 starts by re-applying epoch 1\'s gradient');
    assert.ok(!same(applied[1]!, applied[2]!) && !same(applied[3]!, applied[4]!), 'each epoch then takes a fresh gradient');
  });

  test('kept weights: official keeps the weights after the best epoch\'s step, "scored" the weights that produced its τ', async () => {
    // One epoch whose training τ beats 0: 'epoch-end' keeps the weights after its update (= not keeping any),
    // 'scored' keeps the weights before it (the initial ones), so its predictions differ.
    const fit = async (over: object) => {
      const p = new RenasPredictor(9, { epochs: 1, repeatLastStep: false, ...over });
      const report = await p.fit(train.slice(0, 40), accOf(train.slice(0, 40)));
      const pred = Array.from(await p.predict(heldOut.slice(0, 20)));
      p.dispose();
      return { report, pred };
    };
    const last = await fit({ keepBestTrainTau: false });
    const epochEnd = await fit({});
    const scored = await fit({ keptWeights: 'scored' });
    assert.ok(epochEnd.report.trainTauHistory[0]! > 0 || epochEnd.report.keptEpoch === -1);
    if (epochEnd.report.keptEpoch === 0) assert.deepEqual(epochEnd.pred, last.pred);
    assert.equal(scored.report.keptEpoch, 0);
    assert.notDeepEqual(scored.pred, last.pred);
  });

  test('mini-batches when N exceeds the batch size; predict in chunks equals one pass', async () => {
    const p = new RenasPredictor(2, { epochs: 2, batchSize: 40, batchSplit: 'near-equal', predictBatch: 7 });
    const report = await p.fit(train, accOf(train));
    assert.equal(report.stepsPerEpoch, 3);
    assert.equal(report.batchSize, 34);
    const chunked = await p.predict(heldOut.slice(0, 30));
    const encoded = encodeRenasBatch(heldOut.slice(0, 30).map((r) => r.arch));
    const onePass = p.predictEncoded(encoded, 30);
    p.dispose();
    for (let i = 0; i < 30; i++) assert.ok(Math.abs(chunked[i]! - onePass[i]!) < 1e-5);
  });

  test('predict before fit and mismatched targets are clear errors', async () => {
    const p = new RenasPredictor(0);
    await assert.rejects(p.predict(train.slice(0, 2)), /predict called before fit/);
    await assert.rejects(p.fit(train.slice(0, 3), [0.9, 0.8]), /3 architectures but 2 targets/);
    await assert.rejects(p.fit(train.slice(0, 2), [0.9, NaN]), /target 1 is NaN/);
  });
});

// ---- runner ----

describe('renas424 runner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'renas424-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const config: Renas424Config = {
    ...renas424Config('smoke'),
    seeds: [1],
    trainSizes: [40],
    lossKinds: ['ranking', 'mse'],
    epochs: 3,
    topK: 5,
    executor: { kind: 'in-thread' },
    wholeSpace: false,
    ablation: false,
  };
  const strip = (rows: readonly object[]) => rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'cached' && k !== 'fitSeconds')));

  test('runs, caches each run, and a second call is served from the cache', async () => {
    const cacheDir = join(dir, 'basic');
    const first = await runRenas424(config, { bench, cacheDir });
    assert.equal(first.rows.length, 2);
    assert.ok(first.rows.every((r) => !r.cached));
    for (const r of first.rows) {
      assert.ok(r.kendallTau > -1 && r.kendallTau <= 1);
      assert.ok(r.searchBest >= r.searchTopKBest);
      assert.ok(r.searchBestTopFraction >= 0 && r.searchBestTopFraction < 1);
      assert.equal(r.epochs, 3);
    }
    // Both losses train on the same draw, so their random-search baselines coincide.
    assert.equal(first.rows[0]!.randomBest, first.rows[1]!.randomBest);
    assert.equal(new RunStore(cacheDir).keys().length, 2);
    const second = await runRenas424(config, { bench, cacheDir });
    assert.ok(second.rows.every((r) => r.cached));
    assert.deepEqual(strip(second.rows), strip(first.rows));
    assert.equal(second.summary.length, 2);
    assert.equal(second.summary[0]!.runs, 1);
    const curve = second.curves['1/40/ranking']!;
    assert.equal(curve.search.length, 45);
    assert.equal(expandCurve(curve.search)[44], second.rows[0]!.searchBest);
  });

  test('a killed sweep resumes: finished runs come from the cache, only the rest is fitted', async () => {
    const cacheDir = join(dir, 'resume');
    const controller = new AbortController();
    const twoSeeds = { ...config, seeds: [1, 2] };
    await assert.rejects(
      runRenas424(twoSeeds, {
        bench,
        cacheDir,
        signal: controller.signal,
        progress: (p) => {
          if (p.computed === 1) controller.abort(new Error('killed'));
        },
      }),
      /killed/,
    );
    assert.equal(new RunStore(cacheDir).keys().length, 1);
    const resumed = await runRenas424(twoSeeds, { bench, cacheDir });
    assert.deepEqual(
      resumed.rows.map((r) => r.cached),
      [true, false, false, false],
    );
    assert.equal(new RunStore(cacheDir).keys().length, 4);
  });

  test('a killed sweep on worker threads keeps the finished runs and stops the one in flight', async () => {
    const cacheDir = join(dir, 'resume-threaded');
    const controller = new AbortController();
    const twoSeeds = { ...config, seeds: [1, 2], executor: { kind: 'pool', threads: 2 } as const };
    await assert.rejects(
      runRenas424(twoSeeds, {
        bench,
        cacheDir,
        signal: controller.signal,
        progress: (p) => {
          if (p.computed === 1) controller.abort(new Error('killed'));
        },
      }),
      /killed/,
    );
    // The run in flight on the other thread was stopped (its thread terminated); the other two never started.
    assert.equal(new RunStore(cacheDir).keys().length, 1);
    const resumed = await runRenas424(twoSeeds, { bench, cacheDir });
    assert.equal(resumed.rows.filter((r) => r.cached).length, 1);
    assert.equal(new RunStore(cacheDir).keys().length, 4);
  });

  test('worker threads give the same results as the calling thread', async () => {
    const inThread = await runRenas424(config, { bench, cacheDir: join(dir, 'one') });
    const threaded = await runRenas424({ ...config, executor: { kind: 'pool', threads: 2 } }, { bench, cacheDir: join(dir, 'two') });
    assert.deepEqual(strip(threaded.rows), strip(inThread.rows));
  });

  test('fidelity ablation: each variant paired by seed with the default; a variant identical at this N is the same run; the default runs are the study\'s', async () => {
    const cacheDir = join(dir, 'ablation');
    const withAblation: Renas424Config = {
      ...config,
      seeds: [1, 2],
      lossKinds: ['ranking'],
      epochs: 2,
      ablation: {
        trainSize: 40,
        seeds: [1, 2],
        lossKind: 'ranking',
        epochs: 2,
        variants: [
          { name: 'conv2 valid', official: 'padding 1', variant: 'no padding', predictor: { conv2Padding: 'valid' } },
          { name: 'near-equal 424', official: '1,024', variant: '≤ 424', predictor: { batchSize: 424, batchSplit: 'near-equal' } },
        ],
      },
    };
    const first = await runRenas424(withAblation, { bench, cacheDir });
    const ab = first.ablation!;
    // 2 study runs (= the ablation's default) + 2 conv2 runs; the batching variant is the default's run at N = 40.
    assert.equal(new RunStore(cacheDir).keys().length, 4);
    assert.deepEqual(ab.rows.map((r) => r.name), [RENAS_ABLATION_DEFAULT, 'conv2 valid', 'near-equal 424']);
    const [base, conv, batch] = ab.rows as [RenasAblationRow, RenasAblationRow, RenasAblationRow];
    assert.equal(base.tauMean, (first.rows[0]!.kendallTau + first.rows[1]!.kendallTau) / 2);
    const tauOf = (variant: string, seed: number) => ab.runs.find((r) => r.variant === variant && r.seed === seed)!.kendallTau;
    const diffs = [1, 2].map((seed) => tauOf('conv2 valid', seed) - tauOf('', seed));
    assert.ok(Math.abs(conv.tauDifference - (diffs[0]! + diffs[1]!) / 2) < 1e-12);
    assert.ok(conv.tauDifferenceLower <= conv.tauDifference && conv.tauDifference <= conv.tauDifferenceUpper);
    assert.equal(conv.sameRunsAsDefault, false);
    assert.equal(batch.sameRunsAsDefault, true);
    assert.equal(batch.tauDifference, 0);
    assert.equal(base.updates, 3, '2 epochs with the repeated step');
    const rows = renasAblationRows(ab);
    assert.equal(rows[2]!['Δτ vs default [95 % CI]'], '0 (same runs as the default at this N)');
    assert.match(String(rows[1]!['Δτ vs default [95 % CI]']), /^[+-]\d\.\d{3} \[-?\d\.\d{3}, -?\d\.\d{3}\]$/);
    const fig = renasAblationFigure(ab);
    assert.deepEqual(fig.data[0]!['y'], ['near-equal 424', 'conv2 valid']);
    const again = await runRenas424(withAblation, { bench, cacheDir });
    assert.ok(again.ablation!.runs.every((r) => r.cached));
    assert.deepEqual(again.ablation!.rows.map((r) => r.tauDifference), ab.rows.map((r) => r.tauDifference));
    await assert.rejects(
      runRenas424({ ...withAblation, ablation: { ...withAblation.ablation as RenasAblationConfig, variants: [{ name: 'bad', official: '', variant: '', predictor: { conv2Padding: 'full' as 'same' } }] } }, { bench, cacheDir }),
      /ablation variant "bad": ReNAS config: conv2Padding "full" is not one of same, valid/,
    );
  });

  test('training draws depend on (seed, size) only and are distinct rows', () => {
    const a = renasTrainIndices(1000, 3, 50);
    assert.deepEqual(Array.from(a), Array.from(renasTrainIndices(1000, 3, 50)));
    assert.notDeepEqual(Array.from(a), Array.from(renasTrainIndices(1000, 4, 50)));
    assert.equal(new Set(a).size, 50);
  });

  test('compact best-found curves expand to the full curve', () => {
    const values = [0.5, 0.4, 0.7, 0.7, 0.6, 0.9, 0.1];
    const compact = compactCurve(values);
    assert.deepEqual(compact.at, [0, 2, 5]);
    assert.deepEqual(Array.from(expandCurve(compact)), Array.from(bestFoundCurve(values)));
  });

  test('rankWholeSpace streams the space and keeps the predicted top K', async () => {
    const specs = bench.all().map((r) => r.arch);
    const hashes = bench.all().map((r) => r.id);
    const space = { size: specs.length, specAt: (i: number) => specs[i]!, hashAt: (i: number) => hashes[i]! } as unknown as Nb101Space;
    const p = new RenasPredictor(4, { epochs: 3 });
    await p.fit(bench.all().slice(0, 60), accOf(bench.all().slice(0, 60)));
    const scores = p.predictEncoded(encodeRenasBatch(specs), specs.length);
    const ranking = await rankWholeSpace(p, space, { topK: 7, batchSize: 50, bench });
    p.dispose();
    const expected = Array.from(scores.keys())
      .sort((a, b) => scores[b]! - scores[a]! || a - b)
      .slice(0, 7);
    assert.deepEqual(
      ranking.top.map((e) => e.index),
      expected,
    );
    assert.equal(ranking.ranked, specs.length);
    assert.ok(ranking.top.every((e, k) => e.inBenchmark && e.rank === k && e.hash === hashes[e.index]));
    assert.equal(ranking.top[0]!.trueValue, bench.all()[expected[0]!]!.metrics['val_acc_108']);
  });

  test('whole-space ranking reuses the run\'s fitted predictor; a fresh fit ranks the same', async () => {
    const specs = bench.all().map((r) => r.arch);
    const hashes = bench.all().map((r) => r.id);
    const space = { size: specs.length, specAt: (i: number) => specs[i]!, hashAt: (i: number) => hashes[i]! } as unknown as Nb101Space;
    const withSpace: Renas424Config = { ...config, lossKinds: ['ranking'], wholeSpace: { seed: 1, trainSize: 40, lossKind: 'ranking', topK: 6, batchSize: 64 } };
    const cacheDir = join(dir, 'space', 'runs');
    const result = await runRenas424(withSpace, { bench, cacheDir, space });
    const viaState = result.wholeSpace!;
    assert.equal(viaState.cached, false);
    assert.equal(viaState.top.length, 6);
    assert.equal(viaState.ranked, specs.length);
    // Drop the cached ranking: the next call must fit again in this thread and agree.
    rmSync(join(dir, 'space', 'space'), { recursive: true });
    const refit = (await runRenasWholeSpace(withSpace, { bench, cacheDir, space }))!;
    assert.deepEqual(
      refit.top.map((e) => [e.index, e.score]),
      viaState.top.map((e) => [e.index, e.score]),
    );
    const again = (await runRenasWholeSpace(withSpace, { bench, cacheDir, space }))!;
    assert.equal(again.cached, true);
  });

  test('CLI options become a study config', () => {
    assert.notEqual((parseRenasArgs(['run', '--profile', 'paper']) as { config: Renas424Config }).config.ablation, false);
    const parsed = parseRenasArgs(['run', '--profile', 'paper', '--seeds', '3,4', '--sizes', '424,1000', '--losses', 'mse', '--epochs', '7', '--no-space', '--no-ablation', '--json', 'out.json']);
    assert.notEqual(parsed, 'help');
    const { config: c, json } = parsed as Exclude<typeof parsed, 'help'>;
    assert.equal(parseRenasArgs(['run', '-h']), 'help');
    assert.deepEqual(c.seeds, [3, 4]);
    assert.deepEqual(c.seedsBySize, {}, '--seeds applies at every size');
    assert.equal(c.ablation, false);
    assert.deepEqual(c.trainSizes, [424, 1000]);
    assert.deepEqual(c.lossKinds, ['mse']);
    assert.equal(c.epochs, 7);
    assert.equal(c.wholeSpace, false);
    assert.equal(json, 'out.json');
    assert.equal((parsed as { search?: true }).search, undefined, 'no search unless asked');
    const searching = parseRenasArgs(['run', '--profile', 'paper', '--search-seeds', '4,5']) as { config: Renas424Config; search?: true };
    assert.equal(searching.search, true);
    assert.deepEqual(searching.config.search && searching.config.search.seeds, [4, 5]);
    assert.throws(() => parseRenasArgs(['run', '--losses', 'hinge']), /not ranking or mse/);
    assert.throws(() => parseRenasArgs(['fly']), /unknown subcommand/);
  });
});

// ---- real data ----

const realDataPath = findDataPath(NB101_SUBSET_FILE);
test('real data: 424-sample ReNAS fit ranks the rest of the NAS-Bench-101 subset (τ > 0.2)', { skip: realDataPath ? false : `real data not found: ${NB101_SUBSET_FILE}` }, async () => {
  const subset = await loadNb101Subset();
  const indices = renasTrainIndices(subset.size, 0, 424);
  const inTrain = new Set(indices);
  const records = subset.all();
  const train = Array.from(indices, (i) => records[i]!);
  const rest = records.filter((_, i) => !inTrain.has(i));
  const p = new RenasPredictor(0, { lossKind: 'ranking', epochs: 8 });
  await p.fit(train, accOf(train));
  const tau = kendallTau(await p.predict(rest), accOf(rest));
  p.dispose();
  console.log(`real-data smoke: 424 samples, 8 epochs, Kendall τ on ${rest.length} cells = ${tau.toFixed(4)}`);
  assert.ok(tau > 0.2, `τ = ${tau}`);
});
