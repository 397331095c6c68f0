/** Random search: N + K distinct architectures drawn uniformly, in draw order. */
import type { Searcher } from '../core/types.js';
import { QueryLog, checkBudget } from './common.js';

export function createRandomSearch<A>(name = 'random'): Searcher<A> {
  return {
    name,
    async search(bench, target, budget, rng) {
      checkBudget(budget, bench.size, name);
      const log = new QueryLog<A>(target, name);
      for (const r of bench.sample(budget.trainSamples + budget.topK, rng.fork('random'))) log.query(r);
      return log.result();
    },
  };
}
