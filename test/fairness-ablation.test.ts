import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/backend.js';
import { createRng } from '../src/core/rng.js';
import { loadCifar10 } from '../src/loaders/cifar10.js';
import { NB201_CELLS_ZIP } from '../src/loaders/cellJson.js';
import { findDataPath } from '../src/loaders/dataFiles.js';
import { nb201FromOrdinal, nb201IsConnected, NB201_SPACE_SIZE } from '../src/spaces/nb201.js';
import { splitHoldout } from '../src/supernet/imageBatches.js';
import { SupernetTrainer } from '../src/supernet/train.js';
import {
  fairnessAblationConfig,
  fairnessTasks,
  nb201Candidates,
  runFairnessAblation,
  sampleArchitectures,
  type FairnessAblationConfig,
  type FairnessCandidate,
} from '../src/experiments/fairnessAblation.js';
import { bootstrapTauDifference, stratifiedSample } from '../src/experiments/fairnessStats.js';
import { pairedTTest, studentTTwoSidedP } from '../src/metrics/pairedTTest.js';
import { FAIRNAS_COMMAND, parseFairnasArgs } from '../src/cli/fairnas.js';
import { helpText } from '../src/cli/options.js';
import { fixtureCandidates, fixtureCifarFolder, tinyFairnessConfig } from './fixtures/studies.js';

// ---------------------------------------------------------------- fixtures

function tinyConfig(dir: string, cifar: string, over: Partial<FairnessAblationConfig> = {}): FairnessAblationConfig {
  return tinyFairnessConfig(join(dir, 'out'), cifar, { executor: { kind: 'in-thread' }, ...over });
}

// ---------------------------------------------------------------- stratified sample

test('stratifiedSample: every quantile bin contributes perBin distinct candidates from its own value range', () => {
  const rng = createRng(1);
  const values = Array.from({ length: 1003 }, () => rng() ** 3); // skewed, like accuracies near the optimum
  const s = stratifiedSample(values, { bins: 7, perBin: 9, seed: 's' });
  assert.equal(s.indices.length, 63);
  assert.equal(new Set(s.indices).size, 63, 'picked indices are distinct');
  assert.equal(s.strata.reduce((sum, st) => sum + st.candidates, 0), 1003, 'the bins partition the candidates');
  const sorted = values.slice().sort((a, b) => a - b);
  s.strata.forEach((st, b) => {
    assert.ok(Math.abs(st.candidates - 1003 / 7) < 1, `bin ${b} has ${st.candidates} candidates (quantile bins are equal-count)`);
    if (b > 0) assert.ok(st.lower >= s.strata[b - 1]!.upper, 'bins are ordered by value');
    const picked = Array.from(s.indices).filter((_, k) => s.binOf[k] === b);
    assert.equal(picked.length, 9);
    for (const i of picked) assert.ok(values[i]! >= st.lower && values[i]! <= st.upper, `bin ${b}: value ${values[i]} outside [${st.lower}, ${st.upper}]`);
  });
  assert.equal(s.strata[0]!.lower, sorted[0]);
  assert.equal(s.strata[6]!.upper, sorted[1002]);
});

test('stratifiedSample: deterministic per seed, different across seeds, clear error when bins are too small', () => {
  const values = Array.from({ length: 200 }, (_, i) => (i * 37) % 101);
  const a = stratifiedSample(values, { bins: 5, perBin: 4, seed: 3 });
  const b = stratifiedSample(values, { bins: 5, perBin: 4, seed: 3 });
  const c = stratifiedSample(values, { bins: 5, perBin: 4, seed: 4 });
  assert.deepEqual(Array.from(a.indices), Array.from(b.indices));
  assert.notDeepEqual(Array.from(a.indices), Array.from(c.indices));
  assert.throws(() => stratifiedSample(values, { bins: 50, perBin: 5, seed: 0 }), /fewer than perBin = 5/);
  assert.throws(() => stratifiedSample([1, NaN, 2], { bins: 1, perBin: 1, seed: 0 }), /value 1 is NaN/);
});

test('sampleArchitectures: same sample for every sampler and seed; bins cover the ground-truth range', () => {
  const candidates = fixtureCandidates(60);
  const config = { archBins: 3, archsPerBin: 4, archSeed: 'x' };
  const first = sampleArchitectures(candidates, config);
  assert.deepEqual(sampleArchitectures(candidates, config), first);
  assert.equal(first.archs.length, 12);
  assert.deepEqual(
    first.archs.map((a) => a.bin),
    [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2],
  );
  const truths = candidates.map((c) => c.truth);
  assert.equal(first.strata[0]!.lower, Math.min(...truths));
  assert.equal(first.strata[2]!.upper, Math.max(...truths));
});

