/**
 * Predictor-guided top-K search (ReNAS and Siamese-NAS evaluation): train
 * (look up) N random architectures, fit a fresh predictor on them, rank the
 * whole space, then train the K best-ranked architectures not yet trained.
 * Cost N + K. Queries are returned in that order, so the best-found curve of
 * the result is the usual "best accuracy among everything trained"; the
 * result's `ranking` is the head of the whole ranking (training cells kept
 * in place), what the official Siamese-NAS scoring reads.
 *
 * Ranking uses the predictor's own `rank` when it has one (the siamese
 * predictor's coarse → fine re-ranking of the top `rerankTop`), else its
 * predictions sorted.
 */
import { tableOf, type PredictorFactory, type SearchResult, type Searcher } from '../core/types.js';
import { rankRecords } from '../predictors/types.js';
import { QueryLog, checkBudget, predictorSeed, rankingHead, targetOf, topUnseen } from './common.js';

export interface PredictorTopKOptions<A> {
  readonly predictorFactory: PredictorFactory<A>;
  /** Siamese predictors: how many of the coarse ranking to re-rank with the fine branch (official 60). */
  readonly rerankTop?: number;
  readonly name?: string;
}

export function createPredictorTopKSearch<A>(options: PredictorTopKOptions<A>): Searcher<A> {
  const name = options.name ?? 'predictorTopK';
  return {
    name,
    async search(queryable, target, budget, rng): Promise<SearchResult> {
      const bench = tableOf(queryable, name);
      checkBudget(budget, bench.size, name);
      if (budget.trainSamples < 1) throw new RangeError(`${name}: a predictor needs trainSamples ≥ 1`);
      const log = new QueryLog<A>(target, name);
      const training = bench.sample(budget.trainSamples, rng.fork('train'));
      for (const r of training) log.query(r);
      const predictor = options.predictorFactory(predictorSeed(rng));
      let ranking: SearchResult['ranking'];
      try {
        await predictor.fit(
          training,
          training.map((r) => targetOf(r, target)),
        );
        const all = bench.all();
        const order = await rankRecords(predictor, all, { rerankTop: options.rerankTop });
        ranking = rankingHead(all, order, budget.topK, target);
        const picks = topUnseen(all, order, log, budget.topK);
        if (picks.length < budget.topK) throw new Error(`${name}: only ${picks.length} unseen architectures left for K = ${budget.topK}`);
        for (const r of picks) log.query(r);
      } finally {
        predictor.dispose();
      }
      return { ...log.result(), ranking };
    },
  };
}
