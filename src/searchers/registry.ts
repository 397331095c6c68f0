/**
 * The searcher registry: studies, the CLI and notebook configs name a
 * searcher and build it from here (src/registrations.ts registers the
 * built-in ones). A spec says what the searcher needs: a predictor to guide
 * it, a search space to walk (sample / mutate / neighbours / id).
 */
import { Registry, type RegistryEntry } from '../core/registry.js';
import type { PredictorFactory, Searcher } from '../core/types.js';
import type { SearchSpace } from '../spaces/searchSpace.js';

export interface SearcherContext {
  /** The predictor that guides the search (given to specs with `usesPredictor`). */
  readonly predictorFactory?: PredictorFactory<unknown>;
  /** The space to walk (given to specs with `needsSpace`); a function, so a space that is costly to build is built only when used. */
  readonly space?: () => SearchSpace<unknown>;
  /** The study's settings for this searcher; each spec says which keys it reads and ignores the rest. */
  readonly settings?: Readonly<Record<string, unknown>>;
}

export interface SearcherSpec extends RegistryEntry {
  /** Fits a predictor on N queried cells and spends K more queries by it (budget N + K); otherwise it spends the whole budget itself. */
  readonly usesPredictor: boolean;
  /** Walks a search space (evolution, local search) rather than ranking a benchmark's table. */
  readonly needsSpace: boolean;
  create(context: SearcherContext): Searcher<unknown>;
}

export const SEARCHERS = new Registry<SearcherSpec>('searchers');

/** The registered searcher `name`, given what its spec needs; fails naming what is missing. */
export function createSearcher(name: string, context: SearcherContext, where = 'searcher'): Searcher<unknown> {
  const spec = SEARCHERS.get(name, where);
  if (spec.usesPredictor && !context.predictorFactory) throw new Error(`${where}: searcher ${JSON.stringify(name)} needs a predictor, and none was given`);
  if (spec.needsSpace && !context.space) throw new Error(`${where}: searcher ${JSON.stringify(name)} walks a search space, and none was given`);
  return spec.create(context);
}

/** A numeric setting of a searcher spec: `settings[key]` when given, else `fallback`. */
export function searcherSetting(context: SearcherContext, key: string, fallback: number): number {
  const v = context.settings?.[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw new TypeError(`searcher setting ${key}: expected a number, got ${typeof v}`);
  return v;
}
