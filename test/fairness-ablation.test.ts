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
  fairnessBaselines,
  fairnessTasks,
  halvingBudgets,
  nullTauStandardError,
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

test('fairnessTasks: identical budgets, seeds and data for every sampler; only the sampler differs; the compute-matched uniform has 5× the updates and budgets', () => {
  const config = fairnessAblationConfig('paper', { seeds: [0, 1], outDir: '/tmp/unused' });
  const archs = sampleArchitectures(fixtureCandidates(400), config).archs;
  const tasks = fairnessTasks(config, archs, '/tmp/unused');
  assert.equal(tasks.length, 8);
  for (const seed of [0, 1]) {
    const ofSeed = tasks.filter((t) => t.run.train.seed === seed);
    assert.deepEqual(
      ofSeed.map((t) => [t.series, t.run.train.sampler]),
      [['uniform', { kind: 'uniform' }], ['ef-5', { kind: 'ef', k: 5 }], ['strict-fair', { kind: 'strict-fair' }], ['uniform ×5', { kind: 'uniform' }]],
    );
    const samplers = ofSeed.slice(0, 3);
    const strip = (t: (typeof tasks)[number]) => ({ ...t.run, train: { ...t.run.train, sampler: null } });
    for (const t of samplers) assert.deepEqual(strip(t), strip(samplers[0]!), 'everything but the sampler is identical');
    const matched = ofSeed[3]!;
    assert.equal(matched.run.train.updates, 5 * config.updates);
    assert.deepEqual(matched.run.evalAt, config.evalAt.map((u) => 5 * u));
    assert.deepEqual({ ...matched.run, train: null, evalAt: null }, { ...samplers[0]!.run, train: null, evalAt: null });
  }
  assert.equal(new Set(tasks.map((t) => t.checkpointPath)).size, 8, 'one checkpoint per (series, seed)');
  assert.ok(tasks.filter((t) => t.series !== 'uniform ×5').every((t) => t.run.train.updates === 6400 && t.run.evalAt.join() === '200,400,800,1600,3200,6400'));
  assert.ok(tasks.every((t) => t.run.eval.bn === 'batch-stats' && t.run.train.supernet.cellBnAffine === false));
});

test('halvingBudgets and the evalAt checks', () => {
  assert.deepEqual(halvingBudgets(1600, 4), [200, 400, 800, 1600]);
  assert.deepEqual(halvingBudgets(4, 3), [1, 2, 4]);
  assert.deepEqual(halvingBudgets(2, 4), [1, 2], 'budgets below one update collapse');
  assert.deepEqual(fairnessAblationConfig('paper', { updates: 3200 }).evalAt, [100, 200, 400, 800, 1600, 3200], 'a new budget gets its own halvings');
  assert.throws(() => fairnessAblationConfig('paper', { evalAt: [100, 50, 1600] }), /evalAt must be strictly ascending/);
  assert.throws(() => fairnessAblationConfig('paper', { evalAt: [100, 800] }), /evalAt must end at the budget \(updates 6400\)/);
  assert.throws(() => fairnessAblationConfig('paper', { evalBn: 'running' as never }), /evalBn is "running"/);
  assert.ok(Math.abs(nullTauStandardError(100) - 0.0678) < 1e-4, 'PROTOCOLS.md: ≈ 0.068 for 100 architectures');
  assert.ok(Math.abs(nullTauStandardError(200) - Math.sqrt((2 * 405) / (9 * 200 * 199))) < 1e-12);
});

