/**
 * The ReNAS study's config: its fields, the profiles (what each runs and
 * why) and the checks run before any run starts. renas424.ts runs it.
 */
import { currentProfile, byProfile, type Profile } from '../config.js';
import { checkField, checkSeedList, POSITIVE_INTEGER } from '../core/checks.js';
import { checkExecutorConfig, type ExecutorConfig } from '../engine/index.js';
import { resolveRenasConfig, type RenasLossKind, type RenasPredictorOverrides } from '../predictors/renas.js';
import { PREDICTORS } from '../predictors/registry.js';
import { RENAS_FIDELITY_VARIANTS, type RenasAblationConfig } from './renasAblation.js';
import { RENAS_SEARCH_METHODS, type RenasSearchConfig } from './renasSearch.js';
import { checkRenasNb201Config, renasNb201Config, type RenasNb201Config } from './renasNb201.js';
import { otherModel } from './renasRunTask.js';

/** Predictor settings a study may set (loss and epochs are per run). */
export type RenasStudyPredictor = Omit<RenasPredictorOverrides, 'lossKind' | 'epochs'>;

export interface Renas424Config {
  readonly seeds: readonly number[];
  /** Seeds per training-set size (keys are sizes) where fewer than `seeds` fit the budget. */
  readonly seedsBySize: Readonly<Record<string, readonly number[]>>;
  readonly trainSizes: readonly number[];
  readonly lossKinds: readonly RenasLossKind[];
  /** Loss kinds per training-set size (keys are sizes), where not all of `lossKinds` fit the budget. */
  readonly lossKindsBySize: Readonly<Record<string, readonly RenasLossKind[]>>;
  /** Training epochs for sizes not in `epochsBySize`. */
  readonly epochs: number;
  /** Epochs per training-set size (keys are sizes). */
  readonly epochsBySize: Readonly<Record<string, number>>;
  /** Metric to predict and search for (the subset has only `val_acc_*`, of one run). */
  readonly target: string;
  /** Architectures "trained" after ranking (the paper's top 10). */
  readonly topK: number;
  /** Predictor settings (defaults: DEFAULT_RENAS_CONFIG, the official code). */
  readonly predictor: RenasStudyPredictor;
  /**
   * The study proper fits this registered predictor (`PREDICTORS`, e.g.
   * 'param-count' as a baseline) instead of ReNAS's; it gets `predictor`,
   * lossKind and epochs as settings. Default 'renas'. The ablation, the
   * whole-space ranking and the search stay ReNAS's.
   */
  readonly model?: string;
  /** Where the fits execute: `{ kind: 'in-thread' }`, `{ kind: 'pool', threads }` or `{ kind: 'queue', url }` (see src/engine). */
  readonly executor: ExecutorConfig;
  /** Ranking of the whole 423,624-cell space by one predictor (`runRenasWholeSpace`); `false` to skip. */
  readonly wholeSpace: false | { readonly seed: number; readonly trainSize: number; readonly lossKind: RenasLossKind; readonly topK: number; readonly batchSize: number; readonly limit?: number };
  /** Each fidelity switch flipped alone from `predictor` at one size, paired by seed (`false` to skip). */
  readonly ablation: false | RenasAblationConfig;
  /** The predictor in discrete search over the whole space (`runRenasSearch` in renasSearch.ts; `false` to skip). */
  readonly search: false | RenasSearchConfig;
  /** The same predictor on NAS-Bench-201 (`runRenasNb201` in renasNb201.ts; `false` to skip). */
  readonly nb201: false | RenasNb201Config;
}

