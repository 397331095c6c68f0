/**
 * Training-mode batch norm over N, H, W of an NHWC float32 tensor as two wasm
 * kernels (forward and its closed-form backward), each a few passes over the
 * wasm heap.
 *
 * Why hand-written: composed from tfjs ops (moments, subtract, multiply, the
 * reductions of the backward pass) one batch norm is ~20 kernels of
 * engine bookkeeping per training step. A NAS-Bench-201 path at the CPU
 * profile's size (C = 5, 16×16, batch 64) has about a dozen batch norms on
 * activations of ~80 k values, so those kernels were about a third of a
 * supernet step (bench/supernet-step.ts) for arithmetic of a few passes. The
 * sums here run in float64 (JS numbers), like the cpu backend's reductions.
 *
 *   forward:  μ_c, σ²_c (biased) over N·H·W;  x̂ = (x − μ)/√(σ² + ε);  y = γ·x̂ + β
 *   backward: dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy·x̂)),  dγ = Σ dy·x̂,  dβ = Σ dy
 *
 * Without γ and β (PyTorch `affine=False`) the forward returns [x̂, 1/σ] and
 * the backward [dx]; with them [y, x̂, 1/σ] and [dx, dγ, dβ].
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { nativeKernels } from './onednn.js';
import { WASM, asWasmBackend, heapF32 } from './wasmInternals.js';

export const BATCH_NORM_TRAINING = 'NasBatchNormTraining';
export const BATCH_NORM_TRAINING_GRAD = 'NasBatchNormTrainingGrad';

/** Channel counts below this use per-channel strided passes, wider activations row-wise passes (measured on V8). */
const STRIDED_BELOW = 8;

type KernelArgs = { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap };

/** Channels (innermost axis) and rows (everything else) of a rank-4 float32 tensor. */
function layout(x: TensorInfo, kernelName: string): { channels: number; rows: number } {
  if (x.shape.length !== 4) throw new Error(`${kernelName}: expected an NHWC rank-4 tensor, got shape [${x.shape}]`);
  if (x.dtype !== 'float32') throw new Error(`${kernelName}: expected float32, got ${x.dtype}`);
  const channels = x.shape[3]!;
  return { channels, rows: x.shape[0]! * x.shape[1]! * x.shape[2]! };
}

function checkChannelVector(v: TensorInfo | undefined, channels: number, what: string, kernelName: string): void {
  if (v === undefined) return;
  if (v.shape.length !== 1 || v.shape[0] !== channels) throw new Error(`${kernelName}: ${what} must have shape [${channels}], got [${v.shape}]`);
}

