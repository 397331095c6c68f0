/**
 * `nas siamese sweep`: the Siamese-NAS N/K sweeps of notebook 03 from the
 * command line, for long runs in the background (`nohup npx nas siamese sweep
 * --profile paper &`). Finished runs are cached, so a killed sweep resumes.
 */
import { initBackend } from '../backend.js';
import { SIAMESE_METHODS, sweepMethodKind, checkSweepConfig, runSiameseSweep, scaledDownNotes, siameseSweepDefaults, type SiameseSweepConfig, type SweepScoring } from '../experiments/siameseSweep.js';
import { paperComparison } from '../experiments/siameseSweepReport.js';
import { tableToMarkdown } from '../viz/index.js';
import { BRP_PAIR_FORWARDS, type BrpPairForward } from '../predictors/brpNas.js';
import { EXECUTOR_OPTIONS, PROFILE_OPTION, executorFromOptions, parseSubcommand, profileFromOptions, runInterruptibly } from './executorFlags.js';
import { UsageError, integerOption, runCommand, stringOption, type CommandSpec, type ParsedOptions } from './options.js';
import { writeFileAtomic } from '../core/atomicWrite.js';
import { scalarFields, toCsv } from '../experiments/studyRows.js';

const paper = siameseSweepDefaults('paper');

export const SIAMESE_COMMAND: CommandSpec = {
  usage: 'nas siamese sweep',
  summary:
    "Siamese-NAS N/K sweeps of notebook 03 (random, gcn, siams, siams+nsam, siams+nsam+bts, brp-nas) with the profile's settings; progress on stderr, summary on stdout. Finished runs are cached, so rerunning resumes; a notebook and this command on the same results folder share the work.",
  options: [
    PROFILE_OPTION,
    { name: 'repeats', value: 'N', help: 'repeats per point', default: `the profile's (paper: ${paper.repeats})` },
    { name: 'scorings', value: 'official,search', help: 'scorings to run: official (the official code\'s budget and MaxAccs) and/or search (best of the N + K trained)', default: `the profile's (paper: ${paper.scorings.join(',')})` },
    { name: 'bn-momentum', value: 'M', help: "graph predictors' batch-norm momentum (0.997 is the official; the paper profile matches it to its short schedule)", default: `the profile's (paper: ${paper.predictor.bnMomentum ?? 0.997})` },
    { name: 'brp-pair-forward', value: 'per-pair|per-cell', help: 'BRP-NAS: run both graphs of every pair (eagle) or each distinct cell of a batch once', default: `the profile's (paper: ${paper.brp?.pairForward})` },
    { name: 'series', value: 'ID,ID', help: "run only these series of the profile (e.g. brp-cifar100)", default: 'all of the profile\'s' },
    {
      name: 'methods',
      value: 'NAME,NAME',
      help: `methods of every series: built-in (${SIAMESE_METHODS.join(', ')}), a registered predictor (top-K by it) or a registered searcher that needs no predictor (see nas --help)`,
      default: "each series' own",
    },
    { name: 'cache', value: 'DIR', help: 'results folder of the runs', default: '<resultsDir>/siamese-nk-sweep' },
    ...EXECUTOR_OPTIONS,
    { name: 'csv', value: 'FILE', help: 'also write one row per run and point (series, method, N, K, repeat, best, τ) as CSV' },
  ],
};

/** Parses the flags (after `sweep`) into the sweep config (profile defaults overridden by flags); `'help'` for --help. */
export function parseSweepArgs(flags: readonly string[]): SiameseSweepConfig | 'help' {
  const options = parseSubcommand(SIAMESE_COMMAND, 'sweep', ['sweep', ...flags]);
  return options === 'help' ? options : sweepFromOptions(options);
}

