/**
 * The NAS-Bench-201 CIFAR network as a weight-sharing supernet (tfjs, NHWC).
 *
 * Layout (docs/PROTOCOLS.md §5): 3x3 conv stem (C channels, no bias) + BN; three
 * stages of `cellsPerStage` cells at C, 2C, 4C channels joined by residual
 * reduction blocks; BN + ReLU, global average pool, linear classifier.
 * Every edge of every cell holds all 5 candidate ops with their own weights
 * (none → zeros, skip → identity, nor_conv_kxk = ReLU → conv → BN with its own
 * BN, avg_pool_3x3 stride 1 excluding padding from the average). One forward
 * runs a single path: all cells share the one arch (the NAS-Bench-201 setting).
 *
 * Batch norm: training uses batch statistics. The BN of each cell op has no
 * affine parameters by default (`cellBnAffine: false`), as every NAS-Bench-201
 * weight-sharing reference builds it (AutoDL-Projects, few-shot-NAS, NASLib:
 * `affine=False`; docs/PROTOCOLS.md §7); the stem, reduction and last BNs keep
 * theirs. A path can be scored two ways: with batch statistics of each
 * evaluation batch (`forward(…, {training: false, batchStatistics: true})`,
 * the references' `track_running_stats=False`), or with running statistics
 * recalibrated for that arch (SPOS practice): these are kept per BN instance
 * and are only meaningful for the arch they were computed for, so
 * `forward(…, {training: false})` requires `recalibrateBn(arch, batches)`
 * first and refuses an arch whose statistics are not current.
 *
 * Weights are explicit `tf.variable`s with logical names such as
 * `s1c0/e3/conv3x3/w`; their registered tfjs names carry a per-instance prefix
 * so several supernets can live in one process.
 */
import * as tf from '@tensorflow/tfjs';
import { getKernel } from '@tensorflow/tfjs-core';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD } from '../backend/batchNormTraining.js';
import { createRng } from '../core/rng.js';
import type { Rng } from '../core/types.js';
import { NB201_EDGES, NB201_NUM_EDGES, NB201_OPS, nb201ToString, validateNb201Arch, type Nb201Arch } from '../spaces/nb201.js';
import { checkField, POSITIVE_INTEGER } from '../core/checks.js';

export interface SupernetConfig {
  /** C: channels of the first stage (16 in NAS-Bench-201). */
  readonly channels: number;
  /** Cells per stage (5 in NAS-Bench-201). */
  readonly cellsPerStage: number;
  readonly numClasses: number;
  /** Input height = width in pixels; a multiple of 4 (two stride-2 reductions). */
  readonly inputSize: number;
  /** Seeds the weight initialisation. */
  readonly seed: number | string;
  /** Affine (γ, β) parameters in the BN of each cell op; default false, as the NAS-Bench-201 supernet references. */
  readonly cellBnAffine?: boolean;
}

/** The NAS-Bench-201 CIFAR-10 network at full size. */
export const NB201_FULL_SUPERNET: Omit<SupernetConfig, 'seed'> = { channels: 16, cellsPerStage: 5, numClasses: 10, inputSize: 32, cellBnAffine: false };

export interface ForwardOptions {
  /** true: batch statistics (training); false: evaluation. */
  readonly training: boolean;
  /** Evaluation only: normalise with this batch's statistics instead of calibrated running statistics (no recalibration needed). */
  readonly batchStatistics?: boolean;
}

/** Running statistics of one BN instance (PyTorch convention: the variance is the unbiased estimate). */
export interface BnStatistics {
  readonly mean: Float32Array;
  readonly variance: Float32Array;
}

/** One weight tensor as plain data, for checkpoints. */
export interface NamedWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** PyTorch's BatchNorm2d default. */
const BN_EPSILON = 1e-5;
const INPUT_CHANNELS = 3;
const CONV_OPS = { nor_conv_1x1: 1, nor_conv_3x3: 3 } as const;

