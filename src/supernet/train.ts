/**
 * Supernet training with a path sampler (SPOS / FairNAS style).
 *
 * One step = one parameter update: take a mini-batch (seeded crop + flip
 * augmentation, normalisation), ask the sampler for its paths, compute each
 * path's cross-entropy gradient w.r.t. ALL supernet variables on that same
 * batch, accumulate, and apply ONE optimizer update. The budget is the number
 * of updates, identical across samplers; forward/backward passes are counted
 * separately (1 per update for uniform, k for EF-k, 5 for strict fairness).
 *
 * Optimizer defaults follow NAS-Bench-201's weight-sharing (SPOS/DARTS)
 * setting: SGD, momentum 0.9, Nesterov, cosine LR 0.025 → 0.001, weight decay
 * 5e-4, gradient-norm clipping at 5. Gradients of the paths are SUMMED by
 * default, as FairNAS does (one `backward()` per path into the same `.grad`);
 * `gradReduce: 'mean'` averages instead.
 *
 * Every variable receives a gradient at every update, zeros for ops no path
 * used: tfjs optimizers keep slot variables by position in the gradient list.
 * This matches PyTorch < 2.0 `zero_grad()` (zeros, not None), which the SPOS
 * and FairNAS code used: unused ops still get momentum and weight decay.
 */
import { checkField, COUNT, POSITIVE_INTEGER } from '../core/checks.js';
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { configKey } from '../core/configKey.js';
import { moveAsideDamaged } from '../core/damagedFile.js';
import { nb201ToString, type Nb201Arch } from '../spaces/nb201.js';
import { Nb201Supernet, type SupernetConfig } from './nb201Supernet.js';
import { createSampler, type Sampler, type SamplerSpec } from './samplers.js';
import { FusedSgd, fusedSgdAvailable } from './sgd.js';
import { createRng, restoreRng } from '../core/rng.js';
import type { Rng } from '../core/types.js';
import { EpochBatchStream, checkImageSet, makeBatch, type ImageSet, type Normalization, NB201_CIFAR10_NORMALIZATION } from './imageBatches.js';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  decodeFloats,
  encodeFloats,
  CheckpointFormatError,
  readCheckpoint,
  writeCheckpoint,
  type StoredTensor,
  type SupernetCheckpoint,
} from './checkpoint.js';

export interface SgdConfig {
  /** Peak learning rate (cosine schedule from here down to `lrMin` over all updates). */
  readonly lr: number;
  readonly lrMin: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  /** L2 coefficient added to every variable's gradient (PyTorch SGD `weight_decay`). */
  readonly weightDecay: number;
  /** Clip the accumulated gradient's global norm to this (null: no clipping). */
  readonly gradClipNorm: number | null;
}

export interface SupernetTrainConfig {
  readonly supernet: Omit<SupernetConfig, 'seed'>;
  readonly sampler: SamplerSpec;
  /** Budget: number of parameter updates. */
  readonly updates: number;
  readonly batchSize: number;
  readonly optimizer: SgdConfig;
  /** How the paths' gradients of one update are combined. */
  readonly gradReduce: 'sum' | 'mean';
  /** Random crop with `cropPadding` zero pixels + horizontal flip. */
  readonly augment: boolean;
  readonly cropPadding: number;
  readonly normalization: Normalization;
  /** Seeds weights, sampler, batch order and augmentation (each from its own derived stream). */
  readonly seed: number;
  /** Write a checkpoint every this many updates (0: only at the end of `run`). */
  readonly checkpointEvery: number;
}

export const DEFAULT_SGD: SgdConfig = Object.freeze({
  lr: 0.025,
  lrMin: 0.001,
  momentum: 0.9,
  nesterov: true,
  weightDecay: 5e-4,
  gradClipNorm: 5,
});

