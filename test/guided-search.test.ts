import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createBenchmark } from '../src/core/benchmark.js';
import { createRng } from '../src/core/rng.js';
import type { BenchRecord, Predictor } from '../src/core/types.js';
import { createLocalSearch, createRegularizedEvolution } from '../src/searchers/index.js';
import { nb101Hash, nb101Spec, type Nb101Spec } from '../src/spaces/nb101.js';
import { nb101Neighbourhood, nb101SearchSpace } from '../src/spaces/nb101SearchSpace.js';
import { nb201SearchSpace } from '../src/spaces/nb201SearchSpace.js';
import { nb201ToString } from '../src/spaces/nb201.js';
import type { SearchSpace } from '../src/spaces/searchSpace.js';
import { randomSpecs, syntheticBenchmark } from './fixtures/studies.js';

// ---- a surrogate space: no finite table, truth is a formula; only some cells are "benchmarked" ----

type Vec = readonly number[];
const DIM = 6;
const LEVELS = 8;
const GOAL = [5, 2, 7, 1, 4, 6];
const truthOf = (v: Vec): number => -v.reduce((a, x, i) => a + (x - GOAL[i]!) ** 2, 0);
const surrogate: SearchSpace<Vec> = {
  name: 'toy-surrogate',
  sample: (rng) => Array.from({ length: DIM }, () => rng.int(LEVELS)),
  neighbours: (v) => {
    const out: Vec[] = [];
    for (let i = 0; i < DIM; i++) for (const d of [-1, 1]) if (v[i]! + d >= 0 && v[i]! + d < LEVELS) out.push(v.map((x, k) => (k === i ? x + d : x)));
    return out;
  },
  mutate: (v, rng) => {
    const options = surrogate.neighbours(v);
    return options[rng.int(options.length)]!;
  },
  id: (v) => v.join(','),
};

/** A predictor that learns nothing: it scores by the formula with a fixed distortion, and counts its calls. */
class FormulaPredictor implements Predictor<Vec> {
  readonly name = 'formula';
  readonly requires = [] as const;
  fitted = 0;
  calls = 0;
  scoredCount = 0;
  async fit(archs: readonly BenchRecord<Vec>[]) {
    this.fitted = archs.length;
    return { epochs: 1, lossHistory: [0] };
  }
  async predict(archs: readonly BenchRecord<Vec>[]) {
    this.calls++;
    this.scoredCount += archs.length;
    return Float32Array.from(archs, (r) => truthOf(r.arch) + 0.1 * r.arch[0]!);
  }
  dispose() {}
}

// The benchmark knows 300 random cells of the 8⁶ = 262,144.
const tableRng = createRng('toy-table');
const known = new Map<string, BenchRecord<Vec>>();
while (known.size < 300) {
  const v = surrogate.sample(tableRng);
  known.set(surrogate.id(v), { id: `cell-${known.size}`, arch: v, metrics: { acc: truthOf(v) } });
}
const toyBench = createBenchmark('toy', [...known.values()]);
const randomBest = Math.max(...toyBench.all().map((r) => r.metrics['acc']!));