type Mode = 'train' | 'eval' | 'calibrate';

interface BnInstance {
  /** null: a BN without affine parameters. */
  readonly gamma: tf.Variable | null;
  readonly beta: tf.Variable | null;
  mean: Float32Array;
  variance: Float32Array;
}

/** Sums of per-batch statistics while recalibrating. */
interface BnAccumulator {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
  batches: number;
}

/** Which choice block a variable belongs to: an (edge, op) of some cell, or null for the fixed network. */
interface VariableOwner {
  readonly edge: number;
  readonly op: number;
}

let instanceCounter = 0;

export class Nb201Supernet {
  readonly config: SupernetConfig;
  private readonly prefix: string;
  private readonly vars: tf.Variable[] = [];
  private readonly logicalNames: string[] = [];
  private readonly owners: (VariableOwner | null)[] = [];
  private readonly byName = new Map<string, tf.Variable>();
  private readonly bns = new Map<string, BnInstance>();
  private calibratedFor: string | null = null;
  private disposed = false;

  constructor(config: SupernetConfig) {
    this.config = validateConfig(config);
    // A prefix no live variable uses: tfjs refuses to register a variable name twice.
    const registered = tf.engine().registeredVariables;
    do {
      this.prefix = `nb201supernet${++instanceCounter}/`;
    } while (registered[`${this.prefix}stem/conv/w`] !== undefined);
    this.build(createRng(`${config.seed}/init`));
  }

  /** Stage widths C, 2C, 4C. */
  get stageChannels(): readonly number[] {
    const c = this.config.channels;
    return [c, 2 * c, 4 * c];
  }

  /** Logical variable names in canonical order (the order of `trainableVariables()`). */
  variableNames(): string[] {
    return this.logicalNames.slice();
  }

  /** All trainable variables in canonical order; optimizers must always receive gradients in this order. */
  trainableVariables(): tf.Variable[] {
    this.assertLive();
    return this.vars.slice();
  }

  variable(name: string): tf.Variable {
    const v = this.byName.get(name);
    if (!v) throw new Error(`supernet has no variable ${JSON.stringify(name)}`);
    return v;
  }

  /** Logical names of the variables a forward pass of `arch` touches (fixed network + the arch's conv ops). */
  variablesUsedBy(arch: Nb201Arch): Set<string> {
    validateNb201Arch(arch);
    return new Set(this.logicalNames.filter((_, i) => isUsed(this.owners[i]!, arch)));
  }

  /**
   * Parameters of the stand-alone network `arch` (classifier included), as
   * NAS-Bench-201's `params` counts them. The stand-alone networks have affine
   * BN in every op, so without cell-op affine parameters here their γ and β
   * (2 per channel of each conv op of the arch) are counted as well.
   */
  paramCount(arch: Nb201Arch): number {
    validateNb201Arch(arch);
    const own = this.vars.reduce((sum, v, i) => sum + (isUsed(this.owners[i]!, arch) ? v.size : 0), 0);
    if (this.config.cellBnAffine) return own;
    const convOps = arch.filter((op) => op === NB201_OPS.indexOf('nor_conv_1x1') || op === NB201_OPS.indexOf('nor_conv_3x3')).length;
    return own + this.stageChannels.reduce((sum, c) => sum + 2 * c * convOps * this.config.cellsPerStage, 0);
  }

  /** Parameters of the whole supernet (every op of every edge). */
  totalParamCount(): number {
    return this.vars.reduce((sum, v) => sum + v.size, 0);
  }

