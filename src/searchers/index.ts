/** Searchers: which architectures to train, given a budget of N (predictor training) + K (top picks). */
export { createRandomSearch } from './randomSearch.js';
export { createPredictorTopKSearch } from './predictorTopK.js';
export type { PredictorTopKOptions } from './predictorTopK.js';
export { createBtsSearch, btsSchedule } from './bts.js';
export type { BtsOptions, BtsSearchResult, BtsSearcher, BtsStage } from './bts.js';
export { QueryLog, targetOf, topUnseen } from './common.js';
