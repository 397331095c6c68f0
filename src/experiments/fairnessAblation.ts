/**
 * The FairNAS fairness ablation (Chu et al., ICCV 2021) on NAS-Bench-201
 * CIFAR-10: train one weight-sharing supernet per path sampler — uniform
 * single path (SPOS), the expectation-fair EF-k baseline (k = 5 paths per
 * update), and strict fairness (FairNAS) — with the SAME number of parameter
 * updates and the same seeds, then ask how well each supernet ranks a
 * stratified sample of architectures against the NAS-Bench-201 ground truth
 * (Kendall tau, Spearman rho; mean ± std over seeds, paired t-test between
 * samplers, bootstrap over architectures).
 *
 * Runs (one per sampler and seed) go to the run engine (src/engine): this
 * thread, worker threads or a queue of `nas worker` machines. They checkpoint
 * while training and are cached when finished, so an interrupted study
 * resumes and a finished one is free to re-read.
 */
import { checkSeedList } from '../core/checks.js';
import { join, resolve } from 'node:path';
import { byProfile, currentProfile, resultsDir, type Profile } from '../config.js';
import { configKey } from '../core/configKey.js';
import { loadNb201 } from '../loaders/cellJson.js';
import { kendallTau, meanStd, spearmanRho } from '../metrics/index.js';
import { nb201IsConnected, nb201ToString, NB201_NUM_EDGES, NB201_NUM_OPS, type Nb201Arch } from '../spaces/nb201.js';
import type { SupernetConfig } from '../supernet/nb201Supernet.js';
import { createSampler, type SamplerSpec } from '../supernet/samplers.js';
import { DEFAULT_SGD, supernetTrainConfig, type SgdConfig } from '../supernet/train.js';
import { pairedTTest, type PairedTTest } from '../metrics/pairedTTest.js';
import { bootstrapTauDifference, stratifiedSample, type BootstrapDifference, type StratumSummary } from './fairnessStats.js';
import { missingFields } from '../engine/store.js';
import { checkExecutorConfig, defaultThreadCount, runKey, runStudy, type ExecutorConfig, type ProgressSink, type RunSpec } from '../engine/index.js';
import { runFairnessTask, type FairnessRunConfig, type FairnessRunResult, type FairnessTask } from './fairnessTask.js';

/** Bump when a code change alters results: cached runs of older versions are then recomputed. */
export const FAIRNESS_ABLATION_VERSION = 1;

/** The three samplers of the study, in display order. */
export const FAIRNESS_SAMPLERS: readonly SamplerSpec[] = [{ kind: 'uniform' }, { kind: 'ef', k: 5 }, { kind: 'strict-fair' }];

/** Kendall tau reported by FairNAS (docs/PROTOCOLS.md §3): ImageNet, 13 models of its own MobileNetV2-like space, not NAS-Bench-201. */
export const FAIRNAS_PUBLISHED_TAU: readonly { readonly sampler: string; readonly method: string; readonly tau: number }[] = [
  { sampler: 'ef-5', method: 'EF (expectation fairness)', tau: 0.4781 },
  { sampler: 'uniform', method: 'SPOS (uniform single path)', tau: 0.6153 },
  { sampler: 'strict-fair', method: 'FairNAS (strict fairness)', tau: 0.9487 },
];

