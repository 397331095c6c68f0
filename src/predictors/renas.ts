/**
 * The ReNAS predictor (Xu et al., CVPR 2021) and its MSE baseline: the same
 * CNN (renasNet.ts) on a ReNAS tensor (NAS-Bench-101's 19x7x7 by default,
 * NAS-Bench-201's 31x4x4 with `nb201RenasTensor`), trained either with the
 * pairwise logistic ("relativistic") loss or with mean squared error.
 *
 * The defaults are the official code (`renas.py`, docs/PROTOCOLS.md §7):
 * Adam lr 1e-3, no weight decay, 200 epochs, batch 1,024 (a PyTorch
 * DataLoader with shuffling: full batches, then the rest), conv2 with padding
 * 1, `optimizer.step()` also at the top of every epoch (re-applying the
 * previous epoch's last gradient: 399 updates in 200 full-batch epochs), and
 * the weights at the end of the epoch with the best mean training τ over its
 * batches. Each place where this project used to differ is a switch, in the
 * config and so in every run's cache key, measured in notebook 01:
 * - `conv2Padding: 'valid'` (3,200-wide flatten, 444,975 parameters);
 * - `repeatLastStep: false` (one update per batch);
 * - `batchSplit: 'near-equal'` (⌈N / batchSize⌉ batches of near-equal size
 *   instead of full ones and a remainder) and any `batchSize`;
 * - `keptWeights: 'scored'` (the weights that produced the best training τ,
 *   i.e. before that step at full batch, with τ over the epoch's scores)
 *   instead of the weights at the end of that epoch;
 * - the encoding (`encoding`: orientation and FLOPs convention), where the
 *   official choice is unknown and the default is the public encoder.
 *
 * Other choices, where the paper and the code are silent or odd:
 * - Tied targets: sign(0) = 0 makes a tied pair contribute the constant log 2
 *   (no gradient). `tiedPairs: 'constant'` (default, as the official code)
 *   keeps the mean over all ordered pairs i ≠ j; `'exclude'` averages over
 *   untied pairs only. A batch with no pair (one sample) has loss 0 (the
 *   official code divides 0 by 0 there).
 * - Training τ uses the scores of the training forward pass (batch
 *   statistics), as the official code does.
 * - MSE baseline: targets are standardised with the training mean and std
 *   (the official code min-max scales them; both are affine, so the ranking
 *   and the optimum are unchanged); `predict` maps the scores back to target
 *   units. The ranking loss is shift-invariant, its scores are only
 *   comparable with each other.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '../core/rng.js';
import type { BenchRecord, FitHook, FitOptions, FitReport, Predictor, Rng } from '../core/types.js';
import { checkField, checkOneOf, POSITIVE_INTEGER } from '../core/checks.js';
import {
  DEFAULT_RENAS_ENCODING,
  RenasStandardizer,
  encodeRenasArchs,
  fitStandardizer,
  nb101RenasTensor,
  renasFeatures,
  type RenasEncodingOptions,
  type RenasTensor,
  type RenasTensorShape,
} from '../encoders/renasTensor.js';
import { kendallTau } from '../metrics/kendallTau.js';
import type { Nb101Spec } from '../spaces/nb101.js';
import { FitHooks } from './fitHooks.js';
import { RenasNet, type RenasConv2Padding, type RenasNetSnapshot } from './renasNet.js';

export type RenasLossKind = 'ranking' | 'mse';
export type TiedPairs = 'constant' | 'exclude';
/** How an epoch's shuffled training set is cut into batches (see `renasBatching`). */
export type RenasBatchSplit = 'dataloader' | 'near-equal';
/** Which weights `keepBestTrainTau` keeps (see the file header). */
export type RenasKeptWeights = 'epoch-end' | 'scored';

export interface RenasPredictorConfig {
  readonly lossKind: RenasLossKind;
  readonly epochs: number;
  readonly learningRate: number;
  /** Samples per step at most (official 1,024: one full batch up to 1,024 cells). */
  readonly batchSize: number;
  readonly batchSplit: RenasBatchSplit;
  /** Official quirk: `optimizer.step()` at the top of every epoch re-applies the previous epoch's last gradient. */
  readonly repeatLastStep: boolean;
  readonly conv2Padding: RenasConv2Padding;
  /** Keep the weights of the epoch with the best training Kendall τ (official code) instead of the last. */
  readonly keepBestTrainTau: boolean;
  readonly keptWeights: RenasKeptWeights;
  readonly encoding: RenasEncodingOptions;
  readonly tiedPairs: TiedPairs;
  readonly bnMomentum: number;
  readonly bnEpsilon: number;
  /** MSE only: standardise targets with the training mean / std. */
  readonly standardizeTargets: boolean;
  /** Architectures per inference pass (memory only; results do not depend on it). */
  readonly predictBatch: number;
}

