/**
 * `nas renas run [options]`: the ReNAS 424-sample study (src/experiments/renas424.ts)
 * with progress on stderr and the summary table on stdout. Finished runs are
 * cached under <resultsDir>/renas424, so an interrupted command resumes.
 */
import { writeFileAtomic } from '../core/atomicWrite.js';
import { initBackend } from '../backend.js';
import { PROFILES, type Profile } from '../config.js';
import { renas424Config, runRenas424, type Renas424Config, type Renas424Result, type WholeSpaceResult } from '../experiments/renas424.js';
import type { RenasLossKind } from '../predictors/renas.js';
import { EXECUTOR_FLAGS, EXECUTOR_USAGE, executorFromFlags, runInterruptibly } from './executorFlags.js';

const USAGE = `usage: nas renas run [options]
  --profile smoke|paper|full   run size (default: NAS_PROFILE or paper)
  --seeds 0,1,2                seeds (default: the profile's)
  --sizes 424,1000             training-set sizes
  --losses ranking,mse         losses
  --epochs N                   epochs for every size (overrides the profile's scaling)
${EXECUTOR_USAGE}
  --no-space                   skip ranking the whole 423,624-cell space
  --json FILE                  also write rows, summary and space ranking as JSON`;

function parseList(flag: string, text: string | undefined, parse: (s: string) => number | string): (number | string)[] {
  if (text === undefined || text === '') throw new Error(`${flag} needs a value`);
  return text.split(',').map((s) => {
    const v = parse(s.trim());
    if (typeof v === 'number' && !Number.isInteger(v)) throw new Error(`${flag}: ${JSON.stringify(s)} is not an integer`);
    return v;
  });
}

/** Parses `run` options into a study config (exported for tests). */
export function parseRenasArgs(args: readonly string[]): { config: Renas424Config; json?: string } {
  const [sub, ...rest] = args;
  if (sub !== 'run') throw new Error(`nas renas: unknown subcommand ${JSON.stringify(sub ?? '')}\n${USAGE}`);
  const options = new Map<string, string | undefined>();
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    if (flag === '--no-space') options.set(flag, undefined);
    else if (['--profile', '--seeds', '--sizes', '--losses', '--epochs', '--json', ...EXECUTOR_FLAGS].includes(flag)) options.set(flag, rest[++i]);
    else throw new Error(`nas renas run: unknown option ${JSON.stringify(flag)}\n${USAGE}`);
  }
  const profile = options.get('--profile');
  if (profile !== undefined && !(PROFILES as readonly string[]).includes(profile)) {
    throw new Error(`--profile ${JSON.stringify(profile)} is not one of ${PROFILES.join(', ')}`);
  }
  let config: Renas424Config = renas424Config(profile as Profile | undefined);
  if (options.has('--seeds')) config = { ...config, seeds: parseList('--seeds', options.get('--seeds'), Number) as number[] };
  if (options.has('--sizes')) config = { ...config, trainSizes: parseList('--sizes', options.get('--sizes'), Number) as number[] };
  if (options.has('--losses')) {
    const losses = parseList('--losses', options.get('--losses'), String) as string[];
    for (const l of losses) if (l !== 'ranking' && l !== 'mse') throw new Error(`--losses: ${JSON.stringify(l)} is not ranking or mse`);
    config = { ...config, lossKinds: losses as RenasLossKind[] };
  }
  if (options.has('--epochs')) config = { ...config, epochs: parseList('--epochs', options.get('--epochs'), Number)[0] as number, epochsBySize: {} };
  config = { ...config, executor: executorFromFlags(options, config.executor) };
  if (options.has('--no-space')) config = { ...config, wholeSpace: false };
  return { config, json: options.get('--json') };
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
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c]!.length)));
  const fmt = (cells: string[]): string => cells.map((cell, c) => cell.padEnd(widths[c]!)).join('  ');
  return [
    fmt(header),
    fmt(widths.map((w) => '-'.repeat(w))),
    ...lines.map(fmt),
    '',
    `target: ${result.config.target} (validation accuracy, run 1 of 3; the paper reports test accuracy). Subset best: ${pct(result.subsetBest)} %.`,
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

export async function renasCommand(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseRenasArgs>;
  try {
    parsed = parseRenasArgs(args);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const { config, json } = parsed;
  const backend = await initBackend();
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  log(backend.describe());
  return runInterruptibly(async (signal) => {
    const result = await runRenas424(config, { onProgress: log, signal });
    process.stdout.write(`${formatRenasSummary(result)}\n`);
    const space = result.wholeSpace;
    if (space) process.stdout.write(`\n${formatSpace(space)}\n`);
    if (json) {
      writeFileAtomic(json, JSON.stringify({ config: result.config, rows: result.rows, summary: result.summary, subsetBest: result.subsetBest, space: space ?? null }, null, 1));
      log(`wrote ${json}`);
    }
    return 0;
  });
}
