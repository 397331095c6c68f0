/**
 * The FairNAS fairness ablation's config: its fields, the profiles and their
 * reasons, the checks, and the published numbers it is compared with.
 * fairnessAblation.ts runs it; fairnessReport.ts summarises it.
 */
import { checkField, checkSeedList, COUNT, POSITIVE_INTEGER } from '../core/checks.js';
import { byProfile, currentProfile, type Profile } from '../config.js';
import type { SupernetConfig } from '../supernet/nb201Supernet.js';
import { createSampler, type SamplerSpec } from '../supernet/samplers.js';
import { EVAL_BN_MODES, type EvalBn } from '../supernet/evaluate.js';
import { DEFAULT_SGD, type SgdConfig } from '../supernet/train.js';
import { checkExecutorConfig, defaultThreadCount, type ExecutorConfig } from '../engine/index.js';

/**
 * Bump when a code change alters results: cached runs and checkpoints of older
 * versions are then recomputed. 3: fused batch-norm kernels and top/left
 * padding of the stride-2 convs on wasm — the same functions, other float
 * rounding, which a supernet's training amplifies to seed-level differences
 * in τ (measured: uniform seed 0 of the paper profile, τ −0.239 → −0.127).
 */
export const FAIRNESS_ABLATION_VERSION = 3;

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
  /**
   * Update counts at which every supernet's ranking is scored (ascending, the
   * last one = `updates`): one run, snapshots along its schedule (the cosine
   * learning rate is still mid-way at the earlier ones).
   */
  readonly evalAt: readonly number[];
  /**
   * Also train uniform with k× the updates (k = the most paths per update
   * among the samplers, 5): the same forward/backward passes as EF-5 and
   * strict-fair, so the comparison is matched in compute, not in updates.
   */
  readonly computeMatched: boolean;
  /** How a path's BN is normalised when scored: batch statistics of each held-out batch (the references) or recalibrated running statistics (SPOS). */
  readonly evalBn: EvalBn;
  /** CIFAR-10 training images held out for supernet accuracy (the rest train). */
  readonly holdout: number;
  readonly splitSeed: string;
  /** Training batches BN is recalibrated on per architecture (evalBn 'recalibrate' only). */
  readonly calibrationBatches: number;
  /** Held-out images per evaluation batch (large: with batch statistics the batch is the BN's sample). */
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
 * `points` update counts, each twice the one before, ending at `updates`
 * (log-spaced, so the curve shows early and late training alike).
 */
export function halvingBudgets(updates: number, points: number): number[] {
  checkField('halvingBudgets', 'updates', updates, POSITIVE_INTEGER);
  checkField('halvingBudgets', 'points', points, POSITIVE_INTEGER);
  const out = new Set<number>();
  for (let k = points - 1; k >= 0; k--) out.add(Math.max(1, Math.round(updates / 2 ** k)));
  return [...out];
}

/** 250 epochs of the 9,000 training images at batch 64 (35,157 updates, rounded up so the halvings are whole): the smallest budget with published NB201 supernet rankings (docs/PROTOCOLS.md §7). */
export const LONG_UPDATES = 35_200;

