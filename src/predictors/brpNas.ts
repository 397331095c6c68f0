/**
 * The BRP-NAS binary relation predictor (Dudziak et al., NeurIPS 2020;
 * official code SamsungLabs/eagle, predictors/gcn/gcn.py and
 * predictors/__main__.py, config acc_gcn_nasbench201_bin.yaml; read at c5cbe76).
 *
 * Network: `layers` graph convolutions of `hidden` units, out = A·(X·W) + b,
 * each followed by LayerNorm, ReLU and dropout; the embedding of a graph is
 * its global node's (row 0, see encoders/brpGraph.ts). A pair (g1, g2) is
 * scored by linear([e1 | e2]) → 2 → log-softmax: class 0 means "g1 is the
 * better one". Init as eagle's "thomas": W and b uniform in ±1/√(out
 * units); the pair layer PyTorch's default (±1/√fan-in); LayerNorm γ 1, β 0.
 *
 * Training (`train`): every ORDERED pair of distinct training cells, shuffled
 * each epoch, in batches of `batchSize` pairs; target of (i, j) = softmax of
 * (y_i, y_j) · targetScale; loss KL divergence summed over the batch; AdamW
 * (PyTorch rule) with a cosine schedule over the call's epochs, stepped per
 * epoch. After each epoch the loss over all training pairs in inference
 * mode is measured; after epoch `earlyStopAfter` it feeds early stopping
 * (patience `earlyStopPatience`). Kept weights: the last ones. (eagle keeps
 * `predictor.state_dict()` at the lowest loss, but that dict aliases the
 * live parameters, which AdamW updates in place, so the final
 * `load_state_dict` restores the current weights: the last epoch's.)
 *
 * Ranking (`rank`): eagle sorts with the predictor as the comparator
 * (Python `sorted` + `cmp_to_key`, on embeddings computed once). The pair
 * layer is linear, so its logit difference is d1(a) + d2(b) + c with
 * per-cell d1, d2: computed once per cell, then a TimSort (V8's
 * `Array.prototype.sort` is a port of CPython's) with that comparator.
 * `predict` returns each cell's position in that sort (higher is better),
 * as eagle's log file does.
 *
 * Deviations: float32 (eagle trains in float64; tfjs has no float64
 * kernels); dropout masks come from this predictor's seeded stream.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradient functions; the union package registers them all on load.
import '@tensorflow/tfjs';
import { FRACTION, NON_NEGATIVE, POSITIVE_INTEGER, checkField, checkOneOf } from '../core/checks.js';
import { createRng } from '../core/rng.js';
import type { BenchRecord, FitReport, Rng } from '../core/types.js';
import type { BrpGraphEncoder } from '../encoders/brpGraph.js';
import { FitHooks } from './fitHooks.js';
import { HostAdam } from './adam.js';
import { ModelParams } from './layers.js';
import type { ContinuablePredictor, TrainOptions } from './types.js';

export interface BrpNasConfig {
  readonly layers: number;
  readonly hidden: number;
  /** Dropout after every graph convolution (eagle 0.2). */
  readonly dropout: number;
  /** Epochs and pair batch of `fit` (eagle 250 / 64; the iterative search passes its own to `train`). */
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** AdamW's decoupled weight decay. */
  readonly weightDecay: number;
  readonly earlyStopPatience: number;
  /** Early stopping looks at epochs after this one (0-based, eagle: `epoch_no > 20`). */
  readonly earlyStopAfter: number;
  /**
   * Targets are multiplied by this before the pair softmax. eagle trained on
   * a "normalised" accuracy file (its README: normalising "does not change
   * results noticeably"); 1 on fractions keeps the targets in [0, 1].
   */
  readonly targetScale: number;
  /**
   * How a batch of pairs is run: 'per-pair' (eagle) runs both graphs of
   * every pair, each with its own dropout mask; 'per-cell' runs each
   * distinct cell of the batch once and pairs up the embeddings, so a cell
   * in several pairs of a batch shares one dropout mask. Same expected
   * gradient; the cost of an epoch falls from 2·N(N−1) graph passes to
   * about N per batch.
   */
  readonly pairForward: BrpPairForward;
  /** Cells per inference batch (memory only). */
  readonly predictBatch: number;
}

