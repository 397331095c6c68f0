/**
 * Supernet evaluation of architectures with inherited weights: accuracy and
 * loss on held-out training images, with the BN of the path normalised one of
 * two ways (`bn`):
 * - 'batch-stats': each held-out batch's own statistics, as the NAS-Bench-201
 *   references score a path (`track_running_stats=False` on large batches);
 * - 'recalibrate': running statistics recomputed for each arch on a fixed set
 *   of training batches first (SPOS / FairNAS practice).
 * The calibration and held-out batches are built once and shared by every
 * arch, so the archs are compared on identical data.
 */
import * as tf from '@tensorflow/tfjs';
import { nb201ToString, type Nb201Arch } from '../spaces/nb201.js';
import type { Nb201Supernet } from './nb201Supernet.js';
import { createRng } from '../core/rng.js';
import { makeBatch, type Batch, type ImageSet, type Normalization } from './imageBatches.js';
import { checkField, POSITIVE_INTEGER } from '../core/checks.js';

/** How a path's BN is normalised when it is scored. */
export type EvalBn = 'batch-stats' | 'recalibrate';
export const EVAL_BN_MODES: readonly EvalBn[] = ['batch-stats', 'recalibrate'];

export interface EvalSetup {
  readonly bn: EvalBn;
  /** Training images the BN statistics are recalibrated on. */
  readonly calibrationIndices: Int32Array;
  /** Held-out images accuracy is measured on. */
  readonly heldOutIndices: Int32Array;
  /** Number of calibration batches (drawn once, without replacement, from `calibrationIndices`); unused (0 allowed) with 'batch-stats'. */
  readonly calibrationBatches: number;
  readonly batchSize: number;
  /** Supernet input size (the images are box down-sampled to it). */
  readonly resolution: number;
  readonly normalization: Normalization;
  readonly seed: number | string;
}

/** Calibration and held-out batches as tensors; `dispose()` when done. */
export interface EvalData {
  readonly bn: EvalBn;
  readonly calibration: readonly tf.Tensor4D[];
  readonly heldOut: readonly Batch[];
  readonly heldOutCount: number;
  dispose(): void;
}

export interface ArchEvaluation {
  readonly arch: string;
  /** Fraction of held-out images classified correctly. */
  readonly accuracy: number;
  /** Mean cross-entropy on the held-out images. */
  readonly loss: number;
}

/** Builds the batches once (no augmentation: calibration draws the same images for every arch). */
export function prepareEvalData(data: ImageSet, setup: EvalSetup): EvalData {
  const { calibrationIndices, heldOutIndices, calibrationBatches, batchSize } = setup;
  checkField('supernet eval', 'batchSize', batchSize, POSITIVE_INTEGER);
  if (!EVAL_BN_MODES.includes(setup.bn)) throw new RangeError(`supernet eval: bn is ${JSON.stringify(setup.bn)}; use one of ${EVAL_BN_MODES.join(', ')}`);
  const batches = setup.bn === 'recalibrate' ? calibrationBatches : 0;
  if (setup.bn === 'recalibrate') checkField('supernet eval', 'calibrationBatches', calibrationBatches, POSITIVE_INTEGER);
  if (batches * batchSize > calibrationIndices.length) {
    throw new Error(`${calibrationBatches} calibration batches of ${batchSize} need ${calibrationBatches * batchSize} images; only ${calibrationIndices.length} given`);
  }
  if (heldOutIndices.length === 0) throw new Error('evaluation needs at least one held-out image');
  const opts = { resolution: setup.resolution, normalization: setup.normalization, augment: null };
  const picked = createRng(`${setup.seed}/calibration`).sampleIndices(calibrationIndices.length, batches * batchSize);
  const calibration: tf.Tensor4D[] = [];
  const heldOut: Batch[] = [];
  try {
    for (let b = 0; b < batches; b++) {
      const idx = Int32Array.from(picked.subarray(b * batchSize, (b + 1) * batchSize), (k) => calibrationIndices[k]!);
      const batch = makeBatch(data, idx, opts);
      batch.y.dispose();
      calibration.push(batch.x);
    }
    for (let start = 0; start < heldOutIndices.length; start += batchSize) {
      heldOut.push(makeBatch(data, heldOutIndices.subarray(start, start + batchSize), opts));
    }
  } catch (err) {
    tf.dispose([...calibration, ...heldOut.flatMap((b) => [b.x, b.y])]);
    throw err;
  }
  return {
    bn: setup.bn,
    calibration,
    heldOut,
    heldOutCount: heldOutIndices.length,
    dispose: () => tf.dispose([...calibration, ...heldOut.flatMap((b) => [b.x, b.y])]),
  };
}

/** Accuracy and loss of `arch` on the held-out batches (recalibrating its BN first when `data.bn` says so). */
export function evaluateArch(supernet: Nb201Supernet, arch: Nb201Arch, data: EvalData): ArchEvaluation {
  const batchStatistics = data.bn === 'batch-stats';
  if (!batchStatistics) supernet.recalibrateBn(arch, data.calibration);
  let correct = 0;
  let lossSum = 0;
  for (const { x, y } of data.heldOut) {
    const [hits, loss] = tf.tidy(() => {
      const logits = supernet.forward(x, arch, { training: false, batchStatistics });
      const right = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32'));
      const ce = tf.sum(tf.losses.softmaxCrossEntropy(tf.oneHot(y, logits.shape[1]), logits, undefined, undefined, tf.Reduction.NONE));
      return [right.dataSync()[0]!, ce.dataSync()[0]!];
    });
    correct += hits;
    lossSum += loss;
  }
  return { arch: nb201ToString(arch), accuracy: correct / data.heldOutCount, loss: lossSum / data.heldOutCount };
}

/** `evaluateArch` for each arch in order; yields to the event loop between archs so notebooks stay responsive. */
export async function evaluateArchs(
  supernet: Nb201Supernet,
  archs: readonly Nb201Arch[],
  data: EvalData,
  onProgress?: (done: number, total: number, result: ArchEvaluation) => void,
): Promise<ArchEvaluation[]> {
  const results: ArchEvaluation[] = [];
  for (const arch of archs) {
    const result = evaluateArch(supernet, arch, data);
    results.push(result);
    onProgress?.(results.length, archs.length, result);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return results;
}
