/**
 * How fast can a supernet step on this backend get? The convolutions are
 * the largest part of a step (bench/supernet-step.ts). On wasm they run on
 * oneDNN where the native addon is built (native/), else on XNNPACK
 * (forward) and our replacement gradient kernels built from it
 * (`NAS_ONEDNN=0` measures those).
 * This times single convolution layers at the shapes that dominate a
 * NAS-Bench-201 step — forward, input gradient, filter gradient — and a
 * large matrix product, on the best backend and on PyTorch CPU (one thread
 * each, process CPU time, same run), and prints the ratios: a step cannot
 * beat PyTorch by more than its convolutions do unless the convolutions
 * themselves get faster than the library's.
 *
 *   npx tsx bench/conv-ceiling.ts
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend.js';
import { runPytorchReference } from './reference/pytorch.js';

interface ConvShape {
  readonly label: string;
  readonly channels: number;
  readonly size: number;
  readonly kernel: number;
  readonly batch: number;
}

// Cell convolutions of the `paper` size (C = 5, 16×16, three stages) and of C = 16, 32×32.
const SHAPES: ConvShape[] = [
  { label: 'paper stage 1  C=5  16x16 3x3', channels: 5, size: 16, kernel: 3, batch: 64 },
  { label: 'paper stage 2  C=10  8x8  3x3', channels: 10, size: 8, kernel: 3, batch: 64 },
  { label: 'paper stage 3  C=20  4x4  3x3', channels: 20, size: 4, kernel: 3, batch: 64 },
  { label: 'paper stage 1  C=5  16x16 1x1', channels: 5, size: 16, kernel: 1, batch: 64 },
  { label: 'mid stage 1    C=16 32x32 3x3', channels: 16, size: 32, kernel: 3, batch: 64 },
  { label: 'mid stage 2    C=32 16x16 3x3', channels: 32, size: 16, kernel: 3, batch: 64 },
  { label: 'mid stage 3    C=64  8x8  3x3', channels: 64, size: 8, kernel: 3, batch: 64 },
  { label: 'mid stage 1    C=16 32x32 1x1', channels: 16, size: 32, kernel: 1, batch: 64 },
];

function medianCpuMs(f: () => tf.Tensor, reps: number): number {
  for (let i = 0; i < 3; i++) f().dispose();
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const r = f();
    r.dataSync();
    const c = process.cpuUsage(c0);
    r.dispose();
    samples.push((c.user + c.system) / 1e3);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

interface OurConvTiming {
  readonly fwdMs: number;
  readonly bwdInputMs: number;
  readonly bwdFilterMs: number;
}

function timeConv(s: ConvShape): OurConvTiming {
  const { channels: c, size: n, kernel: k, batch: b } = s;
  const x = tf.randomUniform([b, n, n, c], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomUniform([k, k, c, c], 0, 1, 'float32', 2) as tf.Tensor4D;
  const dy = tf.randomUniform([b, n, n, c], 0, 1, 'float32', 3) as tf.Tensor4D;
  const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC' };
  const timing = {
    fwdMs: medianCpuMs(() => tf.conv2d(x, w, 1, 'same'), 10),
    bwdInputMs: medianCpuMs(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: [b, n, n, c] }) as tf.Tensor, 10),
    bwdFilterMs: medianCpuMs(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: [k, k, c, c] }) as tf.Tensor, 10),
  };
  tf.dispose([x, w, dy]);
  return timing;
}

function gemmGflops(): number {
  const a = tf.randomUniform([1024, 1024], 0, 1, 'float32', 4);
  const b = tf.randomUniform([1024, 1024], 0, 1, 'float32', 5);
  const ms = medianCpuMs(() => tf.matMul(a, b), 5);
  tf.dispose([a, b]);
  return (2 * 1024 ** 3) / ms / 1e6;
}

interface Reference {
  readonly torch: string;
  readonly shapes: { label: string; fwdMs: number; fwdBwdMs: number }[];
  readonly gemmGflops: number;
}

const info = await initBackend();
console.log(`backend: ${info.describe()}`);
const ours = SHAPES.map((s) => ({ shape: s, ...timeConv(s) }));
const ourGemm = gemmGflops();
const ref = runPytorchReference<Reference>('conv_ceiling.py', SHAPES);
const f = (ms: number): string => ms.toFixed(2).padStart(7);
console.log(`${'shape'.padEnd(31)}  fwd ms  ours/torch   fwd+bwd ms (ours: fwd + dx + dW)  ratio torch/ours`);
for (const o of ours) {
  const total = o.fwdMs + o.bwdInputMs + o.bwdFilterMs;
  const r = typeof ref === 'string' ? undefined : ref.shapes.find((t) => t.label === o.shape.label);
  const fwd = r ? `${f(o.fwdMs)} / ${f(r.fwdMs)}` : f(o.fwdMs);
  const both = r ? `${f(total)} (${o.fwdMs.toFixed(2)} + ${o.bwdInputMs.toFixed(2)} + ${o.bwdFilterMs.toFixed(2)}) / ${f(r.fwdBwdMs)}` : f(total);
  console.log(`${o.shape.label.padEnd(31)} ${fwd}   ${both}   ${r ? `fwd ${(r.fwdMs / o.fwdMs).toFixed(2)}x, fwd+bwd ${(r.fwdBwdMs / total).toFixed(2)}x` : ''}`);
}
console.log(`1024x1024 matmul: ours ${ourGemm.toFixed(1)} GFLOP/s${typeof ref === 'string' ? '' : `, PyTorch ${ref.torch} ${ref.gemmGflops.toFixed(1)} GFLOP/s`}`);
if (typeof ref === 'string') console.log(ref);
