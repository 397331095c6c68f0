/**
 * The ReNAS predictor network (Xu et al., CVPR 2021): a LeNet-like CNN on the
 * 19x7x7 feature tensor, in NHWC for tfjs:
 *   conv 19→38 3x3 pad 1 + BN + ReLU → conv 38→128 3x3 + BN + ReLU
 *   → flatten → FC 120 + ReLU → FC 84 + ReLU → FC 1.
 * conv2 has padding 1 in the official code (`conv2Padding: 'same'`: flatten
 * 7·7·128 = 6,272, 813,615 parameters); `'valid'` (flatten 5·5·128 = 3,200,
 * 444,975 parameters) is what this project used before the audit, kept as
 * a measured switch. Other tensors (NAS-Bench-201's 31x4x4,
 * encoders/renasTensor201.ts) keep the layers and widths, with conv1 at twice
 * the input channels (31→62) and the flatten at side²·128.
 *
 * Initialisation follows PyTorch's defaults (the official code is PyTorch):
 * weights and biases U(−1/√fanIn, 1/√fanIn), BN scale 1 / offset 0, drawn
 * from the model's seeded stream so results do not depend on the backend.
 * The convolutions have no bias: batch norm right after cancels it exactly.
 * BN as PyTorch: batch statistics while training, running statistics
 * (momentum 0.1, unbiased variance, eps 1e-5) at inference.
 *
 * Why hand-written gradients (tf.customGrad) instead of plain autodiff: on the
 * wasm backend (tfjs 4.22) the stock gradients were the bottleneck, measured at
 * batch 424: matMul with a transposed operand runs ~15x slower than an explicit
 * transpose followed by matMul (FC 3200→120: 430–570 ms vs 30–40 ms), and the
 * FusedBatchNorm gradient spends most of its time in Tile. The custom
 * gradients below use explicit transposes, closed-form batch-norm backward and
 * an im2col filter gradient; a whole training step went from ~3.8 s to ~0.5 s
 * of CPU. `test/renas.test.ts` checks them against tf autodiff.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../core/types.js';
import { RENAS_NB101_SHAPE, checkRenasShape, type RenasTensorShape } from '../encoders/renasTensor.js';

export type RenasConv2Padding = 'same' | 'valid';

export interface RenasNetOptions {
  readonly bnMomentum: number;
  readonly bnEpsilon: number;
  readonly conv2Padding: RenasConv2Padding;
  /** The input tensor (default NAS-Bench-101's 19 x 7 x 7); conv1 has twice its channels, as 19 → 38 in the official net. */
  readonly input?: RenasTensorShape;
}

const C2 = 128;
const FC1 = 120;
const FC2 = 84;

/** A plain-number copy of every variable (weights and BN running statistics). */
export type RenasNetSnapshot = Float32Array[];

/** im2col of a 3x3 stride-1 convolution over an already padded NHWC input: [B·o·o, 9·C], taps in (dy, dx) order. */
function im2col3x3(x: tf.Tensor4D, outSide: number): tf.Tensor2D {
  const [b, , , c] = x.shape;
  // On the CPU-side backends one copy loop over the (small, 7x7) input
  // replaces 9 slices + a channel concat, which tf.profile put at ~20 % of a
  // ReNAS training step on wasm; elsewhere (GPU) the data stays on the device.
  if (onCpuSideBackend()) return tf.tensor2d(im2col3x3Values(x.dataSync() as Float32Array, x.shape, outSide), [b * outSide * outSide, 9 * c]);
  const taps: tf.Tensor4D[] = [];
  for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) taps.push(tf.slice(x, [0, dy, dx, 0], [b, outSide, outSide, c]));
  return tf.reshape(tf.concat(taps, 3), [b * outSide * outSide, 9 * c]);
}

/** Whether tensors live in (wasm or JS) CPU memory, where reading them back is a plain copy. */
function onCpuSideBackend(): boolean {
  const backend = tf.getBackend();
  return backend === 'wasm' || backend === 'cpu';
}

/**
 * Input gradient of a 3x3 stride-1 valid conv: the patch gradients dy · Wᵀ
 * ([B·o·o, 9·Cin], one matMul), summed back onto the input (col2im).
 */
