/**
 * Identity for wasm without a copy. The stock kernel allocates a new buffer
 * and copies the tensor into it, and tfjs clones every tensor it saves for a
 * gradient through Identity (about 130 per supernet training step, each a
 * full activation). Tensors on the wasm heap are never written after their
 * kernel returns (our kernels write only fresh outputs, and the fused SGD
 * update gives variables new storage), so sharing the data with one more
 * reference is exact, as the cpu backend's Identity and the wasm Reshape do.
 */
import type { KernelConfig, KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { WASM, asWasmBackend } from './wasmInternals.js';

const NAME = 'Identity';

function identity(args: { inputs: NamedTensorInfoMap; backend: unknown }): TensorInfo {
  const backend = asWasmBackend(args.backend, NAME);
  const { x } = args.inputs as { x: TensorInfo };
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

export const identityConfig: KernelConfig = {
  kernelName: NAME,
  backendName: WASM,
  kernelFunc: identity as unknown as KernelFunc,
};
