/**
 * CIFAR-10 in the official binary layout (`cifar-10-batches-bin/`): each
 * record is 1 label byte and 3,072 pixel bytes (1,024 R, then 1,024 G, then
 * 1,024 B, each plane row-major). Reads the project's subset archive and the
 * official `cifar-10-binary.tar.gz` alike, from a .tar.gz, a .tar or an
 * extracted folder, and returns images as NHWC bytes (RGB interleaved), the
 * layout tfjs convolutions take.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readDataFile } from './dataFiles.js';
import { fileKind, readRegularFile, statPath } from '../core/files.js';
import { readTarFile } from './tar.js';

export const CIFAR10_DATA_FILE = 'cifar10/cifar-10-binary-subset.tar.gz';
export const CIFAR10_IMAGE_SIZE = 32;
export const CIFAR10_CHANNELS = 3;
const PLANE = CIFAR10_IMAGE_SIZE * CIFAR10_IMAGE_SIZE;
const IMAGE_BYTES = PLANE * CIFAR10_CHANNELS;
/** One label byte followed by the three colour planes. */
export const CIFAR10_RECORD_BYTES = 1 + IMAGE_BYTES;
export const CIFAR10_NUM_CLASSES = 10;

/** The official label names, used when the source has no `batches.meta.txt`. */
export const CIFAR10_CLASS_NAMES: readonly string[] = [
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
];

const TRAIN_BATCHES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
const TEST_BATCH = 'test_batch.bin';
const META_FILE = 'batches.meta.txt';
const BATCH_FOLDER = 'cifar-10-batches-bin';

export type Cifar10Split = 'train' | 'test';

export interface Cifar10Options {
  /** A .tar.gz, a .tar, or a folder holding `cifar-10-batches-bin/` or the .bin files; default: the manifest's subset archive. */
  source?: string;
  split: Cifar10Split;
  /** Read only the first `limit` images of the split (batches in order). */
  limit?: number;
}

export interface Cifar10Data {
  /** `n`·32·32·3 bytes, NHWC: pixel (row r, column c, channel k) of image i is at ((i·32 + r)·32 + c)·3 + k, channels RGB. */
  readonly images: Uint8Array;
  /** `n` labels in 0..9, indices into `classNames`. */
  readonly labels: Uint8Array;
  readonly classNames: string[];
  readonly n: number;
  /** The batch files the images came from, in order (e.g. `data_batch_1.bin`). */
  readonly batches: string[];
  readonly split: Cifar10Split;
  /** The archive or folder read. */
  readonly source: string;
}

/**
 * The largest uncompressed archive accepted: the official release's six
 * batches of 10,000 records plus tar headers and the meta file, with room to
 * spare (≈185 MB). Anything larger is not CIFAR-10.
 */
export const CIFAR10_MAX_ARCHIVE_BYTES = 6 * 10_000 * CIFAR10_RECORD_BYTES + 2 ** 20;
/** One batch file: 10,000 records. */
const MAX_BATCH_BYTES = 10_000 * CIFAR10_RECORD_BYTES;

/** One named file of the source, readable on demand. `label` names it in errors. */
interface SourceFile {
  readonly label: string;
  readonly size: number;
  read(): Uint8Array;
}

/** The CIFAR-10 files found in an archive (given as its verified bytes, or read from `source`) or folder, by base name. */
function openSource(source: string, bytes?: Uint8Array): Map<string, SourceFile> {
  const wanted = new Set([...TRAIN_BATCHES, TEST_BATCH, META_FILE]);
  const files = new Map<string, SourceFile>();

  if (bytes === undefined && statPath(source, 'CIFAR-10 source').isDirectory()) {
    const nested = join(source, BATCH_FOLDER);
    const dir = existsSync(nested) && statSync(nested).isDirectory() ? nested : source;
    for (const name of readdirSync(dir)) {
      if (!wanted.has(name)) continue;
      const path = join(dir, name);
      // A batch name that is a folder, pipe or dangling link is an error, not a batch that is absent.
      const st = statPath(path, 'CIFAR-10 file');
      if (!st.isFile()) throw new Error(`CIFAR-10 file ${path} is ${fileKind(st)}, expected a regular file`);
      files.set(name, { label: path, size: st.size, read: () => readRegularFile(path, 'CIFAR-10 file', MAX_BATCH_BYTES) });
    }
    return files;
  }

  // The whole archive is decompressed in memory (≈61 MB for the subset, ≈185 MB for the official file).
  const where = new Map<string, string>();
  for (const entry of readTarFile(source, { bytes, maxBytes: CIFAR10_MAX_ARCHIVE_BYTES })) {
    const name = basename(entry.name);
    if (entry.type !== 'file' || !wanted.has(name)) continue;
    const earlier = where.get(name);
    if (earlier !== undefined) {
      throw new Error(`CIFAR-10 archive ${source} holds ${name} twice ("${earlier}" and "${entry.name}"): cannot tell which to read`);
    }
    where.set(name, entry.name);
    files.set(name, { label: `${source} → ${entry.name}`, size: entry.size, read: () => entry.data });
  }
  return files;
}

