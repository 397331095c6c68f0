/**
 * The ReNAS predictor (Xu et al., CVPR 2021) and its MSE baseline: the same
 * CNN (renasNet.ts) on the 19x7x7 ReNAS tensor, trained either with the
 * pairwise logistic ("relativistic") loss or with mean squared error.
 *
 * Protocol (docs/PROTOCOLS.md §2): Adam lr 1e-3, no weight decay, 200 epochs, one
 * full batch at 424 samples; the official code keeps the epoch with the best
 * training Kendall τ (`keepBestTrainTau`).
 *
 * Choices made here, where the paper is silent:
 * - Batching: one full batch up to `fullBatchMax` (424, the paper's setting)
 *   samples; larger sets are reshuffled every epoch and split into
 *   ⌈N / miniBatchSize⌉ near-equal mini-batches (≤ 424 each). The pairwise
 *   loss is taken over the pairs inside each mini-batch (all pairs of 10,000
 *   would be a 10⁸-entry matrix).
 * - Tied targets: sign(0) = 0 makes a tied pair contribute the constant log 2
 *   (no gradient). `tiedPairs: 'constant'` (default) keeps the paper's formula
 *   literally, mean over all ordered pairs i ≠ j; `'exclude'` averages over
 *   untied pairs only, so the gradient scale does not shrink with the share of
 *   ties. With run-1 validation accuracies ties are rare and both agree closely.
 * - Training τ for `keepBestTrainTau` uses the scores of the training forward
 *   pass (batch statistics), which come for free, instead of an extra
 *   inference pass per epoch. Full batch: the kept weights are exactly those
 *   that produced the best τ. Mini-batches: τ over the epoch's scores (the
 *   weights move within the epoch) and the weights at the end of that epoch.
 * - MSE baseline: targets are standardised with the training mean and std
 *   (an affine change that leaves the ranking and the optimum unchanged, but
 *   spares the network learning an offset of ~0.9); `predict` maps the scores
 *   back to target units. The ranking loss is shift-invariant, its scores are
 *   only comparable with each other.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '../core/rng.js';
import type { BenchRecord, FitOptions, FitReport, Predictor, PredictorFactory, Rng } from '../core/types.js';
import {
  RENAS_CHANNELS,
  RENAS_FEATURES,
  RENAS_SIDE,
  RenasStandardizer,
  encodeRenasBatch,
  fitStandardizer,
} from '../encoders/renasTensor.js';
import { kendallTau } from '../metrics/kendallTau.js';
import type { Nb101Spec } from '../spaces/nb101.js';
import { RenasNet, type RenasNetSnapshot } from './renasNet.js';

export type RenasLossKind = 'ranking' | 'mse';
export type TiedPairs = 'constant' | 'exclude';

export interface RenasPredictorConfig {
  readonly lossKind: RenasLossKind;
  readonly epochs: number;
  readonly learningRate: number;
  /** Samples per step; `undefined` → the whole training set when it has ≤ `fullBatchMax` samples, else `miniBatchSize`. */
  readonly batchSize?: number;
  readonly fullBatchMax: number;
  readonly miniBatchSize: number;
  /** Keep the weights of the epoch with the best training Kendall τ (official code) instead of the last. */
  readonly keepBestTrainTau: boolean;
  readonly tiedPairs: TiedPairs;
  readonly bnMomentum: number;
  readonly bnEpsilon: number;
  /** MSE only: standardise targets with the training mean / std. */
  readonly standardizeTargets: boolean;
  /** Architectures per inference pass (memory only; results do not depend on it). */
  readonly predictBatch: number;
}

export const DEFAULT_RENAS_CONFIG: RenasPredictorConfig = Object.freeze({
  lossKind: 'ranking',
  epochs: 200,
  learningRate: 1e-3,
  batchSize: undefined,
  fullBatchMax: 424,
  miniBatchSize: 424,
  keepBestTrainTau: true,
  tiedPairs: 'constant',
  bnMomentum: 0.1,
  bnEpsilon: 1e-5,
  standardizeTargets: true,
  predictBatch: 4096,
});

