/**
 * Replacement kernels that make the tfjs wasm backend able to TRAIN our
 * models: tfjs-backend-wasm 4.22 lacks some gradient kernels, gets one wrong,
 * and has scalar-loop versions of others that dominate a training step (see
 * docs/PROTOCOLS.md §6; `probe.ts` finds such gaps).
 *
 * One exception to "wasm only": tfjs's AvgPoolGrad is wrong near padded
 * borders on every backend, so the exact version is registered for 'cpu' too,
 * which keeps cpu a valid reference. The native 'tensorflow' backend (TF's own
 * kernels) is never touched.
 *
 * Registration is idempotent, so every worker thread and every notebook
 * re-run may call it.
 */
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { avgPoolGradConfig, avgPoolGradCpuConfig } from './avgPoolGrad.js';
import { batchMatMulConfig, stockBatchMatMul } from './batchMatMul.js';
import { batchNormTrainingConfig, batchNormTrainingGradConfig } from './batchNormTraining.js';
import { conv2dBackpropFilterConfig } from './conv2dBackpropFilter.js';
import { conv2dBackpropInputConfig } from './conv2dBackpropInput.js';
import { onednnAvgPoolConfig, onednnConv2dConfig } from './onednnKernels.js';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwiseConv2dGrads.js';
import { registerGatherNdGradient } from './gatherNdGrad.js';
import { identityConfig } from './identity.js';
import { maxPoolGradConfig } from './maxPoolGrad.js';
import { meanConfig, stockReductions, sumConfig } from './sumMean.js';
import { tileConfig } from './tile.js';
import { unsortedSegmentSumConfig } from './unsortedSegmentSum.js';

export interface KernelReplacement {
  readonly config: KernelConfig;
  /** Why it replaces or adds to the stock kernel. */
  readonly why: string;
  /** Receives the stock kernel it replaces, for inputs it leaves to it. */
  readonly keepStock?: (stock: KernelConfig) => void;
}

/** The stock wasm kernels that oneDNN ones replace, kept for when the addon is not loaded. */
let stockConv2d: KernelConfig | undefined;
let stockAvgPool: KernelConfig | undefined;

export const TRAINING_KERNELS: readonly KernelReplacement[] = [
  {
    config: onednnConv2dConfig(() => stockConv2d),
    why: "oneDNN's convolution (the native addon) where it loads: XNNPACK's runs at 0.1–0.4× PyTorch CPU at supernet sizes",
    keepStock: (stock) => {
      stockConv2d = stock;
    },
  },
  {
    config: onednnAvgPoolConfig(() => stockAvgPool),
    why: "oneDNN's average pooling (the native addon) where it loads; its gradient below uses it too",
    keepStock: (stock) => {
      stockAvgPool = stock;
    },
  },
  { config: conv2dBackpropFilterConfig, why: 'missing in tfjs-backend-wasm 4.22' },
  { config: conv2dBackpropInputConfig, why: 'stock wasm kernel is a scalar loop, >10x the forward convolution' },
  { config: depthwiseBackpropFilterConfig, why: 'missing in tfjs-backend-wasm 4.22' },
  { config: depthwiseBackpropInputConfig, why: 'missing in tfjs-backend-wasm 4.22' },
  { config: unsortedSegmentSumConfig, why: 'missing in tfjs-backend-wasm 4.22 (gradient of gather)' },
  { config: maxPoolGradConfig, why: "stock wasm kernel is wrong when windows overlap or a window's maximum is negative" },
  {
    config: avgPoolGradConfig,
    why: 'stock kernel is a slow scalar loop and, as on every tfjs backend, ignores that the forward average excludes padding',
  },
  { config: avgPoolGradCpuConfig, why: 'stock cpu kernel ignores that the forward average excludes padding' },
  { config: tileConfig, why: 'stock wasm kernel indexes every element (~200 ns each); batch-norm gradients tile full activations' },
  {
    config: sumConfig,
    why: 'stock wasm kernel transposes the whole input to reduce non-inner axes (batch-norm statistics)',
    keepStock: (stock) => stockReductions.set('Sum', stock),
  },
  {
    config: batchMatMulConfig,
    why: 'stock wasm kernel runs a scalar loop (≈10x slower) when an operand is transposed, as in every dense layer\'s backward pass',
    keepStock: (stock) => {
      stockBatchMatMul.config = stock;
    },
  },
  {
    config: meanConfig,
    why: 'stock wasm kernel transposes the whole input to reduce non-inner axes (batch-norm statistics, global pooling)',
    keepStock: (stock) => stockReductions.set('Mean', stock),
  },
  { config: identityConfig, why: 'stock wasm kernel copies the tensor; tfjs clones every tensor saved for a gradient through it' },
  { config: batchNormTrainingConfig, why: 'one pass-based kernel for training batch norm instead of ~10 tfjs kernels (forward)' },
  { config: batchNormTrainingGradConfig, why: 'its closed-form backward in one kernel instead of ~10' },
];

/**
 * Registers every replacement kernel (replacing stock ones of the same name)
 * and the GatherNd gradient tfjs lacks. Returns the kernel names registered
 * for `backendName` (all of them when omitted).
 */
export function registerTrainingKernels(backendName?: string): string[] {
  for (const { config, keepStock } of TRAINING_KERNELS) {
    const current = getKernel(config.kernelName, config.backendName);
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current != null) {
      keepStock?.(current);
      unregisterKernel(config.kernelName, config.backendName);
    }
    registerKernel(config);
  }
  registerGatherNdGradient();
  return TRAINING_KERNELS.filter((k) => backendName === undefined || k.config.backendName === backendName).map(
    (k) => k.config.kernelName,
  );
}

export { avgPoolGradConfig, avgPoolGradCpuConfig, inverseWindowCounts } from './avgPoolGrad.js';
export { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD, batchNormTrainingConfig, batchNormTrainingGradConfig } from './batchNormTraining.js';
export { conv2dBackpropFilterConfig } from './conv2dBackpropFilter.js';
export { conv2dBackpropInputConfig } from './conv2dBackpropInput.js';
export { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwiseConv2dGrads.js';
export { gatherNdGradConfig, registerGatherNdGradient } from './gatherNdGrad.js';
export { identityConfig } from './identity.js';
export { maxPoolGradConfig } from './maxPoolGrad.js';
export { meanConfig, outerReductionLayout, sumConfig } from './sumMean.js';
export { tileConfig } from './tile.js';
export { unsortedSegmentSumConfig } from './unsortedSegmentSum.js';
