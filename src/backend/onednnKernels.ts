/**
 * Conv2D and AvgPool on the wasm backend, run by oneDNN (the native addon,
 * see onednn.ts) when it is loaded, else by the stock XNNPACK kernels; and
 * the helpers the gradient kernels (conv2dBackprop*.ts, avgPoolGrad.ts) use
 * for their own native branch. Tensors stay on the wasm heap: the addon
 * reads and writes them through Float32Array views.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels, type OnednnAddon } from './onednn.js';
import { WASM, asWasmBackend, heapF32, rejectChannelsFirst, rejectDilation } from './wasmInternals.js';

type Shape4 = [number, number, number, number];
type KernelArgs = { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap };
interface ConvAttrs {
  strides: [number, number] | number;
  pad: backend_util.ExplicitPadding | 'same' | 'valid' | number;
  dataFormat?: string;
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The 17 integers the addon's convolutions take, from tfjs's own shape and padding arithmetic. */
export function convParams(info: backend_util.Conv2DInfo): Int32Array {
  const p = info.padInfo;
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.filterHeight, info.filterWidth, info.outChannels, info.outHeight, info.outWidth,
    info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth,
    p.top, p.left, p.bottom, p.right,
  ]);
}

/** Before allocating an output: a wrong dtype fails here instead of leaving the output behind. */
export function checkFloat(name: string, ...infos: TensorInfo[]): void {
  for (const t of infos) if (t.dtype !== 'float32') throw new Error(`${name}: expected float32 tensors, got ${t.dtype}`);
}

/** Runs `call` on a fresh output; views are taken after the allocation, which may move the heap. */
export function runNative(
  backend: BackendWasm,
  outShape: number[],
  a: TensorInfo,
  b: TensorInfo,
  name: string,
  call: (a: Float32Array, b: Float32Array, out: Float32Array) => void,
): TensorInfo {
  const out = backend.makeOutput(outShape, 'float32');
  call(heapF32(backend, a, name), heapF32(backend, b, name), heapF32(backend, out, name));
  return out;
}

/** A replacement for stock wasm kernel `name` that runs `native` when the addon is loaded, else the stock kernel. */
function nativeOrStock(
  name: string,
  stock: () => KernelConfig | undefined,
  native: (addon: OnednnAddon, args: KernelArgs) => TensorInfo,
): KernelConfig {
  const kernelFunc = (args: KernelArgs): TensorInfo => {
    const addon = nativeKernels();
    if (addon !== null) return native(addon, args);
    const fallback = stock();
    if (fallback === undefined) throw new Error(`${name}: the stock wasm kernel was not kept`);
    return fallback.kernelFunc(args as Parameters<KernelFunc>[0]) as TensorInfo;
  };
  return {
    kernelName: name,
    backendName: WASM,
    kernelFunc: kernelFunc as unknown as KernelFunc,
    // The engine sets up only registered kernels, so the replaced stock kernel is set up through ours.
    setupFunc: (backend) => stock()?.setupFunc?.(backend),
  };
}

/** Conv2D: oneDNN when loaded, else the stock wasm kernel given by `stock`. */
export function onednnConv2dConfig(stock: () => KernelConfig | undefined): KernelConfig {
  const NAME = 'Conv2D';
  return nativeOrStock(NAME, stock, (addon, args) => {
    const attrs = (args.attrs ?? {}) as unknown as ConvAttrs;
    const backend = asWasmBackend(args.backend, NAME);
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    rejectChannelsFirst(NAME, attrs.dataFormat);
    checkFloat(NAME, x, filter);
    const info = backend_util.computeConv2DInfo(
      x.shape as Shape4,
      filter.shape as Shape4,
      attrs.strides,
      attrs.dilations ?? 1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const params = convParams(info);
    return runNative(backend, [info.batchSize, info.outHeight, info.outWidth, info.outChannels], x, filter, NAME, (a, b, out) =>
      addon.conv2dForward(params, a, b, out),
    );
  });
}

/** Attributes of AvgPool and AvgPoolGrad. */
export interface PoolAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: unknown;
}

/** The 14 integers the addon's pooling takes: N H W C KH KW OH OW sh sw pt pl pb pr. */
export function poolParams(info: backend_util.Conv2DInfo): Int32Array {
  const p = info.padInfo;
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth,
    info.outHeight, info.outWidth, info.strideHeight, info.strideWidth, p.top, p.left, p.bottom, p.right,
  ]);
}

/** AvgPool (padding left out of the average, as tfjs defines it): oneDNN when loaded, else the stock wasm kernel. */
export function onednnAvgPoolConfig(stock: () => KernelConfig | undefined): KernelConfig {
  const NAME = 'AvgPool';
  return nativeOrStock(NAME, stock, (addon, args) => {
    const backend = asWasmBackend(args.backend, NAME);
    const { x } = args.inputs as { x: TensorInfo };
    const attrs = (args.attrs ?? {}) as unknown as PoolAttrs;
    checkFloat(NAME, x);
    rejectDilation(NAME, attrs.dilations);
    if (x.shape.length !== 4) throw new Error(`${NAME}: expected an NHWC rank-4 input, got shape [${x.shape}]`);
    const info = backend_util.computePool2DInfo(x.shape as Shape4, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const out = backend.makeOutput([info.batchSize, info.outHeight, info.outWidth, info.inChannels], 'float32');
    addon.avgPoolForward(poolParams(info), heapF32(backend, x, NAME), heapF32(backend, out, NAME));
    return out;
  });
}
