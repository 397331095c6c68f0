/** Predictors behind the one `fit` / `predict` interface, and the registry that names them. */
export * from './graphPredictors.js';
export * from './renas.js';
export * from './brpNas.js';
export * from './paramCount.js';
export * from './registry.js';
export { FitHooks } from './fitHooks.js';
export { graphEncoderOf, brpEncoderOf } from './builtinSpecs.js';