// ---------------------------------------------------------------- significance

test('studentTTwoSidedP and pairedTTest match scipy (ttest_rel, 2·t.sf)', () => {
  // scipy.stats: 2*t.sf(|t|, df)
  const cases: [number, number, number][] = [
    [2.1, 2, 0.1705498691899675],
    [0.3, 5, 0.7762490422632745],
    [-4.0, 10, 0.0025183326247366945],
    [12.0, 2, 0.00687293367715846],
  ];
  for (const [t, df, p] of cases) assert.ok(Math.abs(studentTTwoSidedP(t, df) - p) < 1e-9 * Math.max(1, p / 1e-3), `t=${t} df=${df}: ${studentTTwoSidedP(t, df)} vs ${p}`);
  assert.equal(studentTTwoSidedP(0, 3), 1);
  // scipy.stats.ttest_rel([0.52,0.61,0.55,0.47],[0.41,0.45,0.50,0.44]) and its 95 % confidence interval
  const r = pairedTTest([0.52, 0.61, 0.55, 0.47], [0.41, 0.45, 0.5, 0.44]);
  assert.ok(Math.abs(r.t - 2.961567668464222) < 1e-9);
  assert.ok(Math.abs(r.p - 0.05946906769724548) < 1e-9);
  assert.ok(Math.abs(r.lower - -0.006525895365317572) < 1e-9 && Math.abs(r.upper - 0.1815258953653176) < 1e-9);
  assert.equal(r.df, 3);
  const single = pairedTTest([0.5], [0.4]);
  assert.ok(Number.isNaN(single.p) && Math.abs(single.meanDifference - 0.1) < 1e-12);
  assert.throws(() => pairedTTest([1, 2], [1]), /pairs need equal lengths/);
});

test('bootstrapTauDifference: zero for identical scores, clearly positive for a perfect vs a random ranking, seeded', () => {
  const rng = createRng(9);
  const truth = Array.from({ length: 60 }, () => rng());
  const noise = [0, 1].map(() => truth.map(() => rng()));
  const same = bootstrapTauDifference(truth, noise, noise, { resamples: 100, seed: 1 });
  assert.equal(same.observed, 0);
  assert.equal(same.lower, 0);
  assert.equal(same.upper, 0);
  const perfect = [truth.map((t) => 2 * t), truth.slice()];
  const better = bootstrapTauDifference(truth, perfect, noise, { resamples: 200, seed: 1 });
  assert.ok(better.observed > 0.7, `observed ${better.observed}`);
  assert.ok(better.lower > 0.5 && better.lower <= better.observed && better.observed <= better.upper, `CI [${better.lower}, ${better.upper}]`);
  assert.equal(better.shareAtOrBelowZero, 0);
  assert.deepEqual(bootstrapTauDifference(truth, perfect, noise, { resamples: 200, seed: 1 }), better);
  assert.throws(() => bootstrapTauDifference(truth, [truth.slice(1)], noise, { resamples: 5, seed: 0 }), /has 59 values for 60/);
});

// ---------------------------------------------------------------- runner

test('fairnessTasks: identical budgets, seeds and data for every sampler; only the sampler differs', () => {
  const config = fairnessAblationConfig('paper', { seeds: [0, 1], outDir: '/tmp/unused' });
  const archs = sampleArchitectures(fixtureCandidates(200), config).archs;
  const tasks = fairnessTasks(config, archs, '/tmp/unused');
  assert.equal(tasks.length, 6);
  for (const seed of [0, 1]) {
    const ofSeed = tasks.filter((t) => t.run.train.seed === seed);
    assert.deepEqual(
      ofSeed.map((t) => t.run.train.sampler),
      [{ kind: 'uniform' }, { kind: 'ef', k: 5 }, { kind: 'strict-fair' }],
    );
    const strip = (t: (typeof tasks)[number]) => ({ ...t.run, train: { ...t.run.train, sampler: null } });
    for (const t of ofSeed) assert.deepEqual(strip(t), strip(ofSeed[0]!), 'everything but the sampler is identical');
  }
  assert.equal(new Set(tasks.map((t) => t.checkpointPath)).size, 6, 'one checkpoint per (sampler, seed)');
  assert.ok(tasks.every((t) => t.run.train.updates === 1000));
});

