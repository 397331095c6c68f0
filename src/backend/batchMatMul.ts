/**
 * BatchMatMul for wasm with transposed operands. The stock kernel's XNNPACK
 * path takes untransposed operands only; with `transposeA` or `transposeB`
 * it runs a scalar loop ≈10× slower (measured here: [1152, 600]·[600, 600]
 * 40 ms plain, 410–510 ms with either transpose). Every dense layer's
 * backward pass has such products (dW = xᵀ·dy, dx = dy·Wᵀ), so a GCN step
 * spent most of its time there. Here a transposed operand is first
 * transposed by the wasm Transpose kernel (one memory pass) and the product
 * goes to the stock kernel untransposed; untransposed calls go straight to it.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WASM, asWasmBackend, disposeTemp, runWasmKernel } from './wasmInternals.js';

const NAME = 'BatchMatMul';

type KernelArgs = { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap };

/** The stock kernel, captured by the registry before it is replaced. */
export const stockBatchMatMul: { config?: KernelConfig } = {};

function swapLastAxes(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return runWasmKernel(backend, 'Transpose', { x }, { perm });
}

function batchMatMul(args: KernelArgs): TensorInfo {
  const backend = asWasmBackend(args.backend, NAME);
  const stock = stockBatchMatMul.config;
  if (stock === undefined) throw new Error(`${NAME}: no stock wasm kernel to build on`);
  const run = (inputs: NamedTensorInfoMap, attrs: NamedAttrMap): TensorInfo =>
    stock.kernelFunc({ inputs, backend, attrs } as Parameters<KernelFunc>[0]) as TensorInfo;
  const attrs = args.attrs ?? {};
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const transposeA = attrs['transposeA'] === true;
  const transposeB = attrs['transposeB'] === true;
  if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32') return run(args.inputs, attrs);
  const temps: TensorInfo[] = [];
  try {
    const left = transposeA ? swapLastAxes(backend, a) : a;
    if (transposeA) temps.push(left);
    const right = transposeB ? swapLastAxes(backend, b) : b;
    if (transposeB) temps.push(right);
    return run({ ...args.inputs, a: left, b: right }, { ...attrs, transposeA: false, transposeB: false });
  } finally {
    disposeTemp(backend, ...temps);
  }
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: NAME,
  backendName: WASM,
  kernelFunc: batchMatMul as unknown as KernelFunc,
  // The engine sets up only registered kernels, so the replaced stock kernel is set up through ours.
  setupFunc: (backend) => stockBatchMatMul.config?.setupFunc?.(backend),
};
