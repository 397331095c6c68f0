/**
 * Layers shared by the graph predictors, written with tfjs-core ops and
 * explicit variables so that one `tf.variableGrads` call sees every weight.
 *
 * Structure follows the official Siamese-NAS code (graph_conv.py, modules.py,
 * neural_predictor.py):
 * - graph conv: A·(X·W) + b, glorot-uniform W, zero b (Keras defaults; b is
 *   dropped where batch norm follows, see `createGcnGroup`);
 * - GCN group: conv with A and conv with Aᵀ, each → batch norm → mish, averaged;
 * - batch norm: Keras semantics over the feature axis of [B, n, F] (statistics
 *   over batch and nodes, biased variance), momentum 0.997, epsilon 1e-4,
 *   moving statistics used at inference;
 * - node self-attention (NSAM) and estimation-code fusion: q, k, v from GCN
 *   groups, scores q·kᵀ masked by MULTIPLYING with A (and with Aᵀ), softmax
 *   over the last axis, both attended values added to the input, then one more
 *   GCN group (the official code masks by multiplication, so masked entries
 *   still take part in the softmax with score 0; kept as is).
 *
 * Speed: training runs at batch 8, where the cost is the number of tfjs ops,
 * not arithmetic (a plain tfjs-autodiff version ran ≈4,150 kernels per siamese
 * step; now ≈700). So a GCN group does its two convolutions as ONE matmul with the
 * kernels side by side, [W_A | W_Aᵀ], and ONE batched matmul with a block
 * adjacency that interleaves A and Aᵀ (see `blockAdjacency`); its two batch
 * norms are one batch norm over the 2H concatenated channels (per-channel
 * statistics, so identical to two separate ones), fused with mish under one
 * hand-written gradient; tests check all of it against plain tfjs autodiff.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../core/types.js';

/** Owns a model's variables: trainable weights (in a fixed order) and batch-norm state. */
export class ModelParams {
  readonly trainable: tf.Variable[] = [];
  readonly state: tf.Variable[] = [];
  /** Kernels (not biases, not batch-norm scales) for optional L2 weight decay. */
  readonly kernels: tf.Variable[] = [];
  /** Constant tensors the layers use. */
  readonly constants: tf.Tensor[] = [];

  constructor(private readonly rng: Rng) {}

  /**
   * `parts` glorot-uniform kernels [fanIn, fanOut] side by side → [fanIn, parts·fanOut],
   * each drawn with its own fan (as separate Keras layers would be). Values come
   * from this model's seeded stream, so they do not depend on the backend.
   */
  kernel(fanIn: number, fanOut: number, parts = 1): tf.Variable {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const width = parts * fanOut;
    const values = new Float32Array(fanIn * width);
    for (let p = 0; p < parts; p++) {
      for (let r = 0; r < fanIn; r++) {
        for (let c = 0; c < fanOut; c++) values[r * width + p * fanOut + c] = (2 * this.rng() - 1) * limit;
      }
    }
    // tidy releases the initial tensor; the variable keeps its data.
    const v = tf.tidy(() => tf.variable(tf.tensor2d(values, [fanIn, width]), true));
    this.trainable.push(v);
    this.kernels.push(v);
    return v;
  }

  /** A trainable variable of `shape` drawn uniformly from [−limit, limit] (PyTorch-style inits), from this model's stream. */
  uniform(shape: readonly number[], limit: number): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = (2 * this.rng() - 1) * limit;
    const v = tf.tidy(() => tf.variable(tf.tensor(values, [...shape]), true));
    this.trainable.push(v);
    if (shape.length > 1) this.kernels.push(v);
    return v;
  }

  constant(size: number, value: number, trainable: boolean): tf.Variable {
    const v = tf.tidy(() => tf.variable(tf.fill([size], value), trainable));
    (trainable ? this.trainable : this.state).push(v);
    return v;
  }

  /** Keeps `t` (made outside any tidy scope's reach) until `dispose()`. */
  fixed<T extends tf.Tensor>(t: T): T {
    this.constants.push(tf.keep(t));
    return t;
  }

  dispose(): void {
    for (const v of [...this.trainable, ...this.state, ...this.constants]) v.dispose();
    this.constants.length = 0;
    this.trainable.length = 0;
    this.state.length = 0;
    this.kernels.length = 0;
  }
}

