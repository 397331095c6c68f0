/**
 * The search-space registry (src/registrations.ts registers the built-in
 * ones): a spec builds the space's `SearchSpace` (sample, mutate,
 * neighbours, id) and says which predictor space its cells are, so a
 * registered predictor can score them.
 */
import { Registry, type RegistryEntry } from '../core/registry.js';
import type { PredictorSpace } from '../predictors/registry.js';
import type { SearchSpace } from './searchSpace.js';

export interface SpaceSpec extends RegistryEntry {
  /** What kind of cells it holds, for predictors (`PredictorSpec.spaces`). */
  readonly cells: PredictorSpace;
  create(): SearchSpace<unknown>;
}

export const SPACES = new Registry<SpaceSpec>('spaces');
