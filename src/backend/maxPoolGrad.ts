/**
 * MaxPoolGrad for wasm. The kernel shipped in tfjs-backend-wasm 4.22 routes
 * the gradient wrongly when every value in a window is negative (so after BN
 * without a ReLU in front, common in NAS cells), so it is replaced.
 *
 * Semantics match the cpu backend: each output's gradient goes to the FIRST
 * largest input of its window in row-major window order; padding never wins.
 * The forward output (an input of this kernel) tells the maximum, so finding
 * it is a short equality scan (about 2× faster than a running argmax).
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { WASM, asWasmBackend, heapF32, rejectDilation, zeroOutput } from './wasmInternals.js';

const NAME = 'MaxPoolGrad';

function maxPoolGrad(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = asWasmBackend(args.backend, NAME);
  const { dy, input, output } = args.inputs as { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    dilations?: unknown;
  };
  rejectDilation(NAME, attrs.dilations);
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const expectedDy = [batchSize, outHeight, outWidth, channels];
  if (dy.shape.join() !== expectedDy.join()) {
    throw new Error(`${NAME}: dy has shape [${dy.shape}], expected [${expectedDy}] for input [${input.shape}]`);
  }

  const dxInfo = zeroOutput(backend, input.shape.slice(), 'float32').info;
  const dx = heapF32(backend, dxInfo, NAME);
  const x = heapF32(backend, input, NAME);
  const y = heapF32(backend, output, NAME);
  const g = heapF32(backend, dy, NAME);

  const rowStride = inWidth * channels;
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * rowStride;
    for (let oh = 0; oh < outHeight; oh++) {
      const hStart = oh * strideHeight - padTop;
      const h0 = Math.max(0, hStart);
      const h1 = Math.min(inHeight, hStart + filterHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const wStart = ow * strideWidth - padLeft;
        const w0 = Math.max(0, wStart);
        const w1 = Math.min(inWidth, wStart + filterWidth);
        const yBase = ((b * outHeight + oh) * outWidth + ow) * channels;
        for (let c = 0; c < channels; c++) {
          // The forward output IS the window maximum, so the first input equal to it is the
          // first maximum: cheaper than tracking a running argmax.
          const target = y[yBase + c]!;
          let at = -1;
          search: for (let h = h0; h < h1; h++) {
            let i = xBatch + h * rowStride + w0 * channels + c;
            for (let w = w0; w < w1; w++, i += channels) {
              if (x[i] === target) {
                at = i;
                break search;
              }
            }
          }
          if (at < 0) at = firstMaximum(x, xBatch + c, rowStride, channels, h0, h1, w0, w1);
          if (at >= 0) dx[at] += g[yBase + c]!;
        }
      }
    }
  }
  return dxInfo;
}

/** Running argmax (first strict maximum) of one window and channel; -1 if the window holds only NaN/-Infinity. */
function firstMaximum(
  x: Float32Array,
  offset: number,
  rowStride: number,
  channels: number,
  h0: number,
  h1: number,
  w0: number,
  w1: number,
): number {
  let best = -Infinity;
  let at = -1;
  for (let h = h0; h < h1; h++) {
    for (let w = w0; w < w1; w++) {
      const i = offset + h * rowStride + w * channels;
      if (x[i]! > best) {
        best = x[i]!;
        at = i;
      }
    }
  }
  return at;
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: NAME,
  backendName: WASM,
  kernelFunc: maxPoolGrad as unknown as KernelConfig['kernelFunc'],
};