function sweepFromOptions(options: ParsedOptions): SiameseSweepConfig {
  const defaults = siameseSweepDefaults(profileFromOptions(options));
  const repeats = integerOption(options, 'repeats', 1);
  const cacheDir = stringOption(options, 'cache');
  const scorings = stringOption(options, 'scorings')?.split(',').map((v) => v.trim()) as SweepScoring[] | undefined;
  const seriesIds = stringOption(options, 'series')?.split(',').map((v) => v.trim());
  const methods = stringOption(options, 'methods')?.split(',').map((v) => v.trim());
  if (methods !== undefined) {
    try {
      for (const m of methods) sweepMethodKind(m, `${SIAMESE_COMMAND.usage}: --methods`);
    } catch (err) {
      throw new UsageError((err as Error).message, SIAMESE_COMMAND);
    }
  }
  const unknown = seriesIds?.filter((id) => !defaults.series.some((s) => s.id === id)) ?? [];
  if (unknown.length > 0) throw new UsageError(`${SIAMESE_COMMAND.usage}: --series: no series ${unknown.join(', ')} in this profile (have ${defaults.series.map((s) => s.id).join(', ')})`, SIAMESE_COMMAND);
  const bnText = stringOption(options, 'bn-momentum');
  const bnMomentum = bnText === undefined ? undefined : Number(bnText);
  if (bnMomentum !== undefined && !(bnMomentum >= 0 && bnMomentum < 1)) throw new UsageError(`${SIAMESE_COMMAND.usage}: --bn-momentum must be a number in [0, 1), got ${JSON.stringify(bnText)}`, SIAMESE_COMMAND);
  const pairForward = stringOption(options, 'brp-pair-forward');
  if (pairForward !== undefined && !(BRP_PAIR_FORWARDS as readonly string[]).includes(pairForward)) {
    throw new UsageError(`${SIAMESE_COMMAND.usage}: --brp-pair-forward must be one of ${BRP_PAIR_FORWARDS.join(', ')}, got ${JSON.stringify(pairForward)}`, SIAMESE_COMMAND);
  }
  const config: SiameseSweepConfig = {
    ...defaults,
    ...(pairForward !== undefined && defaults.brp ? { brp: { ...defaults.brp, pairForward: pairForward as BrpPairForward } } : {}),
    ...(bnMomentum !== undefined ? { predictor: { ...defaults.predictor, bnMomentum } } : {}),
    ...(seriesIds !== undefined || methods !== undefined
      ? { series: defaults.series.filter((s) => seriesIds?.includes(s.id) ?? true).map((s) => (methods ? { ...s, methods } : s)) }
      : {}),
    ...(repeats !== undefined ? { repeats } : {}),
    ...(scorings !== undefined ? { scorings } : {}),
    ...(cacheDir !== undefined ? { cacheDir } : {}),
    executor: executorFromOptions(options, defaults.executor),
  };
  checkSweepConfig(config);
  return config;
}

/** `nas siamese <subcommand>`; returns the exit code. */
export async function siameseCommand(args: string[]): Promise<number> {
  return runCommand(
    SIAMESE_COMMAND,
    () => {
      const options = parseSubcommand(SIAMESE_COMMAND, 'sweep', args);
      return options === 'help' ? options : { config: sweepFromOptions(options), csv: stringOption(options, 'csv') };
    },
    runSweep,
  );
}

async function runSweep({ config, csv }: { config: SiameseSweepConfig; csv: string | undefined }): Promise<number> {
  const backend = await initBackend();
  process.stderr.write(`backend: ${backend.describe()}\n`);
  process.stderr.write(`sweep: ${config.repeats} repeats, executor ${JSON.stringify(config.executor)}, predictor ${JSON.stringify(config.predictor)}\n`);
  for (const note of scaledDownNotes(config)) process.stderr.write(`  scaled down: ${note}\n`);
  return runInterruptibly(async (signal) => {
  const result = await runSiameseSweep(config, { signal });
  for (const s of result.skipped) process.stderr.write(`skipped ${s.series}: ${s.reason}\n`);
  const { stats } = result;
  process.stdout.write(
    `\n${stats.total} runs (${stats.cached} cached, ${stats.computed} computed) in ${stats.seconds.toFixed(0)} s\n\n` +
      tableToMarkdown(result.table, {
        title: 'Best test accuracy found: mean over repeats, 95 % CI',
        columns: ['series', 'scoring', 'method', 'N', 'K', 'budget', 'repeats', 'mean', 'std', 'ciHalfWidth', 'kendallTau', 'spearmanRho', 'bnInitialShare'],
        limit: 10_000,
      }) +
      '\n\n' +
      tableToMarkdown(paperComparison(result), {
        title: 'Published points (docs/PROTOCOLS.md §4) beside ours',
        columns: ['series', 'scoring', 'budget', 'published', 'paper', 'ourMethod', 'N', 'K', 'ours', 'ci95', 'repeats', 'difference'],
        limit: 10_000,
      }) +
      '\n',
  );
  if (csv) {
    writeFileAtomic(csv, toCsv(result.rows.map(scalarFields)));
    process.stderr.write(`wrote ${csv}\n`);
  }
  return 0;
  });
}