/**
 * Profiles. Costs measured on this 2-core machine (wasm backend, one thread
 * per run, two runs at once), official network (813,615 parameters): one
 * full-batch step costs ≈ 0.7 ms of CPU per training cell, so a 200-epoch
 * run takes ≈ 2 min at 423 cells, ≈ 6 min at 1,000 and ≈ 22 min at 4,236 (measured 2 Dec 2026; the whole paper notebook 140 min);
 * predicting costs ≈ 0.2 ms per cell (≈ 4 s for the subset, ≈ 90 s for the
 * whole space).
 * - smoke: one seed, 423 only, 10 epochs, both losses (on 2 worker threads,
 *   so the notebook exercises the pool), the ablation at 2 epochs, and the
 *   space ranking limited to its first 20,000 cells.
 * - paper: the official schedule (batch 1,024, 200 epochs) at every size,
 *   with FEWER SEEDS at the large sizes to bound the time: 10 seeds × both
 *   losses at 423, 3 seeds × both losses at 1,000, one seed × both losses
 *   at 4,236; 10,000 only in `full`. The ablation flips each switch at
 *   423 over 5 seeds (ranking loss). Then one whole-space ranking, and the
 *   predictor-guided search (renasSearch.ts): 3 seeds, one 200-epoch fit
 *   each shared by its methods, 20,000 predicted candidates per evolution
 *   or local search. NAS-Bench-201 (renasNb201.ts): 3 datasets × 0.1 / 1 / 5 %
 *   × 5 seeds × both losses, 200 epochs.
 * - full: 10 seeds, both losses, every size including 10,000, the ablation
 *   and the search over 10 seeds: many hours on 2 cores; spread the study
 *   over machines with the run queue.
 */
export function renas424Config(profile: Profile = currentProfile()): Renas424Config {
  const common = {
    target: 'val_acc_108',
    topK: 10,
    predictor: {},
    lossKinds: ['ranking', 'mse'] as const,
    epochs: 200,
    epochsBySize: {},
    executor: { kind: 'pool', threads: 2 } as const,
  };
  const tenSeeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const wholeSpace = { seed: 0, trainSize: 423, lossKind: 'ranking', topK: 10, batchSize: 4096 } as const;
  const ablation = (seeds: readonly number[], epochs: number): RenasAblationConfig => ({ trainSize: 423, seeds, lossKind: 'ranking', epochs, variants: RENAS_FIDELITY_VARIANTS });
  const search = (seeds: readonly number[], epochs: number, evaluations: number): RenasSearchConfig => ({
    seeds,
    trainSize: 423,
    topK: 10,
    epochs,
    evaluations,
    populationSize: 100,
    sampleSize: 25,
    batch: 100,
    starts: 10,
    methods: RENAS_SEARCH_METHODS,
  });
  return byProfile<Renas424Config>(
    {
      // Two workers even here: the smoke notebook then runs the worker pool inside tslab (CI checks it).
      smoke: {
        ...common,
        seeds: [0],
        seedsBySize: {},
        lossKindsBySize: {},
        trainSizes: [423],
        epochs: 10,
        wholeSpace: { ...wholeSpace, limit: 20_000 },
        ablation: ablation([0], 2),
        search: search([0], 10, 2000),
        nb201: renasNb201Config('smoke'),
      },
      paper: {
        ...common,
        seeds: tenSeeds,
        seedsBySize: { 1000: [0, 1, 2], 4236: [0] },
        lossKindsBySize: {},
        trainSizes: [423, 1000, 4236],
        wholeSpace,
        ablation: ablation([0, 1, 2, 3, 4], 200),
        search: search([0, 1, 2], 200, 20_000),
        nb201: renasNb201Config('paper'),
      },
      full: {
        ...common,
        seeds: tenSeeds,
        seedsBySize: {},
        lossKindsBySize: {},
        trainSizes: [423, 1000, 4236, 10000],
        wholeSpace,
        ablation: ablation(tenSeeds, 200),
        search: search(tenSeeds, 200, 20_000),
        nb201: renasNb201Config('full'),
      },
    },
    profile,
  );
}

export function epochsFor(config: Renas424Config, trainSize: number): number {
  return config.epochsBySize[String(trainSize)] ?? config.epochs;
}

