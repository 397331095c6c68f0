/**
 * Conv2D and its two gradients, and AvgPool and its gradient, on the wasm
 * backend, run by oneDNN (the native addon, see onednn.ts) when it is
 * loaded, else by the wasm kernels they wrap (XNNPACK forwards, our
 * XNNPACK-based gradients). Tensors stay on the wasm heap: the addon reads
 * and writes them through Float32Array views.
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
  inputShape?: Shape4;
  filterShape?: Shape4;
}

/** The 17 integers the addon takes, from tfjs's own shape and padding arithmetic. */
function convParams(info: backend_util.Conv2DInfo): Int32Array {
  const p = info.padInfo;
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.filterHeight, info.filterWidth, info.outChannels, info.outHeight, info.outWidth,
    info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth,
    p.top, p.left, p.bottom, p.right,
  ]);
}

function checkFloat(name: string, ...infos: TensorInfo[]): void {
  for (const t of infos) if (t.dtype !== 'float32') throw new Error(`${name}: expected float32 tensors, got ${t.dtype}`);
}

function checkShape(name: string, what: string, got: readonly number[], want: readonly number[]): void {
  if (got.join() !== want.join()) throw new Error(`${name}: ${what} has shape [${got}], expected [${want}]`);
}

/** Runs `call` on a fresh output; views are taken after the allocation, which may move the heap. */
function runNative(
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

function conv2dInfo(xShape: Shape4, filterShape: Shape4, attrs: ConvAttrs, dilations: ConvAttrs['dilations']): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
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
    const info = conv2dInfo(x.shape as Shape4, filter.shape as Shape4, attrs, attrs.dilations);
    const params = convParams(info);
    return runNative(backend, [info.batchSize, info.outHeight, info.outWidth, info.outChannels], x, filter, NAME, (a, b, out) =>
      addon.conv2dForward(params, a, b, out),
    );
  });
}

/** Conv2DBackpropInput: oneDNN when loaded, else `wasmKernel`. */
export function onednnBackpropInput(wasmKernel: (args: KernelArgs) => TensorInfo): (args: KernelArgs) => TensorInfo {
  const NAME = 'Conv2DBackpropInput';
  return (args) => {
    const addon = nativeKernels();
    if (addon === null) return wasmKernel(args);
    const backend = asWasmBackend(args.backend, NAME);
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const attrs = (args.attrs ?? {}) as unknown as ConvAttrs;
    rejectChannelsFirst(NAME, attrs.dataFormat);
    rejectDilation(NAME, attrs.dilations);
    checkFloat(NAME, dy, filter);
    if (attrs.inputShape === undefined) throw new Error(`${NAME}: attribute inputShape is missing`);
    const info = conv2dInfo(attrs.inputShape, filter.shape as Shape4, attrs, 1);
    checkShape(NAME, 'dy', dy.shape, [info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
    const params = convParams(info);
    return runNative(backend, attrs.inputShape.slice(), dy, filter, NAME, (a, b, out) => addon.conv2dBackwardData(params, a, b, out));
  };
}

/** Conv2DBackpropFilter: oneDNN when loaded, else `wasmKernel`. */
export function onednnBackpropFilter(wasmKernel: (args: KernelArgs) => TensorInfo): (args: KernelArgs) => TensorInfo {
  const NAME = 'Conv2DBackpropFilter';
  return (args) => {
    const addon = nativeKernels();
    if (addon === null) return wasmKernel(args);
    const backend = asWasmBackend(args.backend, NAME);
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const attrs = (args.attrs ?? {}) as unknown as ConvAttrs;
    rejectChannelsFirst(NAME, attrs.dataFormat);
    rejectDilation(NAME, attrs.dilations);
    checkFloat(NAME, x, dy);
    if (attrs.filterShape === undefined) throw new Error(`${NAME}: attribute filterShape is missing`);
    const info = conv2dInfo(x.shape as Shape4, attrs.filterShape, attrs, 1);
    checkShape(NAME, 'dy', dy.shape, [info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
    const params = convParams(info);
    return runNative(backend, attrs.filterShape.slice(), x, dy, NAME, (a, b, out) => addon.conv2dBackwardFilter(params, a, b, out));
  };
}

/** Attributes of AvgPool and AvgPoolGrad. */
export interface PoolAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: unknown;
}

function poolParams(name: string, xShape: number[], attrs: PoolAttrs): { info: backend_util.Conv2DInfo; params: Int32Array } {
  rejectDilation(name, attrs.dilations);
  if (xShape.length !== 4) throw new Error(`${name}: expected an NHWC rank-4 input, got shape [${xShape}]`);
  const info = backend_util.computePool2DInfo(xShape as Shape4, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const p = info.padInfo;
  const params = Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth,
    info.outHeight, info.outWidth, info.strideHeight, info.strideWidth, p.top, p.left, p.bottom, p.right,
  ]);
  return { info, params };
}

/** AvgPool (padding left out of the average, as tfjs defines it): oneDNN when loaded, else the stock wasm kernel. */
export function onednnAvgPoolConfig(stock: () => KernelConfig | undefined): KernelConfig {
  const NAME = 'AvgPool';
  return nativeOrStock(NAME, stock, (addon, args) => {
    const backend = asWasmBackend(args.backend, NAME);
    const { x } = args.inputs as { x: TensorInfo };
    checkFloat(NAME, x);
    const { info, params } = poolParams(NAME, x.shape, (args.attrs ?? {}) as unknown as PoolAttrs);
    const out = backend.makeOutput([info.batchSize, info.outHeight, info.outWidth, info.inChannels], 'float32');
    addon.avgPoolForward(params, heapF32(backend, x, NAME), heapF32(backend, out, NAME));
    return out;
  });
}

/** AvgPoolGrad, the exact adjoint of AvgPool: oneDNN when loaded, else `wasmKernel`. */
export function onednnAvgPoolGrad(wasmKernel: (args: KernelArgs) => TensorInfo): (args: KernelArgs) => TensorInfo {
  const NAME = 'AvgPoolGrad';
  return (args) => {
    const addon = nativeKernels();
    if (addon === null) return wasmKernel(args);
    const backend = asWasmBackend(args.backend, NAME);
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    checkFloat(NAME, dy, input);
    const { info, params } = poolParams(NAME, input.shape, (args.attrs ?? {}) as unknown as PoolAttrs);
    checkShape(NAME, 'dy', dy.shape, [info.batchSize, info.outHeight, info.outWidth, info.inChannels]);
    const dx = backend.makeOutput(input.shape.slice(), 'float32');
    addon.avgPoolBackward(params, heapF32(backend, dy, NAME), heapF32(backend, dx, NAME));
    return dx;
  };
}
