/**
 * UnsortedSegmentSum for wasm (missing in tfjs-backend-wasm 4.22). The
 * gradient of tf.gather (embeddings, index selection) is built on it.
 *
 * out[s, ...] = Σ_{i : segmentIds[i] = s} x[i, ...]; ids outside
 * [0, numSegments) are dropped, as on the cpu backend. One pass over x with
 * contiguous row adds.
 */
import { util } from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { WASM, asWasmBackend, zeroOutput } from './wasmInternals.js';

const NAME = 'UnsortedSegmentSum';

function unsortedSegmentSum(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = asWasmBackend(args.backend, NAME);
  const { x, segmentIds } = args.inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const numSegments = Number((args.attrs ?? {})['numSegments']);
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`${NAME}: numSegments must be a non-negative integer, got ${String((args.attrs ?? {})['numSegments'])}`);
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`${NAME}: unsupported dtype ${x.dtype}`);
  if (segmentIds.dtype !== 'int32') throw new Error(`${NAME}: segmentIds must be int32, got ${segmentIds.dtype}`);
  const idsRank = segmentIds.shape.length;
  if (x.shape.slice(0, idsRank).join() !== segmentIds.shape.join()) {
    throw new Error(`${NAME}: segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]`);
  }
  const rowShape = x.shape.slice(idsRank);
  const rowSize = util.sizeFromShape(rowShape);
  const rows = util.sizeFromShape(segmentIds.shape);

  const out = zeroOutput(backend, [numSegments, ...rowShape], x.dtype);
  const sums = out.values as Float32Array | Int32Array;
  const xs = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = backend.typedArrayFromHeap(segmentIds) as Int32Array;
  for (let i = 0; i < rows; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const src = i * rowSize;
    const dst = s * rowSize;
    for (let j = 0; j < rowSize; j++) sums[dst + j] += xs[src + j]!;
  }
  return out.info;
}

export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: NAME,
  backendName: WASM,
  kernelFunc: unsortedSegmentSum as unknown as KernelConfig['kernelFunc'],
};
