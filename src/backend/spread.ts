/**
 * The "dilated, padded dy" that turns the input gradient of a strided
 * convolution or pooling into a stride-1 'valid' convolution on XNNPACK:
 * a zero tensor of `shape` with dy[b, oh, ow, :] (times an optional
 * per-position scale) at row top + oh·strideHeight, column left + ow·strideWidth.
 * Positions outside the buffer (only with explicit padding larger than the
 * window) reach no input pixel and are dropped.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, zeroOutput } from './wasmInternals.js';

export interface SpreadLayout {
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly top: number;
  readonly left: number;
  /** [batch, height, width, channels] of the buffer; channels must equal dy's. */
  readonly shape: [number, number, number, number];
  /** Optional factor per output position, length outHeight·outWidth (row-major). */
  readonly scale?: Float32Array;
}

export function spreadDy(backend: BackendWasm, dy: TensorInfo, layout: SpreadLayout, what: string): TensorInfo {
  const { strideHeight, strideWidth, top, left, scale } = layout;
  const [batch, height, width, channels] = layout.shape;
  const [dyBatch, outHeight, outWidth, dyChannels] = dy.shape as [number, number, number, number];
  if (dyBatch !== batch || dyChannels !== channels) {
    throw new Error(`${what}: cannot spread dy [${dy.shape}] into [${layout.shape}]`);
  }
  const out = zeroOutput(backend, layout.shape.slice(), 'float32').info;
  const dst = heapF32(backend, out, what);
  const src = heapF32(backend, dy, what);
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const h = top + oh * strideHeight;
      if (h < 0 || h >= height) continue;
      for (let ow = 0; ow < outWidth; ow++) {
        const w = left + ow * strideWidth;
        if (w < 0 || w >= width) continue;
        const s = ((b * outHeight + oh) * outWidth + ow) * channels;
        const d = ((b * height + h) * width + w) * channels;
        if (scale === undefined) {
          for (let c = 0; c < channels; c++) dst[d + c] = src[s + c]!;
        } else {
          const f = scale[oh * outWidth + ow]!;
          for (let c = 0; c < channels; c++) dst[d + c] = src[s + c]! * f;
        }
      }
    }
  }
  return out;
}
