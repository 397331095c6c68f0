/**
 * The shared fit / predict / rank implementation of the GCN and siamese
 * predictors (see gcn.ts and siamese.ts for the two public factories).
 *
 * Training (official train_eval.py / nas_data_generator.py): every step draws
 * `batchSize` training architectures uniformly WITH replacement, the loss is
 * the Huber loss (δ 0.5) of the sigmoid output against the accuracy, summed
 * over the branches (the siamese Keras model has two outputs with one loss
 * each). Each phase gets a fresh Adam (Keras update rule, see adam.ts).
 * Gradients: `tf.variableGrads` over the model's own variable list.
 *
 * Ranking (official `SiameseRanking`): sort everything by the coarse branch,
 * then re-sort the best `rerankTop` of those by the fine branch. `predict`
 * returns the coarse branch (the one that needs no estimation code), in target
 * units; `predictFine` the fine branch.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradient functions; the union package registers them all on load.
import '@tensorflow/tfjs';
import { createRng } from '../core/rng.js';
import type { BenchRecord, FitReport, PredictorRequirement, Rng } from '../core/types.js';
import type { GraphEncoder } from '../encoders/graphOneHot.js';
import {
  ESTIMATION_CODE_LENGTH,
  fitEstimationCodeStats,
  standardiseEstimationCodes,
  type EstimationCodeStats,
} from '../encoders/estimationCode.js';
import { resolveGraphPredictorConfig, type GraphPredictorConfig } from './config.js';
import { createGraphNet, type GraphNet, type GraphNetInputs } from './graphNet.js';
import { adjacencyTensors } from './layers.js';
import { HostAdam } from './adam.js';
import { FitHooks } from './fitHooks.js';
import { argsortDescending, type GraphFitOptions, type GrowablePredictor, type RankOptions } from './types.js';

export interface GraphPredictorOptions<A> {
  readonly encoder: GraphEncoder<A>;
  readonly seed: number;
  readonly config?: Partial<GraphPredictorConfig>;
  readonly name?: string;
}

interface Variant {
  readonly kind: 'gcn' | 'siamese';
  readonly nsam: boolean;
}

export interface GraphFitReport extends FitReport {
  /** Training records at the end (initial + those added by `growth`). */
  readonly trainingSetSize: number;
  readonly stepsPerEpoch: number;
  /** Training steps, each one update of every batch-norm running statistic. */
  readonly steps: number;
  /**
   * Share of the initial batch-norm running statistics still in the
   * inference statistics at the end (Keras-style momentum m: m^steps). With
   * the official m = 0.997 a short schedule leaves most of the initial
   * values (mean 0, variance 1) in place: 24 epochs at N = 30 leave 0.79,
   * the official 200 epochs 0.16.
   */
  readonly bnInitialShare: number;
}

/** A fitted-or-not GCN / siamese predictor; `predictFine` only works for siamese ones. */
export interface GraphPredictor<A> extends GrowablePredictor<A> {
  fit(archs: readonly BenchRecord<A>[], targets: ArrayLike<number>, opts?: GraphFitOptions<A>): Promise<GraphFitReport>;
  readonly config: GraphPredictorConfig & { readonly growthPhase: number };
  /** The fine (estimation-code) branch, in target units. Siamese predictors only. */
  predictFine(archs: readonly BenchRecord<A>[]): Promise<Float32Array>;
  /** Estimation-code standardisation fitted on the last training set (siamese only). */
  readonly codeStats: EstimationCodeStats | undefined;
}

/** Encoded training rows, growable (BTS appends). */
interface TrainingRows {
  adj: Float32Array[];
  features: Float32Array[];
  code: Float32Array[];
  target: number[];
}

