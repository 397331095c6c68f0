/** Graph predictors of the Siamese-NAS study (plain GCN, siamese, +NSAM) and their shared pieces. */
export { createGcnPredictor, gcnPredictorFactory } from './gcn.js';
export type { GcnPredictorOptions } from './gcn.js';
export { createSiamesePredictor, siamesePredictorFactory } from './siamese.js';
export type { SiamesePredictorOptions } from './siamese.js';
export type { GraphFitReport, GraphPredictor, GraphPredictorOptions } from './graphPredictor.js';
export { DEFAULT_GRAPH_PREDICTOR_CONFIG, officialPhases, resolveGraphPredictorConfig } from './config.js';
export type { GraphPredictorConfig, TrainingPhase } from './config.js';
export { argsortDescending, isGrowablePredictor, isRankingPredictor, rankRecords } from './types.js';
export type {
  GraphFitOptions,
  GrowablePredictor,
  GrowthBatch,
  GrowthContext,
  RankOptions,
  RankingPredictor,
  TrainingSetGrowth,
} from './types.js';
