/**
 * `nas siamese sweep`: the Siamese-NAS N/K sweeps of notebook 03 from the
 * command line, for long runs in the background (`nohup npx nas siamese sweep
 * --profile paper &`). Finished runs are cached, so a killed sweep resumes.
 */
import { initBackend } from '../backend.js';
import { PROFILES, type Profile } from '../config.js';
import { runSiameseSweep, siameseSweepDefaults, type SiameseSweepConfig } from '../experiments/siameseSweep.js';
import { paperComparison } from '../experiments/siameseSweepReport.js';
import { tableToMarkdown } from '../viz/index.js';
import { EXECUTOR_FLAGS, EXECUTOR_USAGE, executorFromFlags, runInterruptibly } from './executorFlags.js';

const USAGE = [
  'usage: nas siamese sweep [--profile smoke|paper|full] [--repeats N] [--cache DIR] [executor flags]',
  '  runs the Fig. 6 / Fig. 7 N/K sweeps (random, gcn, siams, siams+nsam, siams+nsam+bts) with the',
  '  profile\'s settings (default: NAS_PROFILE, else paper); progress on stderr, summary on stdout.',
  '  Finished runs are cached (<results>/siamese-nk-sweep/), so rerunning resumes where it stopped;',
  '  a notebook and this command on the same results folder share the work.',
  EXECUTOR_USAGE,
].join('\n');

function positiveInt(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < 1) throw new Error(`nas siamese sweep: ${flag} needs a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/** Parses the flags into the sweep config (profile defaults overridden by flags). */
export function parseSweepArgs(flags: readonly string[]): SiameseSweepConfig {
  let profile: Profile | undefined;
  const overrides: { repeats?: number; cacheDir?: string } = {};
  const executorFlags = new Map<string, string | undefined>();
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i]!;
    const value = flags[i + 1];
    switch (flag) {
      case '--profile':
        if (!value || !(PROFILES as readonly string[]).includes(value)) {
          throw new Error(`nas siamese sweep: --profile must be one of ${PROFILES.join(', ')}, got ${JSON.stringify(value)}`);
        }
        profile = value as Profile;
        i++;
        break;
      case '--repeats':
        overrides.repeats = positiveInt(flag, value);
        i++;
        break;
      case '--cache':
        if (!value) throw new Error('nas siamese sweep: --cache needs a folder');
        overrides.cacheDir = value;
        i++;
        break;
      default:
        if ((EXECUTOR_FLAGS as readonly string[]).includes(flag)) {
          if (value === undefined) throw new Error(`nas siamese sweep: ${flag} needs a value`);
          executorFlags.set(flag, value);
          i++;
          break;
        }
        throw new Error(`nas siamese sweep: unknown option ${JSON.stringify(flag)}\n${USAGE}`);
    }
  }
  const defaults = siameseSweepDefaults(profile);
  return { ...defaults, ...overrides, executor: executorFromFlags(executorFlags, defaults.executor) };
}

/** `nas siamese <subcommand>`; returns the exit code. */
export async function siameseCommand(args: string[]): Promise<number> {
  const [sub, ...flags] = args;
  if (!sub || sub === '--help' || sub === '-h') {
    process.stderr.write(`${USAGE}\n`);
    return sub ? 0 : 2;
  }
  if (sub !== 'sweep') {
    process.stderr.write(`nas siamese: unknown subcommand ${JSON.stringify(sub)}\n${USAGE}\n`);
    return 2;
  }
  let config: SiameseSweepConfig;
  try {
    config = parseSweepArgs(flags);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const backend = await initBackend();
  process.stderr.write(`backend: ${backend.describe()}\n`);
  process.stderr.write(`sweep: ${config.repeats} repeats, executor ${JSON.stringify(config.executor)}, predictor ${JSON.stringify(config.predictor)}\n`);
  for (const note of config.scaledDown ?? []) process.stderr.write(`  scaled down: ${note}\n`);
  return runInterruptibly(async (signal) => {
  const result = await runSiameseSweep(config, { signal });
  for (const s of result.skipped) process.stderr.write(`skipped ${s.series}: ${s.reason}\n`);
  const { stats } = result;
  process.stdout.write(
    `\n${stats.total} runs (${stats.cached} cached, ${stats.computed} computed) in ${stats.seconds.toFixed(0)} s\n\n` +
      tableToMarkdown(result.table, {
        title: 'Best test accuracy found: mean over repeats, 95 % CI',
        columns: ['series', 'method', 'N', 'K', 'budget', 'repeats', 'mean', 'std', 'ciHalfWidth', 'kendallTau', 'spearmanRho'],
        limit: 10_000,
      }) +
      '\n\n' +
      tableToMarkdown(paperComparison(result), {
        title: 'Published points (PROTOCOLS.md §4) beside ours',
        columns: ['series', 'budget', 'published', 'paper', 'ourMethod', 'N', 'K', 'ours', 'ci95', 'repeats', 'difference'],
        limit: 10_000,
      }) +
      '\n',
  );
  return 0;
  });
}