/** A full config from the parts that differ; everything else takes the defaults above. */
export function supernetTrainConfig(
  parts: Pick<SupernetTrainConfig, 'supernet' | 'sampler' | 'updates'> & Partial<Omit<SupernetTrainConfig, 'optimizer'>> & { optimizer?: Partial<SgdConfig> },
): SupernetTrainConfig {
  const config: SupernetTrainConfig = {
    batchSize: 64,
    gradReduce: 'sum',
    augment: true,
    cropPadding: 4,
    normalization: NB201_CIFAR10_NORMALIZATION,
    seed: 0,
    checkpointEvery: 0,
    ...parts,
    // Explicit, so the run key says which BN the supernet has.
    supernet: { ...parts.supernet, cellBnAffine: parts.supernet.cellBnAffine ?? false },
    optimizer: { ...DEFAULT_SGD, ...parts.optimizer },
  };
  return validateTrainConfig(config);
}

export function validateTrainConfig(c: SupernetTrainConfig): SupernetTrainConfig {
  const fail = (what: string): never => {
    throw new Error(`supernet training config: ${what}`);
  };
  checkField('supernet training config', 'updates', c.updates, POSITIVE_INTEGER);
  checkField('supernet training config', 'batchSize', c.batchSize, POSITIVE_INTEGER);
  if (c.gradReduce !== 'sum' && c.gradReduce !== 'mean') fail(`gradReduce must be 'sum' or 'mean', got ${JSON.stringify(c.gradReduce)}`);
  checkField('supernet training config', 'checkpointEvery', c.checkpointEvery, COUNT);
  checkField('supernet training config', 'cropPadding', c.cropPadding, COUNT);
  const o = c.optimizer;
  if (!(o.lr > 0) || !(o.lrMin >= 0) || o.lrMin > o.lr) fail(`optimizer needs lr > 0 and 0 <= lrMin <= lr, got lr ${o.lr}, lrMin ${o.lrMin}`);
  if (!(o.momentum >= 0 && o.momentum < 1)) fail(`optimizer momentum must be in [0, 1), got ${o.momentum}`);
  if (!(o.weightDecay >= 0)) fail(`optimizer weightDecay must be >= 0, got ${o.weightDecay}`);
  if (o.gradClipNorm !== null && !(o.gradClipNorm > 0)) fail(`optimizer gradClipNorm must be positive or null, got ${o.gradClipNorm}`);
  return c;
}

/** Cosine annealing from `lr` at update 0 towards `lrMin` at update `total` (PyTorch CosineAnnealingLR). */
export function cosineLr(update: number, total: number, o: Pick<SgdConfig, 'lr' | 'lrMin'>): number {
  return o.lrMin + 0.5 * (o.lr - o.lrMin) * (1 + Math.cos((Math.PI * update) / total));
}

/** Mean softmax cross-entropy of logits against integer labels. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits) as tf.Scalar);
}

/**
 * Forward + backward of each path on the same batch; returns each path's
 * loss and the combined gradient of EVERY supernet variable in canonical
 * order (zeros where no path touched a variable). The caller disposes `grads`.
 */
export function accumulatePathGradients(
  supernet: Nb201Supernet,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  paths: readonly Nb201Arch[],
  reduce: 'sum' | 'mean',
): { losses: number[]; grads: tf.Tensor[] } {
  const { losses, grads } = sparsePathGradients(supernet, x, y, paths, reduce);
  const vars = supernet.trainableVariables();
  return { losses, grads: grads.map((g, i) => g ?? tf.zerosLike(vars[i]!)) };
}

/** As `accumulatePathGradients`, with null for variables no path touched (saves kernels in the update). */
function sparsePathGradients(
  supernet: Nb201Supernet,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  paths: readonly Nb201Arch[],
  reduce: 'sum' | 'mean',
): { losses: number[]; grads: (tf.Tensor | null)[] } {
  if (paths.length === 0) throw new Error('accumulatePathGradients: no paths to train');
  const vars = supernet.trainableVariables();
  const acc: (tf.Tensor | null)[] = vars.map(() => null);
  const losses: number[] = [];
  for (const path of paths) {
    const { value, grads } = tf.variableGrads(() => crossEntropy(supernet.forward(x, path, { training: true }), y), vars);
    losses.push(value.dataSync()[0]!);
    value.dispose();
    vars.forEach((v, i) => {
      const g = grads[v.name];
      if (!g) return;
      const prev = acc[i];
      if (prev) {
        acc[i] = tf.add(prev, g);
        prev.dispose();
        g.dispose();
      } else {
        acc[i] = g;
      }
    });
  }
  if (reduce === 'mean' && paths.length > 1) {
    const scale = 1 / paths.length;
    acc.forEach((g, i) => {
      if (!g) return;
      acc[i] = tf.mul(g, scale);
      g.dispose();
    });
  }
  return { losses, grads: acc };
}

