/**
 * One fused SGD update (gradient-norm clip, L2 weight decay, momentum,
 * Nesterov) over every supernet variable, computed in one loop per variable
 * from views of the wasm heap.
 *
 * Why hand-written instead of `tf.train.momentum`: a NAS-Bench-201 supernet
 * has one small variable per op, and the tfjs optimizer runs ~6 kernels per
 * variable per update (plus the clip and decay kernels around it), each with
 * its engine bookkeeping. At the CPU profile's size (C = 5, 39 k parameters)
 * that overhead was about a third of a uniform training step
 * (bench/supernet-step.ts), for arithmetic that is a few hundred thousand
 * flops. Here it is one loop and one assignment per variable, writing the
 * new weights straight into fresh wasm storage. (Not in place: the wasm
 * backend caches XNNPACK's packed weights by the weight tensor's data id, and
 * tensors saved for a gradient share their data, so a variable must get new
 * storage when it changes.)
 *
 * The arithmetic is tfjs's (and PyTorch's SGD with `nesterov=True`):
 *   g ← clip·g + λ·w,  m ← μ·m + g,  w ← w − lr·(g + μ·m)  (Nesterov)  or  w − lr·m,
 * where clip = min(1, maxNorm / (‖g‖ + 1e-6)) over all gradients before the
 * decay. A variable without a gradient (no path used it) has g = 0: it still
 * gets decay and momentum, as PyTorch < 2.0 `zero_grad()` gave it.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { asWasmBackend } from '../backend/wasmInternals.js';

export interface FusedSgdOptions {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  readonly gradClipNorm: number | null;
}

/** True where the fused update can run: variables live on the wasm heap. */
export function fusedSgdAvailable(): boolean {
  return tf.getBackend() === 'wasm';
}

export class FusedSgd {
  /** Momentum buffer of each variable (tfjs names it `<variable>/momentum`). */
  readonly slots: Float32Array[];
  /** Updates applied (tfjs's `iter` weight; momentum does not depend on it). */
  iterations = 0;
  private readonly backend: BackendWasm;

  constructor(
    private readonly vars: readonly tf.Variable[],
    private readonly options: FusedSgdOptions,
  ) {
    this.backend = asWasmBackend(tf.backend(), 'FusedSgd');
    for (const v of vars) if (v.dtype !== 'float32') throw new Error(`FusedSgd: variable ${v.name} is ${v.dtype}, not float32`);
    this.slots = vars.map((v) => new Float32Array(v.size));
  }

  /** One update with learning rate `lr`; `grads[i]` is the gradient of `vars[i]` or null for zeros. */
  step(grads: readonly (tf.Tensor | null)[], lr: number): void {
    if (grads.length !== this.vars.length) throw new Error(`FusedSgd: ${grads.length} gradients for ${this.vars.length} variables`);
    const { momentum: mu, nesterov, weightDecay: wd, gradClipNorm } = this.options;
    grads.forEach((g, i) => {
      if (g !== null && g.size !== this.vars[i]!.size) throw new Error(`FusedSgd: gradient ${i} has ${g.size} values, variable ${this.vars[i]!.name} ${this.vars[i]!.size}`);
    });
    // Heap views are taken right before use: an allocation (the new weights) may move the heap.
    const view = (t: tf.Tensor): Float32Array => this.backend.typedArrayFromHeap(t) as Float32Array;
    let factor = 1;
    if (gradClipNorm !== null) {
      let squares = 0;
      for (const t of grads) {
        if (!t) continue;
        const g = view(t);
        for (let k = 0; k < g.length; k++) squares += g[k]! * g[k]!;
      }
      // Math.fround: the norm and factor in float32, as tfjs (and PyTorch) compute them.
      const norm = Math.fround(Math.sqrt(squares));
      factor = Math.min(1, Math.fround(gradClipNorm / Math.fround(norm + 1e-6)));
    }
    this.vars.forEach((v, i) => {
      // The new weights are written straight into fresh wasm storage (no JS buffer, no copy).
      const freshInfo = this.backend.makeOutput(v.shape.slice(), 'float32');
      const next = this.backend.typedArrayFromHeap(freshInfo) as Float32Array;
      const w = view(v);
      const m = this.slots[i]!;
      const t = grads[i];
      const g = t ? view(t) : null;
      for (let k = 0; k < w.length; k++) {
        const gk = Math.fround((g ? g[k]! * factor : 0) + wd * w[k]!);
        const mk = Math.fround(mu * m[k]! + gk);
        m[k] = mk;
        next[k] = w[k]! - lr * (nesterov ? gk + mu * mk : mk);
      }
      const fresh = tf.engine().makeTensorFromTensorInfo(freshInfo);
      v.assign(fresh);
      fresh.dispose();
    });
    this.iterations++;
  }

  /** The momentum buffers and iteration count restored from a checkpoint. */
  restore(iterations: number, slots: readonly Float32Array[]): void {
    if (slots.length !== this.slots.length) throw new Error(`FusedSgd: ${slots.length} momentum buffers for ${this.slots.length} variables`);
    slots.forEach((s, i) => {
      if (s.length !== this.slots[i]!.length) throw new Error(`FusedSgd: momentum buffer ${i} has ${s.length} values, expected ${this.slots[i]!.length}`);
      this.slots[i]!.set(s);
    });
    this.iterations = iterations;
  }
}