  /**
   * Logits `[batch, numClasses]` of the single path `arch` on NHWC images `x`.
   * With `training: false` the BN running statistics must have been
   * recalibrated for this arch since the weights last changed.
   */
  forward(x: tf.Tensor4D, arch: Nb201Arch, opts: ForwardOptions): tf.Tensor2D {
    this.assertLive();
    this.checkInput(x);
    validateNb201Arch(arch);
    if (!opts.training && !opts.batchStatistics) {
      const key = nb201ToString(arch);
      if (this.calibratedFor !== key) {
        throw new Error(
          `supernet BN statistics are ${this.calibratedFor === null ? 'not calibrated' : `calibrated for ${this.calibratedFor}`}, ` +
            `not for ${key}: call recalibrateBn(arch, batches) before evaluating`,
        );
      }
    }
    return tf.tidy(() => this.run(x, arch, opts.training || opts.batchStatistics ? 'train' : 'eval', null));
  }

  /**
   * Resets the running statistics of every BN instance `arch` uses and
   * recomputes them as the cumulative average over `batches` (PyTorch
   * `momentum=None`: plain mean of the batch means and of the unbiased batch
   * variances). BN instances of ops outside `arch` keep their values.
   */
  recalibrateBn(arch: Nb201Arch, batches: readonly tf.Tensor4D[]): void {
    this.assertLive();
    validateNb201Arch(arch);
    if (batches.length === 0) throw new Error('recalibrateBn: needs at least one batch of training images');
    const acc = new Map<string, BnAccumulator>();
    for (const x of batches) {
      this.checkInput(x);
      tf.tidy(() => {
        this.run(x, arch, 'calibrate', acc);
      });
    }
    for (const [name, a] of acc) {
      const bn = this.bns.get(name)!;
      bn.mean = Float32Array.from(a.mean, (s) => s / a.batches);
      bn.variance = Float32Array.from(a.variance, (s) => s / a.batches);
    }
    this.calibratedFor = nb201ToString(arch);
  }

  /** The arch string the running statistics currently belong to, or null. */
  get bnCalibratedFor(): string | null {
    return this.calibratedFor;
  }

  /** Must be called after the weights change (every optimizer update): running statistics become stale. */
  markWeightsChanged(): void {
    this.calibratedFor = null;
  }

  /** Copies of the running statistics of every BN instance, by BN name (e.g. `s0c0/e3/conv3x3/bn`). */
  bnStatistics(): Map<string, BnStatistics> {
    return new Map([...this.bns].map(([name, bn]) => [name, { mean: bn.mean.slice(), variance: bn.variance.slice() }]));
  }

  /** Plain copies of all weights in canonical order (copies: some backends hand out their own storage). */
  getWeights(): NamedWeight[] {
    this.assertLive();
    return this.vars.map((v, i) => ({ name: this.logicalNames[i]!, shape: v.shape.slice(), values: (v.dataSync() as Float32Array).slice() }));
  }