/** What one update did. */
export interface StepRecord {
  /** 0-based index of the update just applied. */
  readonly update: number;
  readonly lr: number;
  /** Mean of the paths' losses (before the update). */
  readonly loss: number;
  readonly pathLosses: readonly number[];
  /** The trained paths as arch strings. */
  readonly paths: readonly string[];
}

export interface RunOptions {
  /** Stop after this many updates in total (default: the config's budget). */
  readonly untilUpdate?: number;
  /** Write checkpoints here (every `checkpointEvery` updates and when `run` returns). */
  readonly checkpointPath?: string;
  readonly onStep?: (record: StepRecord) => void;
}

/** Owns a supernet, its sampler, optimizer, data stream and histories for one training run. */
export class SupernetTrainer {
  readonly supernet: Nb201Supernet;
  readonly sampler: Sampler;
  readonly lossHistory: number[] = [];
  readonly lrHistory: number[] = [];
  /** tfjs's momentum optimizer, only where the fused update cannot run (backends other than wasm). */
  private optimizer: tf.MomentumOptimizer | null;
  /** The fused in-place update on the wasm backend (sgd.ts); null: tfjs's momentum optimizer (other backends). */
  private readonly fused: FusedSgd | null;
  private stream: EpochBatchStream;
  private augmentRng: Rng;
  private done = 0;
  private passes = 0;
  private readonly key: string;
  private readonly fingerprint: string;

  private constructor(
    readonly config: SupernetTrainConfig,
    private readonly data: ImageSet,
    private readonly trainIndices: Int32Array,
  ) {
    validateTrainConfig(config);
    const size = checkImageSet(data, 'supernet training images');
    if (size % config.supernet.inputSize !== 0) {
      throw new Error(`supernet inputSize ${config.supernet.inputSize} must divide the image size ${size} (box down-sampling)`);
    }
    for (const i of trainIndices) {
      if (!Number.isInteger(i) || i < 0 || i >= data.n) throw new Error(`training index ${i} is outside 0..${data.n - 1}`);
    }
    this.key = configKey(config);
    this.fingerprint = dataFingerprint(data, trainIndices);
    this.supernet = new Nb201Supernet({ ...config.supernet, seed: config.seed });
    this.sampler = createSampler(config.sampler, `${config.seed}/sampler`);
    this.stream = new EpochBatchStream(trainIndices, config.batchSize, `${config.seed}/batches`);
    this.augmentRng = createRng(`${config.seed}/augment`);
    const o = config.optimizer;
    this.fused = fusedSgdAvailable() && !SupernetTrainer.tfjsOptimizerOnly ? new FusedSgd(this.supernet.trainableVariables(), o) : null;
    this.optimizer = this.fused ? null : tf.train.momentum(o.lr, o.momentum, o.nesterov);
  }

  /** Forces tfjs's optimizer even on wasm (tests compare the two updates). */
  static tfjsOptimizerOnly = false;

  /** A fresh run. `trainIndices` defaults to every image of `data`. */
  static create(config: SupernetTrainConfig, data: ImageSet, trainIndices?: Int32Array): SupernetTrainer {
    return new SupernetTrainer(config, data, trainIndices ?? Int32Array.from({ length: data.n }, (_, i) => i));
  }

  /** Continues the run saved at `checkpointPath`; config and data must be the ones it was saved with. */
  static async resume(checkpointPath: string, config: SupernetTrainConfig, data: ImageSet, trainIndices?: Int32Array): Promise<SupernetTrainer> {
    const trainer = SupernetTrainer.create(config, data, trainIndices);
    try {
      await trainer.load(readCheckpoint(checkpointPath), checkpointPath);
    } catch (err) {
      trainer.dispose();
      throw err;
    }
    return trainer;
  }

