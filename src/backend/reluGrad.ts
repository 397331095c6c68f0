/**
 * ReLU's gradient as one wasm kernel. tfjs computes it as
 * dy · cast(step(x), float32): three kernels, each with its engine
 * bookkeeping and a pass over the activation, for every ReLU of a training
 * step (a NAS-Bench-201 path has about a dozen). The override keeps tfjs's
 * formula on every backend without this kernel (cpu stays the unchanged
 * reference) and for non-float32 tensors.
 *
 * The values are tfjs's exactly: dy · (x > 0 ? 1 : 0), NaN where x is NaN,
 * in float32.
 */
import { cast, getBackend, getKernel, mul, registerGradient, step, engine } from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, KernelFunc, NamedTensorInfoMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { WASM, asWasmBackend, heapF32 } from './wasmInternals.js';

export const RELU_GRAD = 'NasReluGrad';

function reluGrad(args: { inputs: NamedTensorInfoMap; backend: unknown }): TensorInfo {
  const backend = asWasmBackend(args.backend, RELU_GRAD);
  const { dy, x } = args.inputs as { dy: TensorInfo; x: TensorInfo };
  if (dy.shape.join() !== x.shape.join()) throw new Error(`${RELU_GRAD}: dy has shape [${dy.shape}], x [${x.shape}]`);
  const out = backend.makeOutput(x.shape.slice(), 'float32');
  const g = heapF32(backend, dy, RELU_GRAD);
  const xs = heapF32(backend, x, RELU_GRAD);
  const dx = heapF32(backend, out, RELU_GRAD);
  for (let i = 0; i < dx.length; i++) {
    const v = xs[i]!;
    dx[i] = g[i]! * (v > 0 ? 1 : v !== v ? NaN : 0);
  }
  return out;
}

export const reluGradConfig: KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: WASM,
  kernelFunc: reluGrad as unknown as KernelFunc,
};

export const reluGradientConfig: GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [Tensor];
    const g = dy as Tensor;
    return {
      x: () =>
        x.dtype === 'float32' && g.dtype === 'float32' && getKernel(RELU_GRAD, getBackend()) != null
          ? (engine().runKernel(RELU_GRAD, { dy: g, x }) as Tensor)
          : mul(g, cast(step(x), 'float32')),
    };
  },
};

export function registerReluGradient(): void {
  registerGradient(reluGradientConfig);
}
