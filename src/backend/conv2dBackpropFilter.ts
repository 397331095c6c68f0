/**
 * Conv2DBackpropFilter for wasm (tfjs-backend-wasm 4.22 has none, so conv
 * layers cannot train there).
 *
 * dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s+kh−padTop, ow·s+kw−padLeft, ci] · dy[b,oh,ow,co]
 *
 * is itself a convolution once batch and channel axes swap places: the input
 * is x transposed to [ci, H, W, b], the "filter" is dy transposed to
 * [OH, OW, b, co], and the forward stride becomes the dilation. That runs on
 * the backend's XNNPACK Conv2D instead of a JS loop. 1×1 stride-1 filters are
 * a plain matrix product xᵀ·dy.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { nativeKernels } from './onednn.js';
import { checkFloat, convParams, runNative } from './onednnKernels.js';
import { WASM, asWasmBackend, disposeTemp, rejectChannelsFirst, rejectDilation, runWasmKernel } from './wasmInternals.js';

const NAME = 'Conv2DBackpropFilter';

function conv2dBackpropFilter(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = asWasmBackend(args.backend, NAME);
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = (args.attrs ?? {}) as unknown as {
    strides: [number, number] | number;
    pad: backend_util.ExplicitPadding | 'same' | 'valid' | number;
    dataFormat?: string;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    dilations?: [number, number] | number;
    filterShape?: [number, number, number, number];
  };
  rejectChannelsFirst(NAME, attrs.dataFormat);
  rejectDilation(NAME, attrs.dilations);
  if (attrs.filterShape === undefined) throw new Error(`${NAME}: attribute filterShape is missing`);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const expectedDy = [batchSize, outHeight, outWidth, outChannels];
  if (dy.shape.join() !== expectedDy.join()) {
    throw new Error(`${NAME}: dy has shape [${dy.shape}], expected [${expectedDy}] for x [${x.shape}]`);
  }
  const native = nativeKernels();
  if (native !== null) {
    // oneDNN's filter gradient, where the native addon is loaded.
    checkFloat(NAME, x, dy);
    const params = convParams(info);
    return runNative(backend, attrs.filterShape.slice(), x, dy, NAME, (a, b, out) => native.conv2dBackwardFilter(params, a, b, out));
  }

  const pointwise =
    filterHeight === 1 && filterWidth === 1 && strideHeight === 1 && strideWidth === 1 &&
    info.padInfo.top === 0 && info.padInfo.left === 0;
  if (pointwise) {
    // xᵀ·dy; transposing x first lets BatchMatMul take XNNPACK's fully-connected path
    // (a transposeA matmul runs ~7× slower here).
    const rows = batchSize * inHeight * inWidth;
    const xT = runWasmKernel(backend, 'Transpose', { x: { ...x, shape: [rows, inChannels] } }, { perm: [1, 0] });
    const out = runWasmKernel(
      backend,
      'BatchMatMul',
      { a: { ...xT, shape: [1, inChannels, rows] }, b: { ...dy, shape: [1, rows, outChannels] } },
      { transposeA: false, transposeB: false },
    );
    disposeTemp(backend, xT);
    return { ...out, shape: [1, 1, inChannels, outChannels] };
  }

  // The swapped convolution must yield exactly filterHeight × filterWidth
  // outputs; rows/columns of x past the last window are cropped (negative
  // bottom/right padding), missing ones are padded.
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const padBottom = filterHeight + (outHeight - 1) * strideHeight - inHeight - padTop;
  const padRight = filterWidth + (outWidth - 1) * strideWidth - inWidth - padLeft;

  let xT = runWasmKernel(backend, 'Transpose', { x }, { perm: [3, 1, 2, 0] });
  if (padBottom < 0 || padRight < 0) {
    const cropped = runWasmKernel(
      backend,
      'Slice',
      { x: xT },
      {
        begin: [0, 0, 0, 0],
        size: [inChannels, inHeight + Math.min(padBottom, 0), inWidth + Math.min(padRight, 0), batchSize],
      },
    );
    disposeTemp(backend, xT);
    xT = cropped;
  }
  const dyT = runWasmKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const swapped = runWasmKernel(
    backend,
    'Conv2D',
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      pad: [[0, 0], [padTop, Math.max(padBottom, 0)], [padLeft, Math.max(padRight, 0)], [0, 0]],
      dataFormat: 'NHWC',
      dilations: [strideHeight, strideWidth],
    },
  );
  disposeTemp(backend, xT, dyT);
  const dW = runWasmKernel(backend, 'Transpose', { x: swapped }, { perm: [1, 2, 0, 3] });
  disposeTemp(backend, swapped);
  return dW;
}

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: NAME,
  backendName: WASM,
  kernelFunc: conv2dBackpropFilter as unknown as KernelConfig['kernelFunc'],
};