function conv3x3InputGradByCol2im(dy: tf.Tensor4D, w: tf.Tensor4D, inputShape: [number, number, number, number]): tf.Tensor4D {
  const [, outSide, , cout] = dy.shape;
  const cin = w.shape[2];
  const patchGrads = tf.tidy(() => tf.matMul(tf.reshape(dy, [-1, cout]) as tf.Tensor2D, tf.transpose(tf.reshape(w, [9 * cin, cout]))));
  const values = col2im3x3Values(patchGrads.dataSync() as Float32Array, inputShape, outSide);
  patchGrads.dispose();
  return tf.tensor4d(values, inputShape);
}

/**
 * Where each tap of each patch starts in NHWC data of `shape`, in im2col row
 * order ((n, y, x) rows, (dy, dx) taps): the one walk both im2col and col2im use.
 */
function patchTapOffsets(shape: readonly [number, number, number, number], outSide: number): Int32Array {
  const [b, h, w, c] = shape;
  const offsets = new Int32Array(b * outSide * outSide * 9);
  let t = 0;
  for (let n = 0; n < b; n++)
    for (let y = 0; y < outSide; y++)
      for (let xx = 0; xx < outSide; xx++)
        for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) offsets[t++] = ((n * h + y + dy) * w + xx + dx) * c;
  return offsets;
}

/** The inverse scatter of `im2col3x3Values`: adds each patch row back onto an NHWC array of `shape`. */
export function col2im3x3Values(cols: Float32Array, shape: readonly [number, number, number, number], outSide: number): Float32Array {
  const c = shape[3];
  const out = new Float32Array(shape[0] * shape[1] * shape[2] * c);
  const offsets = patchTapOffsets(shape, outSide);
  for (let t = 0, o = 0; t < offsets.length; t++, o += c) {
    const to = offsets[t]!;
    for (let k = 0; k < c; k++) out[to + k]! += cols[o + k]!;
  }
  return out;
}

/** The values of `im2col3x3` from NHWC data of shape [b, h, w, c]. */
export function im2col3x3Values(x: Float32Array, shape: readonly [number, number, number, number], outSide: number): Float32Array {
  const c = shape[3];
  const offsets = patchTapOffsets(shape, outSide);
  const cols = new Float32Array(offsets.length * c);
  for (let t = 0; t < offsets.length; t++) cols.set(x.subarray(offsets[t]!, offsets[t]! + c), t * c);
  return cols;
}

/** Filter gradient of a 3x3 stride-1 conv: patchesᵀ · dy, reshaped to [3, 3, Cin, Cout]. */
function conv3x3FilterGrad(xPadded: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor4D {
  const [, outSide, , cout] = dy.shape;
  const cin = xPadded.shape[3];
  const cols = im2col3x3(xPadded, outSide);
  const dw = tf.matMul(tf.transpose(cols), tf.reshape(dy, [-1, cout]) as tf.Tensor2D);
  return tf.reshape(dw, [3, 3, cin, cout]);
}

/**
 * `tf.customGrad` with the inputs as one array (its own signature takes a rest
 * parameter mixing tensors and the save function, awkward under strict types).
 */
function withGradient<T extends tf.Tensor>(
  f: (inputs: tf.Tensor[], save: tf.GradSaveFunc) => { value: T; gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor[] },
): (...inputs: tf.Tensor[]) => T {
  const op = tf.customGrad<T>((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    return f(args as tf.Tensor[], save);
  });
  return (...inputs) => op(...inputs);
}

/** x·w + b with gradients that never ask the backend for a transposed matMul operand. */
const denseOp = withGradient<tf.Tensor2D>(([a, w, b], save) => {
  save([a!, w!]);
  return {
    value: tf.add(tf.matMul(a as tf.Tensor2D, w as tf.Tensor2D), b!) as tf.Tensor2D,
    gradFunc: (dy, saved) => {
      const [a2, w2] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy, tf.transpose(w2)), tf.matMul(tf.transpose(a2), dy), tf.sum(dy, 0)];
    },
  };
});

