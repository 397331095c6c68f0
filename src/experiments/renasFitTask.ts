/**
 * One ReNAS run's heavy part — fit a predictor on some rows of an encoded
 * benchmark and score every row — as a plain function of typed arrays, so it
 * runs the same in the calling thread or in a worker thread (renasRunTask.ts calls it).
 */
import type { RenasTensor } from '../encoders/renasTensor.js';
import { RenasPredictor, type RenasFitReport, type RenasPredictorOverrides, type RenasPredictorState } from '../predictors/renas.js';

export interface RenasFitTask {
  readonly seed: number;
  /** Rows of the encoded benchmark to train on. */
  readonly trainIndices: Int32Array;
  /** Target of each training row, in `trainIndices` order. */
  readonly trainTargets: Float64Array;
  readonly predictor: RenasPredictorOverrides;
  /** Also return the fitted predictor (`RenasPredictor.exportState`), e.g. to rank the whole space with it. */
  readonly returnState?: boolean;
}

export interface RenasFitOutcome {
  /** Score of every row of the encoded benchmark (training rows included). */
  readonly predictions: Float32Array;
  readonly report: Omit<RenasFitReport, 'lossHistory' | 'trainTauHistory'> & {
    readonly lossHistory: number[];
    readonly trainTauHistory: number[];
  };
  /** Wall-clock seconds of fit + predict. */
  readonly seconds: number;
  readonly state?: RenasPredictorState;
}

/**
 * Fits a `RenasPredictor` on `task.trainIndices` of `encoded` (raw NCHW
 * encodings of `count` architectures of `tensor`, NAS-Bench-101's when not
 * given) and predicts all `count` rows.
 */
export async function runRenasFitTask<A>(encoded: Float32Array, count: number, task: RenasFitTask, tensor?: RenasTensor<A>): Promise<RenasFitOutcome> {
  const started = performance.now();
  const n = task.trainIndices.length;
  if (task.trainTargets.length !== n) throw new RangeError(`ReNAS task: ${n} training rows but ${task.trainTargets.length} targets`);
  const predictor = new RenasPredictor<A>(task.seed, task.predictor, tensor);
  try {
    const features = predictor.features;
    if (encoded.length !== count * features) {
      throw new RangeError(`ReNAS task: ${encoded.length} floats for ${count} architectures of the ${predictor.tensor.name} tensor (expected ${count * features})`);
    }
    const rows = new Float32Array(n * features);
    for (let k = 0; k < n; k++) {
      const i = task.trainIndices[k]!;
      if (!(i >= 0 && i < count)) throw new RangeError(`ReNAS task: training row ${i} is outside 0..${count - 1}`);
      rows.set(encoded.subarray(i * features, (i + 1) * features), k * features);
    }
    const report = await predictor.fitEncoded(rows, task.trainTargets);
    const predictions = new Float32Array(count);
    const chunk = predictor.config.predictBatch;
    const scratch = new Float32Array(Math.min(chunk, count) * features);
    for (let start = 0; start < count; start += chunk) {
      const end = Math.min(count, start + chunk);
      predictions.set(predictor.predictEncoded(encoded.subarray(start * features, end * features), end - start, scratch), start);
    }
    return {
      predictions,
      report: { ...report, lossHistory: [...report.lossHistory], trainTauHistory: [...report.trainTauHistory] },
      seconds: (performance.now() - started) / 1000,
      state: task.returnState ? predictor.exportState() : undefined,
    };
  } finally {
    predictor.dispose();
  }
}
