/**
 * What the wasm BatchMatMul replacement (src/backend/batchMatMul.ts) buys:
 * process CPU of the same training work with the stock kernel and with ours,
 * in one process, alternating (min of `--reps`). Work: the ReNAS fully
 * connected head at the official size (batch 1,024, 6,272 → 120 → 84 → 1,
 * forward + gradients), and one BRP-NAS epoch (4 × 600 and 4 × 64, 40
 * cells, batch 64, per pair).
 *
 *   npx tsx bench/batch-matmul.ts [--reps 3]
 */
import * as tf from '@tensorflow/tfjs';
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend.js';
import { batchMatMulConfig, stockBatchMatMul } from '../src/backend/batchMatMul.js';
import { createRng } from '../src/core/rng.js';
import type { BenchRecord } from '../src/core/types.js';
import { createBrpNasPredictor } from '../src/predictors/brpNas.js';

const repsAt = process.argv.indexOf('--reps');
const reps = repsAt >= 0 ? Number(process.argv[repsAt + 1]) : 3;

await initBackend({ prefer: 'wasm' });
const stock = stockBatchMatMul.config as KernelConfig;
if (!stock) throw new Error('the replacement kernel is not registered (initBackend did not run its registry?)');
const use = (config: KernelConfig): void => {
  if (getKernel('BatchMatMul', 'wasm')?.kernelFunc === config.kernelFunc) return;
  unregisterKernel('BatchMatMul', 'wasm');
  registerKernel(config);
};

const cpuMs = async (work: () => Promise<void> | void): Promise<number> => {
  const start = process.cpuUsage();
  await work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

const rng = createRng('bench-batch-matmul');
const uniform = (shape: number[], scale: number): tf.Tensor => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (2 * rng() - 1) * scale), shape);

// ReNAS head: flatten 128·7·7 at batch 1,024.
const x = uniform([1024, 6272], 1);
const w = [uniform([6272, 120], 0.01), uniform([120, 84], 0.1), uniform([84, 1], 0.1)].map((t) => tf.variable(t));
const renasHead = (): void => {
  const { value, grads } = tf.variableGrads(() => {
    let h = x as tf.Tensor2D;
    w.forEach((k, i) => {
      h = tf.matMul(h, k as tf.Tensor2D);
      if (i < w.length - 1) h = tf.relu(h);
    });
    return tf.mean(tf.square(h)) as tf.Scalar;
  }, w);
  Object.values(grads).forEach((g) => g.dataSync());
  tf.dispose([value, ...Object.values(grads)]);
};

// BRP-NAS: one epoch on 40 cells of a fixed 9-node graph family with random features.
const cells: BenchRecord<number>[] = Array.from({ length: 40 }, (_, i) => ({ id: String(i), arch: i, metrics: { acc: rng() } }));
const feats = cells.map(() => Float32Array.from({ length: 9 * 6 }, () => (rng() < 0.3 ? 1 : 0)));
const adj = Float32Array.from({ length: 81 }, (_, k) => (k < 9 || k % 10 === 0 || rng() < 0.2 ? 1 : 0));
const encoder = {
  name: 'bench',
  nodes: 9,
  features: 6,
  encode: (archs: readonly number[]) => {
    const a = new Float32Array(archs.length * 81);
    const f = new Float32Array(archs.length * 54);
    archs.forEach((c, b) => {
      a.set(adj, b * 81);
      f.set(feats[c]!, b * 54);
    });
    return { adj: a, features: f };
  },
};
const brpEpoch = (hidden: number) => async (): Promise<void> => {
  const p = createBrpNasPredictor({ encoder, seed: 1, config: { hidden } });
  await p.train(cells, cells.map((c) => c.metrics['acc']!), { epochs: 1, batchSize: 64 });
  p.dispose();
};

const works: [string, () => Promise<void> | void][] = [
  ['ReNAS FC head, batch 1,024 (fwd + grads)', renasHead],
  ['BRP-NAS epoch, 4 × 600, 40 cells', brpEpoch(600)],
  ['BRP-NAS epoch, 4 × 64, 40 cells', brpEpoch(64)],
];
console.log(`process CPU ms, min of ${reps} (stock wasm BatchMatMul vs the replacement)`);
for (const [label, work] of works) {
  const best = { stock: Infinity, ours: Infinity };
  for (let r = 0; r < reps; r++) {
    use(stock);
    best.stock = Math.min(best.stock, await cpuMs(work));
    use(batchMatMulConfig);
    best.ours = Math.min(best.ours, await cpuMs(work));
  }
  console.log(`${label.padEnd(44)} stock ${best.stock.toFixed(0).padStart(7)}  ours ${best.ours.toFixed(0).padStart(7)}  speed-up ${(best.stock / best.ours).toFixed(2)}x`);
}
use(batchMatMulConfig);
