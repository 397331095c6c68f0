/**
 * ReNAS on NAS-Bench-201: the same predictor, loss and official schedule as
 * the NAS-Bench-101 study, on the 31x4x4 tensor of encoders/renasTensor201.ts,
 * trained on 0.1 % / 1 % / 5 % of the 15,625-cell space (floored, as the
 * official code floors 0.1 % of NAS-Bench-101: 15 / 156 / 781 cells) on each
 * of CIFAR-10, CIFAR-100 and ImageNet16-120. Per run:
 *   1. Kendall τ (and Spearman ρ) on every benchmark cell not trained on;
 *   2. search as ReNAS deploys the predictor: rank every cell, query the
 *      topK best-ranked untrained ones; best true value among them and among
 *      all N + topK queries, with its rank in the space;
 *   3. random search with the same N + topK queries.
 * NAS-Bench-201 is small enough that ranking all of it is the whole search:
 * evolution or local search with the predictor as fitness can only meet
 * cells this ranking already scored.
 *
 * Each run is one task of the ReNAS run engine (renasRunTask.ts with a
 * NAS-Bench-201 source), cached under `<resultsDir>/renas-nb201/runs`.
 * Ground truth: the 200-epoch test accuracy, mean over NAS-Bench-201's
 * seeds (`test_acc_200`); the data holds 15,614 of the 15,625 cells.
 */
import { groupRows } from './studyRows.js';
import { join } from 'node:path';
import { byProfile, currentProfile, resultsDir, type Profile } from '../config.js';
import { checkField, checkOneOf, checkSeedList, POSITIVE_INTEGER } from '../core/checks.js';
import type { Benchmark } from '../core/types.js';
import { checkExecutorConfig, runKey, runStudy, type ExecutorConfig, type ProgressSink, type RunSpec } from '../engine/index.js';
import { missingFields } from '../engine/store.js';
import { loadNb201 } from '../loaders/cellJson.js';
import { meanConfidenceInterval, meanStd } from '../metrics/summary.js';
import { resolveRenasConfig, type RenasLossKind, type RenasPredictorOverrides } from '../predictors/renas.js';
import { NB201_DATASETS, NB201_SPACE_SIZE, type Nb201Arch, type Nb201Dataset } from '../spaces/nb201.js';
import { renasRunKey, runRenasRunTask, type Renas424RunResult, type RenasRunOutput, type RenasRunTask } from './renasRunTask.js';

export interface RenasNb201Config {
  readonly datasets: readonly Nb201Dataset[];
  /** Training-set sizes as fractions of the 15,625-cell space, floored (0.001 → 15). */
  readonly fractions: readonly number[];
  readonly seeds: readonly number[];
  readonly lossKinds: readonly RenasLossKind[];
  readonly epochs: number;
  /** Cells queried after ranking (the paper's top 10). */
  readonly topK: number;
  readonly target: string;
  /** Predictor settings (defaults: the official code); the NAS-Bench-101 `encoding` switches do not apply. */
  readonly predictor: Omit<RenasPredictorOverrides, 'lossKind' | 'epochs' | 'encoding'>;
  readonly executor: ExecutorConfig;
}

/**
 * Profiles. The 31x4x4 network (345,231 parameters) costs ≈ 0.1 of the
 * NAS-Bench-101 one per cell and step: measured on this 2-core machine
 * (wasm, one thread per run), a 200-epoch run takes ≈ 99 s of CPU at 781
 * cells, ≈ 26 s at 156 and a few seconds at 15, so one (dataset, seed, loss)
 * over the three fractions costs ≈ 130 s. The official schedule fits at
 * every size:
 * - smoke: CIFAR-10 at 1 %, one seed, 10 epochs (CI);
 * - paper: the three datasets × three fractions × 5 seeds, ranking loss and
 *   the MSE baseline, 200 epochs (90 runs, ≈ 35 min on 2 cores);
 * - full: the same with 10 seeds.
 */
export function renasNb201Config(profile: Profile = currentProfile()): RenasNb201Config {
  const common = {
    datasets: NB201_DATASETS,
    fractions: [0.001, 0.01, 0.05],
    lossKinds: ['ranking', 'mse'] as const,
    epochs: 200,
    topK: 10,
    target: 'test_acc_200',
    predictor: {},
    executor: { kind: 'pool', threads: 2 } as const,
  };
  const seeds = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
  return byProfile<RenasNb201Config>(
    {
      smoke: { ...common, datasets: ['cifar10'], fractions: [0.01], seeds: [0], lossKinds: ['ranking'], epochs: 10 },
      paper: { ...common, seeds: seeds(5) },
      full: { ...common, seeds: seeds(10) },
    },
    profile,
  );
}

