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
import { join, resolve } from 'node:path';
import { resultsDir } from '../config.js';
import { configKey } from '../core/configKey.js';
import { loadNb201 } from '../loaders/cellJson.js';
import { kendallTau, spearmanRho } from '../metrics/index.js';
import { nb201IsConnected, nb201ToString, type Nb201Arch } from '../spaces/nb201.js';
import { createSampler } from '../supernet/samplers.js';
import { supernetTrainConfig } from '../supernet/train.js';
import { stratifiedSample, type BootstrapDifference, type StratumSummary } from './fairnessStats.js';
import type { PairedTTest } from '../metrics/pairedTTest.js';
import { missingFields } from '../engine/store.js';
import { runKey, runStudy, type ProgressSink, type RunSpec } from '../engine/index.js';
import { runFairnessTask, type FairnessRunConfig, type FairnessRunResult, type FairnessTask } from './fairnessTask.js';
import { FAIRNESS_ABLATION_VERSION, fairnessSeries, validateFairnessConfig, type FairnessAblationConfig } from './fairnessConfig.js';
import { compareAtBudgets, compareSamplers, seriesFileName, summarizeSamplers, type BudgetComparison } from './fairnessReport.js';

export * from './fairnessConfig.js';
export * from './fairnessReport.js';


/** A ground-truth candidate the architectures are sampled from. */
export interface FairnessCandidate {
  readonly id: string;
  readonly arch: Nb201Arch;
  /** Ground truth (NAS-Bench-201 CIFAR-10 test_acc_200, a fraction). */
  readonly truth: number;
  /** The 12-epoch schedule's test accuracy (test_acc_12), the cheap-proxy baseline; absent if unknown. */
  readonly truth12?: number;
  /** Parameters of the stand-alone network (M), for the size-bias diagnostic; absent if unknown. */
  readonly params?: number;
}

export interface SampledArch {
  readonly id: string;
  readonly arch: string;
  readonly truth: number;
  readonly truth12: number | null;
  readonly bin: number;
  readonly params: number | null;
}

/** A run's ranking at one budget, against both ground truths, scored by accuracy and by held-out loss. */
export interface FairnessCurvePoint {
  readonly update: number;
  readonly forwardBackwardPasses: number;
  /** τ of supernet accuracy vs test_acc_200, of −loss vs test_acc_200, and the same vs test_acc_12 (NaN where unknown). */
  readonly tau: number;
  readonly tauLoss: number;
  readonly tau12: number;
  readonly tau12Loss: number;
}

/** Rank correlations a supernet ranking has to beat, on the same architectures. */
export interface FairnessBaselines {
  /** τ(parameter count, test_acc_200) and τ(parameter count, test_acc_12). */
  readonly paramsVsTruth: number;
  readonly paramsVsTruth12: number;
  /** τ(test_acc_12, test_acc_200): the 12-epoch schedule as a predictor of the 200-epoch one. */
  readonly truth12VsTruth: number;
  /** Standard error of τ between independent rankings of this many architectures (the null): √(2(2n+5) / (9n(n−1))). */
  readonly nullTauSe: number;
}

/** One (sampler, seed) supernet and how it ranked the sample. */
export interface FairnessRun extends FairnessRunResult {
  /** The line of the study this run belongs to: the sampler's name, or e.g. `uniform ×5` (compute-matched). */
  readonly series: string;
  /** At the budget: τ of accuracy and of −loss vs test_acc_200, τ of accuracy vs test_acc_12. */
  readonly kendallTau: number;
  readonly kendallTauLoss: number;
  readonly kendallTau12: number;
  /** The ranking at every budget of `evalAt`. */
  readonly curve: readonly FairnessCurvePoint[];
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
  /** τ of −held-out loss vs test_acc_200, and of accuracy vs test_acc_12. */
  readonly tauLossMean: number;
  readonly tauLossStd: number;
  readonly tau12Mean: number;
  readonly tau12Std: number;
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
  readonly baselines: FairnessBaselines;
  readonly runs: readonly FairnessRun[];
  readonly summary: readonly SamplerSummary[];
  readonly comparisons: readonly SamplerComparison[];
  /** Paired differences over seeds at every budget, for each pair of series. */
  readonly budgetComparisons: readonly BudgetComparison[];
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
    .map((r) => ({ id: r.id, arch: r.arch, truth: r.metrics['test_acc_200']!, truth12: r.metrics['test_acc_12']!, params: r.metrics['params']! }));
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
    return { id: c.id, arch: nb201ToString(c.arch), truth: c.truth, truth12: c.truth12 ?? null, bin: sample.binOf[k]!, params: c.params ?? null };
  });
  return { archs, strata: [...sample.strata] };
}