export interface FairnessAblationConfig {
  readonly profile: Profile;
  readonly samplers: readonly SamplerSpec[];
  /** Training seeds; each seed gives every sampler the same initial weights and batch order. */
  readonly seeds: readonly number[];
  readonly supernet: Omit<SupernetConfig, 'seed'>;
  /** The budget: parameter updates per supernet, identical for every sampler. */
  readonly updates: number;
  readonly batchSize: number;
  readonly optimizer: SgdConfig;
  readonly checkpointEvery: number;
  /** CIFAR-10 training images held out for supernet accuracy (the rest train). */
  readonly holdout: number;
  readonly splitSeed: string;
  readonly calibrationBatches: number;
  readonly evalBatchSize: number;
  /** Quantile bins of the ground truth × architectures drawn per bin. */
  readonly archBins: number;
  readonly archsPerBin: number;
  readonly archSeed: string;
  /** Cells whose output is cut off from the input (all score 10 % in NAS-Bench-201); excluded by default. */
  readonly includeDisconnected: boolean;
  readonly bootstrapResamples: number;
  /** Where the runs execute: `{ kind: 'in-thread' }`, `{ kind: 'pool', threads }` or `{ kind: 'queue', url }` (see src/engine). */
  readonly executor: ExecutorConfig;
  /** CIFAR-10 / NAS-Bench-201 sources; undefined: the data folder's checksum-verified files. */
  readonly cifarSource?: string;
  readonly nb201Source?: string;
  /** Checkpoints and cached runs go here; undefined: `<resultsDir>/fairnas`. */
  readonly outDir?: string;
}

/**
 * The study at each profile. `paper` is the CPU-sized configuration (the
 * issue's "cpu" profile): the whole ablation, 3 samplers × 3 seeds and 100
 * architectures, in under an hour on 2 cores (33 min for notebook 02 from an
 * empty cache on an idle 2-core machine; measured CPU cost per update:
 * uniform ≈ 0.16 s, EF-5 and strict-fair ≈ 0.55 s; ≈ 0.75 s per architecture
 * evaluation). Reduced from the NAS-Bench-201 network: 8 instead of 16
 * channels, 1 instead of 5 cells per stage, 16x16 instead of 32x32 inputs
 * (box down-sampled), 1,000 updates (≈ 7 epochs of the 9,000 training images)
 * instead of ≈ 35,000 (≈ 250 epochs), 10,000-image CIFAR-10 training subset
 * (the data available here). `full` keeps the NAS-Bench-201 network (16
 * channels, 5 cells per stage, 32x32) and is meant for a GPU backend
 * (tfjs-node-gpu); `smoke` only checks that everything runs.
 */
export function fairnessAblationConfig(profile: Profile = currentProfile(), overrides: Partial<FairnessAblationConfig> = {}): FairnessAblationConfig {
  const base: FairnessAblationConfig = {
    profile,
    samplers: FAIRNESS_SAMPLERS,
    seeds: byProfile({ smoke: [0], paper: [0, 1, 2], full: [0, 1, 2] }, profile),
    supernet: byProfile(
      {
        smoke: { channels: 4, cellsPerStage: 1, numClasses: 10, inputSize: 8 },
        paper: { channels: 8, cellsPerStage: 1, numClasses: 10, inputSize: 16 },
        full: { channels: 16, cellsPerStage: 5, numClasses: 10, inputSize: 32 },
      },
      profile,
    ),
    updates: byProfile({ smoke: 20, paper: 1000, full: 35_000 }, profile),
    batchSize: byProfile({ smoke: 32, paper: 64, full: 64 }, profile),
    // NAS-Bench-201's weight-sharing setting: SGD, Nesterov momentum 0.9, cosine 0.025 → 0.001, decay 5e-4, clip 5.
    optimizer: DEFAULT_SGD,
    checkpointEvery: byProfile({ smoke: 10, paper: 100, full: 500 }, profile),
    holdout: byProfile({ smoke: 256, paper: 1000, full: 1000 }, profile),
    splitSeed: 'fairnas-holdout',
    // SPOS recalibrates BN on 20k images; 512 (paper) keeps evaluation to a small share of the budget.
    calibrationBatches: byProfile({ smoke: 2, paper: 8, full: 20 }, profile),
    evalBatchSize: 64,
    archBins: byProfile({ smoke: 4, paper: 10, full: 20 }, profile),
    archsPerBin: byProfile({ smoke: 3, paper: 10, full: 10 }, profile),
    archSeed: 'fairnas-archs',
    includeDisconnected: false,
    bootstrapResamples: byProfile({ smoke: 200, paper: 1000, full: 1000 }, profile),
    // Each wasm thread uses one core; a GPU backend wants a single process.
    executor: byProfile<ExecutorConfig>(
      { smoke: { kind: 'pool', threads: Math.min(2, defaultThreadCount()) }, paper: { kind: 'pool', threads: defaultThreadCount() }, full: { kind: 'in-thread' } },
      profile,
    ),
  };
  return validateFairnessConfig({ ...base, ...overrides });
}