export class RenasNet {
  readonly trainable: tf.Variable[];
  /** BN running statistics: [mean1, var1, mean2, var2]. */
  readonly state: tf.Variable[];
  private readonly w1: tf.Variable;
  private readonly g1: tf.Variable;
  private readonly b1: tf.Variable;
  private readonly w2: tf.Variable;
  private readonly g2: tf.Variable;
  private readonly b2: tf.Variable;
  private readonly fw1: tf.Variable;
  private readonly fb1: tf.Variable;
  private readonly fw2: tf.Variable;
  private readonly fb2: tf.Variable;
  private readonly fw3: tf.Variable;
  private readonly fb3: tf.Variable;
  private readonly rm1: tf.Variable;
  private readonly rv1: tf.Variable;
  private readonly rm2: tf.Variable;
  private readonly rv2: tf.Variable;
  private readonly bnTrain: (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor2D;
  private pendingStats: { mean: tf.Tensor1D; variance: tf.Tensor1D; count: number }[] = [];
  /** Side of conv2's output (7 with padding, 5 without) and the flatten width. */
  private readonly side2: number;
  readonly input: RenasTensorShape;
  /** conv1's output channels (2 × input channels: 38 for NAS-Bench-101). */
  private readonly c1: number;
  private readonly flat: number;

  constructor(
    rng: Rng,
    readonly options: RenasNetOptions,
  ) {
    if (options.conv2Padding !== 'same' && options.conv2Padding !== 'valid') {
      throw new RangeError(`RenasNet: conv2Padding must be 'same' or 'valid', got ${JSON.stringify(options.conv2Padding)}`);
    }
    const input = options.input ?? RENAS_NB101_SHAPE;
    checkRenasShape(`RenasNet input (conv2Padding ${options.conv2Padding})`, input, options.conv2Padding === 'same' ? 1 : 3);
    this.input = { channels: input.channels, side: input.side };
    this.c1 = 2 * input.channels;
    const C1 = this.c1;
    this.side2 = options.conv2Padding === 'same' ? input.side : input.side - 2;
    this.flat = this.side2 * this.side2 * C2;
    const uniform = (shape: number[], fanIn: number, name: string): tf.Variable => {
      const bound = 1 / Math.sqrt(fanIn);
      const size = shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(size);
      for (let i = 0; i < size; i++) values[i] = (2 * rng() - 1) * bound;
      return tf.variable(tf.tensor(values, shape), true, `${name}_${variableCounter++}`);
    };
    const constant = (size: number, value: number, trainable: boolean, name: string): tf.Variable =>
      tf.variable(tf.fill([size], value), trainable, `${name}_${variableCounter++}`);
    this.w1 = uniform([3, 3, input.channels, C1], 9 * input.channels, 'renas_conv1');
    this.g1 = constant(C1, 1, true, 'renas_bn1_gamma');
    this.b1 = constant(C1, 0, true, 'renas_bn1_beta');
    this.w2 = uniform([3, 3, C1, C2], 9 * C1, 'renas_conv2');
    this.g2 = constant(C2, 1, true, 'renas_bn2_gamma');
    this.b2 = constant(C2, 0, true, 'renas_bn2_beta');
    this.fw1 = uniform([this.flat, FC1], this.flat, 'renas_fc1_w');
    this.fb1 = uniform([FC1], this.flat, 'renas_fc1_b');
    this.fw2 = uniform([FC1, FC2], FC1, 'renas_fc2_w');
    this.fb2 = uniform([FC2], FC1, 'renas_fc2_b');
    this.fw3 = uniform([FC2, 1], FC2, 'renas_fc3_w');
    this.fb3 = uniform([1], FC2, 'renas_fc3_b');
    this.rm1 = constant(C1, 0, false, 'renas_bn1_mean');
    this.rv1 = constant(C1, 1, false, 'renas_bn1_var');
    this.rm2 = constant(C2, 0, false, 'renas_bn2_mean');
    this.rv2 = constant(C2, 1, false, 'renas_bn2_var');
    this.trainable = [this.w1, this.g1, this.b1, this.w2, this.g2, this.b2, this.fw1, this.fb1, this.fw2, this.fb2, this.fw3, this.fb3];
    this.state = [this.rm1, this.rv1, this.rm2, this.rv2];
    this.bnTrain = this.makeBatchNorm();
  }

  /** Number of trainable parameters (for reports). */
  get numParams(): number {
    return this.trainable.reduce((a, v) => a + v.size, 0);
  }

  /**
   * Training-mode forward pass on NHWC input [B, 7, 7, 19] → [B] scores, with
   * batch statistics; the running statistics are updated by `commitBatchStats`
   * once the step's gradients are taken. Call inside `tf.variableGrads`.
   */
  forwardTrain(x: tf.Tensor4D): tf.Tensor1D {
    const batch = x.shape[0];
    const xPadded = tf.pad(x, PAD1) as tf.Tensor4D;
    // The input needs no gradient, so conv1 closes over it and differentiates w1 only.
    // (Saved explicitly: tensors made in the forward pass are freed before the backward pass unless saved.)
    const conv1 = withGradient<tf.Tensor4D>(([w], save) => {
      save([xPadded]);
      return {
        value: tf.conv2d(xPadded, w as tf.Tensor4D, 1, 'valid'),
        gradFunc: (dy, saved) => [conv3x3FilterGrad(saved[0] as tf.Tensor4D, dy)],
      };
    });
    let h: tf.Tensor4D = conv1(this.w1);
    h = tf.reshape(tf.relu(this.bnTrain(tf.reshape(h, [-1, this.c1]), this.g1, this.b1)), [batch, this.input.side, this.input.side, this.c1]);
    // 'same': zero-pad, then the valid conv (its input gradient is sliced back by tf.pad's gradient).
    h = conv2Op(this.options.conv2Padding === 'same' ? (tf.pad(h, PAD1) as tf.Tensor4D) : h, this.w2);
    const z = tf.relu(this.bnTrain(tf.reshape(h, [-1, C2]), this.g2, this.b2));
    return this.head(tf.reshape(z, [batch, this.flat]));
  }

  /** Inference forward pass (running statistics) on NHWC input → [B] scores. */
  forwardInfer(x: tf.Tensor4D): tf.Tensor1D {
    return tf.tidy(() => {
      const batch = x.shape[0];
      const eps = this.options.bnEpsilon;
      let h = tf.conv2d(x, this.w1 as tf.Tensor4D, 1, 'same');
      h = tf.relu(tf.batchNorm4d(h, this.rm1 as tf.Tensor1D, this.rv1 as tf.Tensor1D, this.b1 as tf.Tensor1D, this.g1 as tf.Tensor1D, eps));
      h = tf.conv2d(h, this.w2 as tf.Tensor4D, 1, this.options.conv2Padding);
      h = tf.relu(tf.batchNorm4d(h, this.rm2 as tf.Tensor1D, this.rv2 as tf.Tensor1D, this.b2 as tf.Tensor1D, this.g2 as tf.Tensor1D, eps));
      return this.head(tf.reshape(h, [batch, this.flat]));
    });
  }

  private head(flat: tf.Tensor2D): tf.Tensor1D {
    let z = tf.relu(denseOp(flat, this.fw1 as tf.Tensor2D, this.fb1 as tf.Tensor1D));
    z = tf.relu(denseOp(z, this.fw2 as tf.Tensor2D, this.fb2 as tf.Tensor1D));
    return tf.reshape(denseOp(z, this.fw3 as tf.Tensor2D, this.fb3 as tf.Tensor1D), [-1]);
  }

  /**
   * Batch norm over the rows of [N, C] with batch statistics and the
   * closed-form backward pass: dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂)).
   * The batch statistics are kept for `commitBatchStats`.
   */
  private makeBatchNorm(): (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor2D {
    const eps = this.options.bnEpsilon;
    return withGradient<tf.Tensor2D>(([x, gamma, beta], save) => {
      const n = x!.shape[0]!;
      const mean = tf.mean(x!, 0) as tf.Tensor1D;
      const centred = tf.sub(x!, mean);
      const variance = tf.mean(tf.square(centred), 0) as tf.Tensor1D;
      const invStd = tf.rsqrt(tf.add(variance, eps));
      const xhat = tf.mul(centred, invStd);
      this.pendingStats.push({ mean: tf.keep(mean), variance: tf.keep(variance), count: n });
      save([xhat, invStd, gamma!]);
      return {
        value: tf.add(tf.mul(xhat, gamma!), beta!) as tf.Tensor2D,
        gradFunc: (dy, saved) => {
          const [xh, inv, g] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
          const dbeta = tf.sum(dy, 0);
          const dgamma = tf.sum(tf.mul(dy, xh), 0);
          const dx = tf.mul(tf.mul(g, inv), tf.sub(tf.sub(dy, tf.div(dbeta, n)), tf.mul(xh, tf.div(dgamma, n))));
          return [dx, dgamma, dbeta];
        },
      };
    });
  }

  /** Folds the last training step's batch statistics into the running ones (PyTorch: unbiased variance). */
  commitBatchStats(): void {
    const stats = this.pendingStats;
    this.pendingStats = [];
    if (stats.length !== 2) {
      for (const s of stats) tf.dispose([s.mean, s.variance]);
      throw new Error(`RenasNet: expected the batch statistics of 2 batch-norm layers, got ${stats.length}`);
    }
    const m = this.options.bnMomentum;
    const pairs: [tf.Variable, tf.Variable][] = [
      [this.rm1, this.rv1],
      [this.rm2, this.rv2],
    ];
    tf.tidy(() => {
      stats.forEach(({ mean, variance, count }, i) => {
        const [runningMean, runningVar] = pairs[i]!;
        const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
        runningMean.assign(tf.add(tf.mul(runningMean, 1 - m), tf.mul(mean, m)));
        runningVar.assign(tf.add(tf.mul(runningVar, 1 - m), tf.mul(unbiased, m)));
      });
    });
    for (const s of stats) tf.dispose([s.mean, s.variance]);
  }

  /** Drops batch statistics of a forward pass that will not be committed. */
  discardBatchStats(): void {
    for (const s of this.pendingStats) tf.dispose([s.mean, s.variance]);
    this.pendingStats = [];
  }

  snapshot(): RenasNetSnapshot {
    return [...this.trainable, ...this.state].map((v) => v.dataSync().slice() as Float32Array);
  }

  restore(snapshot: RenasNetSnapshot): void {
    const vars = [...this.trainable, ...this.state];
    if (snapshot.length !== vars.length) throw new Error(`RenasNet.restore: snapshot has ${snapshot.length} arrays, the net ${vars.length} variables`);
    vars.forEach((v, i) => {
      if (snapshot[i]!.length !== v.size) throw new Error(`RenasNet.restore: array ${i} has ${snapshot[i]!.length} values, variable ${v.name} needs ${v.size}`);
    });
    vars.forEach((v, i) => {
      tf.tidy(() => v.assign(tf.tensor(snapshot[i]!, v.shape)));
    });
  }

  dispose(): void {
    this.discardBatchStats();
    for (const v of [...this.trainable, ...this.state]) v.dispose();
  }
}

let variableCounter = 0;

/** One zero row / column on each side of an NHWC map (a 3x3 'same' conv as a valid one). */
const PAD1: [number, number][] = [
  [0, 0],
  [1, 1],
  [1, 1],
  [0, 0],
];

/**
 * conv 38→128, 3x3, valid, with both gradients: the filter gradient by im2col,
 * the input gradient on wasm / cpu as dy · Wᵀ followed by col2im (half the
 * multiply-adds of the alternative: on a 7x7 input the full-padded conv is
 * mostly zeros), elsewhere as a forward convolution of the zero-padded output
 * gradient with the flipped, transposed kernel.
 */
const conv2Op = withGradient<tf.Tensor4D>(([x, w], save) => {
  save([x!, w!]);
  return {
    value: tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'),
    gradFunc: (dy, saved) => {
      const [x2, w2] = saved as [tf.Tensor4D, tf.Tensor4D];
      if (onCpuSideBackend()) return [conv3x3InputGradByCol2im(dy, w2, x2.shape), conv3x3FilterGrad(x2, dy)];
      const flipped = tf.transpose(tf.reverse(w2, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      const dx = tf.conv2d(dy, flipped, 1, [
        [0, 0],
        [2, 2],
        [2, 2],
        [0, 0],
      ]);
      return [dx, conv3x3FilterGrad(x2, dy)];
    },
  };
});
