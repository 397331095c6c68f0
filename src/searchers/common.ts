/** Small helpers shared by the searchers. */
import { isSurrogate, type BenchRecord, type Benchmark, type Predictor, type PredictorFactory, type Queryable, type Rng, type SearchBudget, type SearchResult, type Searcher, type SurrogateBenchmark } from '../core/types.js';
import { candidateRecord, type SearchSpace } from '../spaces/searchSpace.js';

/** The record's value of `target`, or an error naming both. */
export function targetOf<A>(record: BenchRecord<A>, target: string): number {
  const v = record.metrics[target];
  if (v === undefined || Number.isNaN(v)) {
    throw new Error(`record ${record.id} has no value for target metric ${JSON.stringify(target)}`);
  }
  return v;
}

export function checkBudget(budget: SearchBudget, spaceSize: number, who: string): void {
  const { trainSamples, topK } = budget;
  if (!Number.isInteger(trainSamples) || trainSamples < 0) {
    throw new RangeError(`${who}: trainSamples must be an integer ≥ 0, got ${trainSamples}`);
  }
  if (!Number.isInteger(topK) || topK < 0) throw new RangeError(`${who}: topK must be an integer ≥ 0, got ${topK}`);
  if (trainSamples + topK > spaceSize) {
    throw new RangeError(`${who}: budget N + K = ${trainSamples + topK} exceeds the ${spaceSize} architectures of the space`);
  }
}

/** A predictor seed drawn from the search's generator (so a search is reproducible from its rng alone). */
export function predictorSeed(rng: Rng): number {
  return Math.floor(rng.fork('predictor')() * 2 ** 31);
}

/** Records the queries of a search in order, refusing to query an architecture twice. */
export class QueryLog<A> {
  readonly ids: string[] = [];
  readonly values: number[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly target: string,
    private readonly who: string,
  ) {}

  has(id: string): boolean {
    return this.seen.has(id);
  }

  get size(): number {
    return this.ids.length;
  }

  /** "Trains" the architecture: looks up its true value and records the query. */
  query(record: BenchRecord<A>): number {
    if (this.seen.has(record.id)) throw new Error(`${this.who}: architecture ${record.id} queried twice`);
    const value = targetOf(record, this.target);
    this.seen.add(record.id);
    this.ids.push(record.id);
    this.values.push(value);
    return value;
  }

  /** Records a query of an architecture whose value is not known (NaN), e.g. one outside the benchmark's table. */
  queryUnknown(id: string): void {
    if (this.seen.has(id)) throw new Error(`${this.who}: architecture ${id} queried twice`);
    this.seen.add(id);
    this.ids.push(id);
    this.values.push(NaN);
  }

  result(): { queried: string[]; values: Float64Array } {
    return { queried: this.ids.slice(), values: Float64Array.from(this.values) };
  }
}

/** The first `count` records of a ranking (`order`: indices into `records`, best first), seen or not, with their true values. */
export function rankingHead<A>(records: readonly BenchRecord<A>[], order: ArrayLike<number>, count: number, target: string): NonNullable<SearchResult['ranking']> {
  const n = Math.min(count, order.length);
  const head = Array.from({ length: n }, (_, i) => records[order[i]!]!);
  return { ids: head.map((r) => r.id), values: Float64Array.from(head, (r) => targetOf(r, target)) };
}

/**
 * The official Siamese-NAS score at K (eval_nas.py `MaxAccs`, read at K by
 * drawing.py): the best true value among the first K cells of the predicted
 * ranking of the whole space. Cells the predictor was trained on keep their
 * place in that ranking (they take up slots, and count when they are
 * there), and the training set is not otherwise counted; so it can be below
 * the best of everything trained.
 */
export function officialBestAt(ranking: { readonly values: ArrayLike<number> }, K: number): number {
  if (!(Number.isInteger(K) && K >= 1 && K <= ranking.values.length)) {
    throw new RangeError(`officialBestAt: K = ${K} is outside the ${ranking.values.length} ranked cells kept`);
  }
  let best = -Infinity;
  for (let i = 0; i < K; i++) if (ranking.values[i]! > best) best = ranking.values[i]!;
  return best;
}

/** The first `count` of `order` (indices into `records`, best first) that the log has not seen. */
export function topUnseen<A>(
  records: readonly BenchRecord<A>[],
  order: ArrayLike<number>,
  log: QueryLog<A>,
  count: number,
): BenchRecord<A>[] {
  const picked: BenchRecord<A>[] = [];
  const taken = new Set<string>();
  for (let i = 0; i < order.length && picked.length < count; i++) {
    const r = records[order[i]!]!;
    if (log.has(r.id) || taken.has(r.id)) continue;
    taken.add(r.id);
    picked.push(r);
  }
  return picked;
}