export function validateFairnessConfig(c: FairnessAblationConfig): FairnessAblationConfig {
  const fail = (what: string): never => {
    throw new Error(`fairness ablation config: ${what}`);
  };
  if (!Array.isArray(c.samplers) || c.samplers.length === 0) fail('samplers must be a non-empty list');
  const names = c.samplers.map((s) => createSampler(s, 0).name);
  if (new Set(names).size !== names.length) fail(`samplers repeat: ${names.join(', ')}`);
  checkSeedList('fairness ablation config: seeds', c.seeds);
  if (new Set(c.seeds).size !== c.seeds.length) fail(`seeds repeat: ${c.seeds.join(', ')}`);
  for (const key of ['updates', 'batchSize', 'holdout', 'calibrationBatches', 'evalBatchSize', 'archBins', 'archsPerBin', 'bootstrapResamples'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) fail(`${key} must be a positive integer, got ${c[key]}`);
  }
  checkExecutorConfig(c.executor, 'fairness ablation config: executor');
  if (!Number.isInteger(c.checkpointEvery) || c.checkpointEvery < 0) fail(`checkpointEvery must be a non-negative integer, got ${c.checkpointEvery}`);
  return c;
}

/** A sampler's display name: its own name plus the paper's name for it. */
export function samplerLabel(name: string): string {
  if (name === 'uniform') return 'uniform (SPOS)';
  if (name === 'strict-fair') return 'strict-fair (FairNAS)';
  if (/^ef-\d+$/.test(name)) return `${name} (EF)`;
  return name;
}

/** What the profile reduces relative to the NAS-Bench-201 / FairNAS protocol, one line per item. */
export function describeFairnessConfig(c: FairnessAblationConfig): string {
  const s = c.supernet;
  const trainImages = 10_000 - c.holdout;
  return [
    `profile ${c.profile}: samplers ${c.samplers.map((x) => createSampler(x, 0).name).join(', ')}; seeds ${c.seeds.join(', ')}`,
    `supernet: C=${s.channels} (NB201: 16), ${s.cellsPerStage} cell(s) per stage (NB201: 5), ${s.inputSize}x${s.inputSize} input (NB201: 32x32)`,
    `budget: ${c.updates} parameter updates of batch ${c.batchSize} per supernet, identical for every sampler (≈ ${((c.updates * c.batchSize) / trainImages).toFixed(1)} epochs of ${trainImages} images if the 10,000-image CIFAR-10 subset is used)`,
    `optimizer: SGD lr ${c.optimizer.lr} → ${c.optimizer.lrMin} cosine, momentum ${c.optimizer.momentum}${c.optimizer.nesterov ? ' Nesterov' : ''}, weight decay ${c.optimizer.weightDecay}, clip ${c.optimizer.gradClipNorm}`,
    `evaluation: ${c.archBins} ground-truth quantile bins × ${c.archsPerBin} = ${c.archBins * c.archsPerBin} architectures (${c.includeDisconnected ? 'disconnected cells included' : 'disconnected cells excluded'}), accuracy on ${c.holdout} held-out training images after BN recalibration on ${c.calibrationBatches}×${c.evalBatchSize} images`,
    `executor: ${c.executor.kind === 'pool' ? `pool of ${c.executor.threads ?? defaultThreadCount()} worker thread(s)` : c.executor.kind === 'queue' ? `queue at ${c.executor.url}` : 'this thread'}`,
  ].join('\n');
}

/** A ground-truth candidate the architectures are sampled from. */
export interface FairnessCandidate {
  readonly id: string;
  readonly arch: Nb201Arch;
  /** Ground truth (NAS-Bench-201 CIFAR-10 test_acc_200, a fraction). */
  readonly truth: number;
  /** Parameters of the stand-alone network (M), for the size-bias diagnostic; absent if unknown. */
  readonly params?: number;
}

