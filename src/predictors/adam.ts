/**
 * Adam on the host side, with Keras' update rule (the official predictors are
 * Keras models): m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 * w ← w − lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε), β1 0.9, β2 0.999, ε 1e-7.
 *
 * `rule: 'torch'` is PyTorch's Adam / AdamW instead (the BRP-NAS predictor
 * is a PyTorch model): ε 1e-8 added to √v / √(1−β2ᵗ), i.e. the Keras step
 * with ε·√(1−β2ᵗ) in place of ε; `decoupledWeightDecay` λ first multiplies
 * every variable by 1 − lr·λ (torch.optim.AdamW).
 *
 * Why not `tf.train.adam`: at batch 8 a training step is bound by the number
 * of tfjs kernels, and the tfjs optimizer launches about ten per variable per
 * step (≈550 of a siamese step's kernels). Here the gradients are read once,
 * updated in one typed-array loop per variable and written back with one
 * `assign` each. Slots are kept per variable, so nothing depends on the order
 * gradients arrive in.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface AdamOptions {
  readonly learningRate: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  /** L2 penalty λ·‖w‖² on the variables listed in `decayed` (adds 2λw to their gradient). */
  readonly weightDecay?: number;
  /** Where ε goes: Keras (default, ε 1e-7) or PyTorch (ε 1e-8 scaled by the bias correction). */
  readonly rule?: 'keras' | 'torch';
  /** AdamW: every variable is multiplied by 1 − lr·λ before the Adam step (PyTorch `AdamW(weight_decay=λ)`). */
  readonly decoupledWeightDecay?: number;
}

export class HostAdam {
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly weightDecay: number;
  private readonly decoupled: number;
  private readonly torchRule: boolean;
  private learningRate: number;
  private readonly weights: Float32Array[];
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private step = 0;

  /**
   * @param variables updated in place; their current values are read once here.
   * @param decayed which of them weight decay applies to (e.g. kernels only).
   */
  constructor(
    private readonly variables: readonly tf.Variable[],
    opts: AdamOptions,
    private readonly decayed: ReadonlySet<tf.Variable> = new Set(),
  ) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.torchRule = (opts.rule ?? 'keras') === 'torch';
    this.epsilon = opts.epsilon ?? (this.torchRule ? 1e-8 : 1e-7);
    this.weightDecay = opts.weightDecay ?? 0;
    this.decoupled = opts.decoupledWeightDecay ?? 0;
    this.learningRate = opts.learningRate;
    this.weights = variables.map((v) => Float32Array.from(v.dataSync() as Float32Array));
    this.m = variables.map((v) => new Float32Array(v.size));
    this.v = variables.map((v) => new Float32Array(v.size));
  }

  /** Changes the learning rate of the next updates (a schedule). */
  setLearningRate(learningRate: number): void {
    if (!(learningRate >= 0) || !Number.isFinite(learningRate)) throw new RangeError(`HostAdam: learning rate must be a finite number ≥ 0, got ${learningRate}`);
    this.learningRate = learningRate;
  }

  /** One update; `grads[i]` belongs to `variables[i]` (undefined = zero gradient). */
  apply(grads: readonly (tf.Tensor | undefined)[]): void {
    if (grads.length !== this.variables.length) {
      throw new Error(`HostAdam: ${grads.length} gradients for ${this.variables.length} variables`);
    }
    this.step++;
    const { beta1, beta2 } = this;
    const lr = (this.learningRate * Math.sqrt(1 - beta2 ** this.step)) / (1 - beta1 ** this.step);
    const epsilon = this.torchRule ? this.epsilon * Math.sqrt(1 - beta2 ** this.step) : this.epsilon;
    const shrink = 1 - this.learningRate * this.decoupled;
    this.variables.forEach((variable, i) => {
      const grad = grads[i];
      const w = this.weights[i]!;
      const m = this.m[i]!;
      const v = this.v[i]!;
      const g = grad ? (grad.dataSync() as Float32Array) : undefined;
      const decay = this.decayed.has(variable) ? 2 * this.weightDecay : 0;
      if (shrink !== 1) for (let k = 0; k < w.length; k++) w[k] = w[k]! * shrink;
      for (let k = 0; k < w.length; k++) {
        const gk = (g ? g[k]! : 0) + decay * w[k]!;
        const mk = beta1 * m[k]! + (1 - beta1) * gk;
        const vk = beta2 * v[k]! + (1 - beta2) * gk * gk;
        m[k] = mk;
        v[k] = vk;
        w[k] = w[k]! - (lr * mk) / (Math.sqrt(vk) + epsilon);
      }
      // A copy: the cpu backend keeps the array it is given, and `w` changes next step.
      const updated = tf.tensor(w.slice(), variable.shape, 'float32');
      variable.assign(updated);
      updated.dispose();
    });
  }
}