describe('predictor-guided discrete search on a space without a table', () => {
  for (const make of [
    (p: () => FormulaPredictor) => createRegularizedEvolution({ space: surrogate, predictorFactory: p, populationSize: 40, sampleSize: 10, evaluations: 1500, batch: 25 }),
    (p: () => FormulaPredictor) => createLocalSearch({ space: surrogate, predictorFactory: p, starts: 20, evaluations: 1500 }),
  ]) {
    test(`${make(() => new FormulaPredictor()).name}: N + K queries, the predictor as fitness, unknown cells queried as NaN`, async () => {
      let predictor: FormulaPredictor | undefined;
      const searcher = make(() => (predictor = new FormulaPredictor()));
      const result = await searcher.search(toyBench, 'acc', { trainSamples: 30, topK: 5 }, createRng('search'));
      assert.equal(predictor!.fitted, 30);
      assert.equal(result.queried.length, 35);
      assert.equal(new Set(result.queried).size, 35);
      // The first 30 queries are benchmark cells with known values.
      assert.ok(Array.from(result.values.subarray(0, 30)).every(Number.isFinite));
      // The K picks are the best-scored cells: close to the optimum, far better than any benchmarked cell.
      const picks = result.queried.slice(30);
      const pickTruth = picks.map((id) => (id.startsWith('cell-') ? known.get([...known.entries()].find(([, r]) => r.id === id)![0])!.metrics['acc']! : truthOf(id.split(',').map(Number))));
      assert.ok(Math.max(...pickTruth) > randomBest, `best pick ${Math.max(...pickTruth)} vs best benchmarked ${randomBest}`);
      assert.ok(Math.max(...pickTruth) >= -2, `best pick ${Math.max(...pickTruth)} should be within 2 of the optimum 0`);
      // Picks outside the table have no known value.
      for (let k = 0; k < 5; k++) assert.equal(Number.isNaN(result.values[30 + k]!), !picks[k]!.startsWith('cell-'));
      assert.equal((result as { unknown?: number }).unknown, picks.filter((id) => !id.startsWith('cell-')).length);
      assert.ok(predictor!.scoredCount <= 1500 + 2 * DIM * 2, `scored ${predictor!.scoredCount}`);
      // Deterministic from the rng.
      const again = await make(() => new FormulaPredictor()).search(toyBench, 'acc', { trainSamples: 30, topK: 5 }, createRng('search'));
      assert.deepEqual(again.queried, result.queried);
    });
  }

  test('argument checks name the field', () => {
    assert.throws(() => createRegularizedEvolution({ space: surrogate, predictorFactory: () => new FormulaPredictor(), populationSize: 10, sampleSize: 20, evaluations: 100, batch: 5 }), /sampleSize 20 exceeds populationSize 10/);
    assert.throws(() => createLocalSearch({ space: surrogate, predictorFactory: () => new FormulaPredictor(), starts: 0, evaluations: 10 }), /starts is 0, expected an integer ≥ 1/);
  });

  test('local search stops on a small space once nothing new can be scored', async () => {
    const tiny: SearchSpace<Vec> = { ...surrogate, sample: (rng) => [rng.int(2)], neighbours: (v) => [[1 - v[0]!]], id: (v) => String(v[0]) };
    const bench = createBenchmark('tiny', [0, 1].map((x) => ({ id: String(x), arch: [x], metrics: { acc: x } })));
    const result = await createLocalSearch({ space: tiny, predictorFactory: () => new FormulaPredictor(), starts: 1, evaluations: 1000 }).search(bench, 'acc', { trainSamples: 1, topK: 1 }, createRng('tiny'));
    assert.equal(result.queried.length, 2);
  });
});

