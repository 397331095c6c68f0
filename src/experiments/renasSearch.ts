/**
 * The ReNAS predictor deployed in discrete search over the whole enumerated
 * NAS-Bench-101 space (423,624 cells), as the paper uses it: per seed, each
 * method queries N random subset cells (the same draw for every method of a
 * seed), fits the same ReNAS predictor on them, and spends K more queries:
 * - `top-k (subset)`: the K best-predicted unqueried subset cells (the study's search);
 * - `regularized evolution` and `local search` over the whole space with the
 *   predictor as fitness, then the K best-scored cells met; the `subset
 *   picks` variants query the K best-scored cells met that the subset holds
 *   (same search, so the picks have known values);
 * - `random`: N + K random subset cells.
 * Only the 20,001 subset cells have a known accuracy, so a pick outside the
 * subset is a spent query with no value: the table reports the best known
 * value and how many picks were unknown, beside the subset optimum.
 *
 * One fit per seed serves every method (`sharedRenasFit`), and each
 * (seed, method) result is cached by its config under `<resultsDir>/renas424/search`.
 */
import { join } from 'node:path';
import { createRng } from '../core/rng.js';
import { checkField, checkSeedList, POSITIVE_INTEGER } from '../core/checks.js';
import type { BenchRecord, Benchmark, Predictor, PredictorFactory, SearchBudget, SearchResult, Searcher } from '../core/types.js';
import { SEARCHERS, createSearcher } from '../searchers/registry.js';
import type { SearchSpace } from '../spaces/searchSpace.js';
import '../registrations.js';
import { RunStore, missingFields } from '../engine/store.js';
import { loadNb101Subset } from '../loaders/nb101.js';
import { meanStd } from '../metrics/summary.js';
import { RenasPredictor, resolveRenasConfig, type RenasPredictorOverrides, type RenasPredictorState } from '../predictors/renas.js';
import { createLocalSearch, createPredictorTopKSearch, createRandomSearch, createRegularizedEvolution } from '../searchers/index.js';
import type { Nb101Spec } from '../spaces/nb101.js';
import { loadNb101Space, type Nb101Space } from '../spaces/nb101Enumerate.js';
import { nb101SearchSpace } from '../spaces/nb101SearchSpace.js';
import { resultsDir } from '../config.js';
import type { Renas424Config } from './renas424.js';

export const RENAS_SEARCH_METHODS = [
  'top-k (subset)',
  'regularized evolution',
  'regularized evolution, subset picks',
  'local search',
  'local search, subset picks',
  'random',
] as const;
/** A built-in method, or any registered searcher (`SEARCHERS`) by name: it gets the same shared ReNAS fit and the whole space. */
export type RenasSearchMethod = (typeof RENAS_SEARCH_METHODS)[number] | (string & {});

const isBuiltinMethod = (m: string): boolean => (RENAS_SEARCH_METHODS as readonly string[]).includes(m);

export interface RenasSearchConfig {
  readonly seeds: readonly number[];
  /** True queries: N to fit the predictor, K after it. */
  readonly trainSize: number;
  readonly topK: number;
  readonly epochs: number;
  /** Candidates the predictor scores per evolution / local search. */
  readonly evaluations: number;
  readonly populationSize: number;
  readonly sampleSize: number;
  readonly batch: number;
  /** Random cells scored for each local-search start. */
  readonly starts: number;
  readonly methods: readonly RenasSearchMethod[];
}

export interface RenasSearchRow {
  readonly seed: number;
  readonly method: RenasSearchMethod;
  readonly queries: number;
  /** Best known true value among all queries (the N training cells included). */
  readonly bestKnown: number;
  /** Best known true value among the K picks (NaN when none of them is in the subset). */
  readonly bestPickKnown: number;
  /** Picks with no known value (outside the subset). */
  readonly unknownPicks: number;
  /** Share of subset cells strictly better than `bestKnown`. */
  readonly bestKnownTopFraction: number;
  readonly cached: boolean;
}

