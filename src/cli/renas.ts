/**
 * `nas renas run [options]`: the ReNAS 424-sample study (src/experiments/renas424.ts)
 * with progress on stderr and the summary table on stdout. Finished runs are
 * cached under <resultsDir>/renas424, so an interrupted command resumes.
 */
import { writeFileAtomic } from '../core/atomicWrite.js';
import { initBackend } from '../backend.js';
import { renas424Config, runRenas424, type Renas424Config, type Renas424Result, type RenasAblationResult, type WholeSpaceResult } from '../experiments/renas424.js';
import { renasAblationRows, renasSearchRows } from '../experiments/renasFigures.js';
import { runRenasSearch, type RenasSearchResult } from '../experiments/renasSearch.js';
import type { RenasLossKind } from '../predictors/renas.js';
import { EXECUTOR_OPTIONS, PROFILE_OPTION, executorFromOptions, parseSubcommand, profileFromOptions, runInterruptibly } from './executorFlags.js';
import { integerList, integerOption, runCommand, stringOption, type CommandSpec } from './options.js';
import { alignedLines, textTable } from './textTable.js';
import { scalarFields, toCsv } from '../experiments/studyRows.js';

const paper = renas424Config('paper');

export const RENAS_COMMAND: CommandSpec = {
  usage: 'nas renas run',
  summary: 'ReNAS study on NAS-Bench-101: fit the predictor on N cells, Kendall τ on the rest, search by predicted rank. Progress on stderr, summary on stdout; finished runs are cached, so an interrupted command resumes.',
  options: [
    PROFILE_OPTION,
    { name: 'seeds', value: '0,1,2', help: 'seeds (training draw, weight init, random search) at every size', default: `the profile's (paper: ${paper.seeds.join(',')}, fewer at the large sizes)` },
    { name: 'sizes', value: '423,1000', help: 'training-set sizes N', default: `the profile's (paper: ${paper.trainSizes.join(',')})` },
    { name: 'losses', value: 'ranking,mse', help: 'losses', default: `the profile's (paper: ${paper.lossKinds.join(',')})` },
    { name: 'epochs', value: 'N', help: 'epochs for every size of the study', default: `the profile's (paper: ${paper.epochs})` },
    ...EXECUTOR_OPTIONS,
    { name: 'model', value: 'NAME', help: 'fit this registered predictor in the study proper instead of ReNAS (e.g. param-count; implies --no-space; see nas --help)', default: 'renas' },
    { name: 'search-methods', value: 'NAME,NAME', help: 'methods of the search (built-in ones or registered searchers; implies --search)', default: "the profile's" },
    { name: 'no-space', help: 'skip ranking the whole 423,624-cell space' },
    { name: 'no-ablation', help: 'skip the fidelity ablation (each official-code switch flipped alone)' },
    { name: 'ablation-seeds', value: '0,1,2', help: 'seeds of the fidelity ablation', default: `the profile's (paper: ${paper.ablation ? paper.ablation.seeds.join(',') : 'none'})` },
    { name: 'search', help: "also run the predictor-guided search over the whole space (the profile's search settings; notebook 01's search cell)" },
    { name: 'search-seeds', value: '0,1,2', help: 'seeds of the predictor-guided search (implies --search)', default: `the profile's (paper: ${paper.search ? paper.search.seeds.join(',') : 'none'})` },
    { name: 'json', value: 'FILE', help: 'also write rows, summary and space ranking as JSON' },
    { name: 'csv', value: 'FILE', help: 'also write one row per run as CSV' },
  ],
};

/** Parses `run` options into a study config (exported for tests); `'help'` for --help. */
export function parseRenasArgs(args: readonly string[]): { config: Renas424Config; json?: string; csv?: string; search?: true } | 'help' {
  const options = parseSubcommand(RENAS_COMMAND, 'run', args);
  if (options === 'help') return options;
  let config: Renas424Config = renas424Config(profileFromOptions(options));
  const seeds = integerList(options, 'seeds', 0);
  if (seeds) config = { ...config, seeds, seedsBySize: {} };
  const sizes = integerList(options, 'sizes', 1);
  if (sizes) config = { ...config, trainSizes: sizes };
  const losses = stringOption(options, 'losses')?.split(',').map((l) => l.trim());
  if (losses) {
    for (const l of losses) if (l !== 'ranking' && l !== 'mse') throw new Error(`--losses: ${JSON.stringify(l)} is not ranking or mse`);
    config = { ...config, lossKinds: losses as RenasLossKind[], lossKindsBySize: {} };
  }
  const epochs = integerOption(options, 'epochs', 1);
  if (epochs !== undefined) config = { ...config, epochs, epochsBySize: {} };
  config = { ...config, executor: executorFromOptions(options, config.executor) };
  const model = stringOption(options, 'model');
  if (model !== undefined) config = { ...config, model, ...(model !== 'renas' ? { wholeSpace: false as const } : {}) };
  if (options.has('no-space')) config = { ...config, wholeSpace: false };
  if (options.has('no-ablation')) config = { ...config, ablation: false };
  const ablationSeeds = integerList(options, 'ablation-seeds', 0);
  if (ablationSeeds) {
    if (!config.ablation) throw new Error('--ablation-seeds: this profile has no ablation (or --no-ablation was given)');
    config = { ...config, ablation: { ...config.ablation, seeds: ablationSeeds } };
  }
  const searchSeeds = integerList(options, 'search-seeds', 0);
  const searchMethods = stringOption(options, 'search-methods')?.split(',').map((m) => m.trim());
  const search = options.has('search') || searchSeeds !== undefined || searchMethods !== undefined;
  if (search) {
    if (!config.search) throw new Error('--search: this profile has no search settings');
    const profileSearch = config.search;
    config = { ...config, search: { ...profileSearch, ...(searchSeeds ? { seeds: searchSeeds } : {}), ...(searchMethods ? { methods: searchMethods } : {}) } };
  }
  const json = stringOption(options, 'json');
  const csv = stringOption(options, 'csv');
  return { config, ...(json ? { json } : {}), ...(csv ? { csv } : {}), ...(search ? { search: true as const } : {}) };
}

