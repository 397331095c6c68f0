/** Searchers: which architectures to train, given a budget of N (predictor training) + K (top picks). */
export { createRandomSearch } from './randomSearch.js';
export { createPredictorTopKSearch } from './predictorTopK.js';
export type { PredictorTopKOptions } from './predictorTopK.js';
export { createBtsSearch, btsSchedule } from './bts.js';
export type { BtsOptions, BtsSearchResult, BtsSearcher, BtsStage } from './bts.js';
export { BRP_SELECTIONS, brpParts, createBrpSearch } from './brpIterative.js';
export type { BrpIteration, BrpSearchOptions, BrpSearchResult, BrpSearcher, BrpSelection } from './brpIterative.js';
export { createRegularizedEvolution } from './regularizedEvolution.js';
export type { RegularizedEvolutionOptions } from './regularizedEvolution.js';
export { createLocalSearch } from './localSearch.js';
export type { LocalSearchOptions } from './localSearch.js';
export { QueryLog, finishGuidedSearch, startGuidedSearch, targetOf, topUnseen } from './common.js';
export type { GuidedPicks, GuidedSearchState } from './common.js';
export { SEARCHERS, createSearcher, searcherSetting } from './registry.js';
export type { SearcherContext, SearcherSpec } from './registry.js';
export { isSurrogate, tableOf } from '../core/types.js';
export { sampleSurrogate, surrogateRecord } from './common.js';
