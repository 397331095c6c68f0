import { checkField, POSITIVE_INTEGER } from '../core/checks.js';
/**
 * Training hyperparameters of the graph predictors, with the official
 * Siamese-NAS defaults (train_eval.py, neural_predictor.py, graph_conv.py):
 * hidden 64, batch 8 drawn with replacement from the training set, steps per
 * epoch = max(⌊N / 8⌋, 1), 200 epochs split 20 % / 50 % / 30 % at Adam learning
 * rates 1e-3 / 1e-3 / 1e-4 (a fresh Adam per phase, as each Keras re-compile
 * makes), then 3 epochs at 1e-4; no weight decay; Huber loss δ 0.5 on accuracy;
 * batch norm momentum 0.997, epsilon 1e-4. BTS adds architectures during the
 * 50 % phase.
 *
 * Left out on purpose: the official last 3 epochs keep the weights whose top-1
 * pick in a random tenth of the space has the best GROUND-TRUTH accuracy
 * (`BestSaver`), which looks at unseen results; here those 3 epochs just train.
 */

export interface TrainingPhase {
  readonly epochs: number;
  readonly learningRate: number;
}

/** The official schedule scaled to `totalEpochs` (Python int() truncation, as there). */
export function officialPhases(totalEpochs = 200): TrainingPhase[] {
  checkField('officialPhases', 'totalEpochs', totalEpochs, POSITIVE_INTEGER);
  return [
    { epochs: Math.trunc(totalEpochs * 0.2), learningRate: 1e-3 },
    { epochs: Math.trunc(totalEpochs * 0.5), learningRate: 1e-3 },
    { epochs: Math.trunc(totalEpochs * 0.3), learningRate: 1e-4 },
    { epochs: 3, learningRate: 1e-4 },
  ];
}

export interface GraphPredictorConfig {
  /** Width of every GCN group. */
  readonly hidden: number;
  readonly batchSize: number;
  /** Steps per epoch; `undefined` → max(⌊final training-set size / batchSize⌋, 1) as in the official code. */
  readonly stepsPerEpoch?: number;
  /** Phases in order; each starts a fresh Adam optimizer. */
  readonly phases: readonly TrainingPhase[];
  /**
   * Index into `phases` of the phase during which BTS grows the training set
   * (official: the 50 % phase, index 1); `undefined` → 1, or 0 with a single phase.
   */
  readonly growthPhase?: number;
  /** L2 penalty on kernels added to the loss (official: 0). */
  readonly weightDecay: number;
  readonly huberDelta: number;
  readonly bnMomentum: number;
  readonly bnEpsilon: number;
  /**
   * Targets are multiplied by this before training, and predictions divided by
   * it: the output is a sigmoid, so scaled targets must lie in [0, 1] (use 0.01
   * for accuracies in percent).
   */
  readonly targetScale: number;
  /** Siamese: how many of the coarse ranking the fine branch re-ranks by default. */
  readonly rerankTop: number;
  /** Siamese fusion: give the values their own GCN group (official: values = queries). */
  readonly separateFusionValue: boolean;
  /** Architectures per forward pass when predicting (memory only; results do not depend on it). */
  readonly predictBatch: number;
}

export const DEFAULT_GRAPH_PREDICTOR_CONFIG: GraphPredictorConfig = Object.freeze({
  hidden: 64,
  batchSize: 8,
  stepsPerEpoch: undefined,
  phases: Object.freeze(officialPhases(200)),
  growthPhase: undefined,
  weightDecay: 0,
  huberDelta: 0.5,
  bnMomentum: 0.997,
  bnEpsilon: 1e-4,
  targetScale: 1,
  rerankTop: 60,
  separateFusionValue: false,
  predictBatch: 2048,
});

/** Defaults overlaid with `overrides`, validated. */
export function resolveGraphPredictorConfig(
  overrides: Partial<GraphPredictorConfig> = {},
): GraphPredictorConfig & { readonly growthPhase: number } {
  const merged: GraphPredictorConfig = { ...DEFAULT_GRAPH_PREDICTOR_CONFIG, ...overrides };
  const config = { ...merged, growthPhase: merged.growthPhase ?? Math.min(1, merged.phases.length - 1) };
  const positiveInt = (name: keyof GraphPredictorConfig, v: unknown): void => {
    checkField('graph predictor config', name, v, POSITIVE_INTEGER);
  };
  positiveInt('hidden', config.hidden);
  positiveInt('batchSize', config.batchSize);
  positiveInt('predictBatch', config.predictBatch);
  positiveInt('rerankTop', config.rerankTop);
  if (config.stepsPerEpoch !== undefined) positiveInt('stepsPerEpoch', config.stepsPerEpoch);
  if (config.phases.length === 0) throw new RangeError('graph predictor config: phases is empty');
  config.phases.forEach((p, i) => {
    if (!Number.isInteger(p.epochs) || p.epochs < 0) {
      throw new RangeError(`graph predictor config: phases[${i}].epochs must be an integer ≥ 0, got ${p.epochs}`);
    }
    if (!(p.learningRate > 0)) {
      throw new RangeError(`graph predictor config: phases[${i}].learningRate must be > 0, got ${p.learningRate}`);
    }
  });
  if (!Number.isInteger(config.growthPhase) || config.growthPhase < 0 || config.growthPhase >= config.phases.length) {
    throw new RangeError(`graph predictor config: growthPhase ${config.growthPhase} is not an index into phases (0..${config.phases.length - 1})`);
  }
  const nonNegative = (name: keyof GraphPredictorConfig, v: number): void => {
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`graph predictor config: ${name} must be a finite number ≥ 0, got ${v}`);
  };
  nonNegative('weightDecay', config.weightDecay);
  if (!(config.huberDelta > 0)) throw new RangeError(`graph predictor config: huberDelta must be > 0, got ${config.huberDelta}`);
  if (!(config.bnMomentum >= 0 && config.bnMomentum < 1)) {
    throw new RangeError(`graph predictor config: bnMomentum must be in [0, 1), got ${config.bnMomentum}`);
  }
  if (!(config.bnEpsilon > 0)) throw new RangeError(`graph predictor config: bnEpsilon must be > 0, got ${config.bnEpsilon}`);
  if (!(config.targetScale > 0) || !Number.isFinite(config.targetScale)) {
    throw new RangeError(`graph predictor config: targetScale must be a finite number > 0, got ${config.targetScale}`);
  }
  return config;
}