  /** Overwrites all weights; names and shapes must match this supernet's exactly. */
  setWeights(weights: readonly NamedWeight[]): void {
    this.assertLive();
    if (weights.length !== this.vars.length) {
      throw new Error(`setWeights: supernet has ${this.vars.length} variables, got ${weights.length} weights`);
    }
    weights.forEach((w, i) => {
      const v = this.vars[i]!;
      const name = this.logicalNames[i]!;
      if (w.name !== name) throw new Error(`setWeights: weight ${i} is ${JSON.stringify(w.name)}, expected ${JSON.stringify(name)}`);
      if (w.shape.length !== v.shape.length || w.shape.some((d, k) => d !== v.shape[k]) || w.values.length !== v.size) {
        throw new Error(`setWeights: ${name} has shape ${JSON.stringify(w.shape)} (${w.values.length} values), expected ${JSON.stringify(v.shape)}`);
      }
    });
    weights.forEach((w, i) => {
      const v = this.vars[i]!;
      tf.tidy(() => v.assign(tf.tensor(w.values, v.shape, 'float32')));
    });
    this.markWeightsChanged();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.vars) v.dispose();
  }

  // ---- construction -------------------------------------------------------

  private build(rng: Rng): void {
    const [c0, c1, c2] = this.stageChannels as [number, number, number];
    this.addConv('stem/conv/w', 3, INPUT_CHANNELS, c0, rng, null);
    this.addBn('stem/bn', c0, null);
    const widths = [c0, c1, c2];
    for (let s = 0; s < 3; s++) {
      if (s > 0) {
        const cin = widths[s - 1]!;
        const cout = widths[s]!;
        this.addConv(`reduce${s}/a/conv/w`, 3, cin, cout, rng, null);
        this.addBn(`reduce${s}/a/bn`, cout, null);
        this.addConv(`reduce${s}/b/conv/w`, 3, cout, cout, rng, null);
        this.addBn(`reduce${s}/b/bn`, cout, null);
        this.addConv(`reduce${s}/shortcut/conv/w`, 1, cin, cout, rng, null);
      }
      for (let cell = 0; cell < this.config.cellsPerStage; cell++) {
        for (let e = 0; e < NB201_NUM_EDGES; e++) {
          for (const [opName, k] of Object.entries(CONV_OPS)) {
            const op = NB201_OPS.indexOf(opName as (typeof NB201_OPS)[number]);
            const base = `${cellName(s, cell)}/e${e}/${shortOp(opName)}`;
            this.addConv(`${base}/w`, k, widths[s]!, widths[s]!, rng, { edge: e, op });
            this.addBn(`${base}/bn`, widths[s]!, { edge: e, op }, this.config.cellBnAffine === true);
          }
        }
      }
    }
    this.addBn('last/bn', c2, null);
    const bound = 1 / Math.sqrt(c2);
    this.addVariable('classifier/w', [c2, this.config.numClasses], uniform(rng, c2 * this.config.numClasses, bound), null);
    this.addVariable('classifier/b', [this.config.numClasses], uniform(rng, this.config.numClasses, bound), null);
  }

  /** PyTorch's default conv init (kaiming_uniform with a=√5): U(±1/√fan_in). */
  private addConv(name: string, k: number, cin: number, cout: number, rng: Rng, owner: VariableOwner | null): void {
    const fanIn = k * k * cin;
    this.addVariable(name, [k, k, cin, cout], uniform(rng, fanIn * cout, 1 / Math.sqrt(fanIn)), owner);
  }

  private addBn(name: string, channels: number, owner: VariableOwner | null, affine = true): void {
    const gamma = affine ? this.addVariable(`${name}/gamma`, [channels], new Float32Array(channels).fill(1), owner) : null;
    const beta = affine ? this.addVariable(`${name}/beta`, [channels], new Float32Array(channels), owner) : null;
    this.bns.set(name, { gamma, beta, mean: new Float32Array(channels), variance: new Float32Array(channels).fill(1) });
  }

  private addVariable(name: string, shape: number[], values: Float32Array, owner: VariableOwner | null): tf.Variable {
    const v = tf.variable(tf.tensor(values, shape, 'float32'), true, this.prefix + name, 'float32');
    this.vars.push(v);
    this.logicalNames.push(name);
    this.owners.push(owner);
    this.byName.set(name, v);
    return v;
  }

  // ---- forward ------------------------------------------------------------

  private run(x: tf.Tensor4D, arch: Nb201Arch, mode: Mode, acc: Map<string, BnAccumulator> | null): tf.Tensor2D {
    let h = this.bn('stem/bn', this.conv('stem/conv/w', x, 1), mode, acc);
    for (let s = 0; s < 3; s++) {
      if (s > 0) h = this.reduction(s, h, mode, acc);
      for (let cell = 0; cell < this.config.cellsPerStage; cell++) h = this.cell(cellName(s, cell), h, arch, mode, acc);
    }
    h = tf.relu(this.bn('last/bn', h, mode, acc));
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    return tf.add(tf.matMul(pooled, this.byName.get('classifier/w')!), this.byName.get('classifier/b')!);
  }

  /** NAS-Bench-201's ResNet basic block: ReLUConvBN(3x3, s2) → ReLUConvBN(3x3) plus avg-pool 2x2 → 1x1 conv shortcut. */
  private reduction(s: number, x: tf.Tensor4D, mode: Mode, acc: Map<string, BnAccumulator> | null): tf.Tensor4D {
    const a = this.bn(`reduce${s}/a/bn`, this.conv(`reduce${s}/a/conv/w`, tf.relu(x), 2), mode, acc);
    const b = this.bn(`reduce${s}/b/bn`, this.conv(`reduce${s}/b/conv/w`, tf.relu(a), 1), mode, acc);
    const shortcut = this.conv(`reduce${s}/shortcut/conv/w`, tf.avgPool(x, 2, 2, 'valid'), 1);
    return tf.add(shortcut, b);
  }

  /**
   * Node j = sum of its incoming edges. A node that is known to be all zeros
   * is carried as null (none, and skip / pool of zeros, stay zero without
   * computing); a conv op on such a node still runs on a zero tensor, because
   * its BN turns zeros into β and the stand-alone network does the same.
   */
  private cell(name: string, x: tf.Tensor4D, arch: Nb201Arch, mode: Mode, acc: Map<string, BnAccumulator> | null): tf.Tensor4D {
    const nodes: (tf.Tensor4D | null)[] = [x];
    let zeros: tf.Tensor4D | null = null;
    const zerosLikeInput = (): tf.Tensor4D => (zeros ??= tf.zerosLike(x));
    for (let j = 1; j <= 3; j++) {
      const terms: tf.Tensor4D[] = [];
      NB201_EDGES.forEach(([from, to], e) => {
        if (to !== j) return;
        const input = nodes[from]!;
        const opName = NB201_OPS[arch[e]!]!;
        let out: tf.Tensor4D | null;
        switch (opName) {
          case 'none':
            out = null;
            break;
          case 'skip_connect':
            out = input;
            break;
          case 'avg_pool_3x3':
            // tfjs 'same' average pooling excludes padding from the count, like NAS-Bench-201's count_include_pad=False.
            out = input === null ? null : tf.avgPool(input, 3, 1, 'same');
            break;
          case 'nor_conv_1x1':
          case 'nor_conv_3x3': {
            const base = `${name}/e${e}/${shortOp(opName)}`;
            out = this.bn(`${base}/bn`, this.conv(`${base}/w`, tf.relu(input ?? zerosLikeInput()), 1), mode, acc);
            break;
          }
        }
        if (out !== null) terms.push(out);
      });
      nodes.push(terms.length === 0 ? null : terms.length === 1 ? terms[0]! : (tf.addN(terms) as tf.Tensor4D));
    }
    return nodes[3] ?? zerosLikeInput();
  }

  private conv(name: string, x: tf.Tensor4D, stride: 1 | 2): tf.Tensor4D {
    const w = this.byName.get(name)! as tf.Variable<tf.Rank.R4>;
    const k = w.shape[0];
    if (k === 1) return tf.conv2d(x, w, stride, 'valid');
    if (stride === 1) return tf.conv2d(x, w, 1, 'same');
    // PyTorch pads 1 on every side for a 3x3 stride-2 conv; tfjs 'same' would pad only bottom/right. On an
    // even-sized input the last window ends on the last row and column, so the bottom/right padding is never
    // read: top/left padding alone is the same convolution, without a pad kernel and its gradient.
    if (x.shape[1] % 2 !== 0 || x.shape[2] % 2 !== 0) throw new Error(`stride-2 conv ${name}: input ${x.shape[1]}x${x.shape[2]} must be even-sized`);
    return tf.conv2d(x, w, 2, [[0, 0], [1, 0], [1, 0], [0, 0]]);
  }

  private bn(name: string, x: tf.Tensor4D, mode: Mode, acc: Map<string, BnAccumulator> | null): tf.Tensor4D {
    const inst = this.bns.get(name)!;
    if (mode === 'eval') {
      return tf.batchNorm4d(x, tf.tensor1d(inst.mean), tf.tensor1d(inst.variance), affineOf(inst.beta), affineOf(inst.gamma), BN_EPSILON);
    }
    if (mode === 'train') return inst.gamma && inst.beta ? batchNormTraining(x, inst.gamma as tf.Tensor1D, inst.beta as tf.Tensor1D) : batchNormTrainingNoAffine(x);
    // Calibration: normalise with the batch statistics (as training does) and accumulate them.
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const n = x.shape[0] * x.shape[1] * x.shape[2];
    const unbias = n > 1 ? n / (n - 1) : 1;
    let a = acc!.get(name);
    if (!a) {
      a = { mean: new Float64Array(inst.mean.length), variance: new Float64Array(inst.mean.length), batches: 0 };
      acc!.set(name, a);
    }
    const m = mean.dataSync();
    const v = variance.dataSync();
    for (let i = 0; i < m.length; i++) {
      a.mean[i] += m[i]!;
      a.variance[i] += v[i]! * unbias;
    }
    a.batches++;
    return tf.batchNorm4d(x, mean as tf.Tensor1D, variance as tf.Tensor1D, affineOf(inst.beta), affineOf(inst.gamma), BN_EPSILON);
  }

  private checkInput(x: tf.Tensor): void {
    const s = this.config.inputSize;
    if (x.rank !== 4 || x.shape[1] !== s || x.shape[2] !== s || x.shape[3] !== INPUT_CHANNELS) {
      throw new Error(`supernet input must be [batch, ${s}, ${s}, ${INPUT_CHANNELS}] (NHWC), got ${JSON.stringify(x.shape)}`);
    }
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('this supernet has been disposed');
  }
}

