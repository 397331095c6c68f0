/**
 * Speed of the Siamese-NAS sweep machinery, printed as ratios:
 *  1. predictor training (siams+NSAM fit) on the wasm backend vs the pure-JS
 *     cpu backend — each in its own worker thread, since a thread picks its
 *     backend once;
 *  2. one sweep point (Fig. 7: 5 methods × 2 repeats on Tiny-NASBench-201,
 *     paper-profile predictor) run in this thread vs on the 2-worker pool
 *     (pool start-up, data loading and per-worker warm-up included).
 * Real NAS-Bench-201 data is used (the bench says so and exits when it is absent).
 *
 *   npx tsx bench/siamese-sweep.ts [--epochs 10] [--repeats 2]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../src/backend.js';
import { createRng } from '../src/core/rng.js';
import { findDataPath } from '../src/loaders/dataFiles.js';
import { NB201_CELLS_ZIP } from '../src/loaders/cellJson.js';
import { runSiameseSweep, siameseSweepDefaults, loadSweepBenchmark } from '../src/experiments/siameseSweep.js';
import { createGraphEncoder } from '../src/encoders/graphOneHot.js';
import { siamesePredictorFactory } from '../src/predictors/graphPredictors.js';
import { officialPhases } from '../src/predictors/config.js';
import type { BenchRecord } from '../src/core/types.js';
import type { Nb201Arch } from '../src/spaces/nb201.js';
import { NB201_NODE_GRAPH_OPS, NB201_NODE_GRAPH_SIZE, nb201ToNodeGraph } from '../src/spaces/nb201Graph.js';

interface FitTiming {
  backend: string;
  fitSeconds: number;
  steps: number;
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Worker side of part 1: fit one siams+NSAM predictor on N = 30 CIFAR-100 cells and time it. */
async function timeFit(epochs: number): Promise<FitTiming> {
  const info = await initBackend();
  const bench = await loadSweepBenchmark('nb201-cifar100');
  const train = bench.sample(30, createRng('bench-siamese-fit')) as BenchRecord<Nb201Arch>[];
  const encoder = createGraphEncoder<Nb201Arch>({
    toNodeGraph: (a) => {
      const g = nb201ToNodeGraph(a);
      return { adjacency: g.adjacency, ops: g.opCodes };
    },
    numOpTypes: NB201_NODE_GRAPH_OPS.length,
    maxNodes: NB201_NODE_GRAPH_SIZE,
  });
  const make = siamesePredictorFactory<Nb201Arch>({ encoder, nsam: true, config: { phases: officialPhases(epochs) } });
  const targets = train.map((r) => r.metrics['test_acc_200']!);
  // Warm-up fit (kernel compilation, first-use allocations), then the timed one.
  const warm = make(1);
  await warm.fit(train, targets);
  warm.dispose();
  const predictor = make(2);
  const t0 = performance.now();
  const report = await predictor.fit(train, targets);
  const fitSeconds = (performance.now() - t0) / 1000;
  predictor.dispose();
  return { backend: info.name, fitSeconds, steps: report.epochs * Math.max(Math.floor(train.length / 8), 1) };
}

function fitInWorker(backend: 'wasm' | 'cpu', epochs: number): Promise<FitTiming> {
  return new Promise((resolve, reject) => {
    // Workers do not inherit tsx's loader: a tiny ESM entry registers it, then imports this file.
    const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href;
    const entry = `const { register } = await import(${JSON.stringify(tsxApi)}); register(); await import(${JSON.stringify(import.meta.url)});`;
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(entry)}`), {
      workerData: { epochs },
      env: { ...process.env, NAS_BACKEND: backend },
    });
    worker.once('message', (m: FitTiming) => {
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', reject);
  });
}

async function main(): Promise<void> {
  if (!findDataPath(NB201_CELLS_ZIP)) {
    console.log(`bench/siamese-sweep: real data not found (${NB201_CELLS_ZIP}); nothing to measure`);
    return;
  }
  const epochs = flag('--epochs', 10);
  const repeats = flag('--repeats', 2);
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}); other load on the machine skews both ratios`);

  // Sequential, so the two backends do not compete for the cores.
  const wasm = await fitInWorker('wasm', epochs);
  const cpu = await fitInWorker('cpu', epochs);
  console.log(`\n1. siams+NSAM fit, N = 30, ${epochs} epochs (${wasm.steps} steps of batch 8):`);
  console.log(`   wasm ${wasm.fitSeconds.toFixed(2)} s (${((1000 * wasm.fitSeconds) / wasm.steps).toFixed(1)} ms/step), ` +
    `cpu ${cpu.fitSeconds.toFixed(2)} s (${((1000 * cpu.fitSeconds) / cpu.steps).toFixed(1)} ms/step)`);
  console.log(`   cpu / wasm time ratio: ${(cpu.fitSeconds / wasm.fitSeconds).toFixed(2)}x`);

  await initBackend();
  // The Fig. 7 point with the paper profile's predictor: runs as long as a real sweep's, so the pool's
  // fixed costs (starting workers, loading data, first-run warm-up in each) weigh as they do there.
  const base = siameseSweepDefaults('paper');
  const point = {
    ...base,
    repeats,
    series: [
      {
        id: 'bench',
        title: 'bench',
        benchmark: 'tiny-nb201-cifar10' as const,
        methods: ['random', 'gcn', 'siams', 'siams+nsam', 'siams+nsam+bts'] as const,
        points: [{ N: 100, K: 5 }],
      },
    ],
  };
  // process.cpuUsage covers every thread of the process, workers included.
  const cpuSeconds = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const timeSweep = async (workers: number): Promise<{ seconds: number; cpu: number; rows: string }> => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'bench-siamese-sweep-'));
    try {
      const t0 = performance.now();
      const c0 = cpuSeconds();
      const executor = workers > 1 ? ({ kind: 'pool', threads: workers } as const) : ({ kind: 'in-thread' } as const);
      const result = await runSiameseSweep({ ...point, executor, cacheDir }, { onProgress: false });
      return { seconds: (performance.now() - t0) / 1000, cpu: cpuSeconds() - c0, rows: JSON.stringify(result.rows) };
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  };
  // Neither side has the benchmark loaded yet: this thread loads it once, each pool worker once (in parallel).
  const single = await timeSweep(1);
  const pooled = await timeSweep(2);
  console.log(`\n2. one sweep point (Tiny-NASBench-201, N = 100, K = 5, paper-profile predictor, 5 methods × ${repeats} repeats = ${5 * repeats} runs):`);
  console.log(`   this thread ${single.seconds.toFixed(1)} s, 2-worker pool ${pooled.seconds.toFixed(1)} s (both timings include loading the benchmark; the pool's include starting its workers)`);
  console.log(`   speed-up of the pool: ${(single.seconds / pooled.seconds).toFixed(2)}x; identical rows: ${single.rows === pooled.rows}`);
  console.log(`   CPU time: this thread ${single.cpu.toFixed(1)} s, pool ${pooled.cpu.toFixed(1)} s (ratio ${(pooled.cpu / single.cpu).toFixed(2)}); ` +
    `with 2 free cores the pool would take ≈ ${(pooled.cpu / 2).toFixed(1)} s, a ${(single.cpu / (pooled.cpu / 2)).toFixed(2)}x speed-up`);
}

if (isMainThread) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
} else {
  timeFit((workerData as { epochs: number }).epochs).then(
    (t) => parentPort!.postMessage(t),
    (err: unknown) => {
      throw err;
    },
  );
}