/** Training cells for a fraction of the space (floored, as the official code floors 0.1 %). */
export function renasNb201TrainSize(fraction: number): number {
  return Math.floor(fraction * NB201_SPACE_SIZE);
}

export function checkRenasNb201Config(config: RenasNb201Config): void {
  const where = 'renas NAS-Bench-201 config';
  if (config.datasets.length === 0) throw new RangeError(`${where}: datasets is empty`);
  for (const d of config.datasets) checkOneOf(where, 'datasets[]', d, NB201_DATASETS);
  if (config.fractions.length === 0) throw new RangeError(`${where}: fractions is empty`);
  for (const f of config.fractions) {
    if (!(typeof f === 'number' && f > 0 && f < 1)) throw new RangeError(`${where}: fractions holds ${JSON.stringify(f)}; a fraction of the space is a number in (0, 1)`);
    if (renasNb201TrainSize(f) < 2) throw new RangeError(`${where}: fraction ${f} gives ${renasNb201TrainSize(f)} training cells; at least 2 are needed (fraction ≥ ${2 / NB201_SPACE_SIZE})`);
  }
  checkSeedList(`${where}: seeds`, config.seeds);
  if (config.lossKinds.length === 0) throw new RangeError(`${where}: lossKinds is empty`);
  for (const l of config.lossKinds) checkOneOf(where, 'lossKinds[]', l, ['ranking', 'mse']);
  checkField(where, 'epochs', config.epochs, POSITIVE_INTEGER);
  checkField(where, 'topK', config.topK, POSITIVE_INTEGER);
  checkExecutorConfig(config.executor, `${where}: executor`);
  if ('encoding' in config.predictor) throw new RangeError(`${where}: predictor.encoding switches the NAS-Bench-101 encoder; the NAS-Bench-201 tensor has no such switches`);
  resolveRenasConfig(config.predictor);
}

export interface RenasNb201Row extends Omit<Renas424RunResult, 'searchCurve' | 'randomCurve' | 'searchPicks'> {
  readonly dataset: Nb201Dataset;
  readonly fraction: number;
  readonly trainSize: number;
  readonly seed: number;
  readonly lossKind: RenasLossKind;
  readonly cached: boolean;
}

export interface RenasNb201SummaryRow {
  readonly dataset: Nb201Dataset;
  readonly fraction: number;
  readonly trainSize: number;
  readonly lossKind: RenasLossKind;
  readonly runs: number;
  readonly tauMean: number;
  /** Half-width of the 95 % t interval of the mean τ over seeds. */
  readonly tauCi95: number;
  readonly tauStd: number;
  /** Best true value among the topK picks (the paper's number). */
  readonly searchTopKBestMean: number;
  readonly searchTopKBestStd: number;
  /** Best true value among all N + topK queries. */
  readonly searchBestMean: number;
  readonly searchBestStd: number;
  readonly randomBestMean: number;
  readonly randomBestStd: number;
  /** The benchmark's best value of the target on this dataset. */
  readonly optimum: number;
  readonly updates: number;
  readonly fitSecondsMean: number;
}

export interface RenasNb201Result {
  readonly config: RenasNb201Config;
  readonly rows: RenasNb201Row[];
  readonly summary: RenasNb201SummaryRow[];
  /** Best value of the target per dataset. */
  readonly optimum: Readonly<Partial<Record<Nb201Dataset, number>>>;
}

export interface RenasNb201Options {
  /** Cache folder (default `<resultsDir>/renas-nb201/runs`). */
  readonly cacheDir?: string;
  /** A NAS-Bench-201 source other than the data folder's zip (a zip or folder `loadNb201` reads). */
  readonly source?: string;
  readonly progress?: ProgressSink | false;
  readonly signal?: AbortSignal;
}

export function defaultRenasNb201CacheDir(): string {
  return join(resultsDir(), 'renas-nb201', 'runs');
}