export function resolveRenasConfig(overrides: Partial<RenasPredictorConfig> = {}): RenasPredictorConfig {
  const config = { ...DEFAULT_RENAS_CONFIG, ...stripUndefined(overrides) };
  const positiveInt = (name: keyof RenasPredictorConfig): void => {
    const v = config[name];
    if (!Number.isInteger(v) || (v as number) < 1) throw new RangeError(`ReNAS config: ${name} must be a positive integer, got ${String(v)}`);
  };
  if (config.lossKind !== 'ranking' && config.lossKind !== 'mse') {
    throw new RangeError(`ReNAS config: lossKind must be 'ranking' or 'mse', got ${JSON.stringify(config.lossKind)}`);
  }
  if (config.tiedPairs !== 'constant' && config.tiedPairs !== 'exclude') {
    throw new RangeError(`ReNAS config: tiedPairs must be 'constant' or 'exclude', got ${JSON.stringify(config.tiedPairs)}`);
  }
  positiveInt('epochs');
  positiveInt('fullBatchMax');
  positiveInt('miniBatchSize');
  positiveInt('predictBatch');
  if (config.batchSize !== undefined) positiveInt('batchSize');
  if (!(config.learningRate > 0)) throw new RangeError(`ReNAS config: learningRate must be > 0, got ${config.learningRate}`);
  if (!(config.bnMomentum > 0 && config.bnMomentum <= 1)) throw new RangeError(`ReNAS config: bnMomentum must be in (0, 1], got ${config.bnMomentum}`);
  if (!(config.bnEpsilon > 0)) throw new RangeError(`ReNAS config: bnEpsilon must be > 0, got ${config.bnEpsilon}`);
  return Object.freeze(config);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * How a training set of `n` is split per epoch (see `RenasPredictorConfig.batchSize`):
 * `steps` near-equal batches, the largest of `batchSize` samples; batch k is
 * positions [⌊k·n/steps⌋, ⌊(k+1)·n/steps⌋) of the epoch's order.
 */
export function renasBatching(config: RenasPredictorConfig, n: number): { batchSize: number; steps: number } {
  const cap = Math.min(n, config.batchSize ?? (n <= config.fullBatchMax ? n : config.miniBatchSize));
  const steps = Math.ceil(n / cap);
  return { batchSize: Math.ceil(n / steps), steps };
}

/**
 * Pair weights and signs of a batch: sign[i·B + j] = sign(y_i − y_j);
 * weight 1 for every ordered pair i ≠ j ('constant') or for untied pairs only
 * ('exclude'). Returned as plain arrays so tests can reuse them.
 */
export function pairMatrices(targets: ArrayLike<number>, tiedPairs: TiedPairs): { sign: Float32Array; weight: Float32Array; weightSum: number } {
  const b = targets.length;
  const sign = new Float32Array(b * b);
  const weight = new Float32Array(b * b);
  let weightSum = 0;
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < b; j++) {
      if (i === j) continue;
      const s = Math.sign(targets[i]! - targets[j]!);
      sign[i * b + j] = s;
      if (s !== 0 || tiedPairs === 'constant') {
        weight[i * b + j] = 1;
        weightSum++;
      }
    }
  }
  return { sign, weight, weightSum };
}

/**
 * The ReNAS pairwise logistic loss of scores f for targets y:
 * Σ_{i≠j} w_ij · log(1 + exp(−(f_i − f_j) · sign(y_i − y_j))) / Σ w_ij.
 * `sign` and `weight` come from `pairMatrices`. Returns 0 when no pair counts.
 */
export function pairwiseLogisticLoss(scores: tf.Tensor1D, sign: tf.Tensor2D, weight: tf.Tensor2D, weightSum: number): tf.Scalar {
  return tf.tidy(() => {
    if (weightSum === 0) return tf.scalar(0);
    const diff = tf.sub(tf.expandDims(scores, 1), tf.expandDims(scores, 0));
    // softplus(z) = log(1 + e^z), computed stably by tfjs.
    const perPair = tf.softplus(tf.neg(tf.mul(diff, sign)));
    return tf.div(tf.sum(tf.mul(perPair, weight)), weightSum) as tf.Scalar;
  });
}

/** Mean squared error between scores and targets. */
export function meanSquaredError(scores: tf.Tensor1D, targets: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(scores, targets))) as tf.Scalar);
}

/** A fitted predictor as plain data (see `RenasPredictor.exportState`). */
export interface RenasPredictorState {
  readonly seed: number;
  readonly config: RenasPredictorConfig;
  readonly standardizer: { readonly mean: Float32Array; readonly scale: Float32Array };
  readonly targetShift: number;
  readonly targetScale: number;
  /** Trainable variables then BN running statistics, in `RenasNet` order. */
  readonly variables: Float32Array[];
}

export interface RenasFitReport extends FitReport {
  /** Training Kendall τ per epoch (from the training forward pass). */
  readonly trainTauHistory: readonly number[];
  readonly batchSize: number;
  readonly stepsPerEpoch: number;
  readonly seconds: number;
}