export interface SampledArch {
  readonly id: string;
  readonly arch: string;
  readonly truth: number;
  readonly bin: number;
  readonly params: number | null;
}

/** One (sampler, seed) supernet and how it ranked the sample. */
export interface FairnessRun extends FairnessRunResult {
  readonly kendallTau: number;
  readonly spearmanRho: number;
  /** Kendall tau of supernet accuracy against model size (NaN if sizes are unknown): how much the supernet simply prefers small or large cells. */
  readonly kendallTauVsParams: number;
  readonly cached: boolean;
}

export interface SamplerSummary {
  readonly sampler: string;
  readonly label: string;
  readonly seeds: number;
  readonly tauMean: number;
  readonly tauStd: number;
  readonly rhoMean: number;
  readonly rhoStd: number;
  readonly tauVsParamsMean: number;
  readonly updates: number;
  /** Forward/backward passes per update (1 uniform, k EF-k, 5 strict-fair). */
  readonly passesPerUpdate: number;
  readonly passesMean: number;
  /** Mean over seeds of the update counts per (edge, op). */
  readonly countsMean: readonly (readonly number[])[];
  /** Largest (max − min) / mean of the counts across the ops of one edge, over edges and seeds: 0 is strictly fair. */
  readonly countSpread: number;
  /** Mean supernet held-out accuracy over the architectures and seeds. */
  readonly meanSupernetAccuracy: number;
  readonly trainSecondsMean: number;
  readonly evalSecondsMean: number;
}

export interface SamplerComparison {
  readonly a: string;
  readonly b: string;
  /** Paired over seeds, tau(a) − tau(b). */
  readonly tTest: PairedTTest;
  /** Over architectures, seed-mean tau(a) − tau(b). */
  readonly bootstrap: BootstrapDifference;
  readonly statement: string;
}

export interface FairnessAblationResult {
  readonly config: FairnessAblationConfig;
  readonly archs: readonly SampledArch[];
  readonly strata: readonly StratumSummary[];
  readonly candidates: number;
  /** Kendall tau of the ground truth against model size on the sample (the size bias a perfect ranking has). */
  readonly truthTauVsParams: number;
  readonly runs: readonly FairnessRun[];
  readonly summary: readonly SamplerSummary[];
  readonly comparisons: readonly SamplerComparison[];
  /** Wall seconds of this call, and how many runs it computed (the rest were cached). */
  readonly wallSeconds: number;
  readonly computedRuns: number;
  readonly outDir: string;
}

export interface FairnessRunOptions {
  /** Progress display; default: the engine's (notebook output updated in place, terminal bar, or log lines); `false` for none. */
  readonly progress?: ProgressSink | false;
  /** Other messages (stderr in the CLI). */
  readonly onProgress?: (line: string) => void;
  /** Stops the study (finished runs stay cached, trainings keep their checkpoints); the promise rejects. */
  readonly signal?: AbortSignal;
  /** Candidates to sample from instead of NAS-Bench-201 CIFAR-10 (tests, other ground truths). */
  readonly candidates?: readonly FairnessCandidate[];
}

/** NAS-Bench-201 CIFAR-10 cells with their test_acc_200 (connected cells only unless asked). */
export async function nb201Candidates(config: Pick<FairnessAblationConfig, 'includeDisconnected' | 'nb201Source'>): Promise<FairnessCandidate[]> {
  const bench = await loadNb201({ dataset: 'cifar10', ...(config.nb201Source ? { source: config.nb201Source } : {}) });
  return bench
    .all()
    .filter((r) => config.includeDisconnected || nb201IsConnected(r.arch))
    .map((r) => ({ id: r.id, arch: r.arch, truth: r.metrics['test_acc_200']!, params: r.metrics['params']! }));
}

