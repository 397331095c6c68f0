import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initBackend } from '../src/backend.js';
import { createBenchmark } from '../src/core/benchmark.js';
import { createRng } from '../src/core/rng.js';
import type { BenchRecord, Benchmark } from '../src/core/types.js';
import { renas424Config, renasRunPredictions, renasTrainIndices, runRenas424, type Renas424Config, type Renas424Result, type WholeSpaceResult } from '../src/experiments/renas424.js';
import {
  RENAS_PAPER,
  bestFoundFigure,
  predictedVsTrueFigure,
  rankPercentiles,
  renasComparisonRows,
  renasSummaryRows,
  tauBySizeFigure,
  wholeSpaceRows,
} from '../src/experiments/renasFigures.js';
import { kendallTau } from '../src/metrics/kendallTau.js';
import { nb101Hash, nb101Spec, type Nb101Spec } from '../src/spaces/nb101.js';

before(async () => {
  await initBackend();
});

/** Random valid cells whose synthetic accuracy rewards conv3x3 and punishes max-pool. */
function syntheticBenchmark(count: number, seed: string): Benchmark<Nb101Spec> {
  const rng = createRng(seed);
  const records: BenchRecord<Nb101Spec>[] = [];
  const seen = new Set<string>();
  const ops = ['conv3x3-bn-relu', 'conv1x1-bn-relu', 'maxpool3x3'];
  while (records.length < count) {
    const n = 3 + rng.int(4);
    const matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let j = 1; j < n; j++) {
      matrix[rng.int(j)]![j] = 1;
      for (let i = 0; i < j; i++) if (rng() < 0.3) matrix[i]![j] = 1;
    }
    for (let i = 1; i < n - 1; i++) if (!matrix[i]!.some((e) => e)) matrix[i]![n - 1] = 1;
    const cellOps = Array.from({ length: n }, (_, v) => (v === 0 ? 'input' : v === n - 1 ? 'output' : ops[rng.int(3)]!));
    let spec: Nb101Spec;
    try {
      spec = nb101Spec(matrix, cellOps);
    } catch {
      continue; // more than 9 edges
    }
    const id = nb101Hash(spec);
    if (seen.has(id)) continue;
    seen.add(id);
    const worth = cellOps.reduce((s, op) => s + (op === 'conv3x3-bn-relu' ? 1 : op === 'maxpool3x3' ? -0.7 : 0.2), 0);
    records.push({ id, arch: spec, metrics: { val_acc_108: 0.85 + 0.08 / (1 + Math.exp(-worth)) + 0.003 * (rng() - 0.5) } });
  }
  return createBenchmark('synthetic-nb101', records);
}

const bench = syntheticBenchmark(200, 'renas-figures-test');
const config: Renas424Config = {
  ...renas424Config('smoke'),
  seeds: [1, 2],
  trainSizes: [30, 60],
  lossKinds: ['ranking', 'mse'],
  epochs: 2,
  topK: 5,
  executor: { kind: 'in-thread' },
  wholeSpace: false,
  ablation: false,
};
/** The line or marker trace whose name starts with `prefix` (not its shaded ± band). */
const traceNamed = (fig: { data: Record<string, unknown>[] }, prefix: string) => {
  const t = fig.data.find((d) => String(d['name']).startsWith(prefix) && d['fill'] !== 'toself');
  assert.ok(t, `no trace named "${prefix}…" in ${fig.data.map((d) => d['name']).join(', ')}`);
  return t as { x: number[]; y: number[]; name: string; mode?: string };
};

