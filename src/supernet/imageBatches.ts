/**
 * Mini-batches of images for supernet training and evaluation: seeded epoch
 * shuffling, the CIFAR augmentation (random crop with zero padding, then
 * horizontal flip — torchvision's order), optional box down-sampling to a
 * smaller input resolution (for reduced CPU configurations), normalisation.
 * Works on NHWC uint8 images such as `loadCifar10` returns.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, restoreRng } from '../core/rng.js';
import type { Rng, RngState } from '../core/types.js';
import { checkField, POSITIVE_INTEGER } from '../core/checks.js';

/** Square NHWC RGB uint8 images; `imageSize` defaults to 32 (CIFAR). */
export interface ImageSet {
  readonly images: Uint8Array;
  readonly labels: ArrayLike<number>;
  readonly n: number;
  readonly imageSize?: number;
}

/** Per-channel mean and std on the 0..1 pixel scale (the shape of the CIFAR loader's `channelStats`). */
export interface Normalization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** The constants NAS-Bench-201 normalises CIFAR-10 with. */
export const NB201_CIFAR10_NORMALIZATION: Normalization = Object.freeze({
  mean: [125.3 / 255, 123.0 / 255, 113.9 / 255],
  std: [63.0 / 255, 62.1 / 255, 66.7 / 255],
});

export interface BatchOptions {
  /** Output height = width; must divide the source size (box down-sampling by an integer factor). */
  readonly resolution: number;
  readonly normalization: Normalization;
  /** Random crop (with `padding` zero pixels on each side) + horizontal flip, drawn from `rng`; null: none. */
  readonly augment: { readonly rng: Rng; readonly padding: number } | null;
}

export interface Batch {
  readonly x: tf.Tensor4D;
  readonly y: tf.Tensor1D;
}

const CHANNELS = 3;

/** Checks an image set and returns its image size. */
export function checkImageSet(data: ImageSet, what = 'image set'): number {
  const size = data.imageSize ?? 32;
  checkField(what, 'n', data.n, POSITIVE_INTEGER);
  if (data.images.length !== data.n * size * size * CHANNELS) {
    throw new Error(`${what}: ${data.images.length} image bytes is not n·${size}·${size}·3 = ${data.n * size * size * CHANNELS} (n = ${data.n})`);
  }
  if (data.labels.length !== data.n) throw new Error(`${what}: ${data.labels.length} labels for ${data.n} images`);
  return size;
}

/**
 * Builds one batch as tensors (the caller disposes them). Augmentation draws,
 * per image, the crop row offset, then the column offset, then the flip.
 */
export function makeBatch(data: ImageSet, indices: ArrayLike<number>, opts: BatchOptions): Batch {
  const size = checkImageSet(data);
  const r = opts.resolution;
  if (!Number.isInteger(r) || r <= 0 || size % r !== 0) {
    throw new Error(`batch resolution ${r} must be a positive divisor of the image size ${size}`);
  }
  const { mean, std } = opts.normalization;
  if (mean.length !== CHANNELS || std.length !== CHANNELS || std.some((s) => !(s > 0)) || mean.some((m) => !Number.isFinite(m))) {
    throw new Error(`normalization needs 3 finite means and 3 positive stds, got ${JSON.stringify(opts.normalization)}`);
  }
  const pad = opts.augment?.padding ?? 0;
  if (!Number.isInteger(pad) || pad < 0) throw new Error(`augmentation padding must be a non-negative integer, got ${pad}`);
  const factor = size / r;
  const norm = 1 / (factor * factor);
  const scale = [0, 1, 2].map((k) => 1 / (255 * std[k]!));
  const shift = [0, 1, 2].map((k) => -mean[k]! / std[k]!);
  const count = indices.length;
  const x = new Float32Array(count * r * r * CHANNELS);
  const y = new Int32Array(count);
  const imageBytes = size * size * CHANNELS;

  for (let j = 0; j < count; j++) {
    const i = indices[j]!;
    if (!Number.isInteger(i) || i < 0 || i >= data.n) throw new Error(`batch index ${i} is outside 0..${data.n - 1}`);
    y[j] = data.labels[i]!;
    let dy = 0;
    let dx = 0;
    let flip = false;
    if (opts.augment) {
      dy = opts.augment.rng.int(2 * pad + 1) - pad;
      dx = opts.augment.rng.int(2 * pad + 1) - pad;
      flip = opts.augment.rng() < 0.5;
    }
    const src = i * imageBytes;
    const images = data.images;
    for (let oy = 0; oy < r; oy++) {
      for (let ox = 0; ox < r; ox++) {
        // Three scalar sums, not a small array: this loop is most of a step's batch preparation.
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        for (let fy = 0; fy < factor; fy++) {
          const sy = oy * factor + fy + dy;
          if (sy < 0 || sy >= size) continue; // padded rows are raw zeros
          for (let fx = 0; fx < factor; fx++) {
            const cx = ox * factor + fx;
            const sx = (flip ? size - 1 - cx : cx) + dx;
            if (sx < 0 || sx >= size) continue;
            const p = src + (sy * size + sx) * CHANNELS;
            a0 += images[p]!;
            a1 += images[p + 1]!;
            a2 += images[p + 2]!;
          }
        }
        const o = ((j * r + oy) * r + ox) * CHANNELS;
        x[o] = a0 * norm * scale[0]! + shift[0]!;
        x[o + 1] = a1 * norm * scale[1]! + shift[1]!;
        x[o + 2] = a2 * norm * scale[2]! + shift[2]!;
      }
    }
  }
  return { x: tf.tensor4d(x, [count, r, r, CHANNELS], 'float32'), y: tf.tensor1d(y, 'int32') };
}

