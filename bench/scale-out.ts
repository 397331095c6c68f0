/**
 * Throughput of the run queue with 1, 2 and 4 `nas worker` processes on this
 * machine: one Siamese-NAS sweep point (Tiny-NASBench-201, N = 100, K = 5,
 * 4 predictor methods, paper-profile predictor, `--repeats` repeats) submitted
 * through a private redis-server, timed from submission to the last result.
 * Every worker first serves a warm-up sweep (another seed), so each measured
 * sweep starts with the data loaded everywhere, as in a long study. Prints
 * runs per minute and the ratio to one worker; on 2 cores, 2 workers should
 * give ≥ 1.7× one and 4 about the same as 2.
 *
 *   npx tsx bench/scale-out.ts [--repeats 4] [--epochs 24]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/backend.js';
import { NB201_CELLS_ZIP } from '../src/loaders/cellJson.js';
import { findDataPath } from '../src/loaders/dataFiles.js';
import { runSiameseSweep, siameseSweepDefaults, type SiameseSweepConfig } from '../src/experiments/siameseSweep.js';
import { redisServerPath, startRedis, startWorker, type WorkerHandle } from '../test/fixtures/queueCluster.js';

const { values } = parseArgs({ options: { repeats: { type: 'string', default: '4' }, epochs: { type: 'string', default: '24' } } });
const repeats = Number(values.repeats);
const epochs = Number(values.epochs);

if (!findDataPath(NB201_CELLS_ZIP)) {
  console.log(`bench/scale-out: ${NB201_CELLS_ZIP} not found in the data folders; nothing measured`);
  process.exit(0);
}
const redisBinary = redisServerPath();
if (!redisBinary) {
  console.log('bench/scale-out: redis-server not installed (bash environment/setup.sh); nothing measured');
  process.exit(0);
}
await initBackend();
const redis = await startRedis(redisBinary);
const tmp = mkdtempSync(join(tmpdir(), 'bench-scale-out-'));

function sweep(seed: string, queue: string, cacheDir: string): SiameseSweepConfig {
  const base = siameseSweepDefaults('paper');
  return {
    ...base,
    seed,
    repeats,
    predictor: { ...base.predictor, epochs },
    series: [{ id: 'bench', title: 'bench', benchmark: 'tiny-nb201-cifar10', methods: ['gcn', 'siams', 'siams+nsam', 'siams+nsam+bts'], points: [{ N: 100, K: 5 }] }],
    executor: { kind: 'queue', url: redis.url, queue },
    cacheDir,
  };
}

const rows: { workers: number; runs: number; seconds: number; perMinute: number }[] = [];
try {
  console.log(`scale-out: ${availableParallelism()} cores; one sweep of ${4 * repeats} runs (${epochs} epochs) per measurement`);
  for (const count of [1, 2, 4]) {
    const queue = `bench-${process.pid}-${count}`;
    const workers: WorkerHandle[] = await Promise.all(Array.from({ length: count }, () => startWorker(redis.url, queue)));
    try {
      // Warm-up: one run per worker (each loads the benchmark and tfjs once).
      const warm = sweep(`warm-${count}`, queue, join(tmp, `warm-${count}`));
      await runSiameseSweep({ ...warm, repeats: Math.max(1, Math.ceil(count / 4)) }, { onProgress: false });
      const t0 = performance.now();
      const result = await runSiameseSweep(sweep('bench', queue, join(tmp, `run-${count}`)), { onProgress: false });
      const seconds = (performance.now() - t0) / 1000;
      rows.push({ workers: count, runs: result.stats.computed, seconds, perMinute: (60 * result.stats.computed) / seconds });
      console.log(`  ${count} worker(s): ${result.stats.computed} runs in ${seconds.toFixed(1)} s = ${rows.at(-1)!.perMinute.toFixed(2)} runs/min (${(rows.at(-1)!.perMinute / rows[0]!.perMinute).toFixed(2)}x one worker)`);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  }
  const one = rows[0]!.perMinute;
  console.log('\nthroughput ratio to one worker:');
  for (const r of rows) console.log(`  ${r.workers} worker(s): ${(r.perMinute / one).toFixed(2)}x`);
} finally {
  await redis.stop();
  rmSync(tmp, { recursive: true, force: true });
}