describe('renas424 notebook helpers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'renas-figures-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const cacheDir = join(dir, 'runs');
  let result: Renas424Result;
  before(async () => {
    result = await runRenas424(config, { bench, cacheDir });
  });

  test('renasRunPredictions refits one run exactly (τ of the study) and caches its scores', async () => {
    const run = { seed: 2, trainSize: 30, lossKind: 'ranking' as const };
    const first = await renasRunPredictions(config, run, { bench, cacheDir });
    const row = result.rows.find((r) => r.seed === 2 && r.trainSize === 30 && r.lossKind === 'ranking')!;
    assert.equal(first.cached, false);
    assert.equal(first.kendallTau, row.kendallTau);
    assert.equal(first.ids.length, bench.size - 30);
    assert.equal(first.predicted.length, first.truth.length);
    const train = new Set(Array.from(renasTrainIndices(bench.size, 2, 30), (i) => bench.all()[i]!.id));
    assert.ok(first.ids.every((id) => !train.has(id)));
    assert.deepEqual(Array.from(first.truth), first.ids.map((id) => bench.get(id).metrics['val_acc_108']));
    const again = await renasRunPredictions(config, run, { bench, cacheDir });
    assert.equal(again.cached, true);
    assert.deepEqual(Array.from(again.predicted), Array.from(first.predicted));
    await assert.rejects(renasRunPredictions(config, { ...run, trainSize: 1 }, { bench, cacheDir }), /training-set size is 1, expected an integer ≥ 2/);
    await assert.rejects(renasRunPredictions(config, { ...run, lossKind: 'hinge' as never }, { bench, cacheDir }), /lossKind must be ranking or mse/);
  });

  test('rank percentiles: 0 = worst, 100 = best, ties averaged', () => {
    assert.deepEqual(Array.from(rankPercentiles([10, 20, 20, 30])), [0, 50, 50, 100]);
  });

  test('predicted-vs-true figure: one point per held-out cell on rank percentiles, diagonal drawn last', async () => {
    const p = await renasRunPredictions(config, { seed: 1, trainSize: 60, lossKind: 'mse' }, { bench, cacheDir });
    const fig = predictedVsTrueFigure(p);
    const points = traceNamed(fig, 'held-out cells');
    assert.equal(points.x.length, bench.size - 60);
    // Kendall τ is rank-based: percentiles keep it.
    assert.ok(Math.abs(kendallTau(points.y, points.x) - p.kendallTau) < 1e-12);
    assert.equal(fig.data[fig.data.length - 1]!['name'], 'y = x');
    assert.match(String((fig.layout['title'] as { text: string }).text), /N = 60, mse loss/);
  });

  test('τ figure: mean τ per size and loss, log x axis, the paper values as reference points', () => {
    const fig = tauBySizeFigure(result);
    for (const loss of ['ranking', 'mse'] as const) {
      const line = traceNamed(fig, loss === 'ranking' ? 'ranking loss' : 'MSE');
      const expected = result.summary.filter((s) => s.lossKind === loss).sort((a, b) => a.trainSize - b.trainSize);
      assert.deepEqual(line.x, [30, 60]);
      assert.deepEqual(line.y, expected.map((s) => s.tauMean));
    }
    const paper = traceNamed(fig, 'ReNAS paper');
    assert.deepEqual(paper.x, [424, 4236]);
    assert.deepEqual(paper.y, RENAS_PAPER.tau.map((t) => t.tau));
    assert.equal((fig.layout['xaxis'] as { type: string }).type, 'log');
  });

  test('best-found figure: random curve mean over seeds, ReNAS points at N + K, subset best', () => {
    const fig = bestFoundFigure(result);
    const random = traceNamed(fig, 'random search');
    // The random curve is each seed's longest (N = 60): 65 queries, ending at the mean random best.
    assert.equal(random.x[random.x.length - 1], 65);
    const randomAt60 = result.rows.filter((r) => r.trainSize === 60 && r.lossKind === 'ranking').map((r) => 100 * r.randomBest);
    assert.ok(Math.abs(random.y[random.y.length - 1]! - (randomAt60[0]! + randomAt60[1]!) / 2) < 1e-9);
    const renas = traceNamed(fig, 'N + top 5, ranking');
    assert.deepEqual(renas.x, [35, 65]);
    const s60 = result.summary.find((s) => s.trainSize === 60 && s.lossKind === 'ranking')!;
    assert.ok(Math.abs(renas.y[1]! - 100 * s60.searchBestMean) < 1e-9);
    const best = traceNamed(fig, 'subset best');
    assert.ok(Math.abs(best.y[0]! - 100 * Math.max(...bench.metric('val_acc_108'))) < 1e-9);
    assert.deepEqual(traceNamed(fig, 'paper: ReNAS').y, [RENAS_PAPER.renasTop10.mean]);
    assert.deepEqual(traceNamed(fig, 'paper: random').y, [RENAS_PAPER.randomSearch.mean]);
  });

  test('tables: summary in %, comparison says what was not run, whole-space rows', () => {
    const summary = renasSummaryRows(result);
    assert.equal(summary.length, 4);
    const s0 = result.summary[0]!;
    assert.equal(summary[0]!['Kendall τ'], `${s0.tauMean.toFixed(3)} ± ${s0.tauStd.toFixed(3)}`);
    assert.equal(summary[0]!['top-5 best (%)'], `${(100 * s0.searchTopKBestMean).toFixed(2)} ± ${(100 * s0.searchTopKBestStd).toFixed(2)}`);

    const comparison = renasComparisonRows(result);
    // Neither 424 nor 4,236 were run in this small config.
    assert.ok(comparison.filter((r) => r['measure']!.includes('N = 424')).every((r) => r['this study'] === 'not run'));
    assert.equal(comparison.find((r) => r['measure']!.includes('4,236'))!['this study'], 'not run');
    assert.equal(comparison.find((r) => r['measure']!.includes('4,236'))!['paper'], '0.816 (quoted, unconfirmed)');

    const space = {
      ranked: 3,
      seconds: 1,
      cellsPerSecond: 3,
      seed: 0,
      trainSize: 30,
      lossKind: 'ranking',
      topInBenchmark: 1,
      bestTrueValueInTop: 0.9321,
      cached: false,
      top: [
        { rank: 0, index: 7, hash: 'a'.repeat(32), score: 1.23456, inBenchmark: true, trueValue: 0.9321 },
        { rank: 1, index: 2, hash: 'b'.repeat(32), score: 1.1, inBenchmark: false, trueValue: null },
      ],
    } satisfies WholeSpaceResult;
    assert.deepEqual(wholeSpaceRows(space), [
      { rank: 1, 'space index': 7, hash: 'a'.repeat(32), score: 1.2346, 'in subset': 'yes', 'val. accuracy (%)': '93.21' },
      { rank: 2, 'space index': 2, hash: 'b'.repeat(32), score: 1.1, 'in subset': 'no', 'val. accuracy (%)': '–' },
    ]);
    const withSpace = renasComparisonRows({ ...result, wholeSpace: space });
    assert.match(withSpace[withSpace.length - 1]!['this study']!, /^1 of 2 in the subset, best 93\.21 \(val\.\)/);
  });
});