test('runFairnessAblation: equal update budgets, pass counts by sampler; a second run is served from the cache', async () => {
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'fairness-'));
  try {
    const cifar = fixtureCifarFolder(dir, 120);
    const candidates = fixtureCandidates(40);
    const config = tinyConfig(dir, cifar);
    const first = await runFairnessAblation(config, { candidates });
    assert.equal(first.computedRuns, 4);
    assert.deepEqual(
      first.runs.map((r) => [r.series, r.sampler, r.updates, r.forwardBackwardPasses]),
      [
        ['uniform', 'uniform', 4, 4],
        ['ef-5', 'ef-5', 4, 20],
        ['strict-fair', 'strict-fair', 4, 20],
        ['uniform ×5', 'uniform', 20, 20],
      ],
    );
    // Every run is scored at each budget; the compute-matched uniform at 5× the updates, i.e. the 5-path samplers' passes.
    assert.deepEqual(first.runs.map((r) => r.curve.map((p) => p.update)), [[1, 2, 4], [1, 2, 4], [1, 2, 4], [5, 10, 20]]);
    assert.deepEqual(first.runs[3]!.curve.map((p) => p.forwardBackwardPasses), first.runs[1]!.curve.map((p) => p.forwardBackwardPasses));
    for (const r of first.runs) {
      assert.equal(r.accuracy.length, 4);
      assert.deepEqual(r.checkpoints[r.checkpoints.length - 1]!.accuracy, r.accuracy, 'the last budget is the run\'s result');
      assert.equal(r.lossHistory.length, r.updates);
      for (const row of r.counts) assert.equal(row.reduce((s, v) => s + v, 0), r.forwardBackwardPasses, `${r.sampler}: every pass trains one op per edge`);
      assert.ok(Number.isFinite(r.kendallTau) || r.accuracy.every((a) => a === r.accuracy[0]));
    }
    const strict = first.runs.find((r) => r.sampler === 'strict-fair')!;
    assert.ok(strict.counts.every((row) => row.every((v) => v === 4)), 'strict fairness trains every op of every edge once per update');
    assert.equal(first.summary.find((s) => s.sampler === 'strict-fair')!.countSpread, 0);
    assert.equal(first.comparisons.length, 6);
    // 6 pairs × 3 budgets × 3 measures, each a paired test over the one seed.
    assert.equal(first.budgetComparisons.length, 54);
    assert.deepEqual(
      [...new Set(first.budgetComparisons.map((c) => `${c.a} − ${c.b}`))],
      ['strict-fair − ef-5', 'strict-fair − uniform', 'ef-5 − uniform', 'strict-fair − uniform ×5', 'ef-5 − uniform ×5', 'uniform ×5 − uniform'],
    );
    const matchedPairs = first.budgetComparisons.filter((c) => c.a === 'strict-fair' && c.b === 'uniform ×5');
    assert.ok(matchedPairs.length === 9 && matchedPairs.every((c) => c.matched === 'equal passes' && c.passesA === c.passesB && c.updatesB === 5 * c.updatesA));
    assert.ok(first.budgetComparisons.filter((c) => c.a === 'strict-fair' && c.b === 'ef-5').every((c) => c.matched === 'equal updates and passes'));
    assert.ok([first.baselines.paramsVsTruth, first.baselines.truth12VsTruth, first.baselines.nullTauSe].every(Number.isFinite));
    assert.ok(first.runs.every((r) => r.curve.every((p) => [p.tau, p.tauLoss, p.tau12, p.tau12Loss].every((t) => Number.isFinite(t) || r.accuracy.every((a) => a === r.accuracy[0])))));

    const checkpoints = readdirSync(join(dir, 'out', 'checkpoints')).map((f) => join(dir, 'out', 'checkpoints', f));
    // Per run: the training checkpoint, snapshots at the 2 intermediate budgets, and the scores file.
    assert.equal(checkpoints.length, 16);
    assert.equal(checkpoints.filter((f) => /-at\d+\.json$/.test(f)).length, 8);
    assert.equal(checkpoints.filter((f) => /-scores-/.test(f)).length, 4);
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
    const straight = await runFairnessAblation(tinyConfig(dir, cifar, { samplers, computeMatched: false, outDir: join(dir, 'straight') }), { candidates });

    // Interrupt: train 2 of 4 updates into the checkpoint the runner will look for, then run the study.
    const config = tinyConfig(dir, cifar, { samplers, computeMatched: false, outDir: join(dir, 'resumed') });
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
    // The budget at update 2 was scored by retraining to it from scratch (its snapshot did not exist): the same scores.
    assert.deepEqual(run.checkpoints, straight.runs[0]!.checkpoints.map((c) => ({ ...c, evalSeconds: run.checkpoints.find((d) => d.update === c.update)!.evalSeconds })));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runFairnessAblation: budget scores survive a lost run cache, and a new architecture sample is scored from the snapshots without training', async () => {
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'fairness-'));
  try {
    const cifar = fixtureCifarFolder(dir, 120);
    const candidates = fixtureCandidates(40);
    const samplers = [{ kind: 'uniform' as const }, { kind: 'strict-fair' as const }];
    const config = tinyConfig(dir, cifar, { samplers, computeMatched: false });
    const first = await runFairnessAblation(config, { candidates });
    // The engine's cache of finished runs is gone; checkpoints, snapshots and scores remain.
    rmSync(join(dir, 'out', 'runs'), { recursive: true, force: true });
    const lines: string[] = [];
    const watch = { onProgress: (l: string) => void lines.push(l), progress: (p: { readonly running: readonly string[] }) => void lines.push(...p.running) };
    const again = await runFairnessAblation(config, { candidates, ...watch });
    assert.equal(again.computedRuns, 2);
    assert.deepEqual(again.runs.map((r) => r.curve), first.runs.map((r) => r.curve));
    assert.ok(!lines.some((l) => /update \d+\/|evaluated/.test(l)), `no training and no scoring happened:\n${lines.join('\n')}`);

    // Another sample of architectures: every budget is scored again, but from the snapshots and the finished checkpoint.
    lines.length = 0;
    const other = await runFairnessAblation({ ...config, archSeed: 'another sample', archsPerBin: 3 }, { candidates, ...watch });
    assert.equal(other.archs.length, 6);
    assert.ok(other.runs.every((r) => r.curve.length === 3 && r.accuracy.length === 6));
    assert.ok(!lines.some((l) => /update \d+\//.test(l)), `no training happened:\n${lines.join('\n')}`);
    assert.ok(lines.some((l) => /evaluated/.test(l)), 'the new architectures were scored');
    // The budget-1 scores of an architecture in both samples agree: same snapshot, same held-out batches.
    const shared = other.archs.findIndex((a) => first.archs.some((b) => b.arch === a.arch));
    if (shared >= 0) {
      const j = first.archs.findIndex((b) => b.arch === other.archs[shared]!.arch);
      assert.equal(other.runs[0]!.checkpoints[0]!.accuracy[shared], first.runs[0]!.checkpoints[0]!.accuracy[j]);
    }
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
    const here = await runFairnessAblation(tinyConfig(dir, cifar, { samplers, computeMatched: false, outDir: join(dir, 'here') }), { candidates });
    const pooled = await runFairnessAblation(tinyConfig(dir, cifar, { samplers, computeMatched: false, executor: { kind: 'pool', threads: 2 }, outDir: join(dir, 'pooled') }), { candidates });
    assert.equal(pooled.computedRuns, 2);
    assert.deepEqual(
      pooled.runs.map((r) => [r.sampler, r.lossHistory, r.accuracy, r.counts, r.curve]),
      here.runs.map((r) => [r.sampler, r.lossHistory, r.accuracy, r.counts, r.curve]),
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
  assert.throws(() => parseFairnasArgs(['run', '--profile', 'cpu']), /not one of smoke, paper, long, full/);
  assert.equal(run(['run', '--eval-bn', 'recalibrate']).config.evalBn, 'recalibrate');
  assert.equal(run(['run', '--profile', 'long']).config.updates, 35_200);
  assert.throws(() => parseFairnasArgs(['run', '--eval-bn', 'running']), /--eval-bn "running" is not one of batch-stats, recalibrate/);
  // The ablation switches: a sampler subset, no compute-matched line, affine cell-op BN.
  const ablation = run(['run', '--samplers', 'uniform, strict-fair', '--no-compute-matched', '--cell-bn-affine']).config;
  assert.deepEqual(ablation.samplers, [{ kind: 'uniform' }, { kind: 'strict-fair' }]);
  assert.equal(ablation.computeMatched, false);
  assert.equal(ablation.supernet.cellBnAffine, true);
  assert.deepEqual(run(['run', '--samplers', 'ef-3']).config.samplers, [{ kind: 'ef', k: 3 }]);
  const defaults = run(['run']).config;
  assert.equal(defaults.computeMatched, true);
  assert.equal(defaults.supernet.cellBnAffine, false);
  assert.throws(() => parseFairnasArgs(['run', '--samplers', 'uniform,fair']), /sampler "fair" is not one of uniform, ef-<k>/);
  assert.throws(() => parseFairnasArgs(['run', '--samplers', 'ef-0']), /sampler "ef-0"/);
  assert.throws(() => parseFairnasArgs(['run', '--samplers', 'uniform,uniform']), /samplers repeat/);
  for (const option of ['--samplers', '--no-compute-matched', '--cell-bn-affine']) assert.match(help, new RegExp(`^  ${option}`, 'm'));
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
  assert.equal(archs.length, 200);
  assert.ok(archs.every((a) => a.truth12 !== null && a.truth12 > 0 && a.truth12 < 1), 'the 12-epoch ground truth is there');
  const baselines = fairnessBaselines(archs);
  // PROTOCOLS.md §7: on these cells the parameter count gives ≈ 0.58 and the 12-epoch truth ≈ 0.69.
  assert.ok(baselines.paramsVsTruth > 0.45 && baselines.paramsVsTruth < 0.7, `params ${baselines.paramsVsTruth}`);
  assert.ok(baselines.truth12VsTruth > 0.55 && baselines.truth12VsTruth < 0.8, `12-epoch ${baselines.truth12VsTruth}`);
});

test('profiles: paper, long and full run 3 samplers + compute-matched uniform × 3 seeds on ≥ 200 architectures; long reaches 250 epochs; smoke is small', () => {
  for (const profile of ['paper', 'long', 'full'] as const) {
    const c = fairnessAblationConfig(profile);
    assert.equal(c.samplers.length, 3);
    assert.ok(c.computeMatched && c.evalBn === 'batch-stats' && c.supernet.cellBnAffine === false, profile);
    assert.ok(c.seeds.length >= 3, `${profile}: ${c.seeds.length} seeds`);
    assert.ok(c.archBins * c.archsPerBin >= 200, `${profile}: ${c.archBins * c.archsPerBin} architectures`);
    assert.equal(c.evalAt[c.evalAt.length - 1], c.updates);
    assert.ok(c.evalAt.length >= 4, `${profile}: ${c.evalAt.length} budgets`);
  }
  assert.equal(fairnessAblationConfig('paper').supernet.channels, 5);
  const long = fairnessAblationConfig('long');
  assert.deepEqual(long.supernet, fairnessAblationConfig('paper').supernet, 'long: the paper network, trained longer');
  assert.ok((long.updates * long.batchSize) / (10_000 - long.holdout) >= 250, 'long: ≥ 250 epochs of the training images for uniform');
  const full = fairnessAblationConfig('full');
  assert.deepEqual(full.supernet, { channels: 16, cellsPerStage: 5, numClasses: 10, inputSize: 32, cellBnAffine: false });
  const smoke = fairnessAblationConfig('smoke');
  assert.ok(smoke.updates <= 50 && smoke.archBins * smoke.archsPerBin <= 16 && smoke.seeds.length === 1);
  assert.throws(() => fairnessAblationConfig('paper', { seeds: [1, 1] }), /seeds repeat/);
  assert.throws(() => fairnessAblationConfig('paper', { updates: 0 }), /fairness ablation config: updates is 0, expected an integer ≥ 1/);
});