/**
 * What a predictor-guided search over a `SearchSpace` shares: the N training
 * queries (random benchmark cells, whose truth is known), a fitted predictor
 * as the fitness of candidates, and the final K queries, where a candidate
 * the benchmark does not hold (e.g. a NAS-Bench-101 cell outside the data's
 * subset) is queried but has no known value (NaN).
 */
export interface GuidedSearchState<A> {
  readonly log: QueryLog<A>;
  readonly predictor: Predictor<A>;
  /** Records with known values by the space's canonical id (a surrogate knows every scored candidate). */
  readonly known: Pick<ReadonlyMap<string, BenchRecord<A>>, 'has' | 'get'>;
  /** Space ids of everything queried (the log holds benchmark ids, which may differ, e.g. NAS-Bench-201's indices). */
  readonly queried: Set<string>;
  /** Predicted score of every candidate scored so far, by id (higher is better). */
  readonly scored: Map<string, { readonly arch: A; readonly score: number }>;
  /** Scores candidates in one predictor call and remembers them; returns their scores. */
  score(archs: readonly A[]): Promise<Float64Array>;
}

/** Benchmark records by space id, built once per (benchmark, space): hashing 20,001 NAS-Bench-101 cells per search was a measurable share of a short search. */
const knownCache = new WeakMap<object, WeakMap<object, ReadonlyMap<string, BenchRecord<unknown>>>>();

function knownBySpaceId<A>(bench: Benchmark<A>, space: SearchSpace<A>): ReadonlyMap<string, BenchRecord<A>> {
  let bySpace = knownCache.get(bench);
  if (!bySpace) knownCache.set(bench, (bySpace = new WeakMap()));
  let known = bySpace.get(space) as ReadonlyMap<string, BenchRecord<A>> | undefined;
  if (!known) {
    known = new Map(bench.all().map((r) => [space.id(r.arch), r] as const));
    bySpace.set(space, known as ReadonlyMap<string, BenchRecord<unknown>>);
  }
  return known;
}

export async function startGuidedSearch<A>(
  who: string,
  space: SearchSpace<A>,
  predictorFactory: PredictorFactory<A>,
  bench: Queryable<A>,
  target: string,
  budget: SearchBudget,
  rng: Rng,
): Promise<GuidedSearchState<A>> {
  if (!Number.isInteger(budget.trainSamples) || budget.trainSamples < 1) throw new RangeError(`${who}: a predictor needs trainSamples ≥ 1, got ${budget.trainSamples}`);
  if (!Number.isInteger(budget.topK) || budget.topK < 1) throw new RangeError(`${who}: topK must be an integer ≥ 1, got ${budget.topK}`);
  const surrogate = isSurrogate(bench) ? bench : undefined;
  if (!surrogate && budget.trainSamples > (bench as Benchmark<A>).size) throw new RangeError(`${who}: trainSamples ${budget.trainSamples} exceeds the ${(bench as Benchmark<A>).size} cells with known values`);
  const log = new QueryLog<A>(target, who);
  const training = surrogate ? sampleSurrogate(surrogate, budget.trainSamples, rng.fork('train'), who) : (bench as Benchmark<A>).sample(budget.trainSamples, rng.fork('train'));
  const queried = new Set<string>();
  for (const r of training) {
    log.query(r);
    queried.add(space.id(r.arch));
  }
  const predictor = predictorFactory(predictorSeed(rng));
  try {
    await predictor.fit(
      training,
      training.map((r) => targetOf(r, target)),
    );
  } catch (err) {
    predictor.dispose();
    throw err;
  }
  const scored = new Map<string, { arch: A; score: number }>();
  const known = surrogate ? surrogateKnown(surrogate, scored) : knownBySpaceId(bench as Benchmark<A>, space);
  return {
    log,
    predictor,
    known,
    queried,
    scored,
    async score(archs) {
      const out = new Float64Array(archs.length);
      const fresh: { arch: A; id: string; at: number[] }[] = [];
      const pending = new Map<string, { arch: A; id: string; at: number[] }>();
      archs.forEach((arch, i) => {
        const id = space.id(arch);
        const hit = scored.get(id);
        if (hit) out[i] = hit.score;
        else {
          let entry = pending.get(id);
          if (!entry) {
            entry = { arch, id, at: [] };
            pending.set(id, entry);
            fresh.push(entry);
          }
          entry.at.push(i);
        }
      });
      if (fresh.length > 0) {
        const scores = await predictor.predict(fresh.map((f) => candidateRecord(space, f.arch)));
        fresh.forEach((f, k) => {
          scored.set(f.id, { arch: f.arch, score: scores[k]! });
          for (const i of f.at) out[i] = scores[k]!;
        });
      }
      return out;
    },
  };
}