/** What a caller may override: every field, the encoding field by field. */
export type RenasPredictorOverrides = Partial<Omit<RenasPredictorConfig, 'encoding'>> & { readonly encoding?: Partial<RenasEncodingOptions> };

export const DEFAULT_RENAS_CONFIG: RenasPredictorConfig = Object.freeze({
  lossKind: 'ranking',
  epochs: 200,
  learningRate: 1e-3,
  batchSize: 1024,
  batchSplit: 'dataloader',
  repeatLastStep: true,
  conv2Padding: 'same',
  keepBestTrainTau: true,
  keptWeights: 'epoch-end',
  encoding: DEFAULT_RENAS_ENCODING,
  tiedPairs: 'constant',
  bnMomentum: 0.1,
  bnEpsilon: 1e-5,
  standardizeTargets: true,
  predictBatch: 4096,
});

const KNOWN_FIELDS = new Set(Object.keys(DEFAULT_RENAS_CONFIG));

export function resolveRenasConfig(overrides: RenasPredictorOverrides = {}): RenasPredictorConfig {
  const where = 'ReNAS config';
  for (const field of Object.keys(overrides)) {
    if (!KNOWN_FIELDS.has(field)) throw new RangeError(`${where}: unknown field ${JSON.stringify(field)}; the fields are ${[...KNOWN_FIELDS].join(', ')}`);
  }
  const given = stripUndefined(overrides);
  const config: RenasPredictorConfig = {
    ...DEFAULT_RENAS_CONFIG,
    ...given,
    encoding: { ...DEFAULT_RENAS_ENCODING, ...stripUndefined(overrides.encoding ?? {}) },
  };
  checkOneOf(where, 'lossKind', config.lossKind, ['ranking', 'mse']);
  checkOneOf(where, 'tiedPairs', config.tiedPairs, ['constant', 'exclude']);
  checkOneOf(where, 'batchSplit', config.batchSplit, ['dataloader', 'near-equal']);
  checkOneOf(where, 'conv2Padding', config.conv2Padding, ['same', 'valid']);
  checkOneOf(where, 'keptWeights', config.keptWeights, ['epoch-end', 'scored']);
  checkOneOf(where, 'encoding.orientation', config.encoding.orientation, ['destination', 'source']);
  for (const field of ['repeatLastStep', 'keepBestTrainTau', 'standardizeTargets'] as const) {
    if (typeof config[field] !== 'boolean') throw new RangeError(`${where}: ${field} must be true or false, got ${JSON.stringify(config[field])}`);
  }
  if (typeof config.encoding.poolAndAddFlops !== 'boolean') {
    throw new RangeError(`${where}: encoding.poolAndAddFlops must be true or false, got ${JSON.stringify(config.encoding.poolAndAddFlops)}`);
  }
  for (const field of ['epochs', 'batchSize', 'predictBatch'] as const) checkField(where, field, config[field], POSITIVE_INTEGER);
  if (!(config.learningRate > 0)) throw new RangeError(`${where}: learningRate must be > 0, got ${config.learningRate}`);
  checkField(where, 'bnMomentum', config.bnMomentum, { min: Number.MIN_VALUE, max: 1 });
  checkField(where, 'bnEpsilon', config.bnEpsilon, { min: Number.MIN_VALUE });
  return Object.freeze({ ...config, encoding: Object.freeze({ ...config.encoding }) });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * How a training set of `n` is cut per epoch: the bounds of each batch in the
 * epoch's (shuffled) order. 'dataloader' (PyTorch `DataLoader`, drop_last
 * false, as the official code): batches of `batchSize`, then the remainder
 * (4,236 at 1,024: 1,024 × 4 + 140); 'near-equal': ⌈n / batchSize⌉ batches of
 * ⌊k·n/steps⌋ … ⌊(k+1)·n/steps⌋.
 */