/** Class names from `batches.meta.txt`: one per line, blank lines ignored, exactly ten. */
function parseClassNames(file: SourceFile): string[] {
  const names = new TextDecoder()
    .decode(file.read())
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (names.length !== CIFAR10_NUM_CLASSES) {
    throw new Error(`CIFAR-10 class-name file ${file.label} lists ${names.length} names, expected ${CIFAR10_NUM_CLASSES} (one per line)`);
  }
  return names;
}

/** Copies `count` records of `bytes` into NHWC `images` / `labels` from image index `at`, checking each label. */
function decodeRecords(bytes: Uint8Array, count: number, file: SourceFile, images: Uint8Array, labels: Uint8Array, at: number): void {
  for (let r = 0; r < count; r++) {
    const rec = r * CIFAR10_RECORD_BYTES;
    const label = bytes[rec]!;
    if (label >= CIFAR10_NUM_CLASSES) {
      throw new Error(`CIFAR-10 batch ${file.label}: record ${r} (byte ${rec}) has label ${label}, expected 0..${CIFAR10_NUM_CLASSES - 1}`);
    }
    labels[at + r] = label;
    const out = (at + r) * IMAGE_BYTES;
    const red = rec + 1;
    // Planar CHW → interleaved HWC.
    for (let p = 0; p < PLANE; p++) {
      const o = out + p * 3;
      images[o] = bytes[red + p]!;
      images[o + 1] = bytes[red + PLANE + p]!;
      images[o + 2] = bytes[red + 2 * PLANE + p]!;
    }
  }
}

/**
 * Loads one split. `train` reads every training batch present
 * (data_batch_1..5, in order: the subset has one, the official release five);
 * `test` reads test_batch.bin. Every batch of the split must be a whole
 * number of 3,073-byte records; labels are checked for the images read.
 */
export async function loadCifar10(options: Cifar10Options): Promise<Cifar10Data> {
  const { split, limit } = options;
  if (split !== 'train' && split !== 'test') throw new Error(`CIFAR-10 split ${JSON.stringify(split)} is not 'train' or 'test'`);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new Error(`CIFAR-10 limit ${limit} is not a non-negative integer`);
  }
  const data = options.source === undefined ? readDataFile(CIFAR10_DATA_FILE) : undefined;
  const source = options.source ?? data!.path;
  const files = openSource(source, data && new Uint8Array(data.bytes.buffer, data.bytes.byteOffset, data.bytes.byteLength));

  const batchNames = split === 'train' ? TRAIN_BATCHES.filter((name) => files.has(name)) : files.has(TEST_BATCH) ? [TEST_BATCH] : [];
  if (batchNames.length === 0) {
    const expected = split === 'train' ? 'data_batch_1.bin … data_batch_5.bin' : TEST_BATCH;
    const found = [...files.keys()].sort();
    throw new Error(
      `CIFAR-10 source ${source} has no ${split} batch (expected ${expected} in ${BATCH_FOLDER}/ or at the top level; ` +
        `found ${found.length ? found.join(', ') : 'no CIFAR-10 files'})`,
    );
  }

  const batches = batchNames.map((name) => files.get(name)!);
  for (const file of batches) {
    if (file.size === 0 || file.size % CIFAR10_RECORD_BYTES !== 0) {
      throw new Error(
        `CIFAR-10 batch ${file.label} is ${file.size} bytes, not a non-zero whole number of ${CIFAR10_RECORD_BYTES}-byte records ` +
          `(1 label byte + 32·32·3 pixels): truncated or not a CIFAR-10 binary batch`,
      );
    }
  }

  const available = batches.reduce((sum, file) => sum + file.size / CIFAR10_RECORD_BYTES, 0);
  const n = limit === undefined ? available : Math.min(limit, available);
  const images = new Uint8Array(n * IMAGE_BYTES);
  const labels = new Uint8Array(n);
  const used: string[] = [];
  let at = 0;
  for (let b = 0; b < batches.length && at < n; b++) {
    const file = batches[b]!;
    const count = Math.min(file.size / CIFAR10_RECORD_BYTES, n - at);
    const bytes = file.read();
    if (bytes.length !== file.size) throw new Error(`CIFAR-10 batch ${file.label} changed size while being read`);
    decodeRecords(bytes, count, file, images, labels, at);
    used.push(batchNames[b]!);
    at += count;
  }

  const meta = files.get(META_FILE);
  const classNames = meta ? parseClassNames(meta) : [...CIFAR10_CLASS_NAMES];
  return { images, labels, classNames, n, batches: used, split, source };
}

