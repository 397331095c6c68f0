/** The NAS-Bench-201 weight-sharing supernet: network, path samplers, training, evaluation. */
export { Nb201Supernet, NB201_FULL_SUPERNET, type SupernetConfig, type ForwardOptions, type BnStatistics, type NamedWeight } from './nb201Supernet.js';
export {
  UniformSampler,
  ExpectationFairSampler,
  StrictFairSampler,
  createSampler,
  type Sampler,
  type SamplerSpec,
  type SamplerState,
} from './samplers.js';
export {
  SupernetTrainer,
  trainSupernet,
  supernetTrainConfig,
  validateTrainConfig,
  accumulatePathGradients,
  crossEntropy,
  cosineLr,
  DEFAULT_SGD,
  type SupernetTrainConfig,
  type SgdConfig,
  type StepRecord,
  type RunOptions,
} from './train.js';
export { evaluateArch, evaluateArchs, prepareEvalData, type EvalSetup, type EvalData, type ArchEvaluation } from './evaluate.js';
export {
  makeBatch,
  splitHoldout,
  checkImageSet,
  EpochBatchStream,
  NB201_CIFAR10_NORMALIZATION,
  type ImageSet,
  type Normalization,
  type Batch,
  type BatchOptions,
} from './imageBatches.js';
export { createRng, restoreRng } from '../core/rng.js';
export type { Rng, RngState } from '../core/types.js';
export { readCheckpoint, type SupernetCheckpoint } from './checkpoint.js';
