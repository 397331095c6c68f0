/**
 * BRP-NAS iterative data selection (SamsungLabs/eagle predictors/__main__.py,
 * `--iter T`; the README's NAS-Bench-201 command adds `--sample_best2`).
 *
 * The N training cells come in T equal parts. Iteration 0 draws its part at
 * random; every later iteration i ranks the candidates with the predictor as
 * it is, adds a part, and the SAME predictor trains on, with a fresh
 * optimiser and schedule, for (i+1)·⌊E/T⌋ epochs at batch (i+1)·⌊B/T⌋ pairs.
 * How a part is chosen:
 * - 'best-and-top-random' (`--sample_best2`, the official NB201 run): half
 *   the best-ranked untrained cells, the other half at random among the
 *   best ⌊M/2^i⌋ of the M ranked (the whole space every time);
 * - 'median-random' (no flag): the candidates shrink to those ranked above
 *   the median (halving every iteration) and the part is drawn at random
 *   from them.
 * Then the whole space is ranked and, as eagle's search trace does, the K
 * best untrained cells follow the training cells. Cost N + K.
 *
 * Where eagle drops cells: it trains T·⌊N/T⌋ (and 2·⌊part/2⌋ per later
 * iteration); here the first, random part takes the remainder and the
 * random half of a later part its odd cell, so exactly N are trained. The
 * two agree whenever T divides N and the part is even (N = 100, T = 5).
 */
import { tableOf, type BenchRecord, type Benchmark, type PredictorFactory, type Rng, type SearchBudget, type SearchResult, type Searcher } from '../core/types.js';
import { isContinuablePredictor } from '../predictors/types.js';
import { QueryLog, checkBudget, predictorSeed, rankingHead, targetOf, topUnseen } from './common.js';
import { checkField, POSITIVE_INTEGER } from '../core/checks.js';

export const BRP_SELECTIONS = ['best-and-top-random', 'median-random'] as const;
export type BrpSelection = (typeof BRP_SELECTIONS)[number];

export interface BrpSearchOptions<A> {
  /** Must give a `ContinuablePredictor` (the BRP-NAS predictor). */
  readonly predictorFactory: PredictorFactory<A>;
  /** T (eagle README: 5). */
  readonly iterations: number;
  readonly selection: BrpSelection;
  /** E and B of the predictor config: the last iteration trains E epochs at batch B. */
  readonly epochs: number;
  readonly batchSize: number;
  readonly name?: string;
}

export interface BrpIteration {
  /** Cells added at this iteration, in the order chosen. */
  readonly added: readonly string[];
  /** Cells the part was chosen from (the whole space at iteration 0). */
  readonly candidates: number;
  readonly epochs: number;
  readonly batchSize: number;
  /** Epochs actually trained (early stopping may end an iteration sooner). */
  readonly epochsTrained: number;
}

export interface BrpSearchResult extends SearchResult {
  /** Queries 0 … initialCount−1 are the random first part. */
  readonly initialCount: number;
  readonly iterations: readonly BrpIteration[];
}

/** Cells added per iteration: the remainder goes to the random first part. */
export function brpParts(trainSamples: number, iterations: number): number[] {
  const base = Math.floor(trainSamples / iterations);
  return Array.from({ length: iterations }, (_, i) => (i === 0 ? trainSamples - base * (iterations - 1) : base));
}

/** A `Searcher` whose result also tells the iterations apart. */
export interface BrpSearcher<A> extends Searcher<A> {
  search(bench: Benchmark<A>, target: string, budget: SearchBudget, rng: Rng): Promise<BrpSearchResult>;
}