/** The architectures every supernet of the study is ranked on. */
export function sampleArchitectures(candidates: readonly FairnessCandidate[], config: Pick<FairnessAblationConfig, 'archBins' | 'archsPerBin' | 'archSeed'>): {
  archs: SampledArch[];
  strata: StratumSummary[];
} {
  const sample = stratifiedSample(
    candidates.map((c) => c.truth),
    { bins: config.archBins, perBin: config.archsPerBin, seed: config.archSeed },
  );
  const archs = Array.from(sample.indices, (i, k) => {
    const c = candidates[i]!;
    return { id: c.id, arch: nb201ToString(c.arch), truth: c.truth, bin: sample.binOf[k]!, params: c.params ?? null };
  });
  return { archs, strata: [...sample.strata] };
}

/** The run config and files of one (sampler, seed). */
export function fairnessTasks(config: FairnessAblationConfig, archs: readonly SampledArch[], outDir: string): FairnessTask[] {
  const tasks: FairnessTask[] = [];
  for (const seed of config.seeds) {
    for (const sampler of config.samplers) {
      const train = supernetTrainConfig({
        supernet: config.supernet,
        sampler,
        updates: config.updates,
        batchSize: config.batchSize,
        optimizer: config.optimizer,
        checkpointEvery: config.checkpointEvery,
        seed,
      });
      const run: FairnessRunConfig = {
        study: 'fairnas-ablation',
        version: FAIRNESS_ABLATION_VERSION,
        train,
        data: { ...(config.cifarSource ? { cifarSource: config.cifarSource } : {}), holdout: config.holdout, splitSeed: config.splitSeed },
        eval: { calibrationBatches: config.calibrationBatches, batchSize: config.evalBatchSize, seed: `${config.splitSeed}/calibration` },
        archs: archs.map((a) => a.arch),
      };
      const name = createSampler(sampler, 0).name;
      tasks.push({
        run,
        // Keyed by training config and data only: a new arch sample or eval setting reuses the trained supernet.
        checkpointPath: join(outDir, 'checkpoints', `${name}-seed${seed}-${configKey({ train, data: run.data })}.json`),
        label: `${name} seed ${seed}`,
      });
    }
  }
  return tasks;
}

/** Trains every (sampler, seed) supernet (resuming, using the cache), ranks the sample, and summarises. */
export async function runFairnessAblation(config: FairnessAblationConfig, options: FairnessRunOptions = {}): Promise<FairnessAblationResult> {
  validateFairnessConfig(config);
  const started = performance.now();
  const log = options.onProgress ?? (() => undefined);
  const outDir = resolve(config.outDir ?? join(resultsDir(), 'fairnas'));
  const candidates = options.candidates ?? (await nb201Candidates(config));
  const { archs, strata } = sampleArchitectures(candidates, config);
  const tasks = fairnessTasks(config, archs, outDir);
  const specs: RunSpec<FairnessTask>[] = tasks.map((task) => ({ key: runKey(task.run), config: task.run, task, label: task.label }));
  // Longest first (more paths per update = slower), so the threads finish together.
  const passes = (t: FairnessTask): number => createSampler(t.run.train.sampler, 0).pathsPerStep;
  const order = [...specs].sort((x, y) => passes(y.task) - passes(x.task));
  log(`fairness ablation: ${tasks.length} runs; results in ${outDir}`);
  const outcome = await runStudy<FairnessTask, FairnessRunResult>(
    {
      study: 'fairness ablation',
      taskRef: { module: 'src/experiments/fairnessTask.ts', export: 'runFairnessTask' },
      runs: order,
      local: runFairnessTask,
      check: (r) => missingFields(r, ['sampler', 'seed', 'updates', 'forwardBackwardPasses', 'lossHistory', 'counts', 'accuracy', 'heldOutLoss', 'heldOutImages']),
    },
    {
      executor: config.executor,
      cacheDir: join(outDir, 'runs'),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.progress !== undefined ? { progress: options.progress } : {}),
    },
  );
  const byKey = new Map(outcome.runs.map((o) => [o.key, o] as const));

  const truth = archs.map((a) => a.truth);
  const params = archs.every((a) => a.params !== null) ? archs.map((a) => a.params!) : null;
  const runs: FairnessRun[] = specs.map((spec) => {
    const { result: r, fromCache } = byKey.get(spec.key)!;
    if (r.updates !== config.updates) throw new Error(`${spec.label}: ${r.updates} updates, but the budget is ${config.updates}`);
    return {
      ...r,
      kendallTau: kendallTau(r.accuracy, truth),
      spearmanRho: spearmanRho(r.accuracy, truth),
      kendallTauVsParams: params ? kendallTau(r.accuracy, params) : NaN,
      cached: fromCache,
    };
  });
  const summary = summarizeSamplers(runs, config);
  const comparisons = compareSamplers(runs, truth, config);
  return {
    config,
    archs,
    strata,
    candidates: candidates.length,
    truthTauVsParams: params ? kendallTau(truth, params) : NaN,
    runs,
    summary,
    comparisons,
    wallSeconds: (performance.now() - started) / 1000,
    computedRuns: outcome.stats.computed,
    outDir,
  };
}

