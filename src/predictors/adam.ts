/**
 * Adam on the host side, with Keras' update rule (the official predictors are
 * Keras models): m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 * w ← w − lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε), β1 0.9, β2 0.999, ε 1e-7.
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
}

export class HostAdam {
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly weightDecay: number;
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
    private readonly opts: AdamOptions,
    private readonly decayed: ReadonlySet<tf.Variable> = new Set(),
  ) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-7;
    this.weightDecay = opts.weightDecay ?? 0;
    this.weights = variables.map((v) => Float32Array.from(v.dataSync() as Float32Array));
    this.m = variables.map((v) => new Float32Array(v.size));
    this.v = variables.map((v) => new Float32Array(v.size));
  }

  /** One update; `grads[i]` belongs to `variables[i]` (undefined = zero gradient). */
  apply(grads: readonly (tf.Tensor | undefined)[]): void {
    if (grads.length !== this.variables.length) {
      throw new Error(`HostAdam: ${grads.length} gradients for ${this.variables.length} variables`);
    }
    this.step++;
    const { beta1, beta2, epsilon } = this;
    const lr = (this.opts.learningRate * Math.sqrt(1 - beta2 ** this.step)) / (1 - beta1 ** this.step);
    this.variables.forEach((variable, i) => {
      const grad = grads[i];
      const w = this.weights[i]!;
      const m = this.m[i]!;
      const v = this.v[i]!;
      const g = grad ? (grad.dataSync() as Float32Array) : undefined;
      const decay = this.decayed.has(variable) ? 2 * this.weightDecay : 0;
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