/**
 * The study at each profile, and why (costs measured on this 2-core machine,
 * wasm backend with the native kernels, one thread per run;
 * bench/supernet-step.ts):
 * - every profile but smoke uses width C = 5: the EFS-NAS logs show C = 5
 *   ranking as well as C = 16 at 250 and 1,000 epochs (τ 0.597 vs 0.573), and
 *   it costs a fraction of the compute;
 * - the cell-op BN has no affine parameters and every path is scored with the
 *   batch statistics of 500-image held-out batches, as the NB201 references;
 * - 20 quantile bins × 10 = 200 connected architectures (null SE of τ ≈ 0.047,
 *   against 0.068 for 100);
 * - paper: 1 cell per stage at 16×16 (box down-sampled) and 6,400 updates
 *   (≈ 45 epochs of the 9,000 training images), scored at 200, 400, …, 6,400
 *   updates; 3 samplers + the compute-matched uniform × 3 seeds. Measured
 *   (3 Dec 2026, 2 worker threads, native oneDNN kernels): 30.7 min wall,
 *   60 thread-min: training 61 s a run for uniform, 313–324 s for the 5-pass
 *   series and uniform ×5, scoring 200 architectures on 1,000 images at 6
 *   budgets 42–47 s a run. 12,800 updates (7 budgets) would come to ≈ 57 min
 *   from those costs, too close to the hour. (On the wasm kernels alone a
 *   step at this size costs 2–3× more: 1,600 updates took 38.6 min on 2 Dec.);
 * - long: the same network for 35,200 updates (≈ 250 epochs, the smallest
 *   published budget), scored at 7 budgets: from those costs ≈ 4.8
 *   thread-hours, i.e. about 2.5 h on one 2-core machine, less over several
 *   through the run queue;
 * - full: the NAS-Bench-201 network (C = 16, 5 cells per stage, 32×32) for
 *   35,200 updates, for a GPU backend (tfjs-node-gpu);
 * - smoke only checks that everything runs.
 */
export function fairnessAblationConfig(profile: Profile = currentProfile(), overrides: Partial<FairnessAblationConfig> = {}): FairnessAblationConfig {
  const updates = byProfile({ smoke: 20, paper: 6400, long: LONG_UPDATES, full: LONG_UPDATES }, profile);
  const base: FairnessAblationConfig = {
    profile,
    samplers: FAIRNESS_SAMPLERS,
    seeds: byProfile({ smoke: [0], paper: [0, 1, 2], full: [0, 1, 2] }, profile),
    supernet: byProfile(
      {
        smoke: { channels: 4, cellsPerStage: 1, numClasses: 10, inputSize: 8, cellBnAffine: false },
        paper: { channels: 5, cellsPerStage: 1, numClasses: 10, inputSize: 16, cellBnAffine: false },
        long: { channels: 5, cellsPerStage: 1, numClasses: 10, inputSize: 16, cellBnAffine: false },
        full: { channels: 16, cellsPerStage: 5, numClasses: 10, inputSize: 32, cellBnAffine: false },
      },
      profile,
    ),
    updates,
    batchSize: byProfile({ smoke: 32, paper: 64, full: 64 }, profile),
    // NAS-Bench-201's weight-sharing setting: SGD, Nesterov momentum 0.9, cosine 0.025 → 0.001, decay 5e-4, clip 5.
    optimizer: DEFAULT_SGD,
    checkpointEvery: byProfile({ smoke: 10, paper: 400, long: 1000, full: 1000 }, profile),
    evalAt: halvingBudgets(updates, byProfile({ smoke: 3, paper: 6, full: 7 }, profile)),
    computeMatched: true,
    evalBn: 'batch-stats',
    holdout: byProfile({ smoke: 256, paper: 1000, full: 1000 }, profile),
    splitSeed: 'fairnas-holdout',
    // Only with evalBn 'recalibrate': SPOS recalibrates BN on 20k images; 512 keeps evaluation a small share of the budget.
    calibrationBatches: byProfile({ smoke: 2, paper: 8, full: 20 }, profile),
    evalBatchSize: byProfile({ smoke: 128, paper: 500, full: 500 }, profile),
    archBins: byProfile({ smoke: 4, paper: 20, full: 20 }, profile),
    archsPerBin: byProfile({ smoke: 3, paper: 10, full: 10 }, profile),
    archSeed: 'fairnas-archs',
    includeDisconnected: false,
    bootstrapResamples: byProfile({ smoke: 200, paper: 1000, full: 1000 }, profile),
    // Each wasm thread uses one core; a GPU backend wants a single process.
    executor: byProfile<ExecutorConfig>(
      {
        smoke: { kind: 'pool', threads: Math.min(2, defaultThreadCount()) },
        paper: { kind: 'pool', threads: defaultThreadCount() },
        long: { kind: 'pool', threads: defaultThreadCount() },
        full: { kind: 'in-thread' },
      },
      profile,
    ),
  };
  const merged = { ...base, ...overrides };
  // A new budget without its own checkpoints gets the profile's number of halvings ending at it.
  const newBudget = overrides.updates !== undefined && Number.isInteger(merged.updates) && merged.updates >= 1;
  const evalAt = overrides.evalAt ?? (newBudget ? halvingBudgets(merged.updates, base.evalAt.length) : base.evalAt);
  return validateFairnessConfig({ ...merged, evalAt });
}

