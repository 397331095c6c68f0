/** Ranking and summary metrics used by the ReNAS, FairNAS and Siamese-NAS studies. */
export { kendallTau } from './kendallTau.js';
export { spearmanRho } from './spearmanRho.js';
export { pearsonR } from './pearsonR.js';
export { rankAverage, denseRanks } from './ranks.js';
export type { DenseRanks } from './ranks.js';
export { precisionAtK } from './precisionAtK.js';
export { bestFoundCurve, bestFoundAt } from './bestFound.js';
export { meanOfFinite, meanStd, meanConfidenceInterval, studentTQuantile } from './summary.js';
export type { MeanStd, MeanConfidenceInterval } from './summary.js';
export { pairedTTest, studentTTwoSidedP } from './pairedTTest.js';
export type { PairedTTest } from './pairedTTest.js';
