/**
 * Conv2DBackpropInput for wasm. The stock kernel is a scalar loop (≈14× the
 * time of the forward convolution at batch 64, 32×32, 16→16 channels), so
 * every conv layer's backward pass was dominated by it.
 *
 * dx is the convolution of dy with the filter flipped in space and with its
 * channel axes swapped, run on the backend's XNNPACK Conv2D:
 * - stride 1: directly on dy with complementary padding
 *   (KH−1−padTop on top, etc.);
 * - stride s > 1: on a zero buffer holding dy at every s-th row/column (the
 *   "dilated" dy, padding included), with a stride-1 'valid' convolution.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { spreadDy } from './spread.js';
import { nativeKernels } from './onednn.js';
import { checkFloat, convParams, runNative } from './onednnKernels.js';
import { WASM, asWasmBackend, disposeTemp, rejectChannelsFirst, rejectDilation, runWasmKernel } from './wasmInternals.js';

const NAME = 'Conv2DBackpropInput';
type Shape4 = [number, number, number, number];

function conv2dBackpropInput(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = asWasmBackend(args.backend, NAME);
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as {
    strides: [number, number] | number;
    pad: backend_util.ExplicitPadding | 'same' | 'valid' | number;
    dataFormat?: string;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    dilations?: [number, number] | number;
    inputShape?: Shape4;
  };
  rejectChannelsFirst(NAME, attrs.dataFormat);
  rejectDilation(NAME, attrs.dilations);
  if (attrs.inputShape === undefined) throw new Error(`${NAME}: attribute inputShape is missing`);
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as Shape4,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize, inHeight, inWidth, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const expectedDy = [batchSize, outHeight, outWidth, outChannels];
  if (dy.shape.join() !== expectedDy.join()) {
    throw new Error(`${NAME}: dy has shape [${dy.shape}], expected [${expectedDy}] for input [${attrs.inputShape}]`);
  }
  const native = nativeKernels();
  if (native !== null) {
    // oneDNN's input gradient, where the native addon is loaded.
    checkFloat(NAME, dy, filter);
    const params = convParams(info);
    return runNative(backend, attrs.inputShape.slice(), dy, filter, NAME, (a, b, out) => native.conv2dBackwardData(params, a, b, out));
  }
  const flipTop = filterHeight - 1 - info.padInfo.top;
  const flipLeft = filterWidth - 1 - info.padInfo.left;
  // Padding that makes the stride-1 convolution of the (dilated) dy come out inHeight × inWidth.
  const flipBottom = inHeight + filterHeight - 1 - flipTop - ((outHeight - 1) * strideHeight + 1);
  const flipRight = inWidth + filterWidth - 1 - flipLeft - ((outWidth - 1) * strideWidth + 1);

  const flipped = runWasmKernel(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
  const kernel = runWasmKernel(backend, 'Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
  disposeTemp(backend, flipped);

  let dx: TensorInfo;
  if (strideHeight === 1 && strideWidth === 1 && Math.min(flipTop, flipLeft, flipBottom, flipRight) >= 0) {
    dx = runWasmKernel(
      backend,
      'Conv2D',
      { x: dy, filter: kernel },
      {
        strides: [1, 1],
        pad: [[0, 0], [flipTop, flipBottom], [flipLeft, flipRight], [0, 0]],
        dataFormat: 'NHWC',
        dilations: [1, 1],
      },
    );
  } else {
    const spread = spreadDy(
      backend,
      dy,
      {
        strideHeight,
        strideWidth,
        top: flipTop,
        left: flipLeft,
        shape: [batchSize, inHeight + filterHeight - 1, inWidth + filterWidth - 1, outChannels],
      },
      NAME,
    );
    dx = runWasmKernel(
      backend,
      'Conv2D',
      { x: spread, filter: kernel },
      { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] },
    );
    disposeTemp(backend, spread);
  }
  disposeTemp(backend, kernel);
  return dx;
}

export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: NAME,
  backendName: WASM,
  kernelFunc: conv2dBackpropInput as unknown as KernelConfig['kernelFunc'],
};