const pct = (v: number): string => (100 * v).toFixed(2);

/** The summary as a fixed-width text table. */
export function formatRenasSummary(result: Renas424Result): string {
  const header = ['N', 'loss', 'epochs', 'runs', 'Kendall τ', `top-${result.config.topK} best (%)`, 'best of N+K (%)', 'top %', 'random (%)', 'fit s'];
  const lines = result.summary.map((s) => [
    String(s.trainSize),
    s.lossKind,
    String(s.epochs),
    String(s.runs),
    `${s.tauMean.toFixed(3)} ± ${Number.isNaN(s.tauStd) ? '–' : s.tauStd.toFixed(3)}`,
    `${pct(s.searchTopKBestMean)} ± ${Number.isNaN(s.searchTopKBestStd) ? '–' : pct(s.searchTopKBestStd)}`,
    `${pct(s.searchBestMean)} ± ${Number.isNaN(s.searchBestStd) ? '–' : pct(s.searchBestStd)}`,
    (100 * s.searchBestTopFractionMean).toFixed(3),
    `${pct(s.randomBestMean)} ± ${Number.isNaN(s.randomBestStd) ? '–' : pct(s.randomBestStd)}`,
    s.fitSecondsMean.toFixed(1),
  ]);
  return [
    ...alignedLines(header, lines),
    '',
    `target: ${result.config.target} (validation accuracy of one of the 3 official runs; the paper reports test accuracy). Subset best: ${pct(result.subsetBest)} %.`,
    `"top %": share of the 20,001 subset cells better than the best found.`,
  ].join('\n');
}

function formatSpace(space: WholeSpaceResult): string {
  const lines = space.top.map(
    (e) => `  ${String(e.rank + 1).padStart(2)}. ${e.hash}  score ${e.score.toFixed(4)}  ${e.inBenchmark ? `in subset: ${pct(e.trueValue ?? NaN)} %` : 'not in subset'}`,
  );
  return [
    `whole space: ${space.ranked.toLocaleString('en-US')} cells ranked in ${space.seconds.toFixed(1)} s by seed ${space.seed} N=${space.trainSize} ${space.lossKind}${space.cached ? ' (cached)' : ''}`,
    ...lines,
    `${space.topInBenchmark} of the top ${space.top.length} are in the subset${space.bestTrueValueInTop === null ? '' : `; best of them ${pct(space.bestTrueValueInTop)} %`}`,
  ].join('\n');
}

/** The fidelity ablation as a text table (the notebook's `renasAblationRows`). */
export function formatAblation(ablation: RenasAblationResult): string {
  const columns = ['variant', 'seeds', 'Kendall τ', 'Δτ vs default [95 % CI]', 'p', 'seeds above default', 'updates'];
  return `fidelity ablation at N = ${ablation.config.trainSize} (${ablation.config.lossKind} loss, ${ablation.config.epochs} epochs):\n${textTable(renasAblationRows(ablation), columns)}`;
}

export function renasCommand(args: string[]): Promise<number> {
  return runCommand(RENAS_COMMAND, () => parseRenasArgs(args), runRenas);
}

/** The predictor-guided search as a text table (the notebook's `renasSearchRows`). */
export function formatSearch(result: RenasSearchResult): string {
  const { trainSize, topK, seeds, evaluations } = result.config;
  return `predictor-guided search: N = ${trainSize} + K = ${topK} queries, ${seeds.length} seed(s), ${evaluations} predicted candidates per evolution / local search:\n${textTable(renasSearchRows(result))}`;
}

async function runRenas({ config, json, csv, search }: Exclude<ReturnType<typeof parseRenasArgs>, 'help'>): Promise<number> {
  const backend = await initBackend();
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  log(backend.describe());
  return runInterruptibly(async (signal) => {
    const result = await runRenas424(config, { onProgress: log, signal });
    process.stdout.write(`${formatRenasSummary(result)}\n`);
    const space = result.wholeSpace;
    if (space) process.stdout.write(`\n${formatSpace(space)}\n`);
    if (result.ablation) process.stdout.write(`\n${formatAblation(result.ablation)}\n`);
    const searched = search && config.search ? await runRenasSearch(config, config.search, { onProgress: log }) : undefined;
    if (searched) process.stdout.write(`\n${formatSearch(searched)}\n`);
    if (json) {
      writeFileAtomic(
        json,
        JSON.stringify(
          { config: result.config, rows: result.rows, summary: result.summary, subsetBest: result.subsetBest, space: space ?? null, ablation: result.ablation ?? null, search: searched ?? null },
          null,
          1,
        ),
      );
      log(`wrote ${json}`);
    }
    if (csv) {
      writeFileAtomic(csv, toCsv(result.rows.map(scalarFields)));
      log(`wrote ${csv}`);
    }
    return 0;
  });
}
