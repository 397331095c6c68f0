/** Random search: N + K distinct architectures drawn uniformly, in draw order (from a table, or a surrogate's space). */
import { isSurrogate, type Searcher } from '../core/types.js';
import { QueryLog, checkBudget, sampleSurrogate } from './common.js';

export function createRandomSearch<A>(name = 'random'): Searcher<A> {
  return {
    name,
    async search(bench, target, budget, rng) {
      const log = new QueryLog<A>(target, name);
      const count = budget.trainSamples + budget.topK;
      if (isSurrogate(bench)) {
        checkBudget(budget, Number.POSITIVE_INFINITY, name);
        for (const r of sampleSurrogate(bench, count, rng.fork('random'), name)) log.query(r);
      } else {
        checkBudget(budget, bench.size, name);
        for (const r of bench.sample(count, rng.fork('random'))) log.query(r);
      }
      return log.result();
    },
  };
}
