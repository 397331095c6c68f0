/**
 * The ReNAS fidelity ablation: every place where an implementation can
 * differ from the official code (docs/PROTOCOLS.md §7) as one variant, each
 * flipped alone from the study's settings at one N, and summarized against
 * the default paired by seed. `runRenas424` runs the variants' runs beside
 * the study's (a variant identical to another run is that run).
 */
import { meanStd } from '../metrics/summary.js';
import { pairedTTest } from '../metrics/pairedTTest.js';
import type { RenasLossKind } from '../predictors/renas.js';
import type { Renas424Row, RenasStudyPredictor } from './renas424.js';

/** One row of the fidelity ablation: a switch flipped from the study's settings. */
export interface RenasAblationVariant {
  /** Short label, e.g. "conv2 without padding". */
  readonly name: string;
  /** What the official code does, and what this variant does instead (for the table). */
  readonly official: string;
  readonly variant: string;
  /** Predictor settings laid over the study's `predictor`. */
  readonly predictor?: RenasStudyPredictor;
  /** A training-set size other than the ablation's. */
  readonly trainSize?: number;
}

export interface RenasAblationConfig {
  readonly trainSize: number;
  readonly seeds: readonly number[];
  readonly lossKind: RenasLossKind;
  readonly epochs: number;
  readonly variants: readonly RenasAblationVariant[];
}

/**
 * Every place where this project differed from the official code (or where
 * the official choice is unknown), as one variant each (docs/PROTOCOLS.md §7).
 */
export const RENAS_FIDELITY_VARIANTS: readonly RenasAblationVariant[] = Object.freeze([
  { name: 'conv2 without padding', official: 'conv2 padding 1: flatten 6,272, 813,615 parameters', variant: 'no padding: flatten 3,200, 444,975 parameters', predictor: { conv2Padding: 'valid' } },
  { name: 'no repeated step', official: 'optimizer.step() also at the top of each epoch (399 updates in 200 full-batch epochs)', variant: 'one update per batch (200)', predictor: { repeatLastStep: false } },
  { name: 'batches of ≤ 424, near-equal', official: 'batch 1,024 (DataLoader: full batches, then the rest)', variant: 'near-equal batches of at most 424 (this project before the audit)', predictor: { batchSize: 424, batchSplit: 'near-equal' } },
  { name: 'weights that scored best', official: 'weights at the end of the epoch with the best mean batch τ', variant: 'the weights that produced the best training τ (before that step)', predictor: { keptWeights: 'scored' } },
  { name: 'source-vertex encoding', official: 'unknown; public encoder: destination column M[i][j] = A[i][j]·v[j]', variant: 'source row M[i][j] = A[i][j]·v[i]', predictor: { encoding: { orientation: 'source' } } },
  { name: 'multiply-add FLOPs only', official: 'unknown; public encoder counts max-pool (9·C·H·W) and input additions', variant: 'convolution and dense multiply-adds only', predictor: { encoding: { poolAndAddFlops: false } } },
  { name: 'N = 424 (the paper)', official: 'floor(0.001 × 423,624) = 423 training cells', variant: '424 cells, as the paper says', trainSize: 424 },
]);

/** One ablation run: a study row plus its variant ('' = the ablation's default) and run key. */
export interface RenasAblationRun extends Renas424Row {
  readonly variant: string;
  readonly runKey: string;
}

/** One variant's τ beside the default's, paired by seed. */
export interface RenasAblationRow {
  /** 'default (official code)' for the reference row. */
  readonly name: string;
  readonly official: string;
  readonly variant: string;
  readonly trainSize: number;
  readonly runs: number;
  readonly tauMean: number;
  readonly tauStd: number;
  /** Mean over seeds of τ(variant) − τ(default), its 95 % t interval and two-sided p (NaN for the default row or under 2 seeds). */
  readonly tauDifference: number;
  readonly tauDifferenceLower: number;
  readonly tauDifferenceUpper: number;
  readonly p: number;
  /** Seeds where the variant's τ is above the default's. */
  readonly seedsAbove: number;
  /** The variant resolves to exactly the default's runs (nothing to measure at this N). */
  readonly sameRunsAsDefault: boolean;
  readonly searchTopKBestMean: number;
  readonly updates: number;
  readonly fitSecondsMean: number;
}

export interface RenasAblationResult {
  readonly config: RenasAblationConfig;
  readonly rows: RenasAblationRow[];
  readonly runs: RenasAblationRun[];
}

export const RENAS_ABLATION_DEFAULT = 'default (official code)';

/** Each variant against the default, paired by seed (paired t-test of the τ differences). */
export function summarizeRenasAblation(config: RenasAblationConfig, runs: readonly RenasAblationRun[]): RenasAblationResult {
  const bySeed = (variant: string): Map<number, RenasAblationRun> => new Map(runs.filter((r) => r.variant === variant).map((r) => [r.seed, r] as const));
  const base = bySeed('');
  const rowOf = (name: string, official: string, variant: string, list: Map<number, RenasAblationRun>, isDefault: boolean): RenasAblationRow => {
    const seeds = config.seeds.filter((s) => list.has(s) && base.has(s));
    const mine = seeds.map((s) => list.get(s)!);
    const theirs = seeds.map((s) => base.get(s)!);
    const tau = meanStd(mine.map((r) => r.kendallTau));
    const paired = isDefault ? undefined : pairedTTest(mine.map((r) => r.kendallTau), theirs.map((r) => r.kendallTau));
    return {
      name,
      official,
      variant,
      trainSize: mine[0]!.trainSize,
      runs: mine.length,
      tauMean: tau.mean,
      tauStd: tau.std,
      tauDifference: paired?.meanDifference ?? NaN,
      tauDifferenceLower: paired?.lower ?? NaN,
      tauDifferenceUpper: paired?.upper ?? NaN,
      p: paired?.p ?? NaN,
      seedsAbove: isDefault ? 0 : mine.filter((r, i) => r.kendallTau > theirs[i]!.kendallTau).length,
      sameRunsAsDefault: !isDefault && mine.every((r, i) => r.runKey === theirs[i]!.runKey),
      searchTopKBestMean: meanStd(mine.map((r) => r.searchTopKBest)).mean,
      updates: mine[0]!.updates,
      fitSecondsMean: meanStd(mine.map((r) => r.fitSeconds)).mean,
    };
  };
  const rows = [
    rowOf(RENAS_ABLATION_DEFAULT, 'the official code where known, else the public encoder', '—', base, true),
    ...config.variants.map((v) => rowOf(v.name, v.official, v.variant, bySeed(v.name), false)),
  ];
  return { config, rows, runs: [...runs] };
}

