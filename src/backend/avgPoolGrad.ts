/**
 * AvgPoolGrad for wasm, replacing a stock kernel that is both slow (a scalar
 * loop, ~30× a forward depthwise 3×3) and WRONG near borders with padding:
 * tfjs's forward average excludes padded positions (divides by the number of
 * in-bounds inputs), but every tfjs 4.22 AvgPoolGrad (cpu and wasm alike)
 * divides by the full window size. In a 3×3 'same' pool that scales border
 * gradients by 4/9 or 6/9 of their true value (NAS-Bench-201's avg_pool_3x3).
 *
 * Here dx is the exact gradient of the forward op: dy is divided by each
 * window's in-bounds count, spread onto a zero buffer at stride spacing with
 * complementary padding, and summed back over windows by a depthwise
 * convolution with a ones filter on XNNPACK.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { nativeKernels } from './onednn.js';
import { checkFloat, poolParams, type PoolAttrs } from './onednnKernels.js';
import { spreadDy } from './spread.js';
import { WASM, asWasmBackend, disposeTemp, heapF32, rejectDilation, runWasmKernel } from './wasmInternals.js';

const NAME = 'AvgPoolGrad';

/** 1 / (number of in-bounds inputs) for every output position of a pool, row-major [outHeight, outWidth]. */
export function inverseWindowCounts(info: backend_util.Conv2DInfo): Float32Array {
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const inv = new Float32Array(outHeight * outWidth);
  for (let oh = 0; oh < outHeight; oh++) {
    const h = oh * strideHeight - info.padInfo.top;
    const rows = Math.min(inHeight, h + filterHeight) - Math.max(0, h);
    for (let ow = 0; ow < outWidth; ow++) {
      const w = ow * strideWidth - info.padInfo.left;
      const cols = Math.min(inWidth, w + filterWidth) - Math.max(0, w);
      inv[oh * outWidth + ow] = rows > 0 && cols > 0 ? 1 / (rows * cols) : 0;
    }
  }
  return inv;
}

function poolInfo(input: TensorInfo, dy: TensorInfo, attrs: PoolAttrs): backend_util.Conv2DInfo {
  rejectDilation(NAME, attrs.dilations);
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const expectedDy = [info.batchSize, info.outHeight, info.outWidth, info.inChannels];
  if (dy.shape.join() !== expectedDy.join()) {
    throw new Error(`${NAME}: dy has shape [${dy.shape}], expected [${expectedDy}] for input [${input.shape}]`);
  }
  return info;
}

function avgPoolGrad(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = asWasmBackend(args.backend, NAME);
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  const info = poolInfo(input, dy, (args.attrs ?? {}) as unknown as PoolAttrs);
  const native = nativeKernels();
  if (native !== null) {
    // oneDNN's average-pooling gradient (padding left out, as here), where the native addon is loaded.
    checkFloat(NAME, dy, input);
    const dx = backend.makeOutput(input.shape.slice(), 'float32');
    native.avgPoolBackward(poolParams(info), heapF32(backend, dy, NAME), heapF32(backend, dx, NAME));
    return dx;
  }
  const { batchSize, inHeight, inWidth, inChannels: channels, filterHeight, filterWidth } = info;

  const spread = spreadDy(
    backend,
    dy,
    {
      strideHeight: info.strideHeight,
      strideWidth: info.strideWidth,
      top: filterHeight - 1 - info.padInfo.top,
      left: filterWidth - 1 - info.padInfo.left,
      shape: [batchSize, inHeight + filterHeight - 1, inWidth + filterWidth - 1, channels],
      scale: inverseWindowCounts(info),
    },
    NAME,
  );
  const ones = backend.makeOutput([filterHeight, filterWidth, channels, 1], 'float32');
  heapF32(backend, ones, NAME).fill(1);
  const dx = runWasmKernel(
    backend,
    'DepthwiseConv2dNative',
    { x: spread, filter: ones },
    { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC' },
  );
  disposeTemp(backend, spread, ones);
  return dx;
}

export const avgPoolGradConfig: KernelConfig = {
  kernelName: NAME,
  backendName: WASM,
  kernelFunc: avgPoolGrad as unknown as KernelConfig['kernelFunc'],
};

/** The cpu backend's view of tensor data (structural, to avoid depending on its class). */
interface CpuBackendLike {
  data: { get(dataId: object): { values: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

/**
 * The same exact gradient for the cpu backend, whose stock AvgPoolGrad has the
 * border error too; a plain scatter loop (cpu is the slow reference anyway).
 */
function avgPoolGradCpu(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = args.backend as CpuBackendLike;
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  const info = poolInfo(input, dy, (args.attrs ?? {}) as unknown as PoolAttrs);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const g = backend.data.get(dy.dataId)?.values;
  if (!(g instanceof Float32Array)) throw new Error(`${NAME}: dy must be float32 data on the cpu backend`);
  const inv = inverseWindowCounts(info);
  const dx = new Float32Array(batchSize * inHeight * inWidth * channels);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const hStart = oh * strideHeight - info.padInfo.top;
      for (let ow = 0; ow < outWidth; ow++) {
        const wStart = ow * strideWidth - info.padInfo.left;
        const f = inv[oh * outWidth + ow]!;
        const gBase = ((b * outHeight + oh) * outWidth + ow) * channels;
        for (let h = Math.max(0, hStart); h < Math.min(inHeight, hStart + filterHeight); h++) {
          for (let w = Math.max(0, wStart); w < Math.min(inWidth, wStart + filterWidth); w++) {
            const dBase = ((b * inHeight + h) * inWidth + w) * channels;
            for (let c = 0; c < channels; c++) dx[dBase + c] += g[gBase + c]! * f;
          }
        }
      }
    }
  }
  return backend.makeTensorInfo(input.shape.slice(), 'float32', dx);
}

export const avgPoolGradCpuConfig: KernelConfig = {
  kernelName: NAME,
  backendName: 'cpu',
  kernelFunc: avgPoolGradCpu as unknown as KernelConfig['kernelFunc'],
};