export function renasBatching(config: Pick<RenasPredictorConfig, 'batchSize' | 'batchSplit'>, n: number): { batchSize: number; steps: number; bounds: Int32Array } {
  const cap = Math.min(n, config.batchSize);
  const steps = Math.ceil(n / cap);
  const bounds = new Int32Array(steps + 1);
  for (let k = 0; k <= steps; k++) bounds[k] = config.batchSplit === 'dataloader' ? Math.min(n, k * cap) : Math.floor((k * n) / steps);
  let largest = 0;
  for (let k = 0; k < steps; k++) largest = Math.max(largest, bounds[k + 1]! - bounds[k]!);
  return { batchSize: largest, steps, bounds };
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
  /** The tensor the net was fitted on (`RenasTensor.name` and shape; absent in states written before NAS-Bench-201: nb101). */
  readonly tensor?: { readonly name: string; readonly shape: RenasTensorShape };
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
  /** Adam updates applied (with `repeatLastStep`, one more per epoch after the first). */
  readonly updates: number;
  readonly seconds: number;
}

/** Gathers rows `indices[from..to)` of a [N, features] array into `out`. */
function gatherRows(source: Float32Array, features: number, indices: ArrayLike<number>, from: number, to: number, out: Float32Array): Float32Array {
  for (let k = from; k < to; k++) {
    const i = indices[k]!;
    out.set(source.subarray(i * features, (i + 1) * features), (k - from) * features);
  }
  return out;
}

/**
 * The ReNAS predictor on the tensor of one search space: NAS-Bench-101's
 * 19x7x7 (`config.encoding` picks its encoder's switches) unless another
 * `RenasTensor` is given, e.g. `nb201RenasTensor(dataset)`.
 */
export class RenasPredictor<A = Nb101Spec> implements Predictor<A> {
  readonly name: string;
  readonly requires = [] as const;
  readonly config: RenasPredictorConfig;
  /** Fitted on the training encodings by `fit`; part of the model (inputs are standardised with it). */
  standardizer: RenasStandardizer | undefined;
  /** MSE: training target mean / std used to map scores back to target units. */
  targetShift = 0;
  targetScale = 1;
  readonly tensor: RenasTensor<A>;
  /** Floats per encoded architecture of `tensor`. */
  readonly features: number;
  private net: RenasNet | undefined;
  private readonly rng: Rng;
  private readonly hooks = new FitHooks<A>();

  constructor(
    readonly seed: number,
    config: RenasPredictorOverrides = {},
    tensor?: RenasTensor<A>,
  ) {
    this.config = resolveRenasConfig(config);
    if (tensor && tensor.name !== 'nb101' && JSON.stringify(this.config.encoding) !== JSON.stringify(DEFAULT_RENAS_ENCODING)) {
      throw new RangeError(
        `ReNAS config: encoding ${JSON.stringify(this.config.encoding)} switches the NAS-Bench-101 encoder and has no meaning for the ${tensor.name} tensor; leave it at the default`,
      );
    }
    this.tensor = tensor ?? (nb101RenasTensor(this.config.encoding) as unknown as RenasTensor<A>);
    this.features = renasFeatures(this.tensor.shape);
    this.name = this.config.lossKind === 'ranking' ? 'renas' : 'renas-mse';
    this.rng = createRng(`renas-predictor/${seed}`);
  }

  async fit(archs: readonly BenchRecord<A>[], targets: ArrayLike<number>, opts: FitOptions = {}): Promise<RenasFitReport> {
    if (archs.length !== targets.length) throw new RangeError(`ReNAS fit: ${archs.length} architectures but ${targets.length} targets`);
    const encoded = encodeRenasArchs(this.tensor, archs.map((r) => r.arch));
    return this.hooks.after(this, await this.fitEncoded(encoded, targets, opts));
  }

  onFitted(hook: FitHook<A>): void {
    this.hooks.add(hook);
  }

