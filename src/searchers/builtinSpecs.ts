/**
 * Registry specs of the built-in searchers (registered in
 * src/registrations.ts), with the settings each reads and its defaults
 * (Real et al. for evolution: population 100, tournament 25).
 */
import type { PredictorFactory } from '../core/types.js';
import type { SearchSpace } from '../spaces/searchSpace.js';
import { createLocalSearch } from './localSearch.js';
import { createPredictorTopKSearch } from './predictorTopK.js';
import { createRandomSearch } from './randomSearch.js';
import { createRegularizedEvolution } from './regularizedEvolution.js';
import { searcherSetting, type SearcherContext, type SearcherSpec } from './registry.js';

const predictorOf = (c: SearcherContext): PredictorFactory<unknown> => c.predictorFactory!;
const spaceOf = (c: SearcherContext): SearchSpace<unknown> => c.space!();

export const RANDOM_SEARCHER: SearcherSpec = {
  name: 'random',
  description: 'uniform random search: the whole budget on distinct random cells',
  usesPredictor: false,
  needsSpace: false,
  create: () => createRandomSearch('random'),
};

export const TOP_K_SEARCHER: SearcherSpec = {
  name: 'predictor-top-k',
  description: "N random cells fit the predictor, then the K best-ranked unseen cells of the table (settings: rerankTop)",
  usesPredictor: true,
  needsSpace: false,
  create: (c) => {
    const rerank = c.settings?.['rerankTop'];
    return createPredictorTopKSearch({ predictorFactory: predictorOf(c), ...(typeof rerank === 'number' ? { rerankTop: rerank } : {}), name: 'predictor-top-k' });
  },
};

export const REGULARIZED_EVOLUTION_SEARCHER: SearcherSpec = {
  name: 'regularized-evolution',
  description: 'aging evolution with the predictor as fitness (settings: populationSize 100, sampleSize 25, evaluations 2000, batch 20)',
  usesPredictor: true,
  needsSpace: true,
  create: (c) =>
    createRegularizedEvolution({
      space: spaceOf(c),
      predictorFactory: predictorOf(c),
      populationSize: searcherSetting(c, 'populationSize', 100),
      sampleSize: searcherSetting(c, 'sampleSize', 25),
      evaluations: searcherSetting(c, 'evaluations', 2000),
      batch: searcherSetting(c, 'batch', 20),
    }),
};

export const LOCAL_SEARCH_SEARCHER: SearcherSpec = {
  name: 'local-search',
  description: 'best-improvement local search with the predictor as score (settings: starts 100, evaluations 2000)',
  usesPredictor: true,
  needsSpace: true,
  create: (c) =>
    createLocalSearch({ space: spaceOf(c), predictorFactory: predictorOf(c), starts: searcherSetting(c, 'starts', 100), evaluations: searcherSetting(c, 'evaluations', 2000) }),
};
