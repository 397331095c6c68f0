import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initBackend } from '../src/backend.js';
import { createBenchmark } from '../src/core/benchmark.js';
import { createRng } from '../src/core/rng.js';
import type { BenchRecord, Predictor } from '../src/core/types.js';
import {
  checkSweepConfig,
  fixedKPoints,
  runSiameseSweep,
  scaledDownNotes,
  scheduleMatchedBnMomentum,
  sweepRunConfig,
  sweepSearchBudget,
  type SiameseSweepConfig,
} from '../src/experiments/siameseSweep.js';
import { SCORING_LABEL, SIAMESE_PUBLISHED_POINTS, nkSweepFigure, paperComparison } from '../src/experiments/siameseSweepReport.js';
import { runKey } from '../src/engine/index.js';
import { sweepAblation, sweepSlice } from '../src/experiments/siameseSweepAblation.js';
import { btsSchedule } from '../src/searchers/bts.js';
import { officialBestAt } from '../src/searchers/common.js';
import { createPredictorTopKSearch, createRandomSearch } from '../src/searchers/index.js';
import { writeSyntheticCells } from './fixtures/studies.js';

const tmp = mkdtempSync(join(tmpdir(), 'siamese-scoring-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let cells = '';
before(async () => {
  await initBackend();
  cells = writeSyntheticCells(tmp, 150);
});

// A 12-cell benchmark with known values and a predictor whose ranking is fixed (it ignores its training data).
const VALUES = [0.5, 0.91, 0.62, 0.7, 0.95, 0.4, 0.81, 0.55, 0.99, 0.6, 0.73, 0.66];
const RANKING = [3, 10, 0, 6, 8, 1, 4, 2, 11, 9, 7, 5]; // best-predicted first
const bench = createBenchmark<number>(
  'known',
  VALUES.map((v, i) => ({ id: `c${i}`, arch: i, metrics: { acc: v } })),
);
const fixedRanking = (): Predictor<number> => ({
  name: 'fixed-ranking',
  requires: [],
  fit: async () => ({ epochs: 0, lossHistory: [] }),
  predict: async (archs: readonly BenchRecord<number>[]) => Float32Array.from(archs, (r) => 12 - RANKING.indexOf(r.arch)),
  dispose: () => {},
});

describe('official and search scoring of a known ranking', () => {
  test('official: running maximum along the whole ranking, training cells in place (hand-computed)', async () => {
    const result = await createPredictorTopKSearch({ predictorFactory: fixedRanking }).search(bench, 'acc', { trainSamples: 4, topK: 6 }, createRng('known'));
    assert.deepEqual(result.ranking!.ids, ['c3', 'c10', 'c0', 'c6', 'c8', 'c1']);
    // Values along the ranking: 0.70, 0.73, 0.50, 0.81, 0.99, 0.91.
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((K) => officialBestAt(result.ranking!, K)), [0.7, 0.73, 0.73, 0.81, 0.99, 0.99]);
    assert.throws(() => officialBestAt(result.ranking!, 7), /K = 7 is outside the 6 ranked cells kept/);
  });

  test('search: best of the N trained and the K best-ranked untrained; never below official for the same ranking', async () => {
    for (const seed of ['a', 'b', 'c', 'd', 'e']) {
      const result = await createPredictorTopKSearch({ predictorFactory: fixedRanking }).search(bench, 'acc', { trainSamples: 4, topK: 3 }, createRng(seed));
      const trained = result.queried.slice(0, 4).map((id) => Number(id.slice(1)));
      const picks = RANKING.filter((i) => !trained.includes(i)).slice(0, 3);
      assert.deepEqual(result.queried.slice(4), picks.map((i) => `c${i}`));
      const search = Math.max(...[...trained, ...picks].map((i) => VALUES[i]!));
      assert.equal(Math.max(...result.values), search);
      assert.ok(search >= officialBestAt(result.ranking!, 3), `${seed}: search ${search} vs official ${officialBestAt(result.ranking!, 3)}`);
    }
  });

  test('budget accounting: official trains N − 3 (random: K cells), search trains N (random: N + K)', () => {
    assert.deepEqual(sweepSearchBudget({ method: 'gcn', N: 30, scoring: 'official' }, 20), { trainSamples: 27, topK: 20 });
    assert.deepEqual(sweepSearchBudget({ method: 'random', N: 30, scoring: 'official' }, 20), { trainSamples: 0, topK: 20 });
    assert.deepEqual(sweepSearchBudget({ method: 'siams+nsam+bts', N: 30, scoring: 'search' }, 20), { trainSamples: 30, topK: 20 });
    assert.deepEqual(sweepSearchBudget({ method: 'random', N: 30, scoring: 'search' }, 20), { trainSamples: 0, topK: 50 });
    assert.throws(() => sweepSearchBudget({ method: 'gcn', N: 3, scoring: 'official' }, 5), /N must exceed 3/);
    // BTS at budget 30: official 27 trained, int(27·0.3) = 8 at random, 19 in 10 stages (19 // 10 = 1 each, the last 19 − 9 = 10).
    const official = btsSchedule(27, { initialFraction: 0.3, stages: 10, growthPhaseEpochs: 100 });
    assert.equal(official.initialCount, 8);
    assert.deepEqual(official.perStage, [1, 1, 1, 1, 1, 1, 1, 1, 1, 10]);
    const ours = btsSchedule(30, { initialFraction: 0.3, stages: 10, growthPhaseEpochs: 100 });
    assert.equal(ours.initialCount, 9);
    assert.deepEqual(ours.perStage, [2, 2, 2, 2, 2, 2, 2, 2, 2, 3]);
  });

  test('random baseline: official is the best of the first K of a random order; search of the first N + K', async () => {
    const official = await createRandomSearch<number>().search(bench, 'acc', { trainSamples: 0, topK: 5 }, createRng('r'));
    assert.equal(official.queried.length, 5);
    const search = await createRandomSearch<number>().search(bench, 'acc', { trainSamples: 0, topK: 9 }, createRng('r'));
    assert.equal(search.queried.length, 9);
    assert.deepEqual(search.queried.slice(0, 5), official.queried, 'the first K of the same draw');
  });
});

describe('siamese sweep with both scorings', () => {
  const config = (): SiameseSweepConfig => ({
    seed: 'scoring',
    repeats: 2,
    scorings: ['official', 'search'],
    series: [{ id: 'fig6b-cifar100', title: 'K = 5', benchmark: 'nb201-cifar10', methods: ['random', 'gcn', 'siams+nsam+bts', 'brp-nas'], points: fixedKPoints(5, [20]) }],
    predictor: { epochs: 6, hidden: 8, batchSize: 4, rerankTop: 10 },
    bts: { initialFraction: 0.3, stages: 2, stageRerankTop: 5 },
    brp: { layers: 1, hidden: 8, epochs: 4, batchSize: 8, iterations: 2, selection: 'best-and-top-random', pairForward: 'per-cell' },
    correlationSample: 40,
    executor: { kind: 'in-thread' },
    cacheDir: join(tmp, 'cache'),
    sources: { 'nb201-cifar10': cells },
  });

  test('each scoring is its own runs; rows read the official score off the ranking and the search score off the queries', async () => {
    const result = await runSiameseSweep(config(), { onProgress: false });
    assert.equal(result.runs.length, 2 * 2 * 4);
    for (const run of result.runs) {
      const { N, K } = run.result;
      const expected = run.config.scoring === 'official' ? (run.config.method === 'random' ? K : N - 3 + K) : N + K;
      assert.equal(run.result.queried.length, expected, `${run.config.scoring} ${run.config.method}`);
      if (run.config.method === 'random') assert.equal(run.result.ranking, null);
      else assert.equal(run.result.ranking!.length, K);
      if (run.config.method === 'siams+nsam+bts') assert.equal(run.result.initialCount, Math.trunc(0.3 * (run.config.scoring === 'official' ? N - 3 : N)));
      // BRP-NAS: 2 iterations, the random first part takes the remainder (12 → 6 + 6, 15 → 8 + 7); a layer-normed net, no BN.
      if (run.config.method === 'brp-nas') {
        assert.equal(run.result.initialCount, run.config.scoring === 'official' ? 6 : 8);
        assert.equal(run.result.bnInitialShare, null);
        assert.ok(run.result.kendallTau !== null && Number.isFinite(run.result.kendallTau), 'scored after its last training');
        continue;
      }
      // BN diagnostic: 6 epochs → phases 1 + 3 + 1 + 3 = 8 epochs of ⌊12 (or 15) / 4⌋ = 3 steps: 0.997^24 of the initial statistics left.
      if (run.config.method === 'random') assert.equal(run.result.bnInitialShare, null);
      else assert.ok(Math.abs(run.result.bnInitialShare! - 0.997 ** 24) < 1e-12, `${run.config.method}: ${run.result.bnInitialShare}`);
    }
    for (const row of result.rows) {
      const run = result.runs.find((r) => r.config.scoring === row.scoring && r.config.method === row.method && r.config.repeat === row.repeat)!;
      const want =
        row.scoring === 'search'
          ? Math.max(...run.result.values.slice(0, row.N + row.K))
          : row.method === 'random'
            ? Math.max(...run.result.values.slice(0, row.K))
            : Math.max(...run.result.ranking!.slice(0, row.K));
      assert.equal(row.best, want, `${row.scoring} ${row.method} repeat ${row.repeat}`);
    }
    assert.deepEqual([...new Set(result.table.map((r) => r.scoring))], ['official', 'search']);
    // One comparison row per published point and scoring, the official (the paper's) first.
    const comparison = paperComparison(result);
    assert.equal(comparison.length, 2 * SIAMESE_PUBLISHED_POINTS.length);
    assert.deepEqual([...new Set(comparison.map((r) => r.scoring))], ['official', 'search']);
    // Gaps to a given optimum: BRP-NAS's 0.737 at 100 lies above a 0.7351 optimum.
    const gaps = paperComparison(result, { 'nb201-cifar100': 0.7351 });
    const brp = gaps.find((r) => r.published.startsWith('BRP-NAS') && r.budget === 100)!;
    assert.ok(Math.abs(brp.paperGap! - (0.7351 - 0.737)) < 1e-12);
    assert.equal(brp.optimum, 0.7351);
    assert.equal(brp.oursGap, null, 'no row of ours at that point in this sweep');
    assert.equal(comparison[0]!.optimum, null, 'no optimum given');
    assert.ok(JSON.stringify(nkSweepFigure(result, 'fig6b-cifar100').layout.title).includes(SCORING_LABEL.official), 'official by default');
    assert.ok(JSON.stringify(nkSweepFigure(result, 'fig6b-cifar100', 'search').layout.title).includes(SCORING_LABEL.search));
    // A rerun reads everything from the cache.
    const again = await runSiameseSweep(config(), { onProgress: false });
    assert.equal(again.stats.computed, 0);
    assert.deepEqual(again.rows, result.rows);
  });

  test('a BN momentum matched to the schedule leaves the official share of initial statistics, and is in the run key', async () => {
    // 24 epochs → phases 4 + 12 + 7 + 3 = 26; the official 203: m = 0.997^(203/26).
    assert.equal(scheduleMatchedBnMomentum(24), Number((0.997 ** (203 / 26)).toFixed(6)));
    assert.equal(scheduleMatchedBnMomentum(200), 0.997);
    assert.ok(Math.abs(scheduleMatchedBnMomentum(24) ** (26 * 3) - 0.997 ** (203 * 3)) < 1e-4, 'N = 30: 3 steps an epoch in both');
    const m = scheduleMatchedBnMomentum(6);
    const matched: SiameseSweepConfig = { ...config(), repeats: 1, scorings: ['official'], predictor: { ...config().predictor, bnMomentum: m } };
    const plain = sweepRunConfig(config(), 'nb201-cifar10', 'gcn', 15, 0, 'official');
    assert.notEqual(runKey(sweepRunConfig(matched, 'nb201-cifar10', 'gcn', 15, 0, 'official')), runKey(plain));
    const result = await runSiameseSweep({ ...matched, series: [{ ...matched.series[0]!, methods: ['gcn'] }] }, { onProgress: false });
    // 8 epochs of 3 steps, as above, with momentum m.
    assert.ok(Math.abs(result.runs[0]!.result.bnInitialShare! - m ** 24) < 1e-9, `${result.runs[0]!.result.bnInitialShare} vs ${m ** 24}`);
    assert.ok(scaledDownNotes(matched).some((n) => n.includes(`batch-norm momentum ${m}`) && n.includes('the official 200 leave')));
    assert.throws(() => checkSweepConfig({ ...matched, predictor: { ...matched.predictor, bnMomentum: 1 } }), /predictor.bnMomentum is 1/);
  });

  test('sweepAblation pairs a flipped slice with the main sweep by repeat, leaving out methods the switch does not reach', async () => {
    const main = await runSiameseSweep(config(), { onProgress: false });
    const slice = sweepSlice(config(), ['fig6b-cifar100'], ['official']);
    const flippedConfig: SiameseSweepConfig = { ...slice, series: [{ ...slice.series[0]!, methods: ['random', 'gcn'] }], predictor: { ...slice.predictor, bnMomentum: 0.9 } };
    const flipped = await runSiameseSweep(flippedConfig, { onProgress: false });
    const rows = sweepAblation('bn 0.9', main, flipped);
    assert.deepEqual(rows.map((r) => [r.method, r.scoring, r.pairs]), [['gcn', 'official', 2]], 'random search is not reached by a predictor switch');
    const mine = (res: typeof main, repeat: number) => res.rows.find((r) => r.method === 'gcn' && r.scoring === 'official' && r.repeat === repeat)!;
    const diffs = [0, 1].map((k) => mine(flipped, k).best - mine(main, k).best);
    assert.ok(Math.abs(rows[0]!.difference - (diffs[0]! + diffs[1]!) / 2) < 1e-12);
    assert.ok(Math.abs(rows[0]!.flippedBnInitialShare! - 0.9 ** 24) < 1e-12);
    assert.ok(Math.abs(rows[0]!.mainBnInitialShare! - 0.997 ** 24) < 1e-12);
    assert.throws(() => sweepSlice(config(), ['fig9']), /no series fig9 in this config/);
  });

  test('config checks: scorings named and distinct; official needs N > 3 and K ≥ 1', () => {
    const good = config();
    checkSweepConfig(good);
    assert.throws(() => checkSweepConfig({ ...good, scorings: [] }), /scorings must list at least one of official, search/);
    assert.throws(() => checkSweepConfig({ ...good, scorings: ['best' as 'official'] }), /scorings\[\] "best" is not one of official, search/);
    assert.throws(() => checkSweepConfig({ ...good, scorings: ['search', 'search'] }), /scorings repeat/);
    assert.throws(() => checkSweepConfig({ ...good, series: [{ ...good.series[0]!, points: [{ N: 3, K: 5 }] }] }), /official scoring trains N − 3 cells, so N must exceed 3/);
    assert.throws(() => checkSweepConfig({ ...good, series: [{ ...good.series[0]!, points: [{ N: 10, K: 0 }] }] }), /K must be ≥ 1/);
  });
});
