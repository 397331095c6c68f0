/**
 * Registries: a toy predictor and a toy searcher, each one file plus one
 * registration line (test/fixtures/toy*.ts), run by name through the
 * Siamese sweep and the ReNAS study; a toy surrogate space (no table) is
 * searched by regularized evolution.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initBackend } from '../src/backend.js';
import { Registry } from '../src/core/registry.js';
import { createRng } from '../src/core/rng.js';
import type { Benchmark, Predictor, SurrogateBenchmark } from '../src/core/types.js';
import { renas424Config, runRenas424, type Renas424Config } from '../src/experiments/renas424.js';
import { renasTrainIndices } from '../src/experiments/renasRunTask.js';
import { runRenasSearch } from '../src/experiments/renasSearch.js';
import { runSiameseSweep, loadSweepBenchmark, type SiameseSweepConfig } from '../src/experiments/siameseSweep.js';
import { kendallTau } from '../src/metrics/kendallTau.js';
import { nkSweepFigure, rankCorrelationFigure } from '../src/experiments/siameseSweepReport.js';
import { PREDICTORS } from '../src/predictors/registry.js';
import { createPredictorTopKSearch, createRandomSearch, createRegularizedEvolution } from '../src/searchers/index.js';
import { SEARCHERS } from '../src/searchers/registry.js';
import { mutateByNeighbours, type SearchSpace } from '../src/spaces/searchSpace.js';
import { parseSweepArgs } from '../src/cli/siamese.js';
import '../src/registrations.js';
import { syntheticBenchmark, writeSyntheticCells } from './fixtures/studies.js';
import { toyScore } from './fixtures/toyPredictor.js';
import './fixtures/toySearcher.js';

const tmp = mkdtempSync(join(tmpdir(), 'registry-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let cells = '';
before(async () => {
  await initBackend();
  cells = writeSyntheticCells(tmp, 120);
});

describe('Registry', () => {
  test('a name is registered once; an unknown name fails naming the registered ones', () => {
    const r = new Registry<{ name: string; description: string }>('widgets');
    r.register({ name: 'a', description: 'first' });
    r.register({ name: 'b', description: 'second' });
    assert.throws(() => r.register({ name: 'a', description: 'again' }), /widgets: "a" is already registered/);
    assert.throws(() => r.register({ name: ' c', description: 'padded' }), /non-empty string without surrounding spaces/);
    assert.throws(() => r.get('z', 'config.method'), /config\.method: no widget "z"; registered: a, b/);
    assert.deepEqual(r.names(), ['a', 'b']);
    assert.deepEqual(r.helpLines(''), ['a  first', 'b  second']);
    // ensure: the same entry again is a no-op, another entry under its name is still an error.
    const b = r.get('b');
    assert.equal(r.ensure(b), b);
    assert.throws(() => r.ensure({ name: 'b', description: 'impostor' }), /widgets: "b" is already registered/);
    assert.ok(r.unregister('a') && !r.has('a'));
  });

  test('the built-in parts and the toys are registered', () => {
    for (const name of ['gcn', 'siams', 'siams+nsam', 'brp-nas', 'renas', 'param-count', 'toy-digit-sum']) assert.ok(PREDICTORS.has(name), name);
    for (const name of ['random', 'predictor-top-k', 'regularized-evolution', 'local-search', 'toy-id-order']) assert.ok(SEARCHERS.has(name), name);
  });
});

describe('a registered predictor and searcher in the Siamese sweep, by name', () => {
  const config = (scoring: 'official' | 'search'): SiameseSweepConfig => ({
    seed: 'registry',
    repeats: 2,
    scorings: [scoring],
    series: [{ id: 'toys', title: 'toys', benchmark: 'nb201-cifar10', methods: ['toy-digit-sum', 'toy-id-order', 'param-count'], points: [{ N: 10, K: 6 }] }],
    predictor: { epochs: 6, hidden: 8, batchSize: 4, rerankTop: 10 },
    bts: { initialFraction: 0.3, stages: 2, stageRerankTop: 5 },
    correlationSample: 50,
    executor: { kind: 'in-thread' },
    cacheDir: join(tmp, `sweep-${scoring}`),
    sources: { 'nb201-cifar10': cells },
  });

  test('official scoring: the toy predictor picks its K best-scored cells; the toy searcher queries in id order', async () => {
    const result = await runSiameseSweep(config('official'), { onProgress: false });
    const bench = (await loadSweepBenchmark('nb201-cifar10', cells)) as Benchmark<unknown>;
    const byId = new Map(bench.all().map((r) => [r.id, r] as const));
    const value = (id: string): number => byId.get(id)!.metrics['test_acc_200']!;
    const ordered = [...bench.all()].map((r) => r.id).sort();
    for (const run of result.runs.filter((r) => r.config.method === 'toy-id-order')) {
      // No predictor: K queries of its own (as random search), the first K ids.
      assert.deepEqual(run.result.queried, ordered.slice(0, 6));
      assert.equal(run.result.ranking, null);
      assert.equal(run.result.kendallTau, null);
    }
    const toyRows = result.rows.filter((r) => r.method === 'toy-id-order');
    assert.equal(toyRows.length, 2);
    for (const row of toyRows) assert.equal(row.best, Math.max(...ordered.slice(0, 6).map(value)));
    for (const run of result.runs.filter((r) => r.config.method === 'toy-digit-sum')) {
      // Official accounting: N − 3 training cells, then K picks by the predictor.
      const training = run.result.queried.slice(0, 7);
      const picks = run.result.queried.slice(7);
      assert.equal(picks.length, 6);
      const rest = bench.all().filter((r) => !run.result.queried.includes(r.id));
      const worstPick = Math.min(...picks.map((id) => toyScore(byId.get(id)!.arch)));
      const bestLeft = Math.max(...rest.filter((r) => !training.includes(r.id)).map((r) => toyScore(r.arch)));
      assert.ok(worstPick >= bestLeft, `picks score ${worstPick}, a cell left scores ${bestLeft}`);
      // The ranking head is the whole table's by toy score (training cells kept): its best is the official value.
      const head = [...bench.all()].sort((a, b) => toyScore(b.arch) - toyScore(a.arch));
      const sixth = toyScore(head[5]!.arch);
      assert.ok(run.result.ranking!.every((v) => head.some((r) => toyScore(r.arch) >= sixth && r.metrics['test_acc_200'] === v)));
      // The onFitted hook scored the fitted predictor on the correlation sample.
      assert.ok(run.result.kendallTau !== null && Number.isFinite(run.result.kendallTau));
    }
    // param-count, the built-in baseline, on the same cells: its τ is that of params against accuracy.
    const pc = result.runs.find((r) => r.config.method === 'param-count')!;
    assert.ok(pc.result.kendallTau! > 0.3, `param-count τ ${pc.result.kendallTau}`);
    // Registered predictors run with their own defaults: no graph settings in their run key.
    assert.equal(pc.config.predictor, undefined);
    // The figures draw registered methods too, and the τ bars have the predictors with a τ.
    const lines = nkSweepFigure(result, 'toys', 'official').data.map((t) => t.name);
    for (const m of ['toy-digit-sum', 'toy-id-order', 'param-count']) assert.ok(lines.includes(m), `${m} in ${lines.join(', ')}`);
    const bars = rankCorrelationFigure(result, 'toys', 'official').data.map((t) => t.name);
    assert.deepEqual(bars.filter((n) => n === 'toy-id-order'), []);
    assert.ok(bars.includes('param-count') && bars.includes('toy-digit-sum'), bars.join(', '));
  });

  test('search scoring: the toy searcher spends N + K; an unregistered method fails naming the registered ones', async () => {
    const result = await runSiameseSweep(config('search'), { onProgress: false });
    const bench = (await loadSweepBenchmark('nb201-cifar10', cells)) as Benchmark<unknown>;
    const ordered = [...bench.all()].map((r) => r.id).sort();
    const run = result.runs.find((r) => r.config.method === 'toy-id-order')!;
    assert.deepEqual(run.result.queried, ordered.slice(0, 16));
    const bad = { ...config('search'), series: [{ ...config('search').series[0]!, methods: ['no-such-method'] }] };
    await assert.rejects(runSiameseSweep(bad, { onProgress: false }), /method "no-such-method" is not one of .*registered predictor \(.*toy-digit-sum.*\).*registered searcher \(.*toy-id-order/);
    const walking = { ...config('search'), series: [{ ...config('search').series[0]!, methods: ['regularized-evolution'] }] };
    await assert.rejects(runSiameseSweep(walking, { onProgress: false }), /searcher "regularized-evolution" walks a search space/);
  });

  test('nas siamese sweep --methods takes registered names and rejects unknown ones', () => {
    const parsed = parseSweepArgs(['--profile', 'smoke', '--methods', 'toy-digit-sum,random']);
    assert.notEqual(parsed, 'help');
    if (parsed !== 'help') for (const s of parsed.series) assert.deepEqual(s.methods, ['toy-digit-sum', 'random']);
    assert.throws(() => parseSweepArgs(['--profile', 'smoke', '--methods', 'nope']), /--methods: method "nope" is not one of/);
  });
});

describe('a registered predictor and searcher in the ReNAS study, by name', () => {
  const bench = syntheticBenchmark(120, 'registry-renas');
  const config: Renas424Config = {
    ...renas424Config('smoke'),
    seeds: [3],
    trainSizes: [30],
    lossKinds: ['ranking'],
    epochs: 2,
    topK: 5,
    executor: { kind: 'in-thread' },
    wholeSpace: false,
    ablation: false,
    model: 'toy-digit-sum',
  };

  test('the study fits the named model: its held-out τ is the toy score against the truth', async () => {
    const cacheDir = join(tmp, 'renas');
    const result = await runRenas424(config, { bench, cacheDir });
    assert.equal(result.rows.length, 1);
    const train = new Set(renasTrainIndices(bench.size, 3, 30));
    const held = bench.all().filter((_, i) => !train.has(i));
    const expected = kendallTau(
      held.map((r) => toyScore(r.arch)),
      held.map((r) => r.metrics['val_acc_108']!),
    );
    assert.ok(Math.abs(result.rows[0]!.kendallTau - expected) < 1e-12, `τ ${result.rows[0]!.kendallTau} vs ${expected}`);
    // The model is part of the run's identity: ReNAS itself on the same draw is a different run.
    const renas = await runRenas424({ ...config, model: 'renas' }, { bench, cacheDir });
    assert.equal(renas.rows[0]!.cached, false);
    assert.notEqual(renas.rows[0]!.kendallTau, result.rows[0]!.kendallTau);
    // The model's spaces are checked before any run: the graph predictors have no NAS-Bench-101 encoder.
    await assert.rejects(runRenas424({ ...config, model: 'siams' }, { bench, cacheDir }), /model "siams" does not support NAS-Bench-101/);
    await assert.rejects(runRenas424({ ...config, model: 'nope' }, { bench, cacheDir }), /model: no predictor "nope"; registered: .*toy-digit-sum/);
  });

  test('the search runs a registered searcher by name beside the built-in ones', async () => {
    const specs = bench.all().map((r) => r.arch);
    const search = { seeds: [0], trainSize: 20, topK: 5, epochs: 2, evaluations: 60, populationSize: 10, sampleSize: 3, batch: 10, starts: 3, methods: ['toy-id-order', 'regularized-evolution'] };
    const out = await runRenasSearch({ ...config, model: undefined }, search, { bench, space: { size: specs.length, specAt: (i: number) => specs[i]! }, cacheDir: join(tmp, 'renas-search', 'runs') });
    const ordered = bench.all().map((r) => r.id).sort();
    const toy = out.rows.find((r) => r.method === 'toy-id-order')!;
    assert.equal(toy.queries, 25);
    assert.equal(toy.bestKnown, Math.max(...ordered.slice(0, 25).map((id) => bench.get(id).metrics['val_acc_108']!)));
    const evo = out.rows.find((r) => r.method === 'regularized-evolution')!;
    assert.equal(evo.queries, 25);
  });
});

// ---------------------------------------------------------------- a surrogate space

/** Eight positions, four ops each (65,536 cells); the surrogate's accuracy rises with each op and peaks at all 3s. */
type ToyArch = readonly number[];
const toySpace: SearchSpace<ToyArch> = {
  name: 'toy-surrogate-space',
  sample: (rng) => Array.from({ length: 8 }, () => rng.int(4)),
  neighbours(arch) {
    const out: ToyArch[] = [];
    for (let i = 0; i < arch.length; i++) for (let op = 0; op < 4; op++) if (op !== arch[i]) out.push(arch.map((v, j) => (j === i ? op : v)));
    return out;
  },
  mutate: (arch, rng) => mutateByNeighbours(toySpace, arch, rng),
  id: (arch) => arch.join(''),
};
const surrogateAcc = (arch: ToyArch): number => 0.5 + arch.reduce((s, v, i) => s + v * (1 + i / 10), 0) / 100;
let evaluations = 0;
const surrogate: SurrogateBenchmark<ToyArch> = {
  kind: 'surrogate',
  name: 'toy-surrogate',
  space: toySpace,
  evaluate: (arch) => {
    evaluations++;
    return { val_acc: surrogateAcc(arch) };
  },
};
const idealPredictor = (): Predictor<ToyArch> => ({
  name: 'ideal',
  requires: [],
  fit: async () => ({ epochs: 0, lossHistory: [] }),
  predict: async (records) => Float32Array.from(records, (r) => surrogateAcc(r.arch)),
  dispose: () => {},
});