/**
 * Which candidates the final K queries may take: 'any' (the space is what
 * can be trained) or 'known' (only cells the benchmark holds, when the
 * search space is larger than the benchmark's table, e.g. the NAS-Bench-101
 * subset: the K best-scored cells met that have a known value).
 */
export type GuidedPicks = 'any' | 'known';

/**
 * Queries the K best-scored candidates not queried yet, in score order (NaN
 * for those the benchmark does not hold, logged under their space id; known
 * ones under their benchmark id), and disposes of the predictor.
 */
export function finishGuidedSearch<A>(state: GuidedSearchState<A>, topK: number, who: string, picks: GuidedPicks = 'any'): SearchResult & { readonly unknown: number } {
  try {
    const ranked = [...state.scored.entries()].sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1));
    let picked = 0;
    let unknown = 0;
    for (const [id] of ranked) {
      if (picked === topK) break;
      if (state.queried.has(id) || (picks === 'known' && !state.known.has(id))) continue;
      state.queried.add(id);
      const record = state.known.get(id);
      if (record) state.log.query(record);
      else {
        state.log.queryUnknown(id);
        unknown++;
      }
      picked++;
    }
    if (picked < topK) throw new Error(`${who}: only ${picked} scored candidates not yet queried for K = ${topK}; score more candidates`);
    return { ...state.log.result(), unknown };
  } finally {
    state.predictor.dispose();
  }
}

/**
 * A predictor-guided searcher from its exploration step alone: fit on N
 * random benchmark cells, `explore` scores candidates (no queries), then the
 * K best-scored are queried. The one skeleton evolution and local search share.
 */
export function guidedSearcher<A>(
  name: string,
  options: { readonly space: SearchSpace<A>; readonly predictorFactory: PredictorFactory<A>; readonly picks?: GuidedPicks },
  explore: (state: GuidedSearchState<A>, rng: Rng) => Promise<void>,
): Searcher<A> {
  return {
    name,
    async search(bench, target, budget, rng) {
      const state = await startGuidedSearch(name, options.space, options.predictorFactory, bench, target, budget, rng);
      try {
        await explore(state, rng);
      } catch (err) {
        state.predictor.dispose();
        throw err;
      }
      return finishGuidedSearch(state, budget.topK, name, options.picks ?? 'any');
    },
  };
}

/** A surrogate's record of `arch`: its space id and the surrogate's metrics. */
export function surrogateRecord<A>(surrogate: SurrogateBenchmark<A>, arch: A): BenchRecord<A> {
  return { id: surrogate.space.id(arch), arch, metrics: surrogate.evaluate(arch) };
}

/**
 * `n` distinct architectures of a surrogate's space, as records. Draws are
 * bounded (1,000 + 100 n), so a space smaller than `n` fails rather than loops.
 */
export function sampleSurrogate<A>(surrogate: SurrogateBenchmark<A>, n: number, rng: Rng, who: string): BenchRecord<A>[] {
  const seen = new Set<string>();
  const out: BenchRecord<A>[] = [];
  const maxDraws = 1000 + 100 * n;
  for (let draws = 0; out.length < n; draws++) {
    if (draws >= maxDraws) throw new RangeError(`${who}: drew ${draws} architectures of ${surrogate.space.name} and found only ${out.length} distinct ones of the ${n} asked for`);
    const arch = surrogate.space.sample(rng);
    const id = surrogate.space.id(arch);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(surrogateRecord(surrogate, arch));
  }
  return out;
}

/** A surrogate knows the value of every candidate the search scored (evaluated on demand, when it is queried). */
function surrogateKnown<A>(surrogate: SurrogateBenchmark<A>, scored: ReadonlyMap<string, { readonly arch: A }>): Pick<ReadonlyMap<string, BenchRecord<A>>, 'has' | 'get'> {
  return {
    has: (id) => scored.has(id),
    get: (id) => {
      const hit = scored.get(id);
      return hit ? surrogateRecord(surrogate, hit.arch) : undefined;
    },
  };
}