export function createGraphPredictorVariant<A>(variant: Variant, options: GraphPredictorOptions<A>): GraphPredictor<A> {
  const config = resolveGraphPredictorConfig(options.config);
  const { encoder, seed } = options;
  const siamese = variant.kind === 'siamese';
  const n = encoder.maxNodes;
  const numOps = encoder.numOpTypes;
  const codeLength = ESTIMATION_CODE_LENGTH;
  const requires: readonly PredictorRequirement[] = siamese ? ['estimationCode'] : [];
  const name = options.name ?? `${variant.kind}${variant.nsam ? '+nsam' : ''}`;
  let net: GraphNet | undefined;
  let codeStats: EstimationCodeStats | undefined;
  let disposed = false;

  const fittedNet = (what: string): GraphNet => {
    if (disposed) throw new Error(`${name}: ${what} after dispose()`);
    if (!net) throw new Error(`${name}: ${what} before fit()`);
    return net;
  };

  const scaledTargets = (records: readonly BenchRecord<A>[], targets: ArrayLike<number>): number[] => {
    if (targets.length !== records.length) {
      throw new Error(`${name}: ${records.length} records but ${targets.length} targets`);
    }
    return Array.from({ length: targets.length }, (_, i) => {
      const t = targets[i]! * config.targetScale;
      if (!Number.isFinite(t) || t < 0 || t > 1) {
        throw new Error(
          `${name}: target of record ${records[i]!.id} is ${targets[i]} (× targetScale ${config.targetScale} = ${t}); ` +
            'the output is a sigmoid, so scaled targets must lie in [0, 1] (set config.targetScale, e.g. 0.01 for percent)',
        );
      }
      return t;
    });
  };

  const appendRows = (rows: TrainingRows, records: readonly BenchRecord<A>[], targets: number[]): void => {
    const graphs = encoder.encodeArrays(records.map((r) => r.arch));
    const codes = siamese ? standardiseEstimationCodes(records, codeStats!) : undefined;
    records.forEach((_, b) => {
      rows.adj.push(graphs.adj.subarray(b * n * n, (b + 1) * n * n));
      rows.features.push(graphs.features.subarray(b * n * numOps, (b + 1) * n * numOps));
      if (codes) rows.code.push(codes.subarray(b * codeLength, (b + 1) * codeLength));
      rows.target.push(targets[b]!);
    });
  };

  const batchTensors = (rows: TrainingRows, picks: Int32Array): { inputs: GraphNetInputs; y: tf.Tensor1D } => {
    const size = picks.length;
    const adj = new Float32Array(size * n * n);
    const features = new Float32Array(size * n * numOps);
    const code = siamese ? new Float32Array(size * codeLength) : undefined;
    const y = new Float32Array(size);
    picks.forEach((p, b) => {
      adj.set(rows.adj[p]!, b * n * n);
      features.set(rows.features[p]!, b * n * numOps);
      if (code) code.set(rows.code[p]!, b * codeLength);
      y[b] = rows.target[p]!;
    });
    return {
      inputs: {
        graph: adjacencyTensors(adj, size, n),
        features: tf.tensor3d(features, [size, n, numOps]),
        code: code ? tf.tensor2d(code, [size, codeLength]) : undefined,
      },
      y: tf.tensor1d(y),
    };
  };

  const disposeInputs = (inputs: GraphNetInputs): void => {
    inputs.graph.adj.dispose();
    inputs.graph.adjT.dispose();
    inputs.graph.block.dispose();
    inputs.features.dispose();
    inputs.code?.dispose();
  };

  const trainStep = (model: GraphNet, optimizer: HostAdam, inputs: GraphNetInputs, y: tf.Tensor1D): number => {
    const vars = model.params.trainable;
    const { value, grads } = tf.variableGrads(() => {
      const out = model.both(inputs, true);
      const huber = (pred: tf.Tensor1D): tf.Scalar =>
        tf.losses.huberLoss(y, pred, undefined, config.huberDelta, tf.Reduction.MEAN) as tf.Scalar;
      return out.fine ? tf.add(huber(out.coarse), huber(out.fine)) : huber(out.coarse);
    }, vars);
    optimizer.apply(vars.map((v) => grads[v.name]));
    const lossValue = value.dataSync()[0]!;
    value.dispose();
    for (const g of Object.values(grads)) g.dispose();
    return lossValue;
  };

  /** Branch scores for `records` in chunks (inference mode), in training units. */
  const scoreBranch = (model: GraphNet, records: readonly BenchRecord<A>[], branch: 'coarse' | 'fine'): Float32Array => {
    const out = new Float32Array(records.length);
    for (let start = 0; start < records.length; start += config.predictBatch) {
      const chunk = records.slice(start, start + config.predictBatch);
      const graphs = encoder.encodeArrays(chunk.map((r) => r.arch));
      const scores = tf.tidy(() => {
        const inputs: GraphNetInputs = {
          graph: adjacencyTensors(graphs.adj, chunk.length, n),
          features: tf.tensor3d(graphs.features, [chunk.length, n, numOps]),
          code:
            branch === 'fine' ? tf.tensor2d(standardiseEstimationCodes(chunk, codeStats!), [chunk.length, codeLength]) : undefined,
        };
        return branch === 'fine' ? model.fine(inputs, false) : model.coarse(inputs, false);
      });
      const values = scores.dataSync() as Float32Array;
      scores.dispose();
      for (let i = 0; i < values.length; i++) {
        if (Number.isNaN(values[i]!)) throw new Error(`${name}: prediction for record ${chunk[i]!.id} is NaN (training diverged?)`);
      }
      out.set(values, start);
    }
    return out;
  };

  const rankWith = (model: GraphNet, records: readonly BenchRecord<A>[], opts?: RankOptions): Int32Array => {
    const order = argsortDescending(scoreBranch(model, records, 'coarse'));
    if (!siamese) return order;
    const top = Math.min(opts?.rerankTop ?? config.rerankTop, order.length);
    if (!Number.isInteger(top) || top < 0) throw new RangeError(`${name}: rerankTop must be an integer ≥ 0, got ${top}`);
    if (top === 0) return order;
    const head = Array.from(order.subarray(0, top));
    const fine = scoreBranch(model, head.map((i) => records[i]!), 'fine');
    const headOrder = argsortDescending(fine);
    const reranked = Int32Array.from(order);
    headOrder.forEach((h, pos) => {
      reranked[pos] = head[h]!;
    });
    return reranked;
  };

  const toTargetUnits = (scores: Float32Array): Float32Array => {
    if (config.targetScale !== 1) for (let i = 0; i < scores.length; i++) scores[i] = scores[i]! / config.targetScale;
    return scores;
  };

  const phaseEpochs = config.phases[config.growthPhase]!.epochs;

  const hooks = new FitHooks<A>();
  const predictor: GraphPredictor<A> = {
    name,
    requires,
    config,
    growthPhaseEpochs: phaseEpochs,
    get codeStats() {
      return codeStats;
    },

    async fit(records, targets, opts?: GraphFitOptions<A>): Promise<GraphFitReport> {
      if (disposed) throw new Error(`${name}: fit() after dispose()`);
      if (records.length === 0) throw new Error(`${name}: fit() needs at least one training record`);
      const initialTargets = scaledTargets(records, targets);
      // Refitting starts again from the seeded initialisation, so fit is reproducible.
      net?.dispose();
      net = undefined;
      // Standardisation of the codes: statistics of the records given here; records
      // added later by `growth` (BTS) are standardised with these same statistics.
      codeStats = siamese ? fitEstimationCodeStats(records, codeLength) : undefined;
      const model = createGraphNet({
        nodes: n,
        numOpTypes: numOps,
        hidden: config.hidden,
        nsam: variant.nsam,
        fineBranch: siamese,
        codeLength,
        separateFusionValue: config.separateFusionValue,
        bn: { momentum: config.bnMomentum, epsilon: config.bnEpsilon },
        seed,
      });
      net = model;
      const rows: TrainingRows = { adj: [], features: [], code: [], target: [] };
      appendRows(rows, records, initialTargets);

      const growth = opts?.growth;
      const plannedSize = growth ? growth.finalSize : records.length;
      if (!Number.isInteger(plannedSize) || plannedSize < records.length) {
        throw new Error(`${name}: growth.finalSize ${plannedSize} must be an integer ≥ the initial ${records.length} records`);
      }
      const stepsPerEpoch = config.stepsPerEpoch ?? Math.max(Math.floor(plannedSize / config.batchSize), 1);
      const rng: Rng = createRng(`graphPredictor/${seed}/batches`);
      const lossHistory: number[] = [];
      let epoch = 0;
      for (let phaseIndex = 0; phaseIndex < config.phases.length; phaseIndex++) {
        const phase = config.phases[phaseIndex]!;
        // A fresh optimizer per phase, as each Keras re-compile in the official code makes.
        const optimizer = new HostAdam(
          model.params.trainable,
          { learningRate: phase.learningRate, weightDecay: config.weightDecay },
          new Set(model.params.kernels),
        );
        for (let e = 0; e < phase.epochs; e++) {
          let sum = 0;
          for (let s = 0; s < stepsPerEpoch; s++) {
            const picks = new Int32Array(config.batchSize);
            for (let b = 0; b < picks.length; b++) picks[b] = rng.int(rows.target.length);
            const { inputs, y } = batchTensors(rows, picks);
            try {
              sum += trainStep(model, optimizer, inputs, y);
            } finally {
              disposeInputs(inputs);
              y.dispose();
            }
          }
          const loss = sum / stepsPerEpoch;
          if (!Number.isFinite(loss)) throw new Error(`${name}: training loss became ${loss} at epoch ${epoch + 1}`);
          lossHistory.push(loss);
          epoch++;
          opts?.onEpoch?.(epoch, loss);
          if (growth && phaseIndex === config.growthPhase) {
            const added = await growth.onEpochEnd({
              epochInPhase: e + 1,
              phaseEpochs: phase.epochs,
              rank: async (archs, rankOpts) => rankWith(model, archs, rankOpts),
            });
            if (added && added.records.length > 0) {
              appendRows(rows, added.records, scaledTargets(added.records, added.targets));
            }
          }
        }
      }
      const steps = epoch * stepsPerEpoch;
      return hooks.after(predictor, { epochs: epoch, lossHistory, trainingSetSize: rows.target.length, stepsPerEpoch, steps, bnInitialShare: config.bnMomentum ** steps });
    },

    onFitted(hook) {
      hooks.add(hook);
    },

    async predict(records) {
      return toTargetUnits(scoreBranch(fittedNet('predict()'), records, 'coarse'));
    },

    async predictFine(records) {
      if (!siamese) throw new Error(`${name}: predictFine() needs a siamese predictor`);
      return toTargetUnits(scoreBranch(fittedNet('predictFine()'), records, 'fine'));
    },

    async rank(records, opts) {
      return rankWith(fittedNet('rank()'), records, opts);
    },

    dispose() {
      net?.dispose();
      net = undefined;
      disposed = true;
    },
  };
  return predictor;
}