function batchNormTraining(args: KernelArgs): TensorInfo[] {
  const backend = asWasmBackend(args.backend, BATCH_NORM_TRAINING);
  const { x, gamma, beta } = args.inputs as { x: TensorInfo; gamma?: TensorInfo; beta?: TensorInfo };
  const epsilon = (args.attrs?.['epsilon'] as number | undefined) ?? 1e-5;
  const { channels: c, rows } = layout(x, BATCH_NORM_TRAINING);
  if ((gamma === undefined) !== (beta === undefined)) throw new Error(`${BATCH_NORM_TRAINING}: give both gamma and beta or neither`);
  checkChannelVector(gamma, c, 'gamma', BATCH_NORM_TRAINING);
  checkChannelVector(beta, c, 'beta', BATCH_NORM_TRAINING);
  if (rows === 0) throw new Error(`${BATCH_NORM_TRAINING}: batch statistics of an empty batch`);
  // Outputs first: allocating may move the heap and invalidate earlier views.
  const affine = gamma !== undefined;
  const yInfo = affine ? backend.makeOutput(x.shape, 'float32') : null;
  const xHatInfo = backend.makeOutput(x.shape, 'float32');
  const invStdInfo = backend.makeOutput([c], 'float32');
  const src = heapF32(backend, x, BATCH_NORM_TRAINING);
  const xHat = heapF32(backend, xHatInfo, BATCH_NORM_TRAINING);
  const invStdOut = heapF32(backend, invStdInfo, BATCH_NORM_TRAINING);
  const native = nativeKernels();
  if (native !== null) {
    // The same passes in native code (native/src), where the addon is built.
    if (!affine) {
      native.batchNormForward(src, xHat, invStdOut, epsilon);
      return [xHatInfo, invStdInfo];
    }
    const g = heapF32(backend, gamma, BATCH_NORM_TRAINING);
    const b = heapF32(backend, beta!, BATCH_NORM_TRAINING);
    native.batchNormForward(src, xHat, invStdOut, epsilon, heapF32(backend, yInfo!, BATCH_NORM_TRAINING), g, b);
    return [yInfo!, xHatInfo, invStdInfo];
  }
  const n = rows * c;
  if (c < STRIDED_BELOW) {
    // One channel at a time with scalar accumulators (strided passes): several times faster in V8 than
    // an inner loop over a handful of channels. Two passes for the variance: no cancellation for large means.
    for (let k = 0; k < c; k++) {
      let sum = 0;
      for (let i = k; i < n; i += c) sum += src[i]!;
      const mean = sum / rows;
      let sq = 0;
      for (let i = k; i < n; i += c) {
        const d = src[i]! - mean;
        sq += d * d;
      }
      const invStd = 1 / Math.sqrt(sq / rows + epsilon);
      invStdOut[k] = invStd;
      for (let i = k; i < n; i += c) xHat[i] = (src[i]! - mean) * invStd;
    }
  } else {
    // Wide activations: row by row (contiguous), per-channel accumulators; strided passes would read
    // every cache line once per channel.
    const mean = new Float64Array(c);
    for (let i = 0; i < n; i += c) for (let k = 0; k < c; k++) mean[k] += src[i + k]!;
    for (let k = 0; k < c; k++) mean[k] /= rows;
    const sq = new Float64Array(c);
    for (let i = 0; i < n; i += c) {
      for (let k = 0; k < c; k++) {
        const d = src[i + k]! - mean[k]!;
        sq[k] += d * d;
      }
    }
    const invStd = new Float64Array(c);
    for (let k = 0; k < c; k++) {
      invStd[k] = 1 / Math.sqrt(sq[k]! / rows + epsilon);
      invStdOut[k] = invStd[k]!;
    }
    for (let i = 0; i < n; i += c) for (let k = 0; k < c; k++) xHat[i + k] = (src[i + k]! - mean[k]!) * invStd[k]!;
  }
  if (!affine) return [xHatInfo, invStdInfo];
  const y = heapF32(backend, yInfo!, BATCH_NORM_TRAINING);
  const g = heapF32(backend, gamma, BATCH_NORM_TRAINING);
  const b = heapF32(backend, beta!, BATCH_NORM_TRAINING);
  for (let i = 0; i < n; i += c) for (let k = 0; k < c; k++) y[i + k] = xHat[i + k]! * g[k]! + b[k]!;
  return [yInfo!, xHatInfo, invStdInfo];
}

