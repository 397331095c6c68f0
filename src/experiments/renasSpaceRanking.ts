/**
 * Ranking the whole enumerated NAS-Bench-101 space with a fitted ReNAS
 * predictor: cells streamed through encode + predict in batches, the
 * predicted top K kept in a bounded heap, so memory stays at one batch.
 */
import type { Benchmark } from '../core/types.js';
import { RENAS_FEATURES, encodeRenasTensor } from '../encoders/renasTensor.js';
import type { RenasPredictor } from '../predictors/renas.js';
import type { Nb101Spec } from '../spaces/nb101.js';
import type { Nb101Space } from '../spaces/nb101Enumerate.js';
import { checkField, POSITIVE_INTEGER } from '../core/checks.js';

export interface SpaceRankEntry {
  /** Rank among the cells ranked (0 = predicted best). */
  readonly rank: number;
  /** Index in the enumerated space. */
  readonly index: number;
  readonly hash: string;
  readonly score: number;
  /** Whether the benchmark (the 20k subset) holds this cell, and its true value there. */
  readonly inBenchmark: boolean;
  readonly trueValue: number | null;
}

export interface WholeSpaceRanking {
  readonly ranked: number;
  readonly top: SpaceRankEntry[];
  readonly seconds: number;
  readonly cellsPerSecond: number;
}

export interface RankWholeSpaceOptions {
  readonly topK?: number;
  readonly batchSize?: number;
  /** Rank only the first `limit` cells of the space (generator order), e.g. for a smoke run. */
  readonly limit?: number;
  /** Looks up true values of the top cells. */
  readonly bench?: Benchmark<Nb101Spec>;
  readonly target?: string;
  readonly onProgress?: (ranked: number, total: number) => void;
}

/** A bounded min-heap of (score, index): keeps the `capacity` largest scores seen. */
class TopKHeap {
  private readonly scores: Float64Array;
  private readonly indices: Int32Array;
  size = 0;
  constructor(readonly capacity: number) {
    this.scores = new Float64Array(capacity);
    this.indices = new Int32Array(capacity);
  }
  /** Worse-than-root entries are rejected in O(1): the common case when streaming. */
  push(score: number, index: number): void {
    if (this.size < this.capacity) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.less(score, index, this.scores[parent]!, this.indices[parent]!)) break;
        this.scores[i] = this.scores[parent]!;
        this.indices[i] = this.indices[parent]!;
        i = parent;
      }
      this.scores[i] = score;
      this.indices[i] = index;
      return;
    }
    if (!this.less(this.scores[0]!, this.indices[0]!, score, index)) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && this.less(this.scores[r]!, this.indices[r]!, this.scores[l]!, this.indices[l]!) ? r : l;
      if (!this.less(this.scores[c]!, this.indices[c]!, score, index)) break;
      this.scores[i] = this.scores[c]!;
      this.indices[i] = this.indices[c]!;
      i = c;
    }
    this.scores[i] = score;
    this.indices[i] = index;
  }
  /** Heap order: lower score first; on equal scores the LATER index is "lower", so earlier cells win ties. */
  private less(sa: number, ia: number, sb: number, ib: number): boolean {
    return sa < sb || (sa === sb && ia > ib);
  }
  /** Entries best first. */
  sorted(): { score: number; index: number }[] {
    const out = Array.from({ length: this.size }, (_, k) => ({ score: this.scores[k]!, index: this.indices[k]! }));
    return out.sort((a, b) => b.score - a.score || a.index - b.index);
  }
}

/**
 * Streams the enumerated space through encode + predict in batches and keeps
 * the predicted top `topK` (default 10): memory stays at one batch however
 * large the space.
 */
export async function rankWholeSpace(predictor: RenasPredictor, space: Nb101Space, options: RankWholeSpaceOptions = {}): Promise<WholeSpaceRanking> {
  const topK = options.topK ?? 10;
  const batchSize = options.batchSize ?? 4096;
  const total = Math.min(space.size, options.limit ?? space.size);
  checkField('rankWholeSpace', 'topK', topK, POSITIVE_INTEGER);
  checkField('rankWholeSpace', 'batchSize', batchSize, POSITIVE_INTEGER);
  const started = performance.now();
  const heap = new TopKHeap(topK);
  const encoded = new Float32Array(batchSize * RENAS_FEATURES);
  const scratch = new Float32Array(batchSize * RENAS_FEATURES);
  for (let start = 0; start < total; start += batchSize) {
    const count = Math.min(batchSize, total - start);
    for (let k = 0; k < count; k++) encodeRenasTensor(space.specAt(start + k), encoded, k * RENAS_FEATURES, predictor.config.encoding);
    const scores = predictor.predictEncoded(encoded, count, scratch);
    for (let k = 0; k < count; k++) heap.push(scores[k]!, start + k);
    options.onProgress?.(start + count, total);
    // Yield between batches so a notebook stays responsive.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const target = options.target ?? 'val_acc_108';
  const top = heap.sorted().map(({ score, index }, rank) => {
    const hash = space.hashAt(index);
    const inBenchmark = options.bench?.has(hash) ?? false;
    return { rank, index, hash, score, inBenchmark, trueValue: inBenchmark ? (options.bench!.get(hash).metrics[target] ?? null) : null };
  });
  const seconds = (performance.now() - started) / 1000;
  return { ranked: total, top, seconds, cellsPerSecond: total / seconds };
}