/** Gathers rows `indices[from..to)` of a [N, 931] array into `out`. */
function gatherRows(source: Float32Array, indices: ArrayLike<number>, from: number, to: number, out: Float32Array): Float32Array {
  for (let k = from; k < to; k++) {
    const i = indices[k]!;
    out.set(source.subarray(i * RENAS_FEATURES, (i + 1) * RENAS_FEATURES), (k - from) * RENAS_FEATURES);
  }
  return out;
}

export class RenasPredictor implements Predictor<Nb101Spec> {
  readonly name: string;
  readonly requires = [] as const;
  readonly config: RenasPredictorConfig;
  /** Fitted on the training encodings by `fit`; part of the model (inputs are standardised with it). */
  standardizer: RenasStandardizer | undefined;
  /** MSE: training target mean / std used to map scores back to target units. */
  targetShift = 0;
  targetScale = 1;
  private net: RenasNet | undefined;
  private readonly rng: Rng;

  constructor(
    readonly seed: number,
    config: Partial<RenasPredictorConfig> = {},
  ) {
    this.config = resolveRenasConfig(config);
    this.name = this.config.lossKind === 'ranking' ? 'renas' : 'renas-mse';
    this.rng = createRng(`renas-predictor/${seed}`);
  }

  async fit(archs: readonly BenchRecord<Nb101Spec>[], targets: ArrayLike<number>, opts: FitOptions = {}): Promise<RenasFitReport> {
    if (archs.length !== targets.length) throw new RangeError(`ReNAS fit: ${archs.length} architectures but ${targets.length} targets`);
    const encoded = encodeRenasBatch(archs.map((r) => r.arch));
    return this.fitEncoded(encoded, targets, opts);
  }

