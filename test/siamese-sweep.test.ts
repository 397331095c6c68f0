import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initBackend } from '../src/backend.js';
import { createRng } from '../src/core/rng.js';
import {
  fixedKPoints,
  fixedNPoints,
  meanBestFoundCurve,
  checkSweepConfig,
  planSweep,
  scaledDownNotes,
  runSiameseSweep,
  summarizeSweep,
  type SiameseSweepConfig,
  type SweepRow,
  type SweepRun,
} from '../src/experiments/siameseSweep.js';
import { writeSyntheticCells } from './fixtures/studies.js';

const tmp = mkdtempSync(join(tmpdir(), 'siamese-sweep-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let cells = '';
before(async () => {
  await initBackend();
  cells = writeSyntheticCells(tmp, 150);
});

let cacheCount = 0;
function testConfig(overrides: Partial<SiameseSweepConfig> = {}): SiameseSweepConfig {
  return {
    seed: 'test',
    repeats: 2,
    // The runner tests below pin the search scoring; the official one has its own tests.
    scorings: ['search'],
    series: [
      {
        id: 'fixed-n',
        title: 'N = 10 fixed',
        benchmark: 'nb201-cifar10',
        methods: ['random', 'gcn', 'siams', 'siams+nsam', 'siams+nsam+bts'],
        points: fixedNPoints(10, [15, 20]),
      },
      {
        id: 'fixed-k',
        title: 'K = 5 fixed',
        benchmark: 'nb201-cifar10',
        methods: ['random', 'siams+nsam+bts'],
        points: fixedKPoints(5, [15, 20]),
      },
    ],
    // Tiny training: BTS needs ≥ stages + 1 epochs in its growth phase (50 % of 6 = 3 ≥ 2 + 1).
    predictor: { epochs: 6, hidden: 8, batchSize: 4, rerankTop: 10 },
    bts: { initialFraction: 0.3, stages: 2, stageRerankTop: 5 },
    correlationSample: 60,
    executor: { kind: 'in-thread' },
    cacheDir: join(tmp, `cache-${cacheCount++}`),
    sources: { 'nb201-cifar10': cells },
    ...overrides,
  };
}

/** A run's result without its timing (the only part allowed to differ between executions). */
function strip(run: SweepRun): unknown {
  const { seconds: _seconds, ...rest } = run.result;
  return { config: run.config, result: rest, bestFound: run.bestFound };
}

const cacheFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('siamese N/K sweep runner', () => {
  let reference: Awaited<ReturnType<typeof runSiameseSweep>>;
  let referenceConfig: SiameseSweepConfig;

  before(async () => {
    referenceConfig = testConfig();
    reference = await runSiameseSweep(referenceConfig, { onProgress: false });
  });

  test('plans one run per (benchmark, method, N, repeat) with the largest K asked at that N', () => {
    const { tasks } = planSweep(referenceConfig);
    // fixed-n: 5 methods at N = 10 (K ≤ 10); fixed-k: random and BTS at N = 10 (shared) and N = 15; × 2 repeats.
    assert.equal(tasks.length, 2 * (5 + 2));
    const bts10 = tasks.filter((t) => t.config.method === 'siams+nsam+bts' && t.config.N === 10);
    assert.deepEqual(bts10.map((t) => t.K), [10, 10]);
    assert.equal(reference.stats.total, tasks.length);
    assert.equal(reference.stats.computed, tasks.length);
  });

  test('budgets are exact: every run makes N + K distinct queries and every row reads the first N + K', () => {
    for (const run of reference.runs) {
      const { N, K } = run.result;
      assert.equal(run.result.queried.length, N + K);
      assert.equal(new Set(run.result.queried).size, N + K, 'no architecture queried twice');
      assert.equal(run.result.values.length, N + K);
      assert.equal(run.bestFound.length, N + K);
      assert.equal(run.bestFound[N + K - 1], Math.max(...run.result.values));
    }
    assert.equal(reference.rows.length, 2 * (5 * 2 + 2 * 2));
    for (const row of reference.rows) {
      assert.equal(row.budget, row.N + row.K);
      const run = reference.runs.find(
        (r) => r.config.method === row.method && r.config.N === row.N && r.config.repeat === row.repeat,
      )!;
      assert.equal(row.best, Math.max(...run.result.values.slice(0, row.budget)));
    }
    const bts = reference.runs.filter((r) => r.config.method === 'siams+nsam+bts');
    for (const run of bts) assert.equal(run.result.initialCount, Math.trunc(0.3 * run.result.N));
    const predictorRuns = reference.runs.filter((r) => r.config.method !== 'random');
    for (const run of predictorRuns) {
      assert.ok(run.result.kendallTau !== null && Math.abs(run.result.kendallTau) <= 1);
      assert.ok(run.result.spearmanRho !== null && Math.abs(run.result.spearmanRho) <= 1);
    }
    for (const run of reference.runs.filter((r) => r.config.method.startsWith('siams'))) assert.notEqual(run.result.fineKendallTau, null);
  });

  test('a run with a smaller K is a prefix of the run with the larger K (why one run serves every K)', async () => {
    const small = await runSiameseSweep(
      testConfig({
        series: [{ id: 's', title: 's', benchmark: 'nb201-cifar10', methods: ['random', 'gcn', 'siams+nsam+bts'], points: [{ N: 10, K: 2 }] }],
        repeats: 1,
      }),
      { onProgress: false },
    );
    for (const run of small.runs) {
      const big = reference.runs.find((r) => r.config.method === run.config.method && r.config.N === 10 && r.config.repeat === 0)!;
      assert.equal(big.result.K, 10);
      assert.deepEqual(run.result.queried, big.result.queried.slice(0, 12), `${run.config.method}: queries`);
    }
  });

  test('caches: a second run with the same config does no work and returns the same rows', async () => {
    assert.equal(cacheFiles(referenceConfig.cacheDir!).length, reference.stats.total);
    let reports = 0;
    const again = await runSiameseSweep(referenceConfig, { onProgress: () => reports++ });
    assert.equal(again.stats.computed, 0);
    assert.equal(again.stats.cached, reference.stats.total);
    assert.ok(again.runs.every((r) => r.fromCache));
    assert.deepEqual(again.rows, reference.rows);
    assert.deepEqual(again.table, reference.table);
    assert.equal(reports, 1, 'one progress report saying everything was cached');
  });

  test('resumes after a kill: finished runs are kept, the rest computed, results unchanged', async () => {
    const config = testConfig();
    const stop = new AbortController();
    await assert.rejects(
      runSiameseSweep(config, {
        signal: stop.signal,
        // Interrupted after the 5th computed run.
        onProgress: (p) => {
          if (p.computed === 5) stop.abort();
        },
      }),
      /abort/i,
    );
    assert.equal(cacheFiles(config.cacheDir!).length, 5);
    const resumed = await runSiameseSweep(config, { onProgress: false });
    assert.equal(resumed.stats.cached, 5);
    assert.equal(resumed.stats.computed, reference.stats.total - 5);
    assert.deepEqual(resumed.rows, reference.rows);
  });

  test('a cached run with a smaller K than now asked for is redone', async () => {
    const config = testConfig({
      repeats: 1,
      series: [{ id: 's', title: 's', benchmark: 'nb201-cifar10', methods: ['gcn'], points: [{ N: 10, K: 3 }] }],
    });
    const first = await runSiameseSweep(config, { onProgress: false });
    assert.equal(first.runs[0]!.result.K, 3);
    const wider = await runSiameseSweep({ ...config, series: [{ ...config.series[0]!, points: [{ N: 10, K: 3 }, { N: 10, K: 8 }] }] }, { onProgress: false });
    assert.equal(wider.stats.computed, 1);
    assert.equal(wider.runs[0]!.result.K, 8);
    assert.deepEqual(wider.runs[0]!.result.queried.slice(0, 13), first.runs[0]!.result.queried);
    const narrow = await runSiameseSweep(config, { onProgress: false });
    assert.equal(narrow.stats.computed, 0, 'the K = 8 run answers K = 3');
    assert.deepEqual(narrow.rows, first.rows);
  });

  test('the worker pool gives the same results as this thread for the same seeds', async () => {
    const pooled = await runSiameseSweep(testConfig({ executor: { kind: 'pool', threads: 2 } }), { onProgress: false });
    assert.equal(pooled.stats.computed, reference.stats.total);
    assert.deepEqual(pooled.runs.map(strip), reference.runs.map(strip));
    assert.deepEqual(pooled.rows, reference.rows);
  });

  test('a failing run names itself and stops the sweep', async () => {
    const config = testConfig({ executor: { kind: 'pool', threads: 2 }, sources: { 'nb201-cifar10': join(tmp, 'no-such-folder') } });
    await assert.rejects(runSiameseSweep(config, { onProgress: false }), /run nb201-cifar10 \S+ N=10 K≤10 repeat 0 \(search\) \(key [0-9a-f]{16}\): .*no-such-folder/);
  });

  test('mean best-found curve over repeats', () => {
    const curve = meanBestFoundCurve(reference, 'nb201-cifar10', 'gcn', 10);
    const runs = reference.runs.filter((r) => r.config.method === 'gcn' && r.config.N === 10);
    assert.equal(curve.repeats, 2);
    assert.equal(curve.mean.length, 20);
    const best = (vals: readonly number[], i: number): number => Math.max(...vals.slice(0, i + 1));
    for (const i of [0, 9, 19]) {
      assert.ok(Math.abs(curve.mean[i]! - (best(runs[0]!.result.values, i) + best(runs[1]!.result.values, i)) / 2) < 1e-12);
    }
    for (let i = 1; i < 20; i++) assert.ok(curve.mean[i]! >= curve.mean[i - 1]!, 'best-found is non-decreasing');
  });
});

describe('siamese sweep aggregation', () => {
  const row = (method: 'gcn' | 'random', N: number, K: number, repeat: number, best: number, tau: number | null): SweepRow => ({
    series: 'x',
    benchmark: 'nb201-cifar100',
    scoring: 'search',
    method,
    N,
    K,
    budget: N + K,
    repeat,
    best,
    kendallTau: tau,
    spearmanRho: tau,
    fineKendallTau: null,
    fineSpearmanRho: null,
    bnInitialShare: null,
  });

  test('mean, sample std and Student-t 95 % CI per point', () => {
    const table = summarizeSweep([
      row('gcn', 30, 20, 0, 0.7, 0.1),
      row('gcn', 30, 20, 1, 0.72, 0.3),
      row('random', 30, 20, 0, 0.6, null),
      row('gcn', 30, 20, 2, 0.74, 0.2),
      row('gcn', 30, 70, 0, 0.75, 0.1),
    ]);
    assert.equal(table.length, 3);
    const gcn = table[0]!;
    assert.equal(gcn.repeats, 3);
    assert.ok(Math.abs(gcn.mean - 0.72) < 1e-12);
    assert.ok(Math.abs(gcn.std - 0.02) < 1e-12);
    // scipy.stats.t.ppf(0.975, 2) = 4.302652729911275
    const half = (4.302652729911275 * 0.02) / Math.sqrt(3);
    assert.ok(Math.abs(gcn.ciHalfWidth - half) < 1e-9);
    assert.ok(Math.abs(gcn.ciLower - (0.72 - half)) < 1e-9 && Math.abs(gcn.ciUpper - (0.72 + half)) < 1e-9);
    assert.ok(Math.abs(gcn.kendallTau! - 0.2) < 1e-12);
    const random = table[1]!;
    assert.equal(random.method, 'random');
    assert.equal(random.kendallTau, null);
    assert.ok(Number.isNaN(random.std) && Number.isNaN(random.ciHalfWidth), 'one repeat has no spread');
    assert.equal(table[2]!.budget, 100);
  });

  test('series helpers and config checks', () => {
    assert.deepEqual(fixedNPoints(30, [50, 200]), [{ N: 30, K: 20 }, { N: 30, K: 170 }]);
    assert.deepEqual(fixedKPoints(30, [100, 150]), [{ N: 70, K: 30 }, { N: 120, K: 30 }]);
    assert.throws(() => fixedNPoints(30, [30]), /must exceed N = 30/);
    assert.throws(() => planSweep(testConfig({ repeats: 0 })), /siamese sweep config: repeats is 0, expected an integer ≥ 1/);
    const bad = testConfig();
    assert.throws(
      () => planSweep({ ...bad, series: [{ ...bad.series[0]!, methods: ['evolution' as 'gcn'] }] }),
      /method "evolution" is not one of random, /,
    );
    // Checked before any run starts, each naming the field and the allowed range.
    assert.throws(() => checkSweepConfig(testConfig({ predictor: { ...bad.predictor, epochs: -1 } })), /predictor\.epochs is -1, expected an integer ≥ 1/);
    assert.throws(() => checkSweepConfig({ ...bad, series: [{ ...bad.series[0]!, points: [{ N: 20_000, K: 5 }] }] }), /N is 20000, expected an integer in \[1, 15625\]/);
    assert.throws(() => checkSweepConfig(testConfig({ bts: { ...bad.bts, initialFraction: 1.5 } })), /bts\.initialFraction is 1\.5/);
    const notes = scaledDownNotes(testConfig({ repeats: 7 }));
    assert.ok(notes.includes('7 repeats per point (paper: 100)'), notes.join('; '));
  });
});
