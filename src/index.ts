/**
 * The public entry of the toolkit: one namespace per stage of the data flow
 * (benchmark files → loaders → records → encoders → tensors → predictors /
 * supernet → searchers → run engine → results → figures). Notebooks and
 * scripts import from here only:
 *
 *   import { studies, viz } from './src/index.js';
 *   const result = await studies.runRenas424(studies.renas424Config('smoke'));
 *
 * Importing it registers the built-in predictors, searchers and spaces
 * (src/registrations.ts); `registry` holds the registries.
 */
import './registrations.js';

export * as core from './core/public.js';
export * as spaces from './spaces/index.js';
export * as loaders from './loaders/index.js';
export * as encoders from './encoders/index.js';
export * as predictors from './predictors/index.js';
export * as searchers from './searchers/index.js';
export * as supernet from './supernet/index.js';
export * as metrics from './metrics/index.js';
export * as engine from './engine/index.js';
export * as studies from './experiments/index.js';
export * as viz from './viz/index.js';
export { initBackend } from './backend.js';
export { PREDICTORS } from './predictors/registry.js';
export { SEARCHERS } from './searchers/registry.js';
export { SPACES } from './spaces/registry.js';
export type * from './core/types.js';