describe('search spaces', () => {
  test('NAS-Bench-201: 24 distinct neighbours, one op changed each; ids are the op strings', () => {
    const space = nb201SearchSpace();
    const arch = [0, 1, 2, 3, 4, 1];
    const around = space.neighbours(arch);
    assert.equal(around.length, 24);
    assert.equal(new Set(around.map(space.id)).size, 24);
    for (const n of around) assert.equal(n.filter((op, e) => op !== arch[e]).length, 1);
    assert.equal(space.id(arch), nb201ToString(arch));
    const rng = createRng('nb201');
    const ids = new Set(around.map((n) => space.id(n)));
    for (let i = 0; i < 20; i++) assert.ok(ids.has(space.id(space.mutate(arch, rng))), 'a mutant is one of the neighbours');
  });

  test('NAS-Bench-101: every neighbour is a valid cell one edit away with another hash; small cells can grow', () => {
    const chain = nb101Spec(
      [
        [0, 1, 0],
        [0, 0, 1],
        [0, 0, 0],
      ],
      ['input', 'conv3x3-bn-relu', 'output'],
    );
    const around = nb101Neighbourhood(chain);
    const hashes = around.map(nb101Hash);
    assert.equal(new Set(hashes).size, hashes.length);
    assert.ok(!hashes.includes(nb101Hash(chain)));
    // The op change (2 ops), the skip edge 0 → 2, and new vertices (each op) all appear.
    const withSkip = nb101Spec([[0, 1, 1], [0, 0, 1], [0, 0, 0]], ['input', 'conv3x3-bn-relu', 'output']);
    const asPool = nb101Spec([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ['input', 'maxpool3x3', 'output']);
    const wider = nb101Spec([[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], ['input', 'conv3x3-bn-relu', 'conv1x1-bn-relu', 'output']);
    for (const expected of [withSkip, asPool]) assert.ok(hashes.includes(nb101Hash(expected)), 'a one-edit neighbour is missing');
    assert.ok(!hashes.includes(nb101Hash(wider)), 'a new vertex needs two edges: not one edit');
    for (const spec of randomSpecs(40, 'nbhd')) {
      const n = nb101Neighbourhood(spec);
      assert.ok(n.length > 0, 'a random cell has neighbours');
      for (const c of n) assert.ok(c.numVertices <= 7 && c.numVertices >= 2);
    }
  });

  test('NAS-Bench-101 space: samples come from the enumeration; the 2-vertex cell mutates to a fresh draw', () => {
    const bench = syntheticBenchmark(50, 'nb101-space');
    const specs: Nb101Spec[] = bench.all().map((r) => r.arch);
    const space = nb101SearchSpace({ size: specs.length, specAt: (i) => specs[i]! });
    const rng = createRng('nb101-space');
    const ids = new Set(bench.all().map((r) => r.id));
    for (let i = 0; i < 10; i++) assert.ok(ids.has(space.id(space.sample(rng))));
    const two = nb101Spec([[0, 1], [0, 0]], ['input', 'output']);
    assert.equal(nb101Neighbourhood(two).length, 0);
    assert.ok(ids.has(space.id(space.mutate(two, rng))));
  });
});

describe('ReNAS predictor in discrete search (renasSearch)', () => {
  test('every method spends N + K queries on the same training draw; one fit per seed; cached per (seed, method)', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { renas424Config } = await import('../src/experiments/renas424.js');
    const { runRenasSearch, sharedRenasFit, RENAS_SEARCH_METHODS } = await import('../src/experiments/renasSearch.js');
    const { renasSearchRows } = await import('../src/experiments/renasFigures.js');
    const { initBackend } = await import('../src/backend.js');
    await initBackend();
    const bench = syntheticBenchmark(200, 'renas-search');
    // The "whole space": the benchmark's cells plus 100 it does not hold.
    const extra = randomSpecs(300, 'renas-search-extra').filter((s) => !bench.has(nb101Hash(s))).slice(0, 100);
    const specs = [...bench.all().map((r) => r.arch), ...extra];
    const dir = mkdtempSync(join(tmpdir(), 'renas-search-'));
    try {
      const search = { seeds: [0, 1], trainSize: 30, topK: 5, epochs: 2, evaluations: 150, populationSize: 20, sampleSize: 5, batch: 20, starts: 5, methods: RENAS_SEARCH_METHODS };
      const study = { ...renas424Config('smoke'), ablation: false as const };
      const options = { bench, space: { size: specs.length, specAt: (i: number) => specs[i]! }, cacheDir: join(dir, 'runs') };
      const first = await runRenasSearch(study, search, options);
      assert.equal(first.rows.length, 2 * RENAS_SEARCH_METHODS.length);
      for (const r of first.rows) {
        assert.equal(r.queries, 35);
        assert.ok(Number.isFinite(r.bestKnown) && r.bestKnown <= first.subsetBest);
        assert.ok(r.unknownPicks >= 0 && r.unknownPicks <= 5);
        if (r.method === 'top-k (subset)' || r.method === 'random' || r.method.endsWith('subset picks')) assert.equal(r.unknownPicks, 0, `${r.method} picks only subset cells`);
      }
      // The 100 cells outside the benchmark are met by the whole-space searches, and some of their picks fall there.
      assert.ok(first.rows.some((r) => r.unknownPicks > 0), 'no pick outside the benchmark: the whole space was not searched');
      const again = await runRenasSearch(study, search, options);
      assert.ok(again.rows.every((r) => r.cached));
      assert.deepEqual(again.summary, first.summary);
      const rows = renasSearchRows(first);
      assert.deepEqual(rows.map((r) => r['method']), [...RENAS_SEARCH_METHODS]);
      // A shared fit: the second fit on the same cells restores the first one's weights.
      const factory = sharedRenasFit({ epochs: 2 });
      const train = bench.all().slice(0, 20);
      const a = factory(3);
      const b = factory(3);
      const ra = await a.fit(train, train.map((r) => r.metrics['val_acc_108']!));
      const rb = await b.fit(train, train.map((r) => r.metrics['val_acc_108']!));
      assert.equal(ra.epochs, 2);
      assert.equal(rb.epochs, 0, 'no second training');
      assert.deepEqual(Array.from(await a.predict(bench.all().slice(20, 40))), Array.from(await b.predict(bench.all().slice(20, 40))));
      a.dispose();
      b.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