export interface BatchNormOptions {
  readonly momentum: number;
  readonly epsilon: number;
}

/** Adjacency tensors of one batch, built once per forward pass. */
export interface GraphAdjacency {
  /** [B, n, n], A + I. */
  readonly adj: tf.Tensor3D;
  /** [B, n, n], its transpose. */
  readonly adjT: tf.Tensor3D;
  /** [B, 2n, 2n], see `blockAdjacency`. */
  readonly block: tf.Tensor3D;
}

/**
 * Block adjacency for the fused two-direction convolution: with H = X·[W_A | W_Aᵀ]
 * reshaped from [n, 2h] to [2n, h] (rows h_A(0), h_Aᵀ(0), h_A(1), …), one
 * product with this matrix gives rows A·h_A and Aᵀ·h_Aᵀ interleaved, which
 * reshape back to [n, 2h] = [A·h_A | Aᵀ·h_Aᵀ]. Entries: block[2i][2j] = A[i][j],
 * block[2i+1][2j+1] = A[j][i], zero elsewhere. Input and output are flat row-major.
 */
export function blockAdjacency(adj: Float32Array, count: number, n: number): Float32Array {
  const m = 2 * n;
  const out = new Float32Array(count * m * m);
  for (let b = 0; b < count; b++) {
    const a = b * n * n;
    const o = b * m * m;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        out[o + 2 * i * m + 2 * j] = adj[a + i * n + j]!;
        out[o + (2 * i + 1) * m + 2 * j + 1] = adj[a + j * n + i]!;
      }
    }
  }
  return out;
}

/** Transposes each n×n matrix of a flat [count, n, n] array. */
export function transposeAdjacency(adj: Float32Array, count: number, n: number): Float32Array {
  const out = new Float32Array(adj.length);
  for (let b = 0; b < count; b++) {
    const a = b * n * n;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[a + j * n + i] = adj[a + i * n + j]!;
  }
  return out;
}

/** Adjacency tensors from a flat [count, n, n] array of A + I. */
export function adjacencyTensors(adj: Float32Array, count: number, n: number): GraphAdjacency {
  return {
    adj: tf.tensor3d(adj, [count, n, n]),
    adjT: tf.tensor3d(transposeAdjacency(adj, count, n), [count, n, n]),
    block: tf.tensor3d(blockAdjacency(adj, count, n), [count, 2 * n, 2 * n]),
  };
}

export type NormActivation = (x: tf.Tensor2D, training: boolean) => tf.Tensor2D;

/**
 * mish(batchNorm(x)) over the columns of [M, C] (M = batch · nodes), Keras
 * batch-norm semantics: training normalises with the batch statistics (biased
 * variance) and moves the moving statistics toward them; inference uses the
 * moving statistics.
 *
 * Training uses one custom gradient for the pair: the batch-norm and mish
 * derivatives written out. tfjs's generic gradients of moments + batchNorm +
 * softplus/tanh launch about three times as many kernels.
 */