function batchNormTrainingGrad(args: KernelArgs): TensorInfo[] {
  const backend = asWasmBackend(args.backend, BATCH_NORM_TRAINING_GRAD);
  const { dy, xHat, invStd, gamma } = args.inputs as { dy: TensorInfo; xHat: TensorInfo; invStd: TensorInfo; gamma?: TensorInfo };
  const { channels: c, rows } = layout(dy, BATCH_NORM_TRAINING_GRAD);
  if (xHat.shape.join() !== dy.shape.join()) throw new Error(`${BATCH_NORM_TRAINING_GRAD}: xHat has shape [${xHat.shape}], dy [${dy.shape}]`);
  checkChannelVector(invStd, c, 'invStd', BATCH_NORM_TRAINING_GRAD);
  checkChannelVector(gamma, c, 'gamma', BATCH_NORM_TRAINING_GRAD);
  const affine = gamma !== undefined;
  const dxInfo = backend.makeOutput(dy.shape, 'float32');
  const dGammaInfo = affine ? backend.makeOutput([c], 'float32') : null;
  const dBetaInfo = affine ? backend.makeOutput([c], 'float32') : null;
  const g = heapF32(backend, dy, BATCH_NORM_TRAINING_GRAD);
  const h = heapF32(backend, xHat, BATCH_NORM_TRAINING_GRAD);
  const s = heapF32(backend, invStd, BATCH_NORM_TRAINING_GRAD);
  const dx = heapF32(backend, dxInfo, BATCH_NORM_TRAINING_GRAD);
  const gammaValues = affine ? heapF32(backend, gamma, BATCH_NORM_TRAINING_GRAD) : null;
  const native = nativeKernels();
  if (native !== null) {
    if (!affine) {
      native.batchNormBackward(g, h, s, dx);
      return [dxInfo];
    }
    native.batchNormBackward(
      g,
      h,
      s,
      dx,
      gammaValues!,
      heapF32(backend, dGammaInfo!, BATCH_NORM_TRAINING_GRAD),
      heapF32(backend, dBetaInfo!, BATCH_NORM_TRAINING_GRAD),
    );
    return [dxInfo, dGammaInfo!, dBetaInfo!];
  }
  const sumDy = new Float64Array(c);
  const sumDyXHat = new Float64Array(c);
  const n = rows * c;
  if (c < STRIDED_BELOW) {
    for (let k = 0; k < c; k++) {
      let sDy = 0;
      let sDyXHat = 0;
      for (let i = k; i < n; i += c) {
        sDy += g[i]!;
        sDyXHat += g[i]! * h[i]!;
      }
      sumDy[k] = sDy;
      sumDyXHat[k] = sDyXHat;
      const sc = (gammaValues ? gammaValues[k]! : 1) * s[k]!;
      const meanDy = sDy / rows;
      const meanDyXHat = sDyXHat / rows;
      for (let i = k; i < n; i += c) dx[i] = sc * (g[i]! - meanDy - h[i]! * meanDyXHat);
    }
  } else {
    for (let i = 0; i < n; i += c) {
      for (let k = 0; k < c; k++) {
        sumDy[k] += g[i + k]!;
        sumDyXHat[k] += g[i + k]! * h[i + k]!;
      }
    }
    const scale = new Float64Array(c);
    const meanDy = new Float64Array(c);
    const meanDyXHat = new Float64Array(c);
    for (let k = 0; k < c; k++) {
      scale[k] = (gammaValues ? gammaValues[k]! : 1) * s[k]!;
      meanDy[k] = sumDy[k]! / rows;
      meanDyXHat[k] = sumDyXHat[k]! / rows;
    }
    for (let i = 0; i < n; i += c) for (let k = 0; k < c; k++) dx[i + k] = scale[k]! * (g[i + k]! - meanDy[k]! - h[i + k]! * meanDyXHat[k]!);
  }
  if (!affine) return [dxInfo];
  heapF32(backend, dGammaInfo!, BATCH_NORM_TRAINING_GRAD).set(sumDyXHat);
  heapF32(backend, dBetaInfo!, BATCH_NORM_TRAINING_GRAD).set(sumDy);
  return [dxInfo, dGammaInfo!, dBetaInfo!];
}

export const batchNormTrainingConfig: KernelConfig = {
  kernelName: BATCH_NORM_TRAINING,
  backendName: WASM,
  kernelFunc: batchNormTraining as unknown as KernelFunc,
};

export const batchNormTrainingGradConfig: KernelConfig = {
  kernelName: BATCH_NORM_TRAINING_GRAD,
  backendName: WASM,
  kernelFunc: batchNormTrainingGrad as unknown as KernelFunc,
};
