/**
 * Throughput of one NAS-Bench-201 supernet training step (images/second) at
 * reduced CPU-profile sizes and at full size, on the best backend
 * (`initBackend()`), plus forward-only evaluation throughput. Before timing, the
 * chosen backend's gradients are checked against the cpu backend on a tiny
 * supernet (the wasm backend relies on replacement training kernels).
 *
 *   npx tsx bench/supernet-step.ts [--quick] [--sizes small,mid,full]
 *
 * Synthetic images (speed does not depend on pixel values). Numbers decide
 * the CPU profile of the fairness ablation. Wall time depends on what else
 * runs on the machine; process CPU time (one wasm thread) is what one
 * unloaded core would take.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend.js';
import { runPytorchReference } from './reference/pytorch.js';
import { createRng } from '../src/core/rng.js';
import { nb201FromString, type Nb201Arch } from '../src/spaces/nb201.js';
import { Nb201Supernet } from '../src/supernet/nb201Supernet.js';
import { SupernetTrainer, accumulatePathGradients, supernetTrainConfig } from '../src/supernet/train.js';
import { UniformSampler } from '../src/supernet/samplers.js';
import { makeBatch, NB201_CIFAR10_NORMALIZATION, type ImageSet } from '../src/supernet/imageBatches.js';

interface Size {
  readonly label: string;
  readonly channels: number;
  readonly cellsPerStage: number;
  readonly inputSize: number;
  readonly batchSize: number;
  readonly timedSteps: number;
}

const SIZES: Record<string, Size> = {
  tiny: { label: 'tiny  C=4  N=1 8x8   b64', channels: 4, cellsPerStage: 1, inputSize: 8, batchSize: 64, timedSteps: 10 },
  paper: { label: 'paper C=5  N=1 16x16 b64', channels: 5, cellsPerStage: 1, inputSize: 16, batchSize: 64, timedSteps: 30 },
  c5n1: { label: 'c5n1  C=5  N=1 32x32 b64', channels: 5, cellsPerStage: 1, inputSize: 32, batchSize: 64, timedSteps: 6 },
  c5n5: { label: 'c5n5  C=5  N=5 32x32 b64', channels: 5, cellsPerStage: 5, inputSize: 32, batchSize: 64, timedSteps: 3 },
  small: { label: 'small C=8  N=1 16x16 b64', channels: 8, cellsPerStage: 1, inputSize: 16, batchSize: 64, timedSteps: 8 },
  small2: { label: 'small C=8  N=2 16x16 b64', channels: 8, cellsPerStage: 2, inputSize: 16, batchSize: 64, timedSteps: 6 },
  mid: { label: 'mid   C=16 N=1 32x32 b64', channels: 16, cellsPerStage: 1, inputSize: 32, batchSize: 64, timedSteps: 12 },
  full: { label: 'full  C=16 N=5 32x32 b64', channels: 16, cellsPerStage: 5, inputSize: 32, batchSize: 64, timedSteps: 3 },
};

function parseArgs(): { quick: boolean; sizes: string[] } {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const i = args.indexOf('--sizes');
  const sizes = i >= 0 ? args[i + 1]!.split(',') : ['paper', 'small', 'mid', 'full'];
  for (const s of sizes) if (!SIZES[s]) throw new Error(`unknown size ${s}; known: ${Object.keys(SIZES).join(', ')}`);
  return { quick, sizes };
}

function syntheticCifar(n: number, seed: number): ImageSet {
  const rng = createRng(seed);
  const images = new Uint8Array(n * 32 * 32 * 3);
  for (let i = 0; i < images.length; i++) images[i] = rng.int(256);
  return { images, labels: Uint8Array.from({ length: n }, () => rng.int(10)), n, imageSize: 32 };
}

const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Gradients of a tiny supernet on the current backend, as plain arrays. */
function tinyGradients(): Float32Array[] {
  const net = new Nb201Supernet({ channels: 4, cellsPerStage: 1, numClasses: 10, inputSize: 8, seed: 3 });
  const rng = createRng(4);
  const x = tf.tensor4d(Float32Array.from({ length: 8 * 8 * 8 * 3 }, () => 2 * rng() - 1), [8, 8, 8, 3]);
  const y = tf.tensor1d(Int32Array.from({ length: 8 }, () => rng.int(10)), 'int32');
  const paths: Nb201Arch[] = [
    [3, 2, 4, 1, 3, 0],
    [2, 3, 1, 4, 0, 3],
    [4, 1, 3, 3, 2, 2],
  ];
  const { grads } = accumulatePathGradients(net, x, y, paths, 'sum');
  const out = grads.map((g) => g.dataSync() as Float32Array);
  tf.dispose([...grads, x, y]);
  net.dispose();
  return out;
}