export function createBatchNormMish(params: ModelParams, channels: number, opts: BatchNormOptions): NormActivation {
  const gamma = params.constant(channels, 1, true);
  const beta = params.constant(channels, 0, true);
  const movingMean = params.constant(channels, 0, false);
  const movingVar = params.constant(channels, 1, false);
  const { momentum, epsilon } = opts;

  const train = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, g, b, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const mean = tf.mean(x, 0);
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), 0);
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const normalised = tf.mul(centred, invStd);
    const z = tf.add(tf.mul(normalised, g), b);
    const { s, t } = mishParts(z);
    // Moving statistics are state, not weights: updating them inside the custom
    // op keeps the update off the gradient tape.
    movingMean.assign(tf.add(tf.mul(movingMean, momentum), tf.mul(mean, 1 - momentum)));
    movingVar.assign(tf.add(tf.mul(movingVar, momentum), tf.mul(variance, 1 - momentum)));
    save([normalised, invStd, g, z, s, t]);
    return {
      value: tf.mul(z, t) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [xhat, inv, scale, zs, ss, ts] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        // mish'(z) = t + z · sigmoid(z) · (1 − t²), t = tanh(softplus(z))
        const dz = tf.mul(dy, tf.add(ts, tf.mul(tf.mul(zs, ss), tf.sub(1, tf.square(ts)))));
        const dBeta = tf.sum(dz, 0);
        const dGamma = tf.sum(tf.mul(dz, xhat), 0);
        const dxhat = tf.mul(dz, scale);
        // dx = inv · (dxhat − mean(dxhat) − xhat · mean(dxhat · xhat)), and mean(dxhat · xhat) = dGamma · scale / M.
        const m = xhat.shape[0];
        const dx = tf.mul(tf.sub(tf.sub(dxhat, tf.mean(dxhat, 0)), tf.mul(xhat, tf.mul(dGamma, tf.div(scale, m)))), inv);
        return [dx, dGamma, dBeta];
      },
    };
  });

  return (x, training) => {
    if (training) return train(x, gamma, beta);
    const scaleNow = tf.mul(tf.rsqrt(tf.add(movingVar, epsilon)), gamma);
    return mish(tf.add(tf.mul(tf.sub(x, movingMean), scaleNow), beta)) as tf.Tensor2D;
  };
}

/**
 * sigmoid(z) and tanh(softplus(z)) computed from the sigmoid alone:
 * with u = 1 − sigmoid(z), tanh(softplus(z)) = (1 − u²) / (1 + u²), stable for
 * any z. Why: the wasm backend's softplus and tanh are scalar loops ≈20× slower
 * than its vectorised sigmoid, and inference over a whole space is all
 * elementwise work of this kind.
 */
function mishParts<T extends tf.Tensor>(z: T): { s: T; t: T } {
  const s = tf.sigmoid(z);
  const u2 = tf.square(tf.sub(1, s));
  return { s, t: tf.div(tf.sub(1, u2), tf.add(1, u2)) };
}

/** mish(x) = x · tanh(softplus(x)), the activation of every GCN group. */
export function mish<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, mishParts(x).t);
}

export type GcnGroup = (g: GraphAdjacency, x: tf.Tensor3D, training: boolean) => tf.Tensor3D;

/**
 * GCN group: (mish(BN(A·X·W_A)) + mish(BN(Aᵀ·X·W_Aᵀ))) / 2, [B, n, inDim] → [B, n, units].
 * The official convolutions also add a bias before the batch norm; batch norm
 * subtracts the batch mean, so that bias has an exactly zero gradient, never
 * moves from its zero initialisation, and is left out.
 */
export function createGcnGroup(params: ModelParams, inDim: number, units: number, bn: BatchNormOptions): GcnGroup {
  const kernel = params.kernel(inDim, units, 2);
  const normAct = createBatchNormMish(params, 2 * units, bn);
  const average = params.fixed(averageHalves(units));
  return (g, x, training) => {
    const [b, n] = x.shape;
    const h = tf.reshape(tf.matMul(tf.reshape(x, [b * n, inDim]), kernel), [b, 2 * n, units]);
    const conv = tf.reshape(tf.matMul(g.block, h), [b * n, 2 * units]) as tf.Tensor2D;
    return tf.reshape(tf.matMul(normAct(conv, training), average), [b, n, units]) as tf.Tensor3D;
  };
}

// [2h, h] constant [½I; ½I]: averages the two halves with one 2-D matmul (one
// kernel forward, one backward) instead of reshape + mean and their gradients.
function averageHalves(units: number): tf.Tensor2D {
  const values = new Float32Array(2 * units * units);
  for (let i = 0; i < units; i++) {
    values[i * units + i] = 0.5;
    values[(units + i) * units + i] = 0.5;
  }
  return tf.tensor2d(values, [2 * units, units]);
}