  /**
   * Resumes from `checkpointPath` when that file exists, else starts fresh. A
   * damaged checkpoint (truncated, not JSON, fields or tensors missing or the
   * wrong size) is moved aside with a warning naming it and the run starts
   * over; one saved by another config or other data is an error, since the
   * path was then given by mistake.
   */
  static async openOrCreate(
    checkpointPath: string,
    config: SupernetTrainConfig,
    data: ImageSet,
    trainIndices?: Int32Array,
    warn?: (message: string) => void,
  ): Promise<SupernetTrainer> {
    if (!existsSync(checkpointPath)) return SupernetTrainer.create(config, data, trainIndices);
    // Only a damaged file is moved aside: errors of the config, the backend or the file system propagate.
    let checkpoint: SupernetCheckpoint;
    try {
      checkpoint = readCheckpoint(checkpointPath);
    } catch (err) {
      if (!(err instanceof CheckpointFormatError)) throw err;
      moveAsideDamaged(checkpointPath, err.message, 'supernet checkpoint', warn);
      return SupernetTrainer.create(config, data, trainIndices);
    }
    const trainer = SupernetTrainer.create(config, data, trainIndices);
    try {
      await trainer.load(checkpoint, checkpointPath);
      return trainer;
    } catch (err) {
      trainer.dispose();
      if (!(err instanceof CheckpointFormatError)) throw err;
      moveAsideDamaged(checkpointPath, err.message, 'supernet checkpoint', warn);
      return SupernetTrainer.create(config, data, trainIndices);
    }
  }

  /** Parameter updates applied so far. */
  get updatesDone(): number {
    return this.done;
  }

  /** Forward + backward passes run so far (one per trained path). */
  get forwardBackwardPasses(): number {
    return this.passes;
  }

  /** Epochs of the training indices started so far. */
  get epochsStarted(): number {
    return this.stream.epoch;
  }

  get finished(): boolean {
    return this.done >= this.config.updates;
  }

  /** One parameter update. */
  step(): StepRecord {
    const update = this.done;
    if (update >= this.config.updates) throw new Error(`supernet training already did its ${this.config.updates} updates`);
    const c = this.config;
    const lr = cosineLr(update, c.updates, c.optimizer);
    const indices = this.stream.next();
    const batch = makeBatch(this.data, indices, {
      resolution: c.supernet.inputSize,
      normalization: c.normalization,
      augment: c.augment ? { rng: this.augmentRng, padding: c.cropPadding } : null,
    });
    const paths = this.sampler.next(update);
    let losses: number[];
    try {
      const accumulated = sparsePathGradients(this.supernet, batch.x, batch.y, paths, c.gradReduce);
      losses = accumulated.losses;
      this.applyUpdate(accumulated.grads, lr);
    } finally {
      batch.x.dispose();
      batch.y.dispose();
    }
    this.sampler.recordUpdate(paths);
    this.supernet.markWeightsChanged();
    this.done++;
    this.passes += paths.length;
    const loss = losses.reduce((s, l) => s + l, 0) / losses.length;
    this.lossHistory.push(loss);
    this.lrHistory.push(lr);
    return { update, lr, loss, pathLosses: losses, paths: paths.map(nb201ToString) };
  }