export const BRP_PAIR_FORWARDS = ['per-pair', 'per-cell'] as const;
export type BrpPairForward = (typeof BRP_PAIR_FORWARDS)[number];

export const DEFAULT_BRP_NAS_CONFIG: BrpNasConfig = Object.freeze({
  layers: 4,
  hidden: 600,
  dropout: 0.2,
  epochs: 250,
  batchSize: 64,
  learningRate: 3.5e-4,
  weightDecay: 5e-4,
  earlyStopPatience: 35,
  earlyStopAfter: 20,
  targetScale: 1,
  pairForward: 'per-pair',
  predictBatch: 1024,
});

const BRP_CONFIG_KEYS = Object.keys(DEFAULT_BRP_NAS_CONFIG);

export function resolveBrpNasConfig(overrides: Partial<BrpNasConfig> = {}): BrpNasConfig {
  const where = 'BRP-NAS config';
  for (const key of Object.keys(overrides)) {
    if (!BRP_CONFIG_KEYS.includes(key)) throw new RangeError(`${where}: unknown field ${JSON.stringify(key)} (fields: ${BRP_CONFIG_KEYS.join(', ')})`);
  }
  const c: BrpNasConfig = { ...DEFAULT_BRP_NAS_CONFIG, ...overrides };
  for (const f of ['layers', 'hidden', 'epochs', 'batchSize', 'earlyStopPatience', 'predictBatch'] as const) checkField(where, f, c[f], POSITIVE_INTEGER);
  checkField(where, 'earlyStopAfter', c.earlyStopAfter, { min: 0, integer: true });
  checkField(where, 'dropout', c.dropout, { ...FRACTION, max: 0.99 });
  checkField(where, 'learningRate', c.learningRate, { min: Number.MIN_VALUE });
  checkField(where, 'weightDecay', c.weightDecay, NON_NEGATIVE);
  checkField(where, 'targetScale', c.targetScale, { min: Number.MIN_VALUE });
  checkOneOf(where, 'pairForward', c.pairForward, BRP_PAIR_FORWARDS);
  return c;
}

export interface BrpTrainReport extends FitReport {
  /** Whether early stopping ended the call before its last epoch. */
  readonly stoppedEarly: boolean;
  readonly pairs: number;
  readonly steps: number;
}

export interface BrpNasPredictor<A> extends ContinuablePredictor<A> {
  readonly config: BrpNasConfig;
  /** Trainable parameters of the network (undefined before the first training). */
  readonly parameterCount: number | undefined;
  fit(archs: readonly BenchRecord<A>[], targets: ArrayLike<number>): Promise<BrpTrainReport>;
  train(archs: readonly BenchRecord<A>[], targets: ArrayLike<number>, opts: TrainOptions): Promise<BrpTrainReport>;
  /** Pair probabilities P(a better than b) from the fitted model, for inspection and tests. */
  pairProbabilities(a: readonly BenchRecord<A>[], b: readonly BenchRecord<A>[]): Promise<Float32Array>;
}

export interface BrpNasOptions<A> {
  readonly encoder: BrpGraphEncoder<A>;
  readonly seed: number;
  readonly config?: Partial<BrpNasConfig>;
  readonly name?: string;
}

interface BrpNet {
  readonly params: ModelParams;
  readonly weights: tf.Variable[];
  readonly biases: tf.Variable[];
  readonly gammas: tf.Variable[];
  readonly betas: tf.Variable[];
  /** [2·hidden, 2]: rows 0..hidden−1 see the first graph, the rest the second. */
  readonly pairKernel: tf.Variable;
  readonly pairBias: tf.Variable;
}