/**
 * Adjacency-masked attention shared by NSAM and the estimation fusion:
 * feats + softmax(q·kᵀ ⊙ A)·v + softmax(q·kᵀ ⊙ Aᵀ)·v.
 */
function maskedAttention(g: GraphAdjacency, feats: tf.Tensor3D, q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D): tf.Tensor3D {
  const scores = tf.matMul(q, k, false, true);
  const forward = tf.matMul(tf.softmax(tf.mul(scores, g.adj)), v);
  const backward = tf.matMul(tf.softmax(tf.mul(scores, g.adjT)), v);
  return tf.add(tf.add(feats, forward), backward);
}

/** NSAM: node self-attention with q, k, v and output GCN groups of width `units`. */
export function createNodeSelfAttention(params: ModelParams, units: number, bn: BatchNormOptions): GcnGroup {
  const query = createGcnGroup(params, units, units, bn);
  const key = createGcnGroup(params, units, units, bn);
  const value = createGcnGroup(params, units, units, bn);
  const out = createGcnGroup(params, units, units, bn);
  return (g, feats, training) => {
    const q = query(g, feats, training);
    const k = key(g, feats, training);
    const v = value(g, feats, training);
    return out(g, maskedAttention(g, feats, q, k, v), training);
  };
}

export type EstimationFusion = (g: GraphAdjacency, feats: tf.Tensor3D, code: tf.Tensor2D, training: boolean) => tf.Tensor3D;

export interface EstimationFusionOptions {
  readonly nodes: number;
  readonly units: number;
  readonly codeLength: number;
  readonly bn: BatchNormOptions;
  /**
   * The official code computes the values with the QUERY group (its value
   * group is built but never used), so v = q. `true` gives v its own group.
   */
  readonly separateValue: boolean;
}

/**
 * Fine-branch fusion of the estimation code into graph features: the code goes
 * through a dense layer to [n, units] keys (→ BN → mish → GCN group); queries
 * (and values) come from the graph features; adjacency-masked attention; GCN group.
 */
export function createEstimationFusion(params: ModelParams, opts: EstimationFusionOptions): EstimationFusion {
  const { nodes, units, codeLength, bn } = opts;
  const denseKernel = params.kernel(codeLength, nodes * units);
  const denseBias = params.constant(nodes * units, 0, true);
  const keyNormAct = createBatchNormMish(params, units, bn);
  const keyGroup = createGcnGroup(params, units, units, bn);
  const queryGroup = createGcnGroup(params, units, units, bn);
  const valueGroup = opts.separateValue ? createGcnGroup(params, units, units, bn) : undefined;
  const out = createGcnGroup(params, units, units, bn);
  return (g, feats, code, training) => {
    const batch = feats.shape[0];
    const keyIn = tf.reshape(tf.add(tf.matMul(code, denseKernel), denseBias), [batch * nodes, units]) as tf.Tensor2D;
    const keyAct = tf.reshape(keyNormAct(keyIn, training), [batch, nodes, units]) as tf.Tensor3D;
    const k = keyGroup(g, keyAct, training);
    const q = queryGroup(g, feats, training);
    const v = valueGroup ? valueGroup(g, feats, training) : q;
    return out(g, maskedAttention(g, feats, q, k, v), training);
  };
}

/** Output layer shared by both siamese branches: mean over features → dense(n → 1) → sigmoid. */
export function createAccuracyHead(params: ModelParams, nodes: number): (x: tf.Tensor3D) => tf.Tensor1D {
  const kernel = params.kernel(nodes, 1);
  const bias = params.constant(1, 0, true);
  return (x) => {
    const pooled = tf.mean(x, -1) as tf.Tensor2D;
    return tf.reshape(tf.sigmoid(tf.add(tf.matMul(pooled, kernel), bias)), [-1]) as tf.Tensor1D;
  };
}