async function checkAgainstCpu(backend: string): Promise<string> {
  if (backend === 'cpu') return 'backend is cpu: nothing to compare';
  const ours = tinyGradients();
  await tf.setBackend('cpu');
  const reference = tinyGradients();
  await tf.setBackend(backend);
  let worst = 0;
  ours.forEach((g, i) => {
    const r = reference[i]!;
    const scale = Math.max(1e-3, ...Array.from(r, Math.abs));
    for (let k = 0; k < g.length; k++) worst = Math.max(worst, Math.abs(g[k]! - r[k]!) / scale);
  });
  if (!(worst < 1e-3)) throw new Error(`${backend} gradients differ from cpu: worst relative difference ${worst.toExponential(2)}`);
  return `gradients match cpu (worst relative difference ${worst.toExponential(2)})`;
}

/** Wall and process-CPU milliseconds of `f`. */
function timed(f: () => void): { wall: number; cpu: number } {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}

interface OurTiming {
  readonly size: Size;
  readonly steps: number;
  /** Mean process-CPU ms of a whole training step (batch preparation included). */
  readonly stepCpu: number;
  /** Median process-CPU ms of the batch preparation (crop, flip, normalise in JS). */
  readonly prepCpu: number;
  /** The paths of the timed steps, in order: the reference trains the same ones. */
  readonly paths: readonly Nb201Arch[];
}

/**
 * Untimed steps before timing, on both sides: V8 is still optimising the
 * step's JavaScript over the first tens of steps (measured at the paper size,
 * uniform paths: steps 4–33 took 19 ms CPU on average, steps 21–50 14 ms,
 * steps 51–200 11 ms), and the backends build their kernels. A training run
 * is thousands of steps, so the steady state decides its time; 20 steps
 * still leave ours a little short of it.
 */
const WARM_UP_STEPS = 20;

