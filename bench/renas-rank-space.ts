/**
 * Times ranking the entire NAS-Bench-101 space (423,624 cells) with a trained
 * ReNAS predictor, streamed in batches (encode → standardise → CNN forward →
 * top-K heap), and reports the peak resident memory of the process, against
 * the targets: < 3 min and < 2.5 GB. Prints measured / target ratios (< 1 is
 * within target) plus wall and CPU time, so a busy machine shows as wall ≫ CPU.
 *
 * The predictor is trained briefly (the speed of ranking does not depend on
 * how well it was trained) on 424 cells of the 20k subset when the data is
 * present, else on synthetic targets.
 *
 *   npx tsx bench/renas-rank-space.ts [--batch 4096] [--limit 423624] [--epochs 5]
 */
import { initBackend } from '../src/backend.js';
import { rankWholeSpace, renasTrainIndices } from '../src/experiments/renas424.js';
import { findDataPath } from '../src/loaders/dataFiles.js';
import { NB101_SUBSET_FILE, loadNb101Subset } from '../src/loaders/nb101.js';
import { RenasPredictor } from '../src/predictors/renas.js';
import { loadNb101Space } from '../src/spaces/nb101Enumerate.js';
import { RENAS_FEATURES, encodeRenasTensor } from '../src/encoders/renasTensor.js';
import type { BenchRecord } from '../src/core/types.js';
import type { Nb101Spec } from '../src/spaces/nb101.js';

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${process.argv[i + 1]}`);
  return v;
}

const TARGET_SECONDS = 180;
const TARGET_BYTES = 2.5e9;
const batchSize = argValue('--batch', 4096);
const epochs = argValue('--epochs', 5);

const backend = await initBackend();
console.log(backend.describe());
const space = loadNb101Space();
const limit = argValue('--limit', space.size);

let train: BenchRecord<Nb101Spec>[];
let source: string;
let bench;
if (findDataPath(NB101_SUBSET_FILE)) {
  bench = await loadNb101Subset({ space });
  const records = bench.all();
  train = Array.from(renasTrainIndices(bench.size, 0, 424), (i) => records[i]!);
  source = '424 cells of the NAS-Bench-101 subset (val_acc_108)';
} else {
  // Synthetic targets (number of conv3x3 vertices): only the ranking speed matters here.
  train = Array.from({ length: 424 }, (_, k) => {
    const spec = space.specAt(k * 997);
    return { id: space.hashAt(k * 997), arch: spec, metrics: { val_acc_108: spec.ops.filter((o) => o === 0).length } };
  });
  source = '424 space cells with a synthetic target (subset data not found)';
}
const predictor = new RenasPredictor(0, { epochs });
await predictor.fit(
  train,
  train.map((r) => r.metrics['val_acc_108']!),
);
console.log(`predictor: ${epochs} epochs on ${source}`);

// Encoding alone, on a slice, to show how the time splits.
const encodeProbe = Math.min(limit, 50_000);
const probeBuffer = new Float32Array(RENAS_FEATURES);
let t = performance.now();
for (let i = 0; i < encodeProbe; i++) encodeRenasTensor(space.specAt(i), probeBuffer);
const encodeSecondsPerCell = (performance.now() - t) / 1000 / encodeProbe;

const cpuBefore = process.cpuUsage();
t = performance.now();
const ranking = await rankWholeSpace(predictor, space, { batchSize, limit, topK: 10, bench });
const wall = (performance.now() - t) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
// maxRSS is in kilobytes (Node ≥ 12): the peak of the whole process, training included.
const peakBytes = process.resourceUsage().maxRSS * 1024;
predictor.dispose();

const fullSpaceWall = (wall * space.size) / limit;
console.log(`\nranked ${ranking.ranked.toLocaleString('en-US')} cells, batch ${batchSize}`);
console.log(`  wall ${wall.toFixed(1)} s, CPU ${cpuSeconds.toFixed(1)} s (${(ranking.ranked / wall).toFixed(0)} cells/s)`);
console.log(`  encoding ≈ ${(encodeSecondsPerCell * ranking.ranked).toFixed(1)} s of it (${(encodeSecondsPerCell * 1e6).toFixed(1)} µs/cell)`);
if (limit < space.size) console.log(`  extrapolated to all ${space.size.toLocaleString('en-US')} cells: ${fullSpaceWall.toFixed(1)} s`);
console.log(`  peak RSS ${(peakBytes / 1e9).toFixed(2)} GB`);
console.log(`\ntime ratio   (full-space wall / ${TARGET_SECONDS} s): ${(fullSpaceWall / TARGET_SECONDS).toFixed(2)}`);
console.log(`memory ratio (peak RSS / 2.5 GB):           ${(peakBytes / TARGET_BYTES).toFixed(2)}`);
console.log('\npredicted top 10:');
for (const e of ranking.top) {
  console.log(`  ${String(e.rank + 1).padStart(2)}. ${e.hash} score ${e.score.toFixed(4)} ${e.inBenchmark ? `in subset, val_acc_108 ${(100 * (e.trueValue ?? NaN)).toFixed(2)} %` : 'not in subset'}`);
}
