/**
 * Speed of the Siamese-NAS graph predictors: one training step (batch 8,
 * hidden 64, 10-node graphs as in NAS-Bench-201's ops-as-nodes form), a full
 * fit at the official schedule for N training archs, and ranking a 15,625-arch
 * space. Prints wall and process CPU time (the CPU time is the fairer figure
 * on a shared machine) and kernels per step.
 *
 *   npx tsx bench/graph-predictor-fit.ts [--backend wasm|cpu] [--n 100] [--epochs 200] [--variants gcn,siamese,siamese+nsam]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendPreference } from '../src/backend.js';
import { createBenchmark } from '../src/core/benchmark.js';
import { createRng } from '../src/core/rng.js';
import type { BenchRecord } from '../src/core/types.js';
import { createGraphEncoder } from '../src/encoders/graphOneHot.js';
import { officialPhases } from '../src/predictors/config.js';
import { createGcnPredictor } from '../src/predictors/gcn.js';
import type { GraphPredictor } from '../src/predictors/graphPredictor.js';
import { createSiamesePredictor } from '../src/predictors/siamese.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const backend = arg('backend', 'wasm') as BackendPreference;
const trainSize = Number(arg('n', '100'));
const totalEpochs = Number(arg('epochs', '200'));
const variants = arg('variants', 'gcn,siamese,siamese+nsam').split(',');
const spaceSize = Number(arg('space', '15625'));

interface Arch {
  readonly adjacency: number[][];
  readonly ops: number[];
}

// A fixed 10-node DAG with random ops, like NAS-Bench-201's ops-as-nodes graphs.
const NODES = 10;
const NUM_OPS = 9;
const rng = createRng('bench-graphs');
const adjacency = Array.from({ length: NODES }, (_, i) => Array.from({ length: NODES }, (_, j) => (j > i && rng() < 0.3 ? 1 : 0)));
const records: BenchRecord<Arch>[] = Array.from({ length: spaceSize }, (_, k) => {
  const ops = Array.from({ length: NODES }, () => rng.int(NUM_OPS));
  const acc = 0.3 + 0.05 * ops.filter((o) => o === 3).length + 0.02 * rng();
  return { id: String(k), arch: { adjacency, ops }, metrics: { acc }, extras: { estimationCode: [2.3 - acc, 2 - acc, 1.8 - acc] } };
});
const bench = createBenchmark('bench-graphs', records);
const encoder = createGraphEncoder<Arch>({ toNodeGraph: (a) => a, numOpTypes: NUM_OPS, maxNodes: NODES });

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
async function timed<T>(f: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number }> {
  const w0 = performance.now();
  const c0 = cpuMs();
  const value = await f();
  return { value, wall: performance.now() - w0, cpu: cpuMs() - c0 };
}

async function main(): Promise<void> {
  const info = await initBackend({ prefer: backend });
  console.log(info.describe());
  // Dispatch cost of one tiny kernel: the unit a batch-8 training step is made of.
  const tiny = tf.ones([8, 10]);
  for (let i = 0; i < 200; i++) tf.add(tiny, tiny).dispose();
  const dispatch = await timed(async () => {
    for (let i = 0; i < 2000; i++) tf.add(tiny, tiny).dispose();
  });
  tiny.dispose();
  const kernelCpuMs = dispatch.cpu / 2000;
  console.log(`one tiny kernel: ${(kernelCpuMs * 1000).toFixed(1)} µs cpu`);
  const train = bench.sample(trainSize, createRng('bench-train'));
  const targets = train.map((r) => r.metrics['acc']!);
  const make = (variant: string, phases = officialPhases(totalEpochs)): GraphPredictor<Arch> =>
    variant === 'gcn'
      ? createGcnPredictor({ encoder, seed: 1, config: { phases } })
      : createSiamesePredictor({ encoder, seed: 1, nsam: variant.endsWith('nsam'), config: { phases } });

  for (const variant of variants) {
    // Per step: kernels counted over a 2-step fit, time over a 40-step fit (after a warm-up fit).
    const probe = make(variant, [{ epochs: 2, learningRate: 1e-3 }]);
    await probe.fit(train.slice(0, 16), targets.slice(0, 16));
    const prof = await tf.profile(async () => {
      await probe.fit(train.slice(0, 8), targets.slice(0, 8));
    });
    probe.dispose();
    const steps = 40;
    const stepFit = make(variant, [{ epochs: steps, learningRate: 1e-3 }]);
    const s = await timed(() => stepFit.fit(train.slice(0, 8), targets.slice(0, 8)));
    stepFit.dispose();
    console.log(
      `${variant}: ${(prof.kernels.length / 2).toFixed(0)} kernels/step (incl. per-fit set-up), ` +
        `${(s.wall / steps).toFixed(1)} ms/step wall, ${(s.cpu / steps).toFixed(1)} ms/step cpu = ` +
        `${(s.cpu / steps / ((prof.kernels.length / 2) * kernelCpuMs)).toFixed(2)} × (kernels × tiny-kernel cost)`,
    );

    const p = make(variant);
    const fit = await timed(() => p.fit(train, targets));
    const rank = await timed(() => p.rank(bench.all()));
    console.log(
      `${variant}: fit N=${trainSize}, ${fit.value.epochs} epochs × ${Math.max(1, Math.floor(trainSize / 8))} steps: ` +
        `${(fit.wall / 1000).toFixed(1)} s wall, ${(fit.cpu / 1000).toFixed(1)} s cpu; ` +
        `rank ${bench.size} archs: ${(rank.wall / 1000).toFixed(2)} s wall, ${(rank.cpu / 1000).toFixed(2)} s cpu`,
    );
    p.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
