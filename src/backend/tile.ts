/**
 * Tile for wasm. The stock kernel computes every output element's source
 * index separately (~200 ns per element here), and tfjs's batch-norm gradient
 * tiles a per-channel vector to the full activation shape, so in a conv+BN
 * training step Tile cost more than all convolutions together.
 *
 * Here the output is built block by block: the innermost axis is one
 * contiguous copy, and each axis's repetitions are memmoves (copyWithin,
 * doubling the filled span), so the cost is a few memory passes.
 */
import { util } from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { WASM, asWasmBackend } from './wasmInternals.js';

const NAME = 'Tile';

type Numeric = Float32Array | Int32Array | Uint8Array;

/** Fills dst[start + len, start + len·times) with copies of dst[start, start + len). */
function repeatInPlace(dst: Numeric, start: number, len: number, times: number): void {
  const total = len * times;
  let filled = len;
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    dst.copyWithin(start + filled, start, start + n);
    filled += n;
  }
}

/**
 * Writes the tile of the input block starting at `srcOffset` (axes ≥ `axis`)
 * to `dst` at `dstOffset`; returns the number of elements written.
 */
interface TilePlan {
  readonly shape: readonly number[];
  readonly reps: readonly number[];
  /** Elements of one index of each axis in the input (row-major strides, last = 1). */
  readonly srcStrides: readonly number[];
  /** From this axis on every rep is 1, so an input block is copied as is. */
  readonly copyFrom: number;
}

function tileAxis(src: Numeric, dst: Numeric, plan: TilePlan, axis: number, srcOffset: number, dstOffset: number): number {
  const { shape, reps, srcStrides } = plan;
  let written = 0;
  if (axis >= plan.copyFrom || axis === shape.length - 1) {
    const block = shape[axis]! * srcStrides[axis]!;
    dst.set(src.subarray(srcOffset, srcOffset + block), dstOffset);
    written = block;
  } else {
    for (let i = 0; i < shape[axis]!; i++) {
      written += tileAxis(src, dst, plan, axis + 1, srcOffset + i * srcStrides[axis]!, dstOffset + written);
    }
  }
  repeatInPlace(dst, dstOffset, written, reps[axis]!);
  return written * reps[axis]!;
}

function tile(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = asWasmBackend(args.backend, NAME);
  const { x } = args.inputs as { x: TensorInfo };
  const reps = ((args.attrs ?? {})['reps'] ?? []) as number[];
  if (x.dtype === 'string' || x.dtype === 'complex64') throw new Error(`${NAME}: dtype ${x.dtype} is not supported on wasm`);
  if (reps.length !== x.shape.length) {
    throw new Error(`${NAME}: reps [${reps}] must have one entry per axis of x [${x.shape}]`);
  }
  const outShape = x.shape.map((d, i) => d * reps[i]!);
  const out = backend.makeOutput(outShape, x.dtype);
  if (util.sizeFromShape(outShape) === 0) return out;
  const dst = backend.typedArrayFromHeap(out) as Numeric;
  const src = backend.typedArrayFromHeap(x) as Numeric;
  if (x.shape.length === 0) {
    dst[0] = src[0]!;
    return out;
  }
  let copyFrom = x.shape.length;
  while (copyFrom > 0 && reps[copyFrom - 1] === 1) copyFrom--;
  const plan: TilePlan = { shape: x.shape, reps, srcStrides: [...util.computeStrides(x.shape), 1], copyFrom };
  tileAxis(src, dst, plan, 0, 0, 0);
  return out;
}

export const tileConfig: KernelConfig = {
  kernelName: NAME,
  backendName: WASM,
  kernelFunc: tile as unknown as KernelConfig['kernelFunc'],
};