export function createBrpSearch<A>(options: BrpSearchOptions<A>): BrpSearcher<A> {
  const name = options.name ?? 'brp-nas';
  const { iterations: T, selection } = options;
  checkField(name, 'iterations', T, POSITIVE_INTEGER);
  if (!(BRP_SELECTIONS as readonly string[]).includes(selection)) throw new RangeError(`${name}: selection ${JSON.stringify(selection)} is not one of ${BRP_SELECTIONS.join(', ')}`);
  const epochsPerIteration = Math.floor(options.epochs / T);
  const batchPerIteration = Math.floor(options.batchSize / T);
  if (epochsPerIteration < 1) throw new RangeError(`${name}: ${options.epochs} epochs over ${T} iterations leaves none per iteration (⌊E/T⌋ = 0)`);
  if (batchPerIteration < 1) throw new RangeError(`${name}: batch ${options.batchSize} over ${T} iterations leaves none per iteration (⌊B/T⌋ = 0)`);

  return {
    name,
    async search(bench, target, budget, rng): Promise<BrpSearchResult> {
      tableOf(bench, name);
      checkBudget(budget, bench.size, name);
      const parts = brpParts(budget.trainSamples, T);
      if (parts.some((p) => p < 1) || parts[0]! < 2) {
        throw new RangeError(`${name}: N = ${budget.trainSamples} is too small for ${T} iterations (each needs ≥ 1 cell, the first ≥ 2 to form a pair)`);
      }
      const log = new QueryLog<A>(target, name);
      const trainSet: BenchRecord<A>[] = [];
      const add = (records: readonly BenchRecord<A>[]): void => {
        for (const r of records) {
          log.query(r);
          trainSet.push(r);
        }
      };
      const predictor = options.predictorFactory(predictorSeed(rng));
      const pickRng = rng.fork('selection');
      const history: BrpIteration[] = [];
      try {
        if (!isContinuablePredictor(predictor)) throw new Error(`${name}: predictor ${predictor.name} cannot go on training from its weights (needs a ContinuablePredictor)`);
        let candidates: readonly BenchRecord<A>[] = bench.all();
        for (let i = 0; i < T; i++) {
          let added: BenchRecord<A>[];
          const pool = candidates.length;
          if (i === 0) {
            added = bench.sample(parts[0]!, rng.fork('initial'));
          } else {
            const order = await predictor.rank(candidates);
            if (selection === 'best-and-top-random') {
              const best = topUnseen(candidates, order, log, Math.floor(parts[i]! / 2));
              const taken = new Set(best.map((r) => r.id));
              const top = Math.floor(candidates.length / 2 ** i);
              const eligible = Array.from(order.subarray(0, top), (k) => candidates[k]!).filter((r) => !log.has(r.id) && !taken.has(r.id));
              const need = parts[i]! - best.length;
              if (eligible.length < need) throw new Error(`${name}: iteration ${i}: only ${eligible.length} untrained cells among the best ${top}, ${need} needed (space too small for ${T} iterations)`);
              added = [...best, ...pickRng.shuffle(eligible).slice(0, need)];
            } else {
              // Positions are distinct, so "above the median" is the best ⌊M/2⌋; the candidates keep their order.
              const keep = new Set(Array.from(order.subarray(0, Math.floor(candidates.length / 2))));
              candidates = candidates.filter((_, k) => keep.has(k));
              const eligible = candidates.filter((r) => !log.has(r.id));
              if (eligible.length < parts[i]!) throw new Error(`${name}: iteration ${i}: only ${eligible.length} untrained candidates above the median, ${parts[i]} needed`);
              added = pickRng.shuffle(eligible).slice(0, parts[i]!);
            }
          }
          add(added);
          const epochs = (i + 1) * epochsPerIteration;
          const batchSize = (i + 1) * batchPerIteration;
          const report = await predictor.train(
            trainSet,
            trainSet.map((r) => targetOf(r, target)),
            { epochs, batchSize },
          );
          history.push({ added: added.map((r) => r.id), candidates: pool, epochs, batchSize, epochsTrained: report.epochs });
        }
        const all = bench.all();
        const order = await predictor.rank(all);
        const ranking = rankingHead(all, order, budget.topK, target);
        const picks = topUnseen(all, order, log, budget.topK);
        if (picks.length < budget.topK) throw new Error(`${name}: only ${picks.length} unseen architectures left for K = ${budget.topK}`);
        for (const r of picks) log.query(r);
        return { ...log.result(), ranking, initialCount: parts[0]!, iterations: history };
      } finally {
        predictor.dispose();
      }
    },
  };
}