  /** Trains until `untilUpdate` (default: the budget), checkpointing as configured. */
  async run(opts: RunOptions = {}): Promise<void> {
    const until = Math.min(opts.untilUpdate ?? this.config.updates, this.config.updates);
    const every = this.config.checkpointEvery;
    let savedAt = -1;
    while (this.done < until) {
      const record = this.step();
      opts.onStep?.(record);
      // Let the event loop run between steps, so an interrupt (SIGINT) reaches a study running in this thread.
      await new Promise<void>((resume) => setImmediate(resume));
      if (opts.checkpointPath && every > 0 && this.done % every === 0) {
        await this.saveCheckpoint(opts.checkpointPath);
        savedAt = this.done;
      }
      // Let timers and notebook output run between updates.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (opts.checkpointPath && savedAt !== this.done) await this.saveCheckpoint(opts.checkpointPath);
  }

  async saveCheckpoint(path: string): Promise<void> {
    const names = this.supernet.variableNames();
    let iterations: number;
    let slots: StoredTensor[];
    if (this.fused) {
      const vars = this.supernet.trainableVariables();
      iterations = this.fused.iterations;
      // Before the first update there are no slots, as with tfjs's optimizer.
      slots = iterations === 0 ? [] : this.fused.slots.map((m, i) => ({ name: `${names[i]}/momentum`, shape: vars[i]!.shape.slice(), data: encodeFloats(m) }));
    } else {
      const optWeights = await this.optimizer!.getWeights();
      iterations = (await optWeights[0]!.tensor.data())[0]!;
      optWeights[0]!.tensor.dispose();
      slots = optWeights.slice(1).map((w, i) => ({
        name: `${names[i]}/momentum`,
        shape: w.tensor.shape.slice(),
        data: encodeFloats(w.tensor.dataSync() as Float32Array),
      }));
    }
    const checkpoint: SupernetCheckpoint = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      configKey: this.key,
      config: this.config,
      dataFingerprint: this.fingerprint,
      updatesDone: this.done,
      forwardBackwardPasses: this.passes,
      lossHistory: this.lossHistory.slice(),
      lrHistory: this.lrHistory.slice(),
      sampler: this.sampler.state(),
      augmentRng: this.augmentRng.state(),
      batches: this.stream.state(),
      weights: this.supernet.getWeights().map((w) => ({ name: w.name, shape: w.shape, data: encodeFloats(w.values) })),
      optimizer: { iterations, slots },
      savedAt: new Date().toISOString(),
    };
    writeCheckpoint(path, checkpoint);
  }

  dispose(): void {
    this.optimizer?.dispose();
    this.supernet.dispose();
  }

  /**
   * Clip, add weight decay, and apply one optimizer update to every variable.
   * A null gradient (no path touched the variable) stands for zeros: it adds
   * nothing to the norm, and its final gradient is just the decay term.
   */
  private applyUpdate(grads: (tf.Tensor | null)[], lr: number): void {
    if (this.fused) {
      this.fused.step(grads, lr);
      tf.dispose(grads.filter((g): g is tf.Tensor => g !== null));
      return;
    }
    const vars = this.supernet.trainableVariables();
    const o = this.config.optimizer;
    const list = tf.tidy(() => {
      let factor: tf.Scalar | null = null;
      if (o.gradClipNorm !== null) {
        // PyTorch clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is below 1.
        const touched = grads.filter((g): g is tf.Tensor => g !== null);
        const norm = tf.sqrt(tf.addN(touched.map((t) => tf.sum(tf.square(t)))));
        factor = tf.minimum(1, tf.div(o.gradClipNorm, tf.add(norm, 1e-6))) as tf.Scalar;
      }
      return grads.map((g, i) => {
        const v = vars[i]!;
        let tensor: tf.Tensor;
        if (g === null) tensor = o.weightDecay > 0 ? tf.mul(v, o.weightDecay) : tf.zerosLike(v);
        else {
          tensor = factor ? tf.mul(g, factor) : g;
          if (o.weightDecay > 0) tensor = tf.add(tensor, tf.mul(v, o.weightDecay));
        }
        return { name: v.name, tensor };
      });
    });
    this.optimizer!.setLearningRate(lr);
    // An array keeps the slot order fixed: every variable, canonical order, every update.
    this.optimizer!.applyGradients(list);
    // (A list entry may be a gradient itself when there is neither clipping nor decay; disposing twice is harmless.)
    tf.dispose(list.map((item) => item.tensor));
    tf.dispose(grads.filter((g): g is tf.Tensor => g !== null));
  }