const samplerNames = (config: FairnessAblationConfig): string[] => config.samplers.map((s) => createSampler(s, 0).name);

function runsOf(runs: readonly FairnessRun[], sampler: string, seeds: readonly number[]): FairnessRun[] {
  return seeds.map((seed) => {
    const run = runs.find((r) => r.sampler === sampler && r.seed === seed);
    if (!run) throw new Error(`fairness ablation: no run for ${sampler} seed ${seed}`);
    return run;
  });
}

/** Mean ± std over seeds per sampler, with update and pass counts. */
export function summarizeSamplers(runs: readonly FairnessRun[], config: FairnessAblationConfig): SamplerSummary[] {
  return samplerNames(config).map((sampler) => {
    const rs = runsOf(runs, sampler, config.seeds);
    const tau = meanStd(rs.map((r) => r.kendallTau));
    const rho = meanStd(rs.map((r) => r.spearmanRho));
    const countsMean = Array.from({ length: NB201_NUM_EDGES }, (_, e) =>
      Array.from({ length: NB201_NUM_OPS }, (_, o) => rs.reduce((s, r) => s + r.counts[e]![o]!, 0) / rs.length),
    );
    let countSpread = 0;
    for (const r of rs) {
      for (const row of r.counts) {
        const mean = row.reduce((s, v) => s + v, 0) / row.length;
        if (mean > 0) countSpread = Math.max(countSpread, (Math.max(...row) - Math.min(...row)) / mean);
      }
    }
    const avg = (f: (r: FairnessRun) => number): number => rs.reduce((s, r) => s + f(r), 0) / rs.length;
    return {
      sampler,
      label: samplerLabel(sampler),
      seeds: rs.length,
      tauMean: tau.mean,
      tauStd: tau.std,
      rhoMean: rho.mean,
      rhoStd: rho.std,
      tauVsParamsMean: avg((r) => r.kendallTauVsParams),
      updates: rs[0]!.updates,
      passesPerUpdate: rs[0]!.forwardBackwardPasses / rs[0]!.updates,
      passesMean: avg((r) => r.forwardBackwardPasses),
      countsMean,
      countSpread,
      meanSupernetAccuracy: avg((r) => r.accuracy.reduce((s, a) => s + a, 0) / r.accuracy.length),
      trainSecondsMean: avg((r) => r.trainSeconds),
      evalSecondsMean: avg((r) => r.evalSeconds),
    };
  });
}

const fmt = (v: number, digits = 3): string => (Number.isFinite(v) ? v.toFixed(digits) : '–');

