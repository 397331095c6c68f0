/** Small helpers shared by the searchers. */
import type { BenchRecord, Rng, SearchBudget } from '../core/types.js';

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

  result(): { queried: string[]; values: Float64Array } {
    return { queried: this.ids.slice(), values: Float64Array.from(this.values) };
  }
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
