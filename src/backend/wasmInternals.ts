/**
 * Small typed bridge to the wasm backend used by the replacement training
 * kernels: run an existing wasm kernel on TensorInfos (so our kernels can be
 * built from XNNPACK convolutions), free intermediates, and view tensor data
 * on the wasm heap without copying.
 *
 * Kernels run below the engine, so intermediates are plain TensorInfos that
 * nothing tracks: every helper result that is not returned must go through
 * `disposeTemp`.
 */
import { getKernel } from '@tensorflow/tfjs-core';
import type { DataType, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export const WASM = 'wasm';

/** The backend object a wasm kernel receives, checked so misuse fails with a message instead of a TypeError. */
export function asWasmBackend(backend: unknown, kernelName: string): BackendWasm {
  const b = backend as Partial<BackendWasm> | null;
  if (b == null || typeof b.makeOutput !== 'function' || typeof b.typedArrayFromHeap !== 'function') {
    throw new Error(`${kernelName}: this replacement kernel only runs on the 'wasm' backend`);
  }
  return b as BackendWasm;
}

/** Runs the wasm backend's own kernel `kernelName` directly (no engine bookkeeping, no gradient tape). */
export function runWasmKernel(
  backend: BackendWasm,
  kernelName: string,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap,
): TensorInfo {
  const config = getKernel(kernelName, WASM);
  if (config == null) throw new Error(`wasm backend has no '${kernelName}' kernel to build on`);
  const out = config.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`wasm kernel '${kernelName}' returned ${out.length} outputs, expected one`);
  return out;
}

export function disposeTemp(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** A Float32Array view of a float32 tensor on the wasm heap. Invalid after the next heap allocation. */
export function heapF32(backend: BackendWasm, info: TensorInfo, what: string): Float32Array {
  if (info.dtype !== 'float32') throw new Error(`${what}: expected a float32 tensor, got ${info.dtype}`);
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** A freshly allocated, zero-filled output tensor and its heap view. Allocate outputs before taking input views. */
export function zeroOutput(
  backend: BackendWasm,
  shape: number[],
  dtype: DataType,
): { info: TensorInfo; values: Float32Array | Int32Array | Uint8Array } {
  const info = backend.makeOutput(shape, dtype);
  const values = backend.typedArrayFromHeap(info) as Float32Array | Int32Array | Uint8Array;
  values.fill(0);
  return { info, values };
}

/** Rejects dilation > 1: no backend of tfjs 4.22 has convolution gradients with dilation. */
export function rejectDilation(kernelName: string, dilations: unknown): void {
  if (dilations == null) return;
  const values = typeof dilations === 'number' ? [dilations] : (dilations as number[]);
  if (values.some((d) => d !== 1)) {
    throw new Error(
      `${kernelName}: dilations ${JSON.stringify(dilations)} are not supported; ` +
        'convolution gradients with dilation > 1 exist on no tfjs backend, use dilation 1 for trained layers',
    );
  }
}

/** Rejects the NCHW layout, which the wasm convolutions do not implement. */
export function rejectChannelsFirst(kernelName: string, dataFormat: unknown): void {
  if (dataFormat === 'NCHW' || dataFormat === 'channelsFirst') {
    throw new Error(`${kernelName}: dataFormat ${String(dataFormat)} is not supported on wasm; use NHWC (channels last)`);
  }
}