/**
 * Training-mode batch norm over N, H, W with its analytic backward pass. Why
 * not `tf.moments` + `tf.batchNorm`: their autodiff gradient tiles the
 * per-channel terms to the full activation shape, which made `Tile` the most
 * expensive kernel of a supernet step on wasm; the closed form needs only
 * broadcasts and three channel sums. On wasm both directions are one fused
 * kernel each (src/backend/batchNormTraining.ts); elsewhere (cpu, the native
 * backend) they are composed from tfjs ops, which is also the reference the
 * fused kernels are tested against.
 */
const batchNormTrainingOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, gamma, beta, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
  if (fusedBatchNorm()) {
    const [y, xHat, invStd] = tf.engine().runKernel(BATCH_NORM_TRAINING, { x, gamma, beta }, { epsilon: BN_EPSILON }) as tf.Tensor[];
    save([xHat!, invStd!, gamma]);
    return {
      value: y as tf.Tensor4D,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [savedXHat, savedInvStd, savedGamma] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
        return tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, { dy, xHat: savedXHat, invStd: savedInvStd, gamma: savedGamma }, {}) as tf.Tensor[];
      },
    };
  }
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  const invStd = tf.rsqrt(tf.add(variance, BN_EPSILON));
  const xHat = tf.mul(tf.sub(x, mean), invStd);
  save([xHat, invStd, gamma]);
  return {
    value: tf.add(tf.mul(xHat, gamma), beta) as tf.Tensor4D,
    gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [savedXHat, savedInvStd, savedGamma] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
      const n = dy.size / savedGamma.size;
      const dBeta = tf.sum(dy, [0, 1, 2]);
      const dGamma = tf.sum(tf.mul(dy, savedXHat), [0, 1, 2]);
      // dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂))
      const dx = tf.mul(tf.mul(savedGamma, savedInvStd), tf.sub(tf.sub(dy, tf.div(dBeta, n)), tf.mul(savedXHat, tf.div(dGamma, n))));
      return [dx, dGamma, dBeta];
    },
  };
});