export interface RenasSearchSummaryRow {
  readonly method: RenasSearchMethod;
  readonly runs: number;
  readonly bestKnownMean: number;
  readonly bestKnownStd: number;
  /** Mean over seeds of the best known pick, over the seeds where one pick was known. */
  readonly bestPickKnownMean: number;
  readonly seedsWithKnownPick: number;
  readonly unknownPicksMean: number;
}

export interface RenasSearchResult {
  readonly config: RenasSearchConfig;
  readonly rows: RenasSearchRow[];
  readonly summary: RenasSearchSummaryRow[];
  readonly subsetBest: number;
}

export function checkRenasSearchConfig(config: RenasSearchConfig, benchSize: number): void {
  const where = 'renas search config';
  checkSeedList(`${where}: seeds`, config.seeds);
  for (const field of ['trainSize', 'topK', 'epochs', 'evaluations', 'populationSize', 'sampleSize', 'batch', 'starts'] as const) checkField(where, field, config[field], POSITIVE_INTEGER);
  if (config.trainSize + config.topK > benchSize) throw new RangeError(`${where}: N + K = ${config.trainSize + config.topK} exceeds the ${benchSize} cells with known values`);
  for (const m of config.methods) {
    if (!isBuiltinMethod(m) && !SEARCHERS.has(m)) throw new RangeError(`${where}: method ${JSON.stringify(m)} is not one of ${RENAS_SEARCH_METHODS.join(', ')} or a registered searcher (${SEARCHERS.names().join(', ')})`);
  }
}

/**
 * A `PredictorFactory` whose fits are shared: a second fit on the same cells
 * with the same seed restores the first fit's weights instead of training
 * again (the fit is deterministic, so the predictions are the same).
 */
export function sharedRenasFit(predictor: RenasPredictorOverrides): PredictorFactory<Nb101Spec> {
  const fits = new Map<string, RenasPredictorState>();
  return (seed) => {
    let inner = new RenasPredictor(seed, predictor);
    const shared: Predictor<Nb101Spec> = {
      name: inner.name,
      requires: inner.requires,
      async fit(archs: readonly BenchRecord<Nb101Spec>[], targets: ArrayLike<number>) {
        const key = `${seed} ${archs.map((r) => r.id).join(',')}`;
        const hit = fits.get(key);
        if (hit) {
          inner.dispose();
          inner = RenasPredictor.fromState(hit);
          return { epochs: 0, lossHistory: [] };
        }
        const report = await inner.fit(archs, targets);
        fits.set(key, inner.exportState());
        return report;
      },
      predict: (archs) => inner.predict(archs),
      dispose: () => inner.dispose(),
    };
    return shared;
  };
}

/** What a registered searcher is given of the search config (the evolution and local-search sizes). */
function searcherSettingsOf(search: RenasSearchConfig): Record<string, number> {
  return { evaluations: search.evaluations, populationSize: search.populationSize, sampleSize: search.sampleSize, batch: search.batch, starts: search.starts };
}

/** Best finite value of `values` (NaN when none). */
function bestFinite(values: ArrayLike<number>): number {
  let best = NaN;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!) && !(values[i]! <= best)) best = values[i]!;
  return best;
}

export interface RenasSearchOptions {
  readonly bench?: Benchmark<Nb101Spec>;
  /** The study's run folder (default `<resultsDir>/renas424/runs`); searches are cached beside it, in `../search`. */
  readonly cacheDir?: string;
  readonly space?: Pick<Nb101Space, 'size' | 'specAt'>;
  readonly onProgress?: (message: string) => void;
}