async function timeSize(size: Size, quick: boolean): Promise<OurTiming> {
  const steps = quick ? Math.max(2, Math.ceil(size.timedSteps / 3)) : size.timedSteps;
  const supernet = { channels: size.channels, cellsPerStage: size.cellsPerStage, numClasses: 10, inputSize: size.inputSize };
  const data = syntheticCifar(size.batchSize * 4, 1);
  const trainer = SupernetTrainer.create(supernetTrainConfig({ supernet, sampler: { kind: 'uniform' }, updates: 1000, batchSize: size.batchSize }), data);
  for (let i = 0; i < WARM_UP_STEPS; i++) trainer.step(); // JIT, kernel set-up, optimizer slots
  const paths: Nb201Arch[] = [];
  const step = Array.from({ length: steps }, () =>
    timed(() => {
      for (const p of trainer.step().paths) paths.push(nb201FromString(p));
    }),
  );
  // Breakdown: batch preparation (JS augmentation + down-sampling), forward+backward of one path, eval forward.
  const indices = Int32Array.from({ length: size.batchSize }, (_, i) => i);
  const augment = { rng: createRng(2), padding: 4 };
  const prep = () => {
    const b = makeBatch(data, indices, { resolution: size.inputSize, normalization: NB201_CIFAR10_NORMALIZATION, augment });
    tf.dispose([b.x, b.y]);
  };
  prep();
  // 20 samples: one is ~0.5 ms, and process CPU also counts V8's background threads (GC of the training steps before).
  const batchPrep = Array.from({ length: 20 }, () => timed(prep));
  const batch = makeBatch(data, indices, { resolution: size.inputSize, normalization: NB201_CIFAR10_NORMALIZATION, augment: null });
  // The same kind of paths the timed steps trained (uniform), and the most expensive one (3x3 conv everywhere).
  const sampler = new UniformSampler('bench');
  const fwdBwd = Array.from({ length: Math.max(steps, 4) }, (_, i) =>
    timed(() => tf.dispose(accumulatePathGradients(trainer.supernet, batch.x, batch.y, sampler.next(i), 'sum').grads)),
  );
  const arch: Nb201Arch = [3, 3, 3, 3, 3, 3];
  const fwdBwdConv3 = Array.from({ length: 2 }, () =>
    timed(() => tf.dispose(accumulatePathGradients(trainer.supernet, batch.x, batch.y, [arch], 'sum').grads)),
  );
  trainer.supernet.recalibrateBn(arch, [batch.x]);
  const evalFwd = Array.from({ length: Math.min(steps, 3) }, () =>
    timed(() => tf.tidy(() => trainer.supernet.forward(batch.x, arch, { training: false }).dataSync())),
  );
  tf.dispose([batch.x, batch.y]);
  const params = trainer.supernet.totalParamCount();
  trainer.dispose();
  // A strict-fair update: 5 paths, one update.
  const fair = SupernetTrainer.create(supernetTrainConfig({ supernet, sampler: { kind: 'strict-fair' }, updates: 1000, batchSize: size.batchSize }), data);
  fair.step();
  const fairStep = Array.from({ length: size.cellsPerStage >= 5 || quick ? 1 : 2 }, () => timed(() => fair.step()));
  fair.dispose();
  const med = (xs: { wall: number; cpu: number }[], k: 'wall' | 'cpu'): number => median(xs.map((x) => x[k]));
  const mean = (xs: { wall: number; cpu: number }[], k: 'wall' | 'cpu'): number => xs.reduce((a, x) => a + x[k], 0) / xs.length;
  const ips = (ms: number): string => ((size.batchSize * 1000) / ms).toFixed(0);
  const stepCpu = mean(step, 'cpu');
  const fbCpu = mean(fwdBwd, 'cpu');
  const prepCpu = med(batchPrep, 'cpu');
  console.log(
    `${size.label}: train step ${mean(step, 'wall').toFixed(0)} ms wall (${ips(mean(step, 'wall'))} img/s), ` +
      `${stepCpu.toFixed(0)} ms CPU (${ips(stepCpu)} img/s); ` +
      `CPU breakdown: fwd+bwd of a uniform path ${fbCpu.toFixed(0)} ms (all-conv3x3 path ${med(fwdBwdConv3, 'cpu').toFixed(0)} ms), batch prep ${prepCpu.toFixed(1)} ms, update+rest ${(stepCpu - fbCpu - prepCpu).toFixed(0)} ms; ` +
      `strict-fair update ${mean(fairStep, 'cpu').toFixed(0)} ms CPU; ` +
      `eval fwd ${med(evalFwd, 'cpu').toFixed(0)} ms CPU (${ips(med(evalFwd, 'cpu'))} img/s); supernet ${(params / 1e6).toFixed(3)} M params; n=${steps}`,
  );
  return { size, steps, stepCpu, prepCpu, paths };
}

/**
 * The same steps in PyTorch on one thread (bench/reference/nb201_supernet_step.py),
 * in this run, and the ratio PyTorch CPU ms / ours (≥ 1: ours is as fast or faster).
 */
function pytorchReference(ours: readonly OurTiming[]): string[] {
  const sizes = ours.map((o) => ({ ...o.size, timedSteps: o.steps, warmUpSteps: WARM_UP_STEPS, paths: o.paths }));
  const ref = runPytorchReference<{ torch: string; threads: number; sizes: { label: string; stepCpuMs: number; meanCpuMs: number; n: number }[] }>(
    'nb201_supernet_step.py',
    sizes,
  );
  if (typeof ref === 'string') return [ref];
  return [
    `reference: PyTorch ${ref.torch} CPU, ${ref.threads} thread, same network and optimizer, the same paths in the same order ` +
      `after ${WARM_UP_STEPS} warm-up steps, input already a tensor; ratios of mean CPU per step`,
    ...ref.sizes.map((r, i) => {
      const o = ours[i]!;
      const net = o.stepCpu - o.prepCpu;
      return (
        `${r.label}: PyTorch ${r.meanCpuMs.toFixed(1)} ms CPU per step (mean of ${r.n}; median ${r.stepCpuMs.toFixed(1)}); ` +
        `ours ${o.stepCpu.toFixed(1)} ms (${net.toFixed(1)} ms without batch prep): ` +
        `speed vs PyTorch ${(r.meanCpuMs / o.stepCpu).toFixed(2)}x (${(r.meanCpuMs / net).toFixed(2)}x without batch prep)`
      );
    }),
  ];
}

const { quick, sizes } = parseArgs();
const info = await initBackend();
console.log(`backend: ${info.describe()}`);
console.log(`check: ${await checkAgainstCpu(info.name)}`);
const timings: OurTiming[] = [];
for (const s of sizes) timings.push(await timeSize(SIZES[s]!, quick));
for (const line of pytorchReference(timings)) console.log(line);