test('runFairnessAblation: equal update budgets, pass counts by sampler; a second run is served from the cache', async () => {
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'fairness-'));
  try {
    const cifar = fixtureCifarFolder(dir, 120);
    const candidates = fixtureCandidates(40);
    const config = tinyConfig(dir, cifar);
    const first = await runFairnessAblation(config, { candidates });
    assert.equal(first.computedRuns, 3);
    assert.deepEqual(
      first.runs.map((r) => [r.sampler, r.updates, r.forwardBackwardPasses]),
      [
        ['uniform', 4, 4],
        ['ef-5', 4, 20],
        ['strict-fair', 4, 20],
      ],
    );
    for (const r of first.runs) {
      assert.equal(r.accuracy.length, 4);
      assert.equal(r.lossHistory.length, 4);
      for (const row of r.counts) assert.equal(row.reduce((s, v) => s + v, 0), r.forwardBackwardPasses, `${r.sampler}: every pass trains one op per edge`);
      assert.ok(Number.isFinite(r.kendallTau) || r.accuracy.every((a) => a === r.accuracy[0]));
    }
    const strict = first.runs.find((r) => r.sampler === 'strict-fair')!;
    assert.ok(strict.counts.every((row) => row.every((v) => v === 4)), 'strict fairness trains every op of every edge once per update');
    assert.equal(first.summary.find((s) => s.sampler === 'strict-fair')!.countSpread, 0);
    assert.equal(first.comparisons.length, 3);

    const checkpoints = readdirSync(join(dir, 'out', 'checkpoints')).map((f) => join(dir, 'out', 'checkpoints', f));
    assert.equal(checkpoints.length, 3);
    const mtimes = checkpoints.map((f) => statSync(f).mtimeMs);
    const lines: string[] = [];
    const second = await runFairnessAblation(config, { candidates, onProgress: (l) => lines.push(l), progress: (p) => lines.push(...p.running) });
    assert.equal(second.computedRuns, 0);
    assert.ok(second.runs.every((r) => r.cached));
    assert.deepEqual(
      second.runs.map((r) => r.accuracy),
      first.runs.map((r) => r.accuracy),
    );
    assert.deepEqual(checkpoints.map((f) => statSync(f).mtimeMs), mtimes, 'no checkpoint was rewritten');
    assert.ok(!lines.some((l) => /update \d+\/|evaluated/.test(l)), `no training or evaluation happened:\n${lines.join('\n')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runFairnessAblation: resumes an interrupted training from its checkpoint and matches an uninterrupted run', async () => {
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'fairness-'));
  try {
    const cifar = fixtureCifarFolder(dir, 120);
    const candidates = fixtureCandidates(40);
    const samplers = [{ kind: 'strict-fair' as const }];
    const straight = await runFairnessAblation(tinyConfig(dir, cifar, { samplers, outDir: join(dir, 'straight') }), { candidates });

    // Interrupt: train 2 of 4 updates into the checkpoint the runner will look for, then run the study.
    const config = tinyConfig(dir, cifar, { samplers, outDir: join(dir, 'resumed') });
    const archs = sampleArchitectures(candidates, config).archs;
    const [task] = fairnessTasks(config, archs, join(dir, 'resumed'));
    const data = await loadCifar10({ split: 'train', source: cifar });
    const split = splitHoldout(data.n, config.holdout, config.splitSeed);
    const partial = SupernetTrainer.create(task!.run.train, data, split.train);
    await partial.run({ untilUpdate: 2, checkpointPath: task!.checkpointPath });
    partial.dispose();

    const resumed = await runFairnessAblation(config, { candidates });
    const run = resumed.runs[0]!;
    assert.equal(run.resumedFromUpdate, 2);
    assert.equal(run.updates, 4);
    assert.deepEqual(run.lossHistory, straight.runs[0]!.lossHistory);
    assert.deepEqual(run.accuracy, straight.runs[0]!.accuracy);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runFairnessAblation: worker threads give the same results as this thread', async () => {
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'fairness-'));
  try {
    const cifar = fixtureCifarFolder(dir, 120);
    const candidates = fixtureCandidates(40);
    const samplers = [{ kind: 'uniform' as const }, { kind: 'strict-fair' as const }];
    const here = await runFairnessAblation(tinyConfig(dir, cifar, { samplers, outDir: join(dir, 'here') }), { candidates });
    const pooled = await runFairnessAblation(tinyConfig(dir, cifar, { samplers, executor: { kind: 'pool', threads: 2 }, outDir: join(dir, 'pooled') }), { candidates });
    assert.equal(pooled.computedRuns, 2);
    assert.deepEqual(
      pooled.runs.map((r) => [r.sampler, r.lossHistory, r.accuracy, r.counts]),
      here.runs.map((r) => [r.sampler, r.lossHistory, r.accuracy, r.counts]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nas fairnas run: options map onto the profile config; --help lists every option with its default', () => {
  const run = (args: string[]) => {
    const parsed = parseFairnasArgs(args);
    assert.notEqual(parsed, 'help');
    return parsed as Exclude<typeof parsed, 'help'>;
  };
  const { config, json } = run(['run', '--profile', 'smoke', '--seeds', '0,3', '--updates', '7', '--executor', 'in-thread', '--json', 'x.json']);
  assert.equal(config.profile, 'smoke');
  assert.deepEqual(config.seeds, [0, 3]);
  assert.equal(config.updates, 7);
  assert.deepEqual(config.executor, { kind: 'in-thread' });
  assert.deepEqual(run(['run', '--redis', 'redis://127.0.0.1:7000']).config.executor, { kind: 'queue', url: 'redis://127.0.0.1:7000' });
  assert.deepEqual(run(['run', '--threads', '3']).config.executor, { kind: 'pool', threads: 3 });
  assert.equal(run(['run', '--csv', 'runs.csv']).csv, 'runs.csv');
  assert.equal(parseFairnasArgs(['run', '--help']), 'help');
  assert.equal(parseFairnasArgs(['--help']), 'help');
  const help = helpText(FAIRNAS_COMMAND);
  for (const option of ['--profile', '--seeds', '--updates', '--executor', '--threads', '--redis', '--queue', '--out', '--json', '--csv', '--help']) assert.match(help, new RegExp(`^  ${option}`, 'm'));
  assert.match(help, /--seeds 0,1,2 +training seeds \(default: the profile's \(paper: /);
  assert.throws(() => parseFairnasArgs(['run', '--seeds']), /--seeds/);
  assert.throws(() => parseFairnasArgs(['run', '--seeds', '1,x']), /--seeds: "x" is not an integer ≥ 0/);
  assert.throws(() => parseFairnasArgs(['run', '--executor', 'queue']), /needs --redis/);
  assert.equal(json, 'x.json');
  assert.throws(() => parseFairnasArgs(['run', '--profile', 'cpu']), /not one of smoke, paper, full/);
  assert.throws(() => parseFairnasArgs(['run', '--bogus']), /unknown option/);
  assert.throws(() => parseFairnasArgs(['go']), /unknown subcommand/);
});

test('nb201Candidates: connected NAS-Bench-201 CIFAR-10 cells only, with test_acc_200', { skip: findDataPath(NB201_CELLS_ZIP) ? false : `real data not found: ${NB201_CELLS_ZIP}` }, async () => {
  const connected = await nb201Candidates({ includeDisconnected: false });
  const all = await nb201Candidates({ includeDisconnected: true });
  assert.equal(all.length, 15_614);
  assert.ok(connected.length < all.length && connected.every((c) => nb201IsConnected(c.arch)));
  // Disconnected cells all score chance (10 %) in NAS-Bench-201.
  const removed = all.filter((c) => !nb201IsConnected(c.arch));
  assert.ok(removed.every((c) => Math.abs(c.truth - 0.1) < 1e-9), 'every disconnected cell scores 10 %');
  const { archs } = sampleArchitectures(connected, fairnessAblationConfig('paper'));
  assert.equal(archs.length, 100);
});

test('profiles: paper (the CPU-sized profile) and full run 3 samplers × 3 seeds on ≥ 100 architectures; smoke is small', () => {
  for (const profile of ['paper', 'full'] as const) {
    const c = fairnessAblationConfig(profile);
    assert.equal(c.samplers.length, 3);
    assert.ok(c.seeds.length >= 3, `${profile}: ${c.seeds.length} seeds`);
    assert.ok(c.archBins * c.archsPerBin >= 100, `${profile}: ${c.archBins * c.archsPerBin} architectures`);
  }
  const full = fairnessAblationConfig('full');
  assert.deepEqual(full.supernet, { channels: 16, cellsPerStage: 5, numClasses: 10, inputSize: 32 });
  const smoke = fairnessAblationConfig('smoke');
  assert.ok(smoke.updates <= 50 && smoke.archBins * smoke.archsPerBin <= 16 && smoke.seeds.length === 1);
  assert.throws(() => fairnessAblationConfig('paper', { seeds: [1, 1] }), /seeds repeat/);
  assert.throws(() => fairnessAblationConfig('paper', { updates: 0 }), /fairness ablation config: updates is 0, expected an integer ≥ 1/);
});