export function seedsFor(config: Renas424Config, trainSize: number): readonly number[] {
  return config.seedsBySize[String(trainSize)] ?? config.seeds;
}

export function lossKindsFor(config: Renas424Config, trainSize: number): readonly RenasLossKind[] {
  return config.lossKindsBySize[String(trainSize)] ?? config.lossKinds;
}

/** `over` laid on `base`, the encoding field by field. */
export function mergePredictor(base: RenasStudyPredictor, over: RenasStudyPredictor = {}): RenasStudyPredictor {
  return { ...base, ...over, encoding: { ...base.encoding, ...over.encoding } };
}

function checkSize(where: string, n: unknown, config: Renas424Config, benchSize: number): void {
  checkField(where, 'training-set size', n, { min: 2, integer: true });
  if ((n as number) + config.topK > benchSize) throw new RangeError(`${where}: N + topK = ${(n as number) + config.topK} exceeds the ${benchSize} cells of the benchmark`);
}

/** Every field of the config checked before any run starts, each error naming the field, the value and what is allowed. */
export function checkRenas424Config(config: Renas424Config, benchSize: number): void {
  const where = 'renas424 config';
  checkSeedList(`${where}: seeds`, config.seeds);
  if (config.lossKinds.length === 0) throw new RangeError(`${where}: lossKinds is empty`);
  for (const l of config.lossKinds) if (l !== 'ranking' && l !== 'mse') throw new RangeError(`${where}: lossKinds holds ${JSON.stringify(l)}, not ranking or mse`);
  checkField(where, 'topK', config.topK, POSITIVE_INTEGER);
  checkField(where, 'epochs', config.epochs, POSITIVE_INTEGER);
  checkExecutorConfig(config.executor, `${where}: executor`);
  resolveRenasConfig(config.predictor);
  if (config.model !== undefined) {
    const spec = PREDICTORS.get(config.model, `${where}: model`);
    if (!spec.spaces.includes('nb101')) throw new RangeError(`${where}: model ${JSON.stringify(config.model)} does not support NAS-Bench-101 (it supports ${spec.spaces.join(', ')})`);
    if (config.wholeSpace && otherModel(config.model)) throw new RangeError(`${where}: the whole-space ranking uses the ReNAS predictor's weights; set wholeSpace: false with model ${JSON.stringify(config.model)}`);
  }
  for (const n of config.trainSizes) {
    checkSize(where, n, config, benchSize);
    checkField(where, `epochsBySize[${n}]`, epochsFor(config, n), POSITIVE_INTEGER);
    checkSeedList(`${where}: seedsBySize[${n}]`, seedsFor(config, n));
    if (lossKindsFor(config, n).length === 0) throw new RangeError(`${where}: lossKindsBySize[${n}] is empty`);
  }
  if (config.nb201) checkRenasNb201Config(config.nb201);
  const ab = config.ablation;
  if (ab) {
    const at = `${where}: ablation`;
    checkSize(at, ab.trainSize, config, benchSize);
    checkSeedList(`${at}.seeds`, ab.seeds);
    checkField(at, 'epochs', ab.epochs, POSITIVE_INTEGER);
    if (ab.lossKind !== 'ranking' && ab.lossKind !== 'mse') throw new RangeError(`${at}: lossKind ${JSON.stringify(ab.lossKind)} is not ranking or mse`);
    const names = new Set<string>();
    for (const v of ab.variants) {
      if (!v.name || names.has(v.name)) throw new RangeError(`${at}: variant names must be unique and non-empty, got ${JSON.stringify(v.name)}`);
      names.add(v.name);
      if (v.trainSize !== undefined) checkSize(`${at} variant ${JSON.stringify(v.name)}`, v.trainSize, config, benchSize);
      try {
        resolveRenasConfig(mergePredictor(config.predictor, v.predictor));
      } catch (err) {
        throw new RangeError(`${at} variant ${JSON.stringify(v.name)}: ${(err as Error).message}`);
      }
    }
  }
}
