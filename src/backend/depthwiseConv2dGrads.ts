/**
 * DepthwiseConv2dNativeBackpropFilter / ...BackpropInput for wasm
 * (tfjs-backend-wasm 4.22 has neither, so depthwise layers cannot train).
 *
 * Filter gradient: a typed-array loop accumulating in float64 (it sums
 * B·OH·OW products per weight). It is not a single wasm convolution because
 * every channel has its own "filter" (its dy), which no wasm kernel expresses.
 *
 * Input gradient: with channel multiplier 1 it is a depthwise convolution of
 * dy (spread at stride spacing when the stride is > 1) with the spatially
 * flipped filter and complementary padding, run on the backend's XNNPACK
 * kernel; multipliers > 1 scatter with a typed-array loop. Loops keep the
 * channel axis innermost (contiguous NHWC).
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { spreadDy } from './spread.js';
import {
  WASM,
  asWasmBackend,
  disposeTemp,
  heapF32,
  rejectDilation,
  runWasmKernel,
  zeroOutput,
} from './wasmInternals.js';

type Shape4 = [number, number, number, number];
interface DepthwiseGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape?: Shape4;
  inputShape?: Shape4;
}
type KernelArgs = { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap };

const FILTER = 'DepthwiseConv2dNativeBackpropFilter';
const INPUT = 'DepthwiseConv2dNativeBackpropInput';

function convInfoFor(kernel: string, xShape: Shape4, filterShape: Shape4, attrs: DepthwiseGradAttrs, dy: TensorInfo) {
  rejectDilation(kernel, attrs.dilations);
  const info = backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const expectedDy = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  if (dy.shape.join() !== expectedDy.join()) {
    throw new Error(`${kernel}: dy has shape [${dy.shape}], expected [${expectedDy}] for input [${xShape}]`);
  }
  return info;
}

function depthwiseBackpropFilter(args: KernelArgs): TensorInfo {
  const backend = asWasmBackend(args.backend, FILTER);
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as DepthwiseGradAttrs;
  if (attrs.filterShape == null) throw new Error(`${FILTER}: missing attribute filterShape`);
  const info = convInfoFor(FILTER, x.shape as Shape4, attrs.filterShape, attrs, dy);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const mult = outChannels / inChannels;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;

  const acc = new Float64Array(filterHeight * filterWidth * outChannels);
  const xs = heapF32(backend, x, FILTER);
  const g = heapF32(backend, dy, FILTER);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let kh = 0; kh < filterHeight; kh++) {
        const ih = oh * strideHeight + kh - padTop;
        if (ih < 0 || ih >= inHeight) continue;
        for (let ow = 0; ow < outWidth; ow++) {
          const gBase = ((b * outHeight + oh) * outWidth + ow) * outChannels;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth + kw - padLeft;
            if (iw < 0 || iw >= inWidth) continue;
            const xBase = ((b * inHeight + ih) * inWidth + iw) * inChannels;
            const aBase = (kh * filterWidth + kw) * outChannels;
            if (mult === 1) {
              for (let c = 0; c < inChannels; c++) acc[aBase + c] += xs[xBase + c]! * g[gBase + c]!;
            } else {
              for (let c = 0; c < inChannels; c++) {
                const xv = xs[xBase + c]!;
                const o = c * mult;
                for (let m = 0; m < mult; m++) acc[aBase + o + m] += xv * g[gBase + o + m]!;
              }
            }
          }
        }
      }
    }
  }
  const out = backend.makeOutput(attrs.filterShape.slice(), 'float32');
  heapF32(backend, out, FILTER).set(acc);
  return out;
}

function depthwiseBackpropInput(args: KernelArgs): TensorInfo {
  const backend = asWasmBackend(args.backend, INPUT);
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as DepthwiseGradAttrs;
  if (attrs.inputShape == null) throw new Error(`${INPUT}: missing attribute inputShape`);
  const info = convInfoFor(INPUT, attrs.inputShape, filter.shape as Shape4, attrs, dy);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const mult = outChannels / inChannels;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;

  if (mult === 1) {
    // dx = depthwise(dy, flip(filter)): directly with complementary padding at stride 1,
    // otherwise on dy spread at stride spacing into a zero buffer.
    const flipTop = filterHeight - 1 - padTop;
    const flipLeft = filterWidth - 1 - padLeft;
    const flipBottom = inHeight + filterHeight - 1 - flipTop - ((outHeight - 1) * strideHeight + 1);
    const flipRight = inWidth + filterWidth - 1 - flipLeft - ((outWidth - 1) * strideWidth + 1);
    const flipped = runWasmKernel(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
    const conv = (x: TensorInfo, pad: backend_util.ExplicitPadding | 'valid') =>
      runWasmKernel(
        backend,
        'DepthwiseConv2dNative',
        { x, filter: flipped },
        { strides: [1, 1], pad, dilations: [1, 1], dataFormat: 'NHWC' },
      );
    let dx: TensorInfo;
    if (strideHeight === 1 && strideWidth === 1 && Math.min(flipTop, flipLeft, flipBottom, flipRight) >= 0) {
      dx = conv(dy, [[0, 0], [flipTop, flipBottom], [flipLeft, flipRight], [0, 0]]);
    } else {
      const spread = spreadDy(
        backend,
        dy,
        {
          strideHeight,
          strideWidth,
          top: flipTop,
          left: flipLeft,
          shape: [batchSize, inHeight + filterHeight - 1, inWidth + filterWidth - 1, inChannels],
        },
        INPUT,
      );
      dx = conv(spread, 'valid');
      disposeTemp(backend, spread);
    }
    disposeTemp(backend, flipped);
    return dx;
  }

  const dxInfo = zeroOutput(backend, info.inShape.slice(), 'float32').info;
  const dx = heapF32(backend, dxInfo, INPUT);
  const w = heapF32(backend, filter, INPUT);
  const g = heapF32(backend, dy, INPUT);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let kh = 0; kh < filterHeight; kh++) {
        const ih = oh * strideHeight + kh - padTop;
        if (ih < 0 || ih >= inHeight) continue;
        for (let ow = 0; ow < outWidth; ow++) {
          const gBase = ((b * outHeight + oh) * outWidth + ow) * outChannels;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth + kw - padLeft;
            if (iw < 0 || iw >= inWidth) continue;
            const dxBase = ((b * inHeight + ih) * inWidth + iw) * inChannels;
            const wBase = (kh * filterWidth + kw) * outChannels;
            if (mult === 1) {
              for (let c = 0; c < inChannels; c++) dx[dxBase + c] += w[wBase + c]! * g[gBase + c]!;
            } else {
              for (let c = 0; c < inChannels; c++) {
                const o = c * mult;
                let sum = 0;
                for (let m = 0; m < mult; m++) sum += w[wBase + o + m]! * g[gBase + o + m]!;
                dx[dxBase + c] += sum;
              }
            }
          }
        }
      }
    }
  }
  return dxInfo;
}

export const depthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: FILTER,
  backendName: WASM,
  kernelFunc: depthwiseBackpropFilter as unknown as KernelConfig['kernelFunc'],
};

export const depthwiseBackpropInputConfig: KernelConfig = {
  kernelName: INPUT,
  backendName: WASM,
  kernelFunc: depthwiseBackpropInput as unknown as KernelConfig['kernelFunc'],
};
