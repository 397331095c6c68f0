/**
 * Local search (White et al., "Local search is state of the art for NAS
 * benchmarks", 2020) with a fitted predictor as the fitness: N random
 * benchmark cells are queried and the predictor fitted on them; from the
 * best-scored of `starts` random cells, climb to the best-scored neighbour
 * while it scores higher, restart from a fresh random cell at a local
 * optimum, until `evaluations` candidates have been scored; then query the K
 * best-scored cells met. Cost in true queries: N + K.
 */
import type { PredictorFactory, Searcher } from '../core/types.js';
import type { SearchSpace } from '../spaces/searchSpace.js';
import { checkField, POSITIVE_INTEGER } from '../core/checks.js';
import { guidedSearcher, type GuidedPicks } from './common.js';

export interface LocalSearchOptions<A> {
  readonly space: SearchSpace<A>;
  readonly predictorFactory: PredictorFactory<A>;
  /** Random cells scored to pick each starting point. */
  readonly starts: number;
  /** Candidates scored by the predictor in all (at least one full neighbourhood is always scored). */
  readonly evaluations: number;
  /** Which scored candidates the final K queries may take (default 'any'; see `GuidedPicks`). */
  readonly picks?: GuidedPicks;
  readonly name?: string;
}

export function createLocalSearch<A>(options: LocalSearchOptions<A>): Searcher<A> & { readonly options: LocalSearchOptions<A> } {
  const name = options.name ?? 'local-search';
  for (const field of ['starts', 'evaluations'] as const) checkField(name, field, options[field], POSITIVE_INTEGER);
  const { space } = options;
  const searcher = guidedSearcher(name, options, async (state, rng) => {
    const walkRng = rng.fork('local-search');
    const climbs = (): number => state.scored.size;
    // A small space can run out of unscored cells: stop after restarts that score nothing new.
    let stalls = 0;
    while (climbs() < options.evaluations && stalls < 20) {
      const before = climbs();
      const starts = Array.from({ length: options.starts }, () => space.sample(walkRng));
      const startScores = await state.score(starts);
      let best = 0;
      for (let i = 1; i < starts.length; i++) if (startScores[i]! > startScores[best]!) best = i;
      let current = { arch: starts[best]!, score: startScores[best]! };
      for (;;) {
        const around = space.neighbours(current.arch);
        if (around.length === 0) break;
        const scores = await state.score(around);
        let top = 0;
        for (let i = 1; i < around.length; i++) if (scores[i]! > scores[top]!) top = i;
        if (!(scores[top]! > current.score)) break; // a local optimum of the predicted score
        current = { arch: around[top]!, score: scores[top]! };
        if (climbs() >= options.evaluations) break;
      }
      stalls = climbs() === before ? stalls + 1 : 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
  return { ...searcher, options };
}