function createNet(rng: Rng, features: number, config: BrpNasConfig): BrpNet {
  const params = new ModelParams(rng);
  const { hidden } = config;
  const weights: tf.Variable[] = [];
  const biases: tf.Variable[] = [];
  const gammas: tf.Variable[] = [];
  const betas: tf.Variable[] = [];
  const thomas = 1 / Math.sqrt(hidden);
  for (let l = 0; l < config.layers; l++) {
    weights.push(params.uniform([l === 0 ? features : hidden, hidden], thomas));
    biases.push(params.uniform([hidden], thomas));
    gammas.push(params.constant(hidden, 1, true));
    betas.push(params.constant(hidden, 0, true));
  }
  const fanIn = 1 / Math.sqrt(2 * hidden);
  const pairKernel = params.uniform([2 * hidden, 2], fanIn);
  const pairBias = params.uniform([2], fanIn);
  return { params, weights, biases, gammas, betas, pairKernel, pairBias };
}

const LAYER_NORM_EPSILON = 1e-5;

export function createBrpNasPredictor<A>(options: BrpNasOptions<A>): BrpNasPredictor<A> {
  const config = resolveBrpNasConfig(options.config);
  const { encoder, seed } = options;
  const name = options.name ?? 'brp-nas';
  const n = encoder.nodes;
  const f = encoder.features;
  const H = config.hidden;
  let net: BrpNet | undefined;
  let trainRng: Rng | undefined;
  let disposed = false;

  const reset = (): BrpNet => {
    net?.params.dispose();
    net = createNet(createRng(`brpNas/${seed}/init`), f, config);
    trainRng = createRng(`brpNas/${seed}/train`);
    return net;
  };
  const live = (what: string): BrpNet => {
    if (disposed) throw new Error(`${name}: ${what} after dispose()`);
    if (!net) throw new Error(`${name}: ${what} before fit()`);
    return net;
  };

  /**
   * Global-node embeddings [G, H]. `masks` (training) holds one dropout
   * mask per layer, already scaled by 1/(1 − p); the last layer is computed
   * for the global node only, the one row anything reads.
   */
  const embed = (model: BrpNet, adj: tf.Tensor3D, x: tf.Tensor3D, masks?: readonly tf.Tensor[]): tf.Tensor2D => {
    const g = adj.shape[0];
    const globalRows = tf.slice(adj, [0, 0, 0], [g, 1, n]);
    let h: tf.Tensor3D = x;
    for (let l = 0; l < config.layers; l++) {
      const last = l === config.layers - 1;
      const width = h.shape[2];
      const support = tf.reshape(tf.matMul(tf.reshape(h, [g * n, width]), model.weights[l]!), [g, n, H]) as tf.Tensor3D;
      let out: tf.Tensor3D = tf.add(tf.matMul(last ? globalRows : adj, support), model.biases[l]!);
      const { mean, variance } = tf.moments(out, -1, true);
      out = tf.add(tf.mul(tf.mul(tf.sub(out, mean), tf.rsqrt(tf.add(variance, LAYER_NORM_EPSILON))), model.gammas[l]!), model.betas[l]!);
      out = tf.relu(out);
      if (masks) out = tf.mul(out, masks[l]!);
      h = out;
    }
    return tf.reshape(h.shape[1] === 1 ? h : tf.slice(h, [0, 0, 0], [g, 1, H]), [g, H]) as tf.Tensor2D;
  };

  const encodeTensors = (archs: readonly A[]): { adj: tf.Tensor3D; x: tf.Tensor3D } => {
    const e = encoder.encode(archs);
    return { adj: tf.tensor3d(e.adj, [archs.length, n, n]), x: tf.tensor3d(e.features, [archs.length, n, f]) };
  };

  /** Inference embeddings of `archs`, row-major [M, H]. */
  const embeddings = (model: BrpNet, archs: readonly A[]): Float32Array => {
    const out = new Float32Array(archs.length * H);
    for (let start = 0; start < archs.length; start += config.predictBatch) {
      const chunk = archs.slice(start, start + config.predictBatch);
      const values = tf.tidy(() => {
        const { adj, x } = encodeTensors(chunk);
        return embed(model, adj, x);
      });
      out.set(values.dataSync() as Float32Array, start * H);
      values.dispose();
    }
    for (let i = 0; i < out.length; i++) if (Number.isNaN(out[i]!)) throw new Error(`${name}: embedding of cell ${Math.floor(i / H)} of ${archs.length} is NaN (training diverged?)`);
    return out;
  };

  /**
   * Per-cell terms of the pair logit difference: logit0 − logit1 of (a, b)
   * = first[a] + second[b] + offset. `first`/`second` from the two halves of the pair kernel.
   */
  const comparatorTerms = (model: BrpNet, emb: Float32Array, count: number): { first: Float64Array; second: Float64Array; offset: number } => {
    const k = model.pairKernel.dataSync() as Float32Array;
    const b = model.pairBias.dataSync() as Float32Array;
    const first = new Float64Array(count);
    const second = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      let s1 = 0;
      let s2 = 0;
      for (let u = 0; u < H; u++) {
        const e = emb[i * H + u]!;
        s1 += e * (k[u * 2]! - k[u * 2 + 1]!);
        s2 += e * (k[(H + u) * 2]! - k[(H + u) * 2 + 1]!);
      }
      first[i] = s1;
      second[i] = s2;
    }
    return { first, second, offset: b[0]! - b[1]! };
  };

  /** Cells worst → best, as eagle's `sorted(..., key=cmp_to_key(compare))` orders them. */
  const sortAscending = (model: BrpNet, records: readonly BenchRecord<A>[]): number[] => {
    const emb = embeddings(model, records.map((r) => r.arch));
    const { first, second, offset } = comparatorTerms(model, emb, records.length);
    // A plain array: V8's Array.prototype.sort is TimSort (typed arrays sort differently).
    const order = Array.from({ length: records.length }, (_, i) => i);
    order.sort((a, b) => first[a]! + second[b]! + offset);
    return order;
  };

  /** Sum over all ordered pairs of KL(target ‖ predicted), inference mode (eagle's per-epoch training loss, before dividing by the pair count). */
  const pairLossAll = (model: BrpNet, emb: Float32Array, y: readonly number[]): number => {
    const count = y.length;
    const k = model.pairKernel.dataSync() as Float32Array;
    const b = model.pairBias.dataSync() as Float32Array;
    const p = new Float64Array(count * 4);
    for (let i = 0; i < count; i++) {
      for (let c = 0; c < 2; c++) {
        let s1 = 0;
        let s2 = 0;
        for (let u = 0; u < H; u++) {
          s1 += emb[i * H + u]! * k[u * 2 + c]!;
          s2 += emb[i * H + u]! * k[(H + u) * 2 + c]!;
        }
        p[i * 4 + c] = s1;
        p[i * 4 + 2 + c] = s2;
      }
    }
    let total = 0;
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < count; j++) {
        if (i === j) continue;
        const l0 = p[i * 4]! + p[j * 4 + 2]! + b[0]!;
        const l1 = p[i * 4 + 1]! + p[j * 4 + 3]! + b[1]!;
        total += pairKl(l0, l1, y[i]!, y[j]!);
      }
    }
    return total;
  };

  const scaled = (records: readonly BenchRecord<A>[], targets: ArrayLike<number>): number[] => {
    if (targets.length !== records.length) throw new Error(`${name}: ${records.length} records but ${targets.length} targets`);
    return Array.from({ length: targets.length }, (_, i) => {
      const t = targets[i]!;
      if (!Number.isFinite(t)) throw new Error(`${name}: target of record ${records[i]!.id} is ${t}`);
      return t * config.targetScale;
    });
  };

  const dropoutMasks = (rng: Rng, graphs: number): tf.Tensor[] => {
    const keep = 1 - config.dropout;
    return Array.from({ length: config.layers }, (_, l) => {
      const rows = l === config.layers - 1 ? 1 : n;
      const size = graphs * rows * H;
      const values = new Float32Array(size);
      if (config.dropout === 0) values.fill(1);
      else for (let i = 0; i < size; i++) values[i] = rng() < keep ? 1 / keep : 0;
      return tf.tensor3d(values, [graphs, rows, H]);
    });
  };

  const train = async (records: readonly BenchRecord<A>[], targets: ArrayLike<number>, opts: TrainOptions): Promise<BrpTrainReport> => {
    if (disposed) throw new Error(`${name}: train() after dispose()`);
    checkField(name, 'epochs', opts.epochs, POSITIVE_INTEGER);
    checkField(name, 'batchSize', opts.batchSize, POSITIVE_INTEGER);
    if (records.length < 2) throw new Error(`${name}: training needs at least 2 cells to form a pair, got ${records.length}`);
    const model = net ?? reset();
    const rng = trainRng!;
    const y = scaled(records, targets);
    const count = records.length;
    const encoded = encoder.encode(records.map((r) => r.arch));
    const pairs = count * (count - 1);
    const vars = model.params.trainable;
    const optimizer = new HostAdam(vars, { learningRate: config.learningRate, rule: 'torch', decoupledWeightDecay: config.weightDecay });
    const lossHistory: number[] = [];
    let best: number | undefined;
    let bad = 0;
    let steps = 0;
    let stoppedEarly = false;
    let epoch = 0;
    for (; epoch < opts.epochs; epoch++) {
      // CosineAnnealingLR(T_max = epochs, eta_min = 0), stepped once per epoch.
      optimizer.setLearningRate((config.learningRate * (1 + Math.cos((Math.PI * epoch) / opts.epochs))) / 2);
      const order = rng.shuffle(Array.from({ length: pairs }, (_, p) => p));
      for (let start = 0; start < pairs; start += opts.batchSize) {
        const batch = order.slice(start, start + opts.batchSize);
        const size = batch.length;
        // ProductList order: pair p = (i, j), i = ⌊p / (N−1)⌋, j = p mod (N−1), skipping i itself.
        const cells = new Int32Array(2 * size);
        const target0 = new Float32Array(size);
        batch.forEach((p, b) => {
          const i = Math.floor(p / (count - 1));
          let j = p % (count - 1);
          if (j >= i) j++;
          cells[b] = i;
          cells[size + b] = j;
          target0[b] = pairTarget(y[i]!, y[j]!);
        });
        // The graphs to run: each occurrence (eagle) or each distinct cell once ('per-cell').
        let graphCells: Int32Array;
        let firstRows: Int32Array;
        let secondRows: Int32Array;
        if (config.pairForward === 'per-cell') {
          const slot = new Map<number, number>();
          const rowOf = (c: number): number => {
            let r = slot.get(c);
            if (r === undefined) slot.set(c, (r = slot.size));
            return r;
          };
          firstRows = Int32Array.from(cells.subarray(0, size), rowOf);
          secondRows = Int32Array.from(cells.subarray(size), rowOf);
          graphCells = Int32Array.from(slot.keys());
        } else {
          graphCells = cells;
          firstRows = Int32Array.from({ length: size }, (_, b) => b);
          secondRows = Int32Array.from({ length: size }, (_, b) => size + b);
        }
        const graphs = graphCells.length;
        const adjValues = new Float32Array(graphs * n * n);
        const xValues = new Float32Array(graphs * n * f);
        graphCells.forEach((c, g) => {
          adjValues.set(encoded.adj.subarray(c * n * n, (c + 1) * n * n), g * n * n);
          xValues.set(encoded.features.subarray(c * n * f, (c + 1) * n * f), g * n * f);
        });
        const adj = tf.tensor3d(adjValues, [graphs, n, n]);
        const x = tf.tensor3d(xValues, [graphs, n, f]);
        const masks = dropoutMasks(rng, graphs);
        const rows1 = tf.tensor1d(firstRows, 'int32');
        const rows2 = tf.tensor1d(secondRows, 'int32');
        const t = tf.tensor2d(Float32Array.from({ length: 2 * size }, (_, k) => (k % 2 === 0 ? target0[k >> 1]! : 1 - target0[k >> 1]!)), [size, 2]);
        try {
          const { value, grads } = tf.variableGrads(() => {
            const e = embed(model, adj, x, masks);
            const pair = tf.concat([tf.gather(e, rows1), tf.gather(e, rows2)], 1);
            const logits = tf.add(tf.matMul(pair, model.pairKernel), model.pairBias);
            // KL(t ‖ p) summed = Σ t·log t − Σ t·log p; the first term has no gradient.
            return tf.neg(tf.sum(tf.mul(t, tf.logSoftmax(logits)))) as tf.Scalar;
          }, vars);
          optimizer.apply(vars.map((v) => grads[v.name]));
          value.dispose();
          for (const g of Object.values(grads)) g.dispose();
        } finally {
          tf.dispose([adj, x, t, rows1, rows2, ...masks]);
        }
        steps++;
      }
      const loss = pairLossAll(model, embeddings(model, records.map((r) => r.arch)), y) / pairs;
      if (!Number.isFinite(loss)) throw new Error(`${name}: training loss became ${loss} at epoch ${epoch + 1}`);
      lossHistory.push(loss);
      opts.onEpoch?.(epoch + 1, loss);
      if (epoch > config.earlyStopAfter) {
        if (best === undefined || loss < best) {
          best = loss;
          bad = 0;
        } else if (++bad >= config.earlyStopPatience) {
          stoppedEarly = epoch + 1 < opts.epochs;
          epoch++;
          break;
        }
      }
    }
    return { epochs: epoch, lossHistory, stoppedEarly, pairs, steps };
  };

  const hooks = new FitHooks<A>();
  const predictor: BrpNasPredictor<A> = {
    name,
    requires: [],
    config,
    get parameterCount() {
      return net?.params.trainable.reduce((sum, v) => sum + v.size, 0);
    },
    async train(records, targets, opts) {
      return hooks.after(predictor, await train(records, targets, opts));
    },
    async fit(records, targets) {
      reset();
      return hooks.after(predictor, await train(records, targets, { epochs: config.epochs, batchSize: config.batchSize }));
    },
    onFitted(hook) {
      hooks.add(hook);
    },
    async rank(records) {
      const ascending = sortAscending(live('rank()'), records);
      return Int32Array.from(ascending.reverse());
    },
    async predict(records) {
      const ascending = sortAscending(live('predict()'), records);
      const positions = new Float32Array(records.length);
      ascending.forEach((cell, position) => {
        positions[cell] = position;
      });
      return positions;
    },
    async pairProbabilities(a, b) {
      if (a.length !== b.length) throw new Error(`${name}: pairProbabilities needs as many first as second cells (${a.length} vs ${b.length})`);
      const model = live('pairProbabilities()');
      const ea = embeddings(model, a.map((r) => r.arch));
      const eb = embeddings(model, b.map((r) => r.arch));
      const ta = comparatorTerms(model, ea, a.length);
      const tb = comparatorTerms(model, eb, b.length);
      return Float32Array.from({ length: a.length }, (_, i) => 1 / (1 + Math.exp(-(ta.first[i]! + tb.second[i]! + ta.offset))));
    },
    dispose() {
      net?.params.dispose();
      net = undefined;
      disposed = true;
    },
  };
  return predictor;
}

/** P(first is better) target of a pair: softmax over (y1, y2), first component. */
export function pairTarget(y1: number, y2: number): number {
  return 1 / (1 + Math.exp(y2 - y1));
}

/** KL(target ‖ softmax(l0, l1)) for one pair with targets softmax(y1, y2). */
export function pairKl(l0: number, l1: number, y1: number, y2: number): number {
  const t0 = pairTarget(y1, y2);
  const t1 = 1 - t0;
  const top = Math.max(l0, l1);
  const logZ = top + Math.log(Math.exp(l0 - top) + Math.exp(l1 - top));
  const kl0 = t0 > 0 ? t0 * (Math.log(t0) - (l0 - logZ)) : 0;
  const kl1 = t1 > 0 ? t1 * (Math.log(t1) - (l1 - logZ)) : 0;
  return kl0 + kl1;
}
