/**
 * Sum and Mean for wasm over a contiguous run of NON-innermost axes, e.g. the
 * per-channel statistics of batch norm (axes [0,1,2] of NHWC) and global
 * average pooling (axes [1,2]). The stock kernels first transpose the whole
 * input so the reduced axes come last; batch-norm training does ~8 such
 * reductions of a full activation per layer. Here one pass adds rows of the
 * contiguous inner block into a float64 accumulator (also closer to the cpu
 * backend's float64 sums). Other axis patterns and dtypes go to the stock
 * kernel, which is already a plain pass when only inner axes are reduced.
 */
import { backend_util, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { WASM, asWasmBackend } from './wasmInternals.js';

type KernelArgs = { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap };

/** [outer, reduced, inner] sizes when `axes` is a contiguous run that is not innermost; null otherwise. */
export function outerReductionLayout(shape: readonly number[], axes: readonly number[]): [number, number, number] | null {
  if (axes.length === 0) return null;
  const sorted = [...axes].sort((a, b) => a - b);
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  if (last - first + 1 !== sorted.length || last === shape.length - 1) return null;
  const outer = util.sizeFromShape(shape.slice(0, first));
  const reduced = util.sizeFromShape(shape.slice(first, last + 1));
  const inner = util.sizeFromShape(shape.slice(last + 1));
  return [outer, reduced, inner];
}

function makeReduction(kernelName: 'Sum' | 'Mean'): KernelConfig {
  const kernelFunc = (args: KernelArgs): TensorInfo => {
    const backend = asWasmBackend(args.backend, kernelName);
    const { x } = args.inputs as { x: TensorInfo };
    const attrs = args.attrs ?? {};
    const axes = util.parseAxisParam(attrs['axis'] as number | number[], x.shape);
    const layout = x.dtype === 'float32' || (kernelName === 'Sum' && x.dtype === 'int32') ? outerReductionLayout(x.shape, axes) : null;
    if (layout === null || layout[1] === 0) {
      const stock = stockReductions.get(kernelName);
      if (stock === undefined) throw new Error(`${kernelName}: no stock wasm kernel to fall back to`);
      return stock.kernelFunc(args as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const [outer, reduced, inner] = layout;
    const [outShape] = backend_util.computeOutAndReduceShapes(x.shape, [...axes].sort((a, b) => a - b));
    const shape = attrs['keepDims'] ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
    const out = backend.makeOutput(shape, x.dtype);
    const dst = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
    const src = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
    const acc = new Float64Array(inner);
    const scale = kernelName === 'Mean' ? 1 / reduced : 1;
    for (let o = 0; o < outer; o++) {
      acc.fill(0);
      let row = o * reduced * inner;
      for (let r = 0; r < reduced; r++, row += inner) {
        for (let i = 0; i < inner; i++) acc[i] += src[row + i]!;
      }
      const base = o * inner;
      for (let i = 0; i < inner; i++) dst[base + i] = acc[i]! * scale;
    }
    return out;
  };
  return {
    kernelName,
    backendName: WASM,
    kernelFunc: kernelFunc as unknown as KernelFunc,
    // The engine sets up only registered kernels, so the replaced stock kernel is set up through ours.
    setupFunc: (backend) => stockReductions.get(kernelName)?.setupFunc?.(backend),
  };
}

/** Stock kernels this module falls back to, captured by the registry before replacing them. */
export const stockReductions = new Map<string, KernelConfig>();

export const sumConfig = makeReduction('Sum');
export const meanConfig = makeReduction('Mean');
