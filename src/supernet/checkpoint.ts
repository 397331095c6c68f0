/**
 * The supernet training checkpoint file: one JSON document holding
 * everything a resumed run needs to continue bit-identically (weights,
 * optimizer slots, sampler and RNG states, batch order, step, histories).
 * Tensors are stored as base64 of their float32 bytes (little-endian), which
 * round-trips exactly. Written atomically (temp file + rename).
 */
import { existsSync } from 'node:fs';
import { readRegularText } from '../core/files.js';
import { writeFileAtomic } from '../core/atomicWrite.js';
import type { RngState } from '../core/types.js';
import type { SamplerState } from './samplers.js';
import type { BatchStreamState } from './imageBatches.js';

export const CHECKPOINT_FORMAT = 'nb201-supernet-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface StoredTensor {
  readonly name: string;
  readonly shape: readonly number[];
  /** base64 of the float32 values. */
  readonly data: string;
}

export interface SupernetCheckpoint {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: typeof CHECKPOINT_VERSION;
  /** Hash of the training config; a checkpoint only resumes the run it came from. */
  readonly configKey: string;
  readonly config: unknown;
  /** Hash of the training images/labels/indices the run used. */
  readonly dataFingerprint: string;
  readonly updatesDone: number;
  readonly forwardBackwardPasses: number;
  readonly lossHistory: readonly number[];
  readonly lrHistory: readonly number[];
  readonly sampler: SamplerState;
  readonly augmentRng: RngState;
  readonly batches: BatchStreamState;
  readonly weights: readonly StoredTensor[];
  readonly optimizer: { readonly iterations: number; readonly slots: readonly StoredTensor[] };
  readonly savedAt: string;
}

/** A checkpoint file that is damaged (truncated, not JSON, fields or tensors missing or the wrong size): safe to move aside and retrain. */
export class CheckpointFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointFormatError';
  }
}

export function encodeFloats(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function decodeFloats(data: string, expectedLength: number, what: string): Float32Array {
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length !== expectedLength * 4) {
    throw new CheckpointFormatError(`checkpoint tensor ${what}: ${bytes.length} bytes, expected ${expectedLength} float32 values`);
  }
  // Copy into a fresh, aligned buffer (Buffer slices may be unaligned for Float32Array).
  const out = new Float32Array(expectedLength);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function writeCheckpoint(path: string, checkpoint: SupernetCheckpoint): void {
  writeFileAtomic(path, JSON.stringify(checkpoint));
}

export function readCheckpoint(path: string): SupernetCheckpoint {
  if (!existsSync(path)) throw new Error(`supernet checkpoint ${path} does not exist`);
  // A file that cannot be read (permissions, a FIFO) is not damage: that error propagates as it is.
  const text = readRegularText(path, 'supernet checkpoint');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CheckpointFormatError(`supernet checkpoint ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const c = parsed as Partial<SupernetCheckpoint>;
  if (c?.format !== CHECKPOINT_FORMAT || c.version !== CHECKPOINT_VERSION) {
    throw new CheckpointFormatError(`${path} is not a ${CHECKPOINT_FORMAT} v${CHECKPOINT_VERSION} file (format ${JSON.stringify(c?.format)}, version ${JSON.stringify(c?.version)})`);
  }
  for (const key of ['configKey', 'dataFingerprint', 'updatesDone', 'sampler', 'augmentRng', 'batches', 'weights', 'optimizer'] as const) {
    if (c[key] === undefined) throw new CheckpointFormatError(`supernet checkpoint ${path} lacks ${key}`);
  }
  return c as SupernetCheckpoint;
}