/** Runs (or reads from the cache) every (dataset, fraction, seed, loss) of the study. */
export async function runRenasNb201(config: RenasNb201Config = renasNb201Config(), options: RenasNb201Options = {}): Promise<RenasNb201Result> {
  checkRenasNb201Config(config);
  const benches = new Map<Nb201Dataset, Benchmark<Nb201Arch>>();
  for (const dataset of config.datasets) benches.set(dataset, await loadNb201({ dataset, ...(options.source ? { source: options.source } : {}) }));

  interface Job {
    readonly dataset: Nb201Dataset;
    readonly fraction: number;
    readonly trainSize: number;
    readonly seed: number;
    readonly lossKind: RenasLossKind;
    readonly runKey: string;
  }
  const jobs: Job[] = [];
  const specs = new Map<string, RunSpec<RenasRunTask>>();
  for (const dataset of config.datasets) {
    const bench = benches.get(dataset)!;
    for (const fraction of config.fractions) {
      const trainSize = renasNb201TrainSize(fraction);
      if (trainSize + config.topK > bench.size) throw new RangeError(`renas NAS-Bench-201 config: N + topK = ${trainSize + config.topK} exceeds the ${bench.size} cells of ${dataset}`);
      for (const seed of config.seeds) {
        for (const lossKind of config.lossKinds) {
          const key = renasRunKey('renas-nb201', config, bench, { seed, trainSize, lossKind, epochs: config.epochs, predictor: config.predictor });
          const id = runKey(key);
          jobs.push({ dataset, fraction, trainSize, seed, lossKind, runKey: id });
          specs.set(id, {
            key: id,
            config: key,
            label: `${dataset} N=${trainSize} seed ${seed} ${lossKind}`,
            task: {
              bench: { kind: 'nb201', dataset, ...(options.source ? { path: options.source } : {}) },
              target: config.target,
              topK: config.topK,
              seed,
              trainSize,
              predictor: key.predictor,
              keepPredictions: false,
              returnState: false,
            },
          });
        }
      }
    }
  }
  const runs = [...specs.values()];
  const outcome = await runStudy<RenasRunTask, RenasRunOutput>(
    {
      study: 'renas-nb201',
      taskRef: { module: 'src/experiments/renasRunTask.ts', export: 'runRenasRunTask' },
      runs,
      local: runRenasRunTask,
      check: (r) => missingFields(r, ['run']) ?? missingFields(r.run, ['kendallTau', 'spearmanRho', 'searchTopKBest', 'searchBest', 'randomBest', 'updates']),
    },
    {
      executor: config.executor,
      cacheDir: options.cacheDir ?? defaultRenasNb201CacheDir(),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.progress !== undefined ? { progress: options.progress } : {}),
      toStored: (out) => ({ run: out.run }),
    },
  );
  const resultOf = new Map(outcome.runs.map((o, i) => [runs[i]!.key, { run: o.result.run, cached: o.fromCache }] as const));
  const rows = jobs.map((job): RenasNb201Row => {
    const { run, cached } = resultOf.get(job.runKey)!;
    const { searchCurve: _s, randomCurve: _r, searchPicks: _p, ...scalars } = run;
    return { dataset: job.dataset, fraction: job.fraction, trainSize: job.trainSize, seed: job.seed, lossKind: job.lossKind, ...scalars, cached };
  });
  const optimum: Partial<Record<Nb201Dataset, number>> = {};
  for (const [dataset, bench] of benches) optimum[dataset] = Math.max(...bench.metric(config.target));
  return { config, rows, summary: summarizeRenasNb201(rows, optimum), optimum };
}

/** Mean ± std (and the 95 % interval of the mean τ) per (dataset, size, loss), in run order. */
export function summarizeRenasNb201(rows: readonly RenasNb201Row[], optimum: Readonly<Partial<Record<Nb201Dataset, number>>>): RenasNb201SummaryRow[] {
  return groupRows(rows, ['dataset', 'trainSize', 'lossKind']).map((g) => {
    const stat = (f: (r: RenasNb201Row) => number) => meanStd(g.map(f));
    const tau = meanConfidenceInterval(g.map((r) => r.kendallTau));
    const topK = stat((r) => r.searchTopKBest);
    const best = stat((r) => r.searchBest);
    const random = stat((r) => r.randomBest);
    const first = g[0]!;
    return {
      dataset: first.dataset,
      fraction: first.fraction,
      trainSize: first.trainSize,
      lossKind: first.lossKind,
      runs: g.length,
      tauMean: tau.mean,
      tauCi95: tau.halfWidth,
      tauStd: tau.std,
      searchTopKBestMean: topK.mean,
      searchTopKBestStd: topK.std,
      searchBestMean: best.mean,
      searchBestStd: best.std,
      randomBestMean: random.mean,
      randomBestStd: random.std,
      optimum: optimum[first.dataset] ?? NaN,
      updates: first.updates,
      fitSecondsMean: stat((r) => r.fitSeconds).mean,
    };
  });
}