  /** `fit` on already encoded (raw NCHW, [N, 19, 7, 7]) architectures. */
  async fitEncoded(encoded: Float32Array, targets: ArrayLike<number>, opts: FitOptions = {}): Promise<RenasFitReport> {
    const n = targets.length;
    if (n < 2) throw new RangeError(`ReNAS fit: need at least 2 training architectures, got ${n}`);
    if (encoded.length !== n * RENAS_FEATURES) {
      throw new RangeError(`ReNAS fit: ${encoded.length} floats for ${n} architectures (expected ${n * RENAS_FEATURES})`);
    }
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(targets[i]!)) throw new RangeError(`ReNAS fit: target ${i} is ${targets[i]}, expected a finite number`);
    }
    const started = performance.now();
    const config = this.config;
    this.disposeNet();
    this.standardizer = fitStandardizer(encoded, n);
    const inputs = this.standardizer.applyToNhwc(encoded, n);
    const y = Float64Array.from(targets);
    let trainTargets = Float32Array.from(y);
    if (config.lossKind === 'mse' && config.standardizeTargets) {
      const mean = y.reduce((a, b) => a + b, 0) / n;
      const std = Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
      this.targetShift = mean;
      this.targetScale = std > 0 ? std : 1;
      trainTargets = Float32Array.from(y, (v) => (v - this.targetShift) / this.targetScale);
    } else {
      this.targetShift = 0;
      this.targetScale = 1;
    }

    const net = new RenasNet(this.rng.fork('init'), { bnMomentum: config.bnMomentum, bnEpsilon: config.bnEpsilon });
    this.net = net;
    const optimizer = tf.train.adam(config.learningRate);
    const { batchSize, steps: stepsPerEpoch } = renasBatching(config, n);
    const shuffleRng = this.rng.fork('batches');
    const batchBuffer = new Float32Array(batchSize * RENAS_FEATURES);
    const fullBatch = stepsPerEpoch === 1;
    // A full batch is the same tensor every epoch: build it (and its pair matrices) once.
    const fixed = fullBatch ? this.batchTensors(inputs, trainTargets, n) : undefined;

    const lossHistory: number[] = [];
    const trainTauHistory: number[] = [];
    let best: { tau: number; epoch: number; snapshot: RenasNetSnapshot } | undefined;
    const epochScores = new Float32Array(n);
    const epochTargets = new Float64Array(n);
    try {
      for (let epoch = 0; epoch < config.epochs; epoch++) {
        const order = fullBatch ? undefined : Int32Array.from(shuffleRng.shuffle(Array.from({ length: n }, (_, i) => i)));
        let lossSum = 0;
        for (let step = 0; step < stepsPerEpoch; step++) {
          const from = Math.floor((step * n) / stepsPerEpoch);
          const to = Math.floor(((step + 1) * n) / stepsPerEpoch);
          const batch =
            fixed ?? this.batchTensors(gatherRows(inputs, order!, from, to, batchBuffer), Float32Array.from({ length: to - from }, (_, k) => trainTargets[order![k + from]!]!), to - from);
          const lastStepOfEpoch = step === stepsPerEpoch - 1;
          const { loss, scores, grads } = this.gradients(net, batch);
          lossSum += loss * (to - from);
          for (let k = from; k < to; k++) {
            const i = order ? order[k]! : k;
            epochScores[k] = scores[k - from]!;
            epochTargets[k] = y[i]!;
          }
          // Full batch: these scores came from the weights BEFORE this update, so that is the snapshot to keep.
          if (config.keepBestTrainTau && fullBatch) {
            best = this.considerSnapshot(best, epochScores, epochTargets, epoch, net, trainTauHistory);
          }
          net.commitBatchStats();
          // variableGrads keys gradients by variable name, which is what Adam's slot lookup uses.
          optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
          tf.dispose(grads);
          if (!fixed) tf.dispose([batch.x, batch.targets, batch.sign, batch.weight]);
          if (config.keepBestTrainTau && !fullBatch && lastStepOfEpoch) {
            best = this.considerSnapshot(best, epochScores, epochTargets, epoch, net, trainTauHistory);
          }
        }
        if (!config.keepBestTrainTau) trainTauHistory.push(tauOrZero(epochScores, epochTargets));
        const epochLoss = lossSum / n;
        lossHistory.push(epochLoss);
        opts.onEpoch?.(epoch, epochLoss);
        // Let a notebook redraw / a worker answer between epochs.
        if (epoch % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      if (fixed) tf.dispose([fixed.x, fixed.targets, fixed.sign, fixed.weight]);
      optimizer.dispose();
    }
    if (best) net.restore(best.snapshot);
    return {
      epochs: config.epochs,
      lossHistory,
      keptEpoch: best ? best.epoch : config.epochs - 1,
      trainTauHistory,
      batchSize,
      stepsPerEpoch,
      seconds: (performance.now() - started) / 1000,
    };
  }

  private considerSnapshot(
    best: { tau: number; epoch: number; snapshot: RenasNetSnapshot } | undefined,
    scores: Float32Array,
    targets: Float64Array,
    epoch: number,
    net: RenasNet,
    history: number[],
  ): { tau: number; epoch: number; snapshot: RenasNetSnapshot } | undefined {
    const tau = tauOrZero(scores, targets);
    history.push(tau);
    if (best !== undefined && !(tau > best.tau)) return best;
    return { tau, epoch, snapshot: net.snapshot() };
  }

  private batchTensors(nhwc: Float32Array, targets: Float32Array, count: number) {
    return tf.tidy(() => {
      const x = tf.tensor4d(nhwc.subarray(0, count * RENAS_FEATURES), [count, RENAS_SIDE, RENAS_SIDE, RENAS_CHANNELS]);
      const t = tf.tensor1d(targets.subarray(0, count));
      if (this.config.lossKind === 'mse') {
        return { x, targets: t, sign: tf.zeros([1, 1]) as tf.Tensor2D, weight: tf.zeros([1, 1]) as tf.Tensor2D, weightSum: 0 };
      }
      const pairs = pairMatrices(targets.subarray(0, count), this.config.tiedPairs);
      return {
        x,
        targets: t,
        sign: tf.tensor2d(pairs.sign, [count, count]),
        weight: tf.tensor2d(pairs.weight, [count, count]),
        weightSum: pairs.weightSum,
      };
    });
  }

  private gradients(
    net: RenasNet,
    batch: { x: tf.Tensor4D; targets: tf.Tensor1D; sign: tf.Tensor2D; weight: tf.Tensor2D; weightSum: number },
  ): { loss: number; scores: Float32Array; grads: tf.NamedTensorMap } {
    let scoresTensor: tf.Tensor1D | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const scores = net.forwardTrain(batch.x);
      scoresTensor = tf.keep(scores);
      return this.config.lossKind === 'ranking'
        ? pairwiseLogisticLoss(scores, batch.sign, batch.weight, batch.weightSum)
        : meanSquaredError(scores, batch.targets);
    }, net.trainable);
    const loss = value.dataSync()[0]!;
    const scores = scoresTensor!.dataSync() as Float32Array;
    tf.dispose([value, scoresTensor!]);
    if (!Number.isFinite(loss)) {
      tf.dispose(grads);
      net.discardBatchStats();
      throw new Error(`ReNAS fit: the ${this.config.lossKind} loss became ${loss}; lower the learning rate or check the targets`);
    }
    return { loss, scores, grads };
  }

  async predict(archs: readonly BenchRecord<Nb101Spec>[]): Promise<Float32Array> {
    const out = new Float32Array(archs.length);
    const chunk = this.config.predictBatch;
    const buffer = new Float32Array(Math.min(chunk, archs.length) * RENAS_FEATURES);
    for (let start = 0; start < archs.length; start += chunk) {
      const end = Math.min(archs.length, start + chunk);
      const count = end - start;
      encodeRenasBatch(
        archs.slice(start, end).map((r) => r.arch),
        buffer.subarray(0, count * RENAS_FEATURES),
      );
      out.set(this.predictEncoded(buffer.subarray(0, count * RENAS_FEATURES), count), start);
      if (end < archs.length) await new Promise((resolve) => setImmediate(resolve));
    }
    return out;
  }

  /**
   * Scores of `count` raw NCHW encodings (`encodeRenasBatch` output), in one
   * inference pass: the streaming path for ranking the whole space. Higher
   * is better; MSE scores are in target units.
   */
  predictEncoded(encoded: Float32Array, count: number, nhwcScratch?: Float32Array): Float32Array {
    const net = this.net;
    const standardizer = this.standardizer;
    if (!net || !standardizer) throw new Error(`${this.name}: predict called before fit`);
    if (encoded.length < count * RENAS_FEATURES) {
      throw new RangeError(`${this.name}: ${encoded.length} floats cannot hold ${count} encoded architectures`);
    }
    if (count === 0) return new Float32Array(0);
    const nhwc = standardizer.applyToNhwc(encoded, count, nhwcScratch && nhwcScratch.length >= count * RENAS_FEATURES ? nhwcScratch : undefined);
    const scores = tf.tidy(() => net.forwardInfer(tf.tensor4d(nhwc.subarray(0, count * RENAS_FEATURES), [count, RENAS_SIDE, RENAS_SIDE, RENAS_CHANNELS])));
    const values = scores.dataSync() as Float32Array;
    scores.dispose();
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = values[i]! * this.targetScale + this.targetShift;
    return out;
  }

  /** Trainable parameters of the network (0 before `fit`). */
  get numParams(): number {
    return this.net?.numParams ?? 0;
  }

  /**
   * Everything a fitted predictor needs to predict: weights, BN running
   * statistics, input standardiser, target scaling. Plain typed arrays, so it
   * can cross to another thread (postMessage) or be saved.
   */
  exportState(): RenasPredictorState {
    if (!this.net || !this.standardizer) throw new Error(`${this.name}: exportState called before fit`);
    return {
      seed: this.seed,
      config: { ...this.config },
      standardizer: { mean: this.standardizer.mean.slice(), scale: this.standardizer.scale.slice() },
      targetShift: this.targetShift,
      targetScale: this.targetScale,
      variables: this.net.snapshot(),
    };
  }

  /** A fitted predictor rebuilt from `exportState()` (in any thread). */
  static fromState(state: RenasPredictorState): RenasPredictor {
    const predictor = new RenasPredictor(state.seed, state.config);
    const net = new RenasNet(predictor.rng.fork('init'), { bnMomentum: predictor.config.bnMomentum, bnEpsilon: predictor.config.bnEpsilon });
    try {
      net.restore(state.variables);
    } catch (err) {
      net.dispose();
      throw err;
    }
    predictor.net = net;
    predictor.standardizer = new RenasStandardizer(Float32Array.from(state.standardizer.mean), Float32Array.from(state.standardizer.scale));
    predictor.targetShift = state.targetShift;
    predictor.targetScale = state.targetScale;
    return predictor;
  }

  private disposeNet(): void {
    this.net?.dispose();
    this.net = undefined;
  }

  dispose(): void {
    this.disposeNet();
  }
}

/** Kendall τ, or 0 where it is undefined (constant scores early in training). */
function tauOrZero(scores: ArrayLike<number>, targets: ArrayLike<number>): number {
  const tau = kendallTau(scores, targets);
  return Number.isNaN(tau) ? 0 : tau;
}

export function createRenasPredictor(seed: number, config: Partial<RenasPredictorConfig> = {}): RenasPredictor {
  return new RenasPredictor(seed, config);
}

/** A `PredictorFactory` for searchers and runners. */
export function renasPredictorFactory(config: Partial<RenasPredictorConfig> = {}): PredictorFactory<Nb101Spec> {
  const resolved = resolveRenasConfig(config);
  return (seed) => new RenasPredictor(seed, resolved);
}
