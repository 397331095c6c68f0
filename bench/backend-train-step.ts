/**
 * Times one training step (forward + gradients + Adam update) of a small conv
 * net on the wasm backend (with our replacement kernels) and on the pure-JS
 * cpu backend, and prints ms/step for each and the ratio cpu/wasm.
 *
 * Net: 3 × (conv3x3 16ch + batch-norm (batch statistics) + relu), a 2x2
 * max-pool after the second block, global average pool, dense 10, softmax
 * cross-entropy; input 32x32x3.
 *
 *   npx tsx bench/backend-train-step.ts [--batch 64] [--steps 10] [--cpu-steps 1] [--warmup 2]
 *
 * cpu is ~200× slower, so it gets few steps (its timings vary little: no JIT
 * of kernels, no caches to warm beyond the first step). Process CPU time is
 * printed beside wall time because the 2-core machine is usually shared.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend.js';
import { createRng } from '../src/core/rng.js';

function intArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < (name === 'cpu-steps' || name === 'warmup' ? 0 : 1)) throw new Error(`--${name} needs an integer (≥ 1 for --batch/--steps, ≥ 0 otherwise), got ${process.argv[i + 1]}`);
  return value;
}

const batch = intArg('batch', 64);
const steps = intArg('steps', 10);
const cpuSteps = intArg('cpu-steps', 1);
const warmup = intArg('warmup', 2);
const channels = 16;
const classes = 10;

interface Net {
  readonly variables: tf.Variable[];
  loss(x: tf.Tensor4D, labels: tf.Tensor2D): tf.Scalar;
}

function buildNet(seed: number): Net {
  const rng = createRng(seed);
  const init = (shape: number[], fanIn: number, name: string) => {
    const scale = Math.sqrt(2 / fanIn);
    const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (rng() * 2 - 1) * scale);
    return tf.variable(tf.tensor(values, shape), true, name);
  };
  const convs = [3, channels, channels].map((inC, i) => init([3, 3, inC, channels], 9 * inC, `conv${i}`) as tf.Variable<tf.Rank.R4>);
  const gammas = convs.map((_, i) => tf.variable(tf.ones([channels]) as tf.Tensor1D, true, `gamma${i}`));
  const betas = convs.map((_, i) => tf.variable(tf.zeros([channels]) as tf.Tensor1D, true, `beta${i}`));
  const dense = init([channels, classes], channels, 'dense');
  const bias = tf.variable(tf.zeros([classes]), true, 'bias');
  const block = (x: tf.Tensor4D, i: number): tf.Tensor4D => {
    const y = tf.conv2d(x, convs[i]!, 1, 'same');
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    return tf.relu(tf.batchNorm4d(y, mean as tf.Tensor1D, variance as tf.Tensor1D, betas[i]!, gammas[i]!, 1e-5));
  };
  return {
    variables: [...convs, ...gammas, ...betas, dense, bias],
    loss: (x, labels) => {
      let h = block(x, 0);
      h = tf.maxPool(block(h, 1), 2, 2, 'valid');
      h = block(h, 2);
      const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
      const logits = tf.add(tf.matMul(pooled, dense), bias);
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    },
  };
}

interface Timing {
  /** Median wall-clock ms per step. */
  readonly wall: number;
  /** Median process CPU ms (user + system) per step: less sensitive to other load on a shared machine. */
  readonly cpuTime: number;
  readonly losses: number[];
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeSteps(backend: string, warmupSteps: number, timedSteps: number): Promise<Timing> {
  await tf.setBackend(backend);
  const rng = createRng('bench-data');
  const x = tf.tensor4d(Float32Array.from({ length: batch * 32 * 32 * 3 }, () => rng() * 2 - 1), [batch, 32, 32, 3]);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, () => rng.int(classes)), 'int32'), classes) as tf.Tensor2D;
  const net = buildNet(7);
  const optimizer = tf.train.adam(1e-3);
  const walls: number[] = [];
  const cpuTimes: number[] = [];
  const losses: number[] = [];
  for (let step = 0; step < warmupSteps + timedSteps; step++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const loss = optimizer.minimize(() => net.loss(x, labels), true, net.variables)!;
    losses.push((await loss.data())[0]!);
    const cpu = process.cpuUsage(cpuStart);
    const elapsed = performance.now() - start;
    loss.dispose();
    if (step >= warmupSteps) {
      walls.push(elapsed);
      cpuTimes.push((cpu.user + cpu.system) / 1000);
    }
  }
  optimizer.dispose();
  tf.dispose([x, labels, ...net.variables]);
  return { wall: median(walls), cpuTime: median(cpuTimes), losses };
}

const info = await initBackend({ prefer: 'wasm' });
console.log(info.describe());
console.log(`train step: 3x conv3x3 ${channels}ch + BN + relu, maxpool, dense ${classes}; batch ${batch}, 32x32x3, Adam`);
const wasm = await timeSteps('wasm', warmup, steps);
const show = (t: Timing) => `${t.wall.toFixed(1)} ms/step wall, ${t.cpuTime.toFixed(1)} ms/step process CPU`;
console.log(`wasm: ${show(wasm)} (medians of ${steps} after ${warmup} warm-up)`);
if (cpuSteps > 0) {
  const cpu = await timeSteps('cpu', 0, cpuSteps);
  console.log(`cpu:  ${show(cpu)} (medians of ${cpuSteps}, no warm-up)`);
  const [w0, c0] = [wasm.losses[0]!, cpu.losses[0]!];
  const same = Math.abs(w0 - c0) <= 1e-4 * (1 + Math.abs(c0));
  console.log(`first-step loss: wasm ${w0.toFixed(6)}, cpu ${c0.toFixed(6)} (${same ? 'match' : 'DIFFER'})`);
  console.log(`cpu/wasm = ${(cpu.wall / wasm.wall).toFixed(1)}x wall, ${(cpu.cpuTime / wasm.cpuTime).toFixed(1)}x process CPU`);
}