/** One sentence: the difference, the t-test over seeds, the bootstrap interval over architectures, and the verdict. */
export function significanceStatement(a: string, b: string, t: PairedTTest, boot: BootstrapDifference): string {
  const diff = `${a} − ${b}: Δτ = ${t.meanDifference >= 0 ? '+' : ''}${fmt(t.meanDifference)}`;
  const tPart = Number.isNaN(t.p)
    ? `no t-test (${t.n < 2 ? `${t.n} seed: needs ≥ 2` : 'no spread between seeds'})`
    : `paired t-test over ${t.n} seeds: t = ${fmt(t.t, 2)}, df = ${t.df}, p = ${t.p < 0.001 ? t.p.toExponential(1) : fmt(t.p)}, 95 % CI [${fmt(t.lower)}, ${fmt(t.upper)}]`;
  const bPart = `bootstrap over architectures (${boot.resamples} resamples): ${Math.round(boot.level * 100)} % CI [${fmt(boot.lower)}, ${fmt(boot.upper)}]`;
  const tSig = !Number.isNaN(t.p) && t.p < 0.05;
  const bSig = boot.lower > 0 || boot.upper < 0;
  const verdict = tSig && bSig
    ? 'significant at 5 % by both tests'
    : tSig
      ? 'significant over seeds (p < 0.05) but the architecture bootstrap interval includes 0'
      : bSig
        ? 'the architecture bootstrap interval excludes 0, but the seed-to-seed variation does not support a difference (p ≥ 0.05 or too few seeds)'
        : 'not significant at 5 %';
  return `${diff}; ${tPart}; ${bPart} → ${verdict}.`;
}

/** Every pair of samplers: paired t-test of tau over seeds and the bootstrap of the tau difference over architectures. */
export function compareSamplers(runs: readonly FairnessRun[], truth: readonly number[], config: FairnessAblationConfig): SamplerComparison[] {
  const names = samplerNames(config);
  // Most interesting first: strict-fair against the others, then the rest.
  const pairs: [string, string][] = [];
  for (let i = names.length - 1; i >= 0; i--) for (let j = i - 1; j >= 0; j--) pairs.push([names[i]!, names[j]!]);
  return pairs.map(([a, b]) => {
    const ra = runsOf(runs, a, config.seeds);
    const rb = runsOf(runs, b, config.seeds);
    const tTest = pairedTTest(
      ra.map((r) => r.kendallTau),
      rb.map((r) => r.kendallTau),
    );
    const bootstrap = bootstrapTauDifference(
      truth,
      ra.map((r) => r.accuracy),
      rb.map((r) => r.accuracy),
      { resamples: config.bootstrapResamples, seed: `${config.archSeed}/${a}-vs-${b}` },
    );
    return { a, b, tTest, bootstrap, statement: significanceStatement(a, b, tTest, bootstrap) };
  });
}

/** The summary as plain rows (notebook tables, CLI). */
export function fairnessSummaryRows(result: FairnessAblationResult): Record<string, string | number>[] {
  return result.summary.map((s) => ({
    sampler: s.label,
    seeds: s.seeds,
    'Kendall τ': `${fmt(s.tauMean)} ± ${fmt(s.tauStd)}`,
    'Spearman ρ': `${fmt(s.rhoMean)} ± ${fmt(s.rhoStd)}`,
    'τ vs params': fmt(s.tauVsParamsMean),
    updates: s.updates,
    'passes/update': s.passesPerUpdate,
    'fwd/bwd passes': Math.round(s.passesMean),
    'count spread': fmt(s.countSpread, 2),
    'mean supernet acc (%)': fmt(100 * s.meanSupernetAccuracy, 1),
    'train s': fmt(s.trainSecondsMean, 0),
    'eval s': fmt(s.evalSecondsMean, 0),
  }));
}

/** Our tau beside the published ImageNet numbers. */
export function publishedComparisonRows(result: FairnessAblationResult): Record<string, string | number>[] {
  return FAIRNAS_PUBLISHED_TAU.map((p) => {
    const ours = result.summary.find((s) => s.sampler === p.sampler);
    return {
      method: p.method,
      'published τ (ImageNet, 13 models)': p.tau,
      'ours τ (NB201 CIFAR-10)': ours ? `${fmt(ours.tauMean)} ± ${fmt(ours.tauStd)}` : 'not run',
      'ours archs × seeds': ours ? `${result.archs.length} × ${ours.seeds}` : '',
    };
  });
}

/** The ground-truth bins the architectures were drawn from, as rows. */
export function strataRows(result: FairnessAblationResult): Record<string, string | number>[] {
  return result.strata.map((s, bin) => ({
    bin,
    'test_acc_200 from (%)': fmt(100 * s.lower, 2),
    'to (%)': fmt(100 * s.upper, 2),
    candidates: s.candidates,
    sampled: s.picked,
  }));
}