/** One line of the study: a sampler, trained for `updatesFactor` × the budget (1, or k for the compute-matched uniform). */
export interface FairnessSeries {
  readonly name: string;
  readonly sampler: SamplerSpec;
  readonly updatesFactor: number;
}

/** The study's series: each sampler at the budget, then (computeMatched) uniform at k× the updates. */
export function fairnessSeries(config: Pick<FairnessAblationConfig, 'samplers' | 'computeMatched'>): FairnessSeries[] {
  const series = config.samplers.map((sampler) => ({ name: createSampler(sampler, 0).name, sampler, updatesFactor: 1 }));
  if (config.computeMatched) {
    const k = Math.max(...config.samplers.map((sp) => createSampler(sp, 0).pathsPerStep));
    if (k > 1) series.push({ name: `uniform ×${k}`, sampler: { kind: 'uniform' }, updatesFactor: k });
  }
  return series;
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
    checkField('fairness ablation config', key, c[key], POSITIVE_INTEGER);
  }
  checkExecutorConfig(c.executor, 'fairness ablation config: executor');
  checkField('fairness ablation config', 'checkpointEvery', c.checkpointEvery, COUNT);
  if (!EVAL_BN_MODES.includes(c.evalBn)) fail(`evalBn is ${JSON.stringify(c.evalBn)}; use one of ${EVAL_BN_MODES.join(', ')}`);
  if (typeof c.computeMatched !== 'boolean') fail(`computeMatched must be true or false, got ${JSON.stringify(c.computeMatched)}`);
  if (!Array.isArray(c.evalAt) || c.evalAt.length === 0) fail('evalAt must be a non-empty list of update counts');
  c.evalAt.forEach((u, i) => {
    checkField('fairness ablation config', `evalAt[${i}]`, u, POSITIVE_INTEGER);
    if (i > 0 && !(u > c.evalAt[i - 1]!)) fail(`evalAt must be strictly ascending, got ${c.evalAt.join(', ')}`);
  });
  if (c.evalAt[c.evalAt.length - 1] !== c.updates) fail(`evalAt must end at the budget (updates ${c.updates}), got ${c.evalAt.join(', ')}`);
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
    `evaluation: ${c.archBins} ground-truth quantile bins × ${c.archsPerBin} = ${c.archBins * c.archsPerBin} architectures (${c.includeDisconnected ? 'disconnected cells included' : 'disconnected cells excluded'}), accuracy and loss on ${c.holdout} held-out training images ${c.evalBn === 'batch-stats' ? `with the batch statistics of batches of ${c.evalBatchSize} (cell-op BN ${c.supernet.cellBnAffine ? 'affine' : 'without affine parameters'})` : `after BN recalibration on ${c.calibrationBatches}×${c.evalBatchSize} images`}, at updates ${c.evalAt.join(', ')}`,
    `series: ${fairnessSeries(c).map((x) => (x.updatesFactor > 1 ? `${x.name} (${x.updatesFactor * c.updates} updates: the passes of the 5-path samplers)` : x.name)).join(', ')}`,
    `executor: ${c.executor.kind === 'pool' ? `pool of ${c.executor.threads ?? defaultThreadCount()} worker thread(s)` : c.executor.kind === 'queue' ? `queue at ${c.executor.url}` : 'this thread'}`,
  ].join('\n');
}