/** Batch norm with batch statistics over N, H, W (biased variance, ε = 1e-5), differentiable in x, γ and β. */
export function batchNormTraining(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor4D {
  return batchNormTrainingOp(x, gamma, beta);
}

/** The same without affine parameters (PyTorch `affine=False`): x̂ and its closed-form gradient. */
const batchNormNoAffineOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
  let xHat: tf.Tensor4D;
  let invStd: tf.Tensor1D;
  if (fusedBatchNorm()) {
    [xHat, invStd] = tf.engine().runKernel(BATCH_NORM_TRAINING, { x }, { epsilon: BN_EPSILON }) as [tf.Tensor4D, tf.Tensor1D];
  } else {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    invStd = tf.rsqrt(tf.add(variance, BN_EPSILON)) as tf.Tensor1D;
    xHat = tf.mul(tf.sub(x, mean), invStd);
  }
  save([xHat, invStd]);
  return {
    // A clone: the saved x̂ must not be the returned tensor, which the caller may dispose.
    value: tf.clone(xHat),
    gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [savedXHat, savedInvStd] = saved as [tf.Tensor4D, tf.Tensor1D];
      if (fusedBatchNorm()) return tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, { dy, xHat: savedXHat, invStd: savedInvStd }, {}) as tf.Tensor[];
      const n = dy.size / savedInvStd.size;
      // dx = 1/σ · (dy − mean(dy) − x̂ · mean(dy · x̂))
      const meanDy = tf.div(tf.sum(dy, [0, 1, 2]), n);
      const meanDyXHat = tf.div(tf.sum(tf.mul(dy, savedXHat), [0, 1, 2]), n);
      return [tf.mul(savedInvStd, tf.sub(tf.sub(dy, meanDy), tf.mul(savedXHat, meanDyXHat)))];
    },
  };
});