  private async load(c: SupernetCheckpoint, path: string): Promise<void> {
    if (c.configKey !== this.key) {
      throw new CheckpointMismatchError(`supernet checkpoint ${path} was saved by a different training config (key ${c.configKey}, this run ${this.key})`);
    }
    if (c.dataFingerprint !== this.fingerprint) {
      throw new CheckpointMismatchError(`supernet checkpoint ${path} was saved with different training data or indices (fingerprint ${c.dataFingerprint}, now ${this.fingerprint})`);
    }
    const vars = this.supernet.trainableVariables();
    const names = this.supernet.variableNames();
    this.supernet.setWeights(
      c.weights.map((w, i) => ({ name: w.name, shape: w.shape, values: decodeFloats(w.data, vars[i]?.size ?? 0, `${path}: ${w.name}`) })),
    );
    const slots = c.optimizer.slots;
    if (slots.length !== 0 && slots.length !== vars.length) {
      throw new CheckpointFormatError(`supernet checkpoint ${path} has ${slots.length} optimizer slots for ${vars.length} variables`);
    }
    const slotValues = slots.map((s, i) => {
      if (s.name !== `${names[i]}/momentum`) throw new CheckpointFormatError(`supernet checkpoint ${path}: optimizer slot ${i} is ${s.name}, expected ${names[i]}/momentum`);
      return decodeFloats(s.data, vars[i]!.size, `${path}: ${s.name}`);
    });
    if (this.fused) {
      if (slotValues.length > 0) this.fused.restore(c.optimizer.iterations, slotValues);
      else this.fused.iterations = c.optimizer.iterations;
    } else {
      const slotTensors = slotValues.map((values, i) => ({ name: `${vars[i]!.name}/momentum`, tensor: tf.tensor(values, vars[i]!.shape, 'float32') }));
      const iter = { name: 'iter', tensor: tf.scalar(c.optimizer.iterations, 'int32') };
      const o = this.config.optimizer;
      this.optimizer?.dispose();
      this.optimizer = tf.train.momentum(o.lr, o.momentum, o.nesterov);
      await this.optimizer.setWeights([iter, ...slotTensors]);
      iter.tensor.dispose();
      tf.dispose(slotTensors.map((s) => s.tensor));
    }
    this.sampler.restore(c.sampler);
    this.augmentRng = restoreRng(c.augmentRng);
    this.stream.restore(c.batches);
    this.done = c.updatesDone;
    this.passes = c.forwardBackwardPasses;
    this.lossHistory.splice(0, this.lossHistory.length, ...c.lossHistory);
    this.lrHistory.splice(0, this.lrHistory.length, ...c.lrHistory);
  }
}

/** A checkpoint that is intact but belongs to another run (config or data). */
export class CheckpointMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointMismatchError';
  }
}

/** Opens (or resumes from `checkpointPath`) and trains to the end of the budget; the caller disposes the trainer. */
export async function trainSupernet(
  config: SupernetTrainConfig,
  data: ImageSet,
  opts: { trainIndices?: Int32Array; checkpointPath?: string; onStep?: (record: StepRecord) => void } = {},
): Promise<SupernetTrainer> {
  const trainer = opts.checkpointPath
    ? await SupernetTrainer.openOrCreate(opts.checkpointPath, config, data, opts.trainIndices)
    : SupernetTrainer.create(config, data, opts.trainIndices);
  try {
    await trainer.run({ checkpointPath: opts.checkpointPath, onStep: opts.onStep });
  } catch (err) {
    trainer.dispose();
    throw err;
  }
  return trainer;
}

/** FNV-1a over the indices, their labels and a strided sample of their pixels: cheap, catches a different data set. */
function dataFingerprint(data: ImageSet, indices: Int32Array): string {
  let h = 0x811c9dc5;
  const mix = (v: number): void => {
    h ^= v & 0xff;
    h = Math.imul(h, 0x01000193);
    h ^= (v >>> 8) & 0xff;
    h = Math.imul(h, 0x01000193);
    h ^= (v >>> 16) & 0xff;
    h = Math.imul(h, 0x01000193);
  };
  mix(data.n);
  mix(indices.length);
  const imageBytes = data.images.length / data.n;
  for (const i of indices) {
    mix(i);
    mix(data.labels[i]!);
    mix(data.images[i * imageBytes + ((i * 131) % imageBytes)]!);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
