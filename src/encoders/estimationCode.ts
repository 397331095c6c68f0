/**
 * The Siamese-NAS estimation code: a short vector per architecture (here the
 * first 3 per-epoch proxy training losses, `extras.estimationCode`), fed to the
 * fine branch of the siamese predictor.
 *
 * Standardisation: the official code feeds the raw losses (≈2.3 for 10 classes)
 * into a dense layer. Here each component is standardised, (x − mean) / std,
 * with the mean and (population) std of the TRAINING records only, so no
 * information about unseen architectures leaks into the predictor and the
 * dense layer sees inputs of unit scale whatever the proxy task's loss level.
 * A component constant over the training set gets std 1 (it is only centred).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BenchRecord } from '../core/types.js';

export const ESTIMATION_CODE_LENGTH = 3;

export interface EstimationCodeStats {
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

/** The record's estimation code, checked: present, `length` long, all finite. */
export function readEstimationCode<A>(record: BenchRecord<A>, length = ESTIMATION_CODE_LENGTH): readonly number[] {
  const code = record.extras?.estimationCode;
  if (!code) {
    throw new Error(`record ${record.id} has no extras.estimationCode; this predictor requires one (load the benchmark with estimation codes)`);
  }
  if (code.length !== length) {
    throw new Error(`record ${record.id}: estimation code has ${code.length} values, expected ${length}`);
  }
  code.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new Error(`record ${record.id}: estimation code[${i}] = ${v} is not a finite number`);
  });
  return code;
}

/** Per-component mean and population std over the training records. */
export function fitEstimationCodeStats<A>(
  records: readonly BenchRecord<A>[],
  length = ESTIMATION_CODE_LENGTH,
): EstimationCodeStats {
  if (records.length === 0) throw new Error('fitEstimationCodeStats: no training records');
  const mean = new Float64Array(length);
  const sq = new Float64Array(length);
  for (const r of records) {
    const code = readEstimationCode(r, length);
    for (let k = 0; k < length; k++) mean[k]! += code[k]!;
  }
  for (let k = 0; k < length; k++) mean[k]! /= records.length;
  for (const r of records) {
    const code = readEstimationCode(r, length);
    for (let k = 0; k < length; k++) sq[k]! += (code[k]! - mean[k]!) ** 2;
  }
  const std = new Float64Array(length);
  for (let k = 0; k < length; k++) {
    const s = Math.sqrt(sq[k]! / records.length);
    std[k] = s > 1e-12 ? s : 1;
  }
  return { mean, std };
}

/** Standardised codes as a flat row-major [B * length] array. */
export function standardiseEstimationCodes<A>(records: readonly BenchRecord<A>[], stats: EstimationCodeStats): Float32Array {
  const length = stats.mean.length;
  const out = new Float32Array(records.length * length);
  records.forEach((r, b) => {
    const code = readEstimationCode(r, length);
    for (let k = 0; k < length; k++) out[b * length + k] = (code[k]! - stats.mean[k]!) / stats.std[k]!;
  });
  return out;
}

/** Standardised codes as a [B, length] tensor. */
export function encodeEstimationCodes<A>(records: readonly BenchRecord<A>[], stats: EstimationCodeStats): tf.Tensor2D {
  return tf.tensor2d(standardiseEstimationCodes(records, stats), [records.length, stats.mean.length]);
}
