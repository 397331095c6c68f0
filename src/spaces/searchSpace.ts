/**
 * The search-space contract that discrete searchers (regularized evolution,
 * local search) need: draw, edit and name architectures. A finite benchmark
 * table is not required, so the same searchers run over a whole enumerated
 * space (NAS-Bench-101's 423,624 cells, of which the data holds a subset) or
 * a surrogate with no table at all (NASLib's `sample_random_architecture`,
 * `mutate`, `get_nbhd` and `get_hash`, as one typed value).
 */
import type { BenchRecord, Rng } from '../core/types.js';

export interface SearchSpace<A> {
  readonly name: string;
  /** A random architecture of the space (uniform over distinct architectures where the space can enumerate them). */
  sample(rng: Rng): A;
  /** A random architecture one edit away from `arch` (never `arch` itself). */
  mutate(arch: A, rng: Rng): A;
  /** Every architecture one edit away, each once (by `id`), never `arch` itself; in a fixed order. */
  neighbours(arch: A): A[];
  /** Canonical identity: equal for architectures the benchmark treats as one (e.g. isomorphic cells). */
  id(arch: A): string;
}

/** A candidate as a record a predictor can score (no metrics: its truth is not known yet). */
export function candidateRecord<A>(space: SearchSpace<A>, arch: A): BenchRecord<A> {
  return { id: space.id(arch), arch, metrics: {} };
}

/** One uniformly random element of `neighbours(arch)`, the usual `mutate` of a space that lists its neighbours. */
export function mutateByNeighbours<A>(space: Pick<SearchSpace<A>, 'neighbours' | 'name'>, arch: A, rng: Rng): A {
  const options = space.neighbours(arch);
  if (options.length === 0) throw new Error(`${space.name}: the architecture has no neighbours to mutate to`);
  return options[rng.int(options.length)]!;
}