/** A seeded split of `0..n-1` into training indices and `holdout` held-out indices (both sorted). */
export function splitHoldout(n: number, holdout: number, seed: number | string): { train: Int32Array; holdout: Int32Array } {
  if (!Number.isInteger(holdout) || holdout <= 0 || holdout >= n) {
    throw new Error(`splitHoldout: holdout must be an integer in 1..${n - 1} for ${n} images, got ${holdout}`);
  }
  const picked = createRng(`${seed}/holdout`).sampleIndices(n, holdout);
  const isHeld = new Uint8Array(n);
  for (const i of picked) isHeld[i] = 1;
  const train = new Int32Array(n - holdout);
  const held = new Int32Array(holdout);
  let t = 0;
  let h = 0;
  for (let i = 0; i < n; i++) {
    if (isHeld[i]) held[h++] = i;
    else train[t++] = i;
  }
  return { train, holdout: held };
}

export interface BatchStreamState {
  readonly rng: RngState;
  readonly order: readonly number[];
  readonly cursor: number;
  readonly epoch: number;
}

/**
 * Endless mini-batches of `indices`: each epoch a fresh seeded permutation,
 * the last incomplete batch of an epoch dropped (so every batch has the same size).
 */
export class EpochBatchStream {
  private rng: Rng;
  private order: Int32Array = new Int32Array(0);
  private cursor = 0;
  private epochCount = 0;

  constructor(
    private readonly indices: Int32Array,
    readonly batchSize: number,
    seed: number | string,
  ) {
    if (!Number.isInteger(batchSize) || batchSize <= 0 || batchSize > indices.length) {
      throw new Error(`batch size must be an integer in 1..${indices.length} (the training images), got ${batchSize}`);
    }
    this.rng = createRng(seed);
  }

  /** Completed-or-started epochs so far. */
  get epoch(): number {
    return this.epochCount;
  }

  next(): Int32Array {
    if (this.cursor + this.batchSize > this.order.length) {
      this.order = Int32Array.from(this.rng.sampleIndices(this.indices.length, this.indices.length), (k) => this.indices[k]!);
      this.cursor = 0;
      this.epochCount++;
    }
    const batch = this.order.slice(this.cursor, this.cursor + this.batchSize);
    this.cursor += this.batchSize;
    return batch;
  }

  state(): BatchStreamState {
    return { rng: this.rng.state(), order: Array.from(this.order), cursor: this.cursor, epoch: this.epochCount };
  }

  restore(state: BatchStreamState): void {
    if (!Array.isArray(state?.order) || !Number.isInteger(state.cursor) || state.cursor < 0 || state.cursor > state.order.length) {
      throw new Error('batch stream state is malformed (needs rng, order, cursor within order, epoch)');
    }
    this.rng = restoreRng(state.rng);
    this.order = Int32Array.from(state.order);
    this.cursor = state.cursor;
    this.epochCount = state.epoch;
  }
}
