/**
 * Regularized (aging) evolution (Real et al., AAAI 2019) with a fitted
 * predictor as the fitness, as predictor-based NAS deploys it (ReNAS §4,
 * NASLib's predictor-guided optimizers): N random benchmark cells are
 * queried and the predictor fitted on them; evolution then runs on predicted
 * scores only (no queries), and the K best-scored cells it met are queried.
 * Cost in true queries: N + K.
 *
 * Each generation, `batch` tournaments of `sampleSize` members pick parents
 * and their mutants are scored in one predictor call (one call per child
 * would be dominated by per-call overhead in tfjs); the children join the
 * population and as many of the oldest members leave. With batch 1 this is
 * the original algorithm.
 */
import type { PredictorFactory, Searcher } from '../core/types.js';
import type { SearchSpace } from '../spaces/searchSpace.js';
import { checkField, POSITIVE_INTEGER } from '../core/checks.js';
import { guidedSearcher, type GuidedPicks } from './common.js';

export interface RegularizedEvolutionOptions<A> {
  readonly space: SearchSpace<A>;
  readonly predictorFactory: PredictorFactory<A>;
  /** Members kept alive (Real et al.: 100). */
  readonly populationSize: number;
  /** Tournament size (Real et al.: 25). */
  readonly sampleSize: number;
  /** Candidates scored by the predictor in all, the initial population included. */
  readonly evaluations: number;
  /** Children scored together per generation. */
  readonly batch: number;
  /** Which scored candidates the final K queries may take (default 'any'; see `GuidedPicks`). */
  readonly picks?: GuidedPicks;
  readonly name?: string;
}

export function createRegularizedEvolution<A>(options: RegularizedEvolutionOptions<A>): Searcher<A> & { readonly options: RegularizedEvolutionOptions<A> } {
  const name = options.name ?? 'regularized-evolution';
  for (const field of ['populationSize', 'sampleSize', 'evaluations', 'batch'] as const) checkField(name, field, options[field], POSITIVE_INTEGER);
  if (options.sampleSize > options.populationSize) throw new RangeError(`${name}: sampleSize ${options.sampleSize} exceeds populationSize ${options.populationSize}`);
  if (options.evaluations < options.populationSize) throw new RangeError(`${name}: evaluations ${options.evaluations} must cover the initial population of ${options.populationSize}`);
  const { space } = options;
  const searcher = guidedSearcher(name, options, async (state, rng) => {
    const evolveRng = rng.fork('evolution');
    const population: { arch: A; score: number }[] = [];
    const initial = Array.from({ length: options.populationSize }, () => space.sample(evolveRng));
    const initialScores = await state.score(initial);
    initial.forEach((arch, i) => population.push({ arch, score: initialScores[i]! }));
    let evaluated = options.populationSize;
    while (evaluated < options.evaluations) {
      const count = Math.min(options.batch, options.evaluations - evaluated);
      const children: A[] = [];
      for (let c = 0; c < count; c++) {
        let parent = population[evolveRng.int(population.length)]!;
        for (let t = 1; t < options.sampleSize; t++) {
          const contender = population[evolveRng.int(population.length)]!;
          if (contender.score > parent.score) parent = contender;
        }
        children.push(space.mutate(parent.arch, evolveRng));
      }
      const scores = await state.score(children);
      children.forEach((arch, i) => population.push({ arch, score: scores[i]! }));
      population.splice(0, population.length - options.populationSize); // the oldest die
      evaluated += count;
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
  return { ...searcher, options };
}
