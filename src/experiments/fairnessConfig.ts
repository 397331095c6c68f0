/**
 * The FairNAS fairness ablation's config: its fields, the profiles and their
 * reasons, the checks, and the published numbers it is compared with.
 * fairnessAblation.ts runs it; fairnessReport.ts summarises it.
 */
import { checkField, checkSeedList, COUNT, POSITIVE_INTEGER } from '../core/checks.js';
import { byProfile, currentProfile, type Profile } from '../config.js';
import type { SupernetConfig } from '../supernet/nb201Supernet.js';
import { createSampler, type SamplerSpec } from '../supernet/samplers.js';
import { DEFAULT_SGD, type SgdConfig } from '../supernet/train.js';
import { checkExecutorConfig, defaultThreadCount, type ExecutorConfig } from '../engine/index.js';

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
    checkField('fairness ablation config', key, c[key], POSITIVE_INTEGER);
  }
  checkExecutorConfig(c.executor, 'fairness ablation config: executor');
  checkField('fairness ablation config', 'checkpointEvery', c.checkpointEvery, COUNT);
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