describe('a surrogate space (no finite table)', () => {
  test('regularized evolution with an ideal predictor finds the optimum; queries are distinct and within budget', async () => {
    const searcher = createRegularizedEvolution({ space: toySpace, predictorFactory: idealPredictor, populationSize: 30, sampleSize: 10, evaluations: 3000, batch: 30 });
    evaluations = 0;
    const result = await searcher.search(surrogate, 'val_acc', { trainSamples: 10, topK: 5 }, createRng('surrogate'));
    assert.equal(result.queried.length, 15);
    assert.equal(new Set(result.queried).size, 15);
    assert.equal(evaluations, 15, 'the surrogate is asked only for the queries');
    assert.ok(result.queried.includes('33333333'), `best found ${Math.max(...result.values)}`);
    assert.equal(Math.max(...result.values), surrogateAcc([3, 3, 3, 3, 3, 3, 3, 3]));
  });

  test('random search draws distinct cells of the space; table-ranking searchers refuse a surrogate, saying why', async () => {
    const random = await createRandomSearch<ToyArch>().search(surrogate, 'val_acc', { trainSamples: 0, topK: 40 }, createRng('surrogate-random'));
    assert.equal(new Set(random.queried).size, 40);
    const topK = createPredictorTopKSearch({ predictorFactory: idealPredictor });
    await assert.rejects(topK.search(surrogate, 'val_acc', { trainSamples: 5, topK: 5 }, createRng('x')), /ranks a benchmark's whole table, and toy-surrogate is a surrogate with none/);
  });
});
