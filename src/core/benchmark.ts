import type { BenchRecord, Benchmark, Rng } from './types.js';

/** An immutable, id-indexed benchmark over `records` (ids must be unique). */
export function createBenchmark<A>(name: string, records: readonly BenchRecord<A>[]): Benchmark<A> {
  const frozen = Object.freeze(records.slice());
  const byId = new Map<string, BenchRecord<A>>();
  for (const r of frozen) {
    if (byId.has(r.id)) throw new Error(`benchmark ${name}: duplicate record id ${JSON.stringify(r.id)}`);
    byId.set(r.id, r);
  }
  const metricCache = new Map<string, Float64Array>();
  const bench: Benchmark<A> = {
    name,
    size: frozen.length,
    get(id) {
      const r = byId.get(id);
      if (!r) throw new Error(`benchmark ${name}: no record with id ${JSON.stringify(id)}`);
      return r;
    },
    has: (id) => byId.has(id),
    all: () => frozen,
    sample(n, rng: Rng) {
      return Array.from(rng.sampleIndices(frozen.length, n), (i) => frozen[i]!);
    },
    filter: (pred, filteredName) => createBenchmark(filteredName ?? `${name}[filtered]`, frozen.filter(pred)),
    metric(metricName) {
      let values = metricCache.get(metricName);
      if (!values) {
        values = new Float64Array(frozen.length);
        for (let i = 0; i < frozen.length; i++) {
          const v = frozen[i]!.metrics[metricName];
          if (v === undefined) {
            throw new Error(`benchmark ${name}: record ${frozen[i]!.id} has no metric ${JSON.stringify(metricName)}`);
          }
          values[i] = v;
        }
        metricCache.set(metricName, values);
      }
      return values;
    },
  };
  return bench;
}