  /** `fit` on already encoded (raw NCHW, e.g. [N, 19, 7, 7]) architectures. */
  async fitEncoded(encoded: Float32Array, targets: ArrayLike<number>, opts: FitOptions = {}): Promise<RenasFitReport> {
    const n = targets.length;
    const features = this.features;
    if (n < 2) throw new RangeError(`ReNAS fit: need at least 2 training architectures, got ${n}`);
    if (encoded.length !== n * features) {
      throw new RangeError(`ReNAS fit: ${encoded.length} floats for ${n} architectures (expected ${n * features} of the ${this.tensor.name} tensor)`);
    }
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(targets[i]!)) throw new RangeError(`ReNAS fit: target ${i} is ${targets[i]}, expected a finite number`);
    }
    const started = performance.now();
    const config = this.config;
    this.disposeNet();
    this.standardizer = fitStandardizer(encoded, n, this.tensor.shape);
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

    const net = this.newNet();
    this.net = net;
    const optimizer = tf.train.adam(config.learningRate);
    const { batchSize, steps: stepsPerEpoch, bounds } = renasBatching(config, n);
    const shuffleRng = this.rng.fork('batches');
    const batchBuffer = new Float32Array(batchSize * features);
    const fullBatch = stepsPerEpoch === 1;
    // A full batch is the same tensor every epoch: build it (and its pair matrices) once.
    const fixed = fullBatch ? this.batchTensors(inputs, trainTargets, n) : undefined;
    const atEpochEnd = config.keptWeights === 'epoch-end';

    const lossHistory: number[] = [];
    const trainTauHistory: number[] = [];
    // Official: best τ starts at 0 with the initial weights, so they stay when no epoch beats 0.
    let best: { tau: number; epoch: number; snapshot: RenasNetSnapshot } | undefined =
      config.keepBestTrainTau && atEpochEnd ? { tau: 0, epoch: -1, snapshot: net.snapshot() } : undefined;
    const epochScores = new Float32Array(n);
    const epochTargets = new Float64Array(n);
    // The previous epoch's last gradient, re-applied at the top of the next epoch (`repeatLastStep`).
    let lastGrads: tf.NamedTensorMap | undefined;
    let updates = 0;
    // variableGrads keys gradients by variable name, which is what Adam's slot lookup uses.
    const apply = (grads: tf.NamedTensorMap): void => {
      optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
      updates++;
    };
    try {
      for (let epoch = 0; epoch < config.epochs; epoch++) {
        if (config.repeatLastStep && lastGrads) apply(lastGrads);
        const order = fullBatch ? undefined : Int32Array.from(shuffleRng.shuffle(Array.from({ length: n }, (_, i) => i)));
        let lossSum = 0;
        let batchTauSum = 0;
        for (let step = 0; step < stepsPerEpoch; step++) {
          const from = bounds[step]!;
          const to = bounds[step + 1]!;
          const batch =
            fixed ?? this.batchTensors(gatherRows(inputs, features, order!, from, to, batchBuffer), Float32Array.from({ length: to - from }, (_, k) => trainTargets[order![k + from]!]!), to - from);
          const { loss, scores, grads } = this.gradients(net, batch);
          lossSum += loss * (to - from);
          for (let k = from; k < to; k++) {
            const i = order ? order[k]! : k;
            epochScores[k] = scores[k - from]!;
            epochTargets[k] = y[i]!;
          }
          if (atEpochEnd) batchTauSum += tauOrZero(epochScores.subarray(from, to), epochTargets.subarray(from, to));
          // 'scored', full batch: these scores came from the weights BEFORE this update, so that is the snapshot to keep.
          if (config.keepBestTrainTau && !atEpochEnd && fullBatch) best = this.considerSnapshot(best, tauOrZero(epochScores, epochTargets), epoch, net);
          net.commitBatchStats();
          apply(grads);
          if (lastGrads) tf.dispose(lastGrads);
          lastGrads = grads;
          if (!fixed) tf.dispose([batch.x, batch.targets, batch.sign, batch.weight]);
        }
        // Official: the mean τ of the epoch's batches, and the weights after its last step.
        const epochTau = atEpochEnd ? batchTauSum / stepsPerEpoch : tauOrZero(epochScores, epochTargets);
        trainTauHistory.push(epochTau);
        if (config.keepBestTrainTau && (atEpochEnd || !fullBatch)) best = this.considerSnapshot(best, epochTau, epoch, net);
        const epochLoss = lossSum / n;
        lossHistory.push(epochLoss);
        opts.onEpoch?.(epoch, epochLoss);
        // Let a notebook redraw / a worker answer between epochs.
        if (epoch % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      if (lastGrads) tf.dispose(lastGrads);
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
      updates,
      seconds: (performance.now() - started) / 1000,
    };
  }

  /** The better of `best` and the net's current weights at `tau` (strictly better replaces, as the official code). */
  private considerSnapshot(
    best: { tau: number; epoch: number; snapshot: RenasNetSnapshot } | undefined,
    tau: number,
    epoch: number,
    net: RenasNet,
  ): { tau: number; epoch: number; snapshot: RenasNetSnapshot } {
    if (best !== undefined && !(tau > best.tau)) return best;
    return { tau, epoch, snapshot: net.snapshot() };
  }

  private batchTensors(nhwc: Float32Array, targets: Float32Array, count: number) {
    return tf.tidy(() => {
      const x = this.inputTensor(nhwc, count);
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

  async predict(archs: readonly BenchRecord<A>[]): Promise<Float32Array> {
    const out = new Float32Array(archs.length);
    const chunk = this.config.predictBatch;
    const features = this.features;
    const buffer = new Float32Array(Math.min(chunk, archs.length) * features);
    for (let start = 0; start < archs.length; start += chunk) {
      const end = Math.min(archs.length, start + chunk);
      const count = end - start;
      encodeRenasArchs(
        this.tensor,
        archs.slice(start, end).map((r) => r.arch),
        buffer.subarray(0, count * features),
      );
      out.set(this.predictEncoded(buffer.subarray(0, count * features), count), start);
      if (end < archs.length) await new Promise((resolve) => setImmediate(resolve));
    }
    return out;
  }

  /**
   * Scores of `count` raw NCHW encodings (`encodeRenasArchs` output), in one
   * inference pass: the streaming path for ranking the whole space. Higher
   * is better; MSE scores are in target units.
   */
  predictEncoded(encoded: Float32Array, count: number, nhwcScratch?: Float32Array): Float32Array {
    const net = this.net;
    const standardizer = this.standardizer;
    if (!net || !standardizer) throw new Error(`${this.name}: predict called before fit`);
    const features = this.features;
    if (encoded.length < count * features) {
      throw new RangeError(`${this.name}: ${encoded.length} floats cannot hold ${count} encoded architectures of the ${this.tensor.name} tensor`);
    }
    if (count === 0) return new Float32Array(0);
    const nhwc = standardizer.applyToNhwc(encoded, count, nhwcScratch && nhwcScratch.length >= count * features ? nhwcScratch : undefined);
    const scores = tf.tidy(() => net.forwardInfer(this.inputTensor(nhwc, count)));
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
      tensor: { name: this.tensor.name, shape: { ...this.tensor.shape } },
      standardizer: { mean: this.standardizer.mean.slice(), scale: this.standardizer.scale.slice() },
      targetShift: this.targetShift,
      targetScale: this.targetScale,
      variables: this.net.snapshot(),
    };
  }

  /**
   * A fitted predictor rebuilt from `exportState()` (in any thread). A state
   * fitted on another tensor than NAS-Bench-101's needs that tensor again
   * (`tensor`, checked by name and shape).
   */
  static fromState<A = Nb101Spec>(state: RenasPredictorState, tensor?: RenasTensor<A>): RenasPredictor<A> {
    const fitted = state.tensor ?? { name: 'nb101', shape: nb101RenasTensor().shape };
    if (!tensor && fitted.name !== 'nb101') throw new Error(`RenasPredictor.fromState: the state was fitted on the ${fitted.name} tensor; pass that tensor`);
    if (tensor && (tensor.name !== fitted.name || JSON.stringify(tensor.shape) !== JSON.stringify(fitted.shape))) {
      throw new Error(`RenasPredictor.fromState: the state was fitted on the ${fitted.name} tensor ${JSON.stringify(fitted.shape)}, not ${tensor.name} ${JSON.stringify(tensor.shape)}`);
    }
    const predictor = new RenasPredictor<A>(state.seed, state.config, tensor);
    const net = predictor.newNet();
    try {
      net.restore(state.variables);
    } catch (err) {
      net.dispose();
      throw err;
    }
    predictor.net = net;
    predictor.standardizer = new RenasStandardizer(Float32Array.from(state.standardizer.mean), Float32Array.from(state.standardizer.scale), predictor.tensor.shape);
    predictor.targetShift = state.targetShift;
    predictor.targetScale = state.targetScale;
    return predictor;
  }

  /** A fresh network for this predictor's tensor (initialised from the predictor's seed). */
  private newNet(): RenasNet {
    const { bnMomentum, bnEpsilon, conv2Padding } = this.config;
    return new RenasNet(this.rng.fork('init'), { bnMomentum, bnEpsilon, conv2Padding, input: this.tensor.shape });
  }

  /** NHWC input tensor [count, side, side, channels] of the first `count` rows of `nhwc`. */
  private inputTensor(nhwc: Float32Array, count: number): tf.Tensor4D {
    const { channels, side } = this.tensor.shape;
    return tf.tensor4d(nhwc.subarray(0, count * this.features), [count, side, side, channels]);
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