/** Per-channel (R, G, B) mean and standard deviation of pixel values scaled to 0..1. */
export interface ChannelStats {
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/**
 * Mean and (population) standard deviation of each channel over all pixels of
 * NHWC RGB images, on the 0..1 scale: compute them on the training split and
 * normalise both splits with them.
 */
export function channelStats(images: Uint8Array): ChannelStats {
  if (images.length === 0 || images.length % CIFAR10_CHANNELS !== 0) {
    throw new Error(`channelStats: ${images.length} bytes is not a non-empty whole number of RGB pixels`);
  }
  // Integer sums are exact in a double up to 2^53: enough for ≈10^9 pixels per channel.
  const sum = [0, 0, 0];
  const sumSq = [0, 0, 0];
  for (let i = 0; i < images.length; i += 3) {
    for (let k = 0; k < 3; k++) {
      const v = images[i + k]!;
      sum[k]! += v;
      sumSq[k]! += v * v;
    }
  }
  const count = images.length / 3;
  const mean = sum.map((s) => s / count / 255);
  const std = sumSq.map((s, k) => Math.sqrt(Math.max(0, s / count / (255 * 255) - mean[k]! * mean[k]!)));
  return { mean: [mean[0]!, mean[1]!, mean[2]!], std: [std[0]!, std[1]!, std[2]!] };
}

export interface CifarTensorOptions {
  /** Subtract `mean` and divide by `std` per channel after scaling to 0..1; without it pixels are just scaled to 0..1. */
  normalize?: ChannelStats;
  /** Which images, in this order (e.g. one shuffled minibatch); default all. */
  indices?: ArrayLike<number>;
}

export interface CifarTensors {
  /** [N, 32, 32, 3] float32. */
  readonly x: tf.Tensor4D;
  /** [N] int32 class indices. */
  readonly y: tf.Tensor1D;
}

/** Images and labels as tfjs tensors (the caller disposes them). */
export function cifarToTensors(data: Pick<Cifar10Data, 'images' | 'labels' | 'n'>, options: CifarTensorOptions = {}): CifarTensors {
  const { normalize, indices } = options;
  if (normalize) {
    for (let k = 0; k < 3; k++) {
      if (!(normalize.std[k]! > 0) || !Number.isFinite(normalize.mean[k]!)) {
        throw new Error(`cifarToTensors: normalize needs finite means and positive stds, got mean ${normalize.mean} std ${normalize.std}`);
      }
    }
  }
  const count = indices ? indices.length : data.n;
  // Fold /255, -mean and /std into one multiply-add per channel.
  const scale = [0, 1, 2].map((k) => (normalize ? 1 / (255 * normalize.std[k]!) : 1 / 255));
  const shift = [0, 1, 2].map((k) => (normalize ? -normalize.mean[k]! / normalize.std[k]! : 0));
  const x = new Float32Array(count * IMAGE_BYTES);
  const y = new Int32Array(count);
  for (let j = 0; j < count; j++) {
    const i = indices ? indices[j]! : j;
    if (!Number.isInteger(i) || i < 0 || i >= data.n) throw new Error(`cifarToTensors: index ${i} is outside 0..${data.n - 1}`);
    y[j] = data.labels[i]!;
    const src = i * IMAGE_BYTES;
    const dst = j * IMAGE_BYTES;
    for (let p = 0; p < IMAGE_BYTES; p += 3) {
      x[dst + p] = data.images[src + p]! * scale[0]! + shift[0]!;
      x[dst + p + 1] = data.images[src + p + 1]! * scale[1]! + shift[1]!;
      x[dst + p + 2] = data.images[src + p + 2]! * scale[2]! + shift[2]!;
    }
  }
  return {
    x: tf.tensor4d(x, [count, CIFAR10_IMAGE_SIZE, CIFAR10_IMAGE_SIZE, CIFAR10_CHANNELS], 'float32'),
    y: tf.tensor1d(y, 'int32'),
  };
}