/** Batch norm with batch statistics and no affine parameters, differentiable in x. */
export function batchNormTrainingNoAffine(x: tf.Tensor4D): tf.Tensor4D {
  return batchNormNoAffineOp(x) as tf.Tensor4D;
}

/** True where the backend has the fused training batch-norm kernels (wasm, after `initBackend`). */
function fusedBatchNorm(): boolean {
  const backend = tf.getBackend();
  return getKernel(BATCH_NORM_TRAINING, backend) !== undefined && getKernel(BATCH_NORM_TRAINING_GRAD, backend) !== undefined;
}

function affineOf(v: tf.Variable | null): tf.Tensor1D | undefined {
  return v === null ? undefined : (v as tf.Tensor1D);
}

function validateConfig(config: SupernetConfig): SupernetConfig {
  const positiveInt = (key: keyof SupernetConfig): void => {
    const v = config[key];
    checkField('supernet config', key, v, POSITIVE_INTEGER);
  };
  positiveInt('channels');
  positiveInt('cellsPerStage');
  positiveInt('numClasses');
  positiveInt('inputSize');
  if (config.inputSize % 4 !== 0) throw new Error(`supernet config: inputSize must be a multiple of 4 (two stride-2 reductions), got ${config.inputSize}`);
  if (config.seed === undefined || config.seed === null) throw new Error('supernet config: seed is required');
  if (config.cellBnAffine !== undefined && typeof config.cellBnAffine !== 'boolean') {
    throw new Error(`supernet config: cellBnAffine must be true or false, got ${JSON.stringify(config.cellBnAffine)}`);
  }
  return Object.freeze({ ...config, cellBnAffine: config.cellBnAffine ?? false });
}

function isUsed(owner: VariableOwner | null, arch: Nb201Arch): boolean {
  return owner === null || arch[owner.edge] === owner.op;
}

function cellName(stage: number, cell: number): string {
  return `s${stage}c${cell}`;
}

function shortOp(opName: string): string {
  return opName === 'nor_conv_1x1' ? 'conv1x1' : 'conv3x3';
}

function uniform(rng: Rng, n: number, bound: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rng() - 1) * bound;
  return out;
}