/** The run config and files of one (series, seed). */
export function fairnessTasks(config: FairnessAblationConfig, archs: readonly SampledArch[], outDir: string): FairnessTask[] {
  const tasks: FairnessTask[] = [];
  for (const seed of config.seeds) {
    for (const series of fairnessSeries(config)) {
      const k = series.updatesFactor;
      const train = supernetTrainConfig({
        supernet: config.supernet,
        sampler: series.sampler,
        updates: k * config.updates,
        batchSize: config.batchSize,
        optimizer: config.optimizer,
        checkpointEvery: k * config.checkpointEvery,
        seed,
      });
      const run: FairnessRunConfig = {
        study: 'fairnas-ablation',
        version: FAIRNESS_ABLATION_VERSION,
        train,
        data: { ...(config.cifarSource ? { cifarSource: config.cifarSource } : {}), holdout: config.holdout, splitSeed: config.splitSeed },
        eval: {
          bn: config.evalBn,
          // Unused with batch statistics: fixed, so the setting does not split the cache.
          calibrationBatches: config.evalBn === 'recalibrate' ? config.calibrationBatches : 0,
          batchSize: config.evalBatchSize,
          seed: `${config.splitSeed}/calibration`,
        },
        evalAt: config.evalAt.map((u) => k * u),
        archs: archs.map((a) => a.arch),
      };
      const file = seriesFileName(series.name);
      tasks.push({
        run,
        // Keyed by code version, training config and data only: a new arch sample or eval setting reuses the trained supernet.
        checkpointPath: join(outDir, 'checkpoints', `${file}-seed${seed}-${configKey({ version: run.version, train, data: run.data })}.json`),
        label: `${series.name} seed ${seed}`,
        series: series.name,
      });
    }
  }
  return tasks;
}

/** √(2(2n+5) / (9n(n−1))): the standard deviation of Kendall τ between two independent random rankings of n items. */
export function nullTauStandardError(n: number): number {
  return n < 2 ? NaN : Math.sqrt((2 * (2 * n + 5)) / (9 * n * (n - 1)));
}

const negated = (xs: readonly number[]): number[] => xs.map((x) => -x);

/** τ against a ground truth, NaN when that ground truth is unknown for the sample. */
function tauOrNaN(scores: readonly number[], truth: readonly number[] | null): number {
  return truth ? kendallTau(scores, truth) : NaN;
}

/** The rank correlations a supernet has to beat on this sample. */
export function fairnessBaselines(archs: readonly SampledArch[]): FairnessBaselines {
  const truth = archs.map((a) => a.truth);
  const truth12 = archs.every((a) => a.truth12 !== null) ? archs.map((a) => a.truth12!) : null;
  const params = archs.every((a) => a.params !== null) ? archs.map((a) => a.params!) : null;
  return {
    paramsVsTruth: params ? kendallTau(params, truth) : NaN,
    paramsVsTruth12: params ? tauOrNaN(params, truth12) : NaN,
    truth12VsTruth: tauOrNaN(truth, truth12),
    nullTauSe: nullTauStandardError(archs.length),
  };
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
  // Longest first (forward/backward passes of the whole run), so the threads finish together.
  const passes = (t: FairnessTask): number => createSampler(t.run.train.sampler, 0).pathsPerStep * t.run.train.updates;
  const order = [...specs].sort((x, y) => passes(y.task) - passes(x.task));
  log(`fairness ablation: ${tasks.length} runs; results in ${outDir}`);
  const outcome = await runStudy<FairnessTask, FairnessRunResult>(
    {
      study: 'fairness ablation',
      taskRef: { module: 'src/experiments/fairnessTask.ts', export: 'runFairnessTask' },
      runs: order,
      local: runFairnessTask,
      check: (r) => missingFields(r, ['sampler', 'seed', 'updates', 'forwardBackwardPasses', 'lossHistory', 'counts', 'accuracy', 'heldOutLoss', 'checkpoints', 'heldOutImages']),
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
  const truth12 = archs.every((a) => a.truth12 !== null) ? archs.map((a) => a.truth12!) : null;
  const params = archs.every((a) => a.params !== null) ? archs.map((a) => a.params!) : null;
  const runs: FairnessRun[] = specs.map((spec) => {
    const { result: r, fromCache } = byKey.get(spec.key)!;
    const budget = spec.task.run.train.updates;
    if (r.updates !== budget) throw new Error(`${spec.label}: ${r.updates} updates, but the budget is ${budget}`);
    const curve = r.checkpoints.map((c) => ({
      update: c.update,
      forwardBackwardPasses: c.forwardBackwardPasses,
      tau: kendallTau(c.accuracy, truth),
      tauLoss: kendallTau(negated(c.heldOutLoss), truth),
      tau12: tauOrNaN(c.accuracy, truth12),
      tau12Loss: tauOrNaN(negated(c.heldOutLoss), truth12),
    }));
    const last = curve[curve.length - 1]!;
    return {
      ...r,
      series: spec.task.series,
      kendallTau: last.tau,
      kendallTauLoss: last.tauLoss,
      kendallTau12: last.tau12,
      curve,
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
    baselines: fairnessBaselines(archs),
    runs,
    summary,
    comparisons,
    budgetComparisons: compareAtBudgets(runs, config),
    wallSeconds: (performance.now() - started) / 1000,
    computedRuns: outcome.stats.computed,
    outDir,
  };
}