/** Runs (or reads from the cache) every (seed, method) of `search` with the study's predictor settings. */
export async function runRenasSearch(study: Renas424Config, search: RenasSearchConfig, options: RenasSearchOptions = {}): Promise<RenasSearchResult> {
  const bench = options.bench ?? (await loadNb101Subset());
  checkRenasSearchConfig(search, bench.size);
  const truth = bench.metric(study.target);
  const store = new RunStore<{ queried: string[]; values: (number | null)[] }>(join(options.cacheDir ?? join(resultsDir(), 'renas424', 'runs'), '..', 'search'));
  const { predictBatch: _memoryOnly, ...predictor } = resolveRenasConfig({ ...study.predictor, lossKind: 'ranking', epochs: search.epochs });
  const factory = sharedRenasFit(predictor);
  let space: ReturnType<typeof nb101SearchSpace> | undefined;
  const spaceOf = (): ReturnType<typeof nb101SearchSpace> => (space ??= nb101SearchSpace(options.space ?? loadNb101Space()));
  const budget: SearchBudget = { trainSamples: search.trainSize, topK: search.topK };
  const rows: RenasSearchRow[] = [];
  for (const seed of search.seeds) {
    for (const method of search.methods) {
      const key = {
        study: 'renas-search',
        version: 1,
        benchmark: { name: bench.name, size: bench.size },
        target: study.target,
        seed,
        method,
        budget,
        predictor,
        ...(method.startsWith('regularized evolution') ? { evolution: { evaluations: search.evaluations, populationSize: search.populationSize, sampleSize: search.sampleSize, batch: search.batch } } : {}),
        ...(method.startsWith('local search') ? { localSearch: { evaluations: search.evaluations, starts: search.starts } } : {}),
        ...(!isBuiltinMethod(method) ? { searcherSettings: searcherSettingsOf(search) } : {}),
      };
      let stored = store.getByConfig(key, (r) => missingFields(r, ['queried', 'values']));
      const cached = stored !== undefined;
      if (!stored) {
        options.onProgress?.(`renas search: seed ${seed}, ${method}`);
        const picks = method.endsWith('subset picks') ? 'known' : 'any';
        const searcher = !isBuiltinMethod(method)
          ? (createSearcher(method, { predictorFactory: factory as PredictorFactory<unknown>, space: spaceOf as () => SearchSpace<unknown>, settings: searcherSettingsOf(search) }, `renas search: method`) as Searcher<Nb101Spec>)
          : method === 'top-k (subset)'
            ? createPredictorTopKSearch({ predictorFactory: factory })
            : method.startsWith('regularized evolution')
              ? createRegularizedEvolution({ space: spaceOf(), predictorFactory: factory, populationSize: search.populationSize, sampleSize: search.sampleSize, evaluations: search.evaluations, batch: search.batch, picks })
              : method.startsWith('local search')
                ? createLocalSearch({ space: spaceOf(), predictorFactory: factory, starts: search.starts, evaluations: search.evaluations, picks })
                : createRandomSearch();
        // The same rng per seed: every method queries the same N training cells and fits the same predictor.
        const result: SearchResult = await searcher.search(bench, study.target, budget, createRng(`renas-search/${seed}`));
        stored = { queried: [...result.queried], values: Array.from(result.values, (v) => (Number.isFinite(v) ? v : null)) };
        store.putByConfig(key, `search seed ${seed} ${method}`, stored);
      }
      const values = stored.values.map((v) => v ?? NaN);
      const picks = values.slice(search.trainSize);
      const bestKnown = bestFinite(values);
      let better = 0;
      for (const v of truth) if (v > bestKnown) better++;
      rows.push({
        seed,
        method,
        queries: values.length,
        bestKnown,
        bestPickKnown: bestFinite(picks),
        unknownPicks: picks.filter((v) => Number.isNaN(v)).length,
        bestKnownTopFraction: better / truth.length,
        cached,
      });
    }
  }
  const summary = search.methods.map((method): RenasSearchSummaryRow => {
    const mine = rows.filter((r) => r.method === method);
    const known = mine.filter((r) => Number.isFinite(r.bestPickKnown));
    const best = meanStd(mine.map((r) => r.bestKnown));
    return {
      method,
      runs: mine.length,
      bestKnownMean: best.mean,
      bestKnownStd: best.std,
      bestPickKnownMean: known.length ? meanStd(known.map((r) => r.bestPickKnown)).mean : NaN,
      seedsWithKnownPick: known.length,
      unknownPicksMean: meanStd(mine.map((r) => r.unknownPicks)).mean,
    };
  });
  return { config: search, rows, summary, subsetBest: Math.max(...truth) };
}
