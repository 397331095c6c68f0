/**
 * `nas fairnas run [options]`: the FairNAS fairness ablation
 * (src/experiments/fairnessAblation.ts) with progress on stderr and the
 * summary on stdout. Supernet trainings checkpoint and finished runs are
 * cached under <resultsDir>/fairnas, so an interrupted command resumes.
 */
import { writeFileAtomic } from '../core/atomicWrite.js';
import { EXECUTOR_FLAGS, EXECUTOR_USAGE, executorFromFlags, runInterruptibly } from './executorFlags.js';
import { initBackend } from '../backend.js';
import { PROFILES, type Profile } from '../config.js';
import {
  describeFairnessConfig,
  fairnessAblationConfig,
  fairnessSummaryRows,
  publishedComparisonRows,
  runFairnessAblation,
  type FairnessAblationConfig,
  type FairnessAblationResult,
} from '../experiments/fairnessAblation.js';

const USAGE = `usage: nas fairnas run [options]
  --profile smoke|paper|full   run size (default: NAS_PROFILE or paper; "paper" is the CPU-sized profile)
  --seeds 0,1,2                training seeds (default: the profile's)
  --updates N                  parameter updates per supernet (same for every sampler)
${EXECUTOR_USAGE}
  --out DIR                    checkpoints and cached runs (default: <resultsDir>/fairnas)
  --json FILE                  also write the whole result as JSON`;

function positiveInts(flag: string, text: string | undefined, allowZero = false): number[] {
  if (text === undefined || text === '') throw new Error(`${flag} needs a value`);
  return text.split(',').map((s) => {
    const v = Number(s.trim());
    if (!Number.isInteger(v) || v < (allowZero ? 0 : 1)) throw new Error(`${flag}: ${JSON.stringify(s)} is not a ${allowZero ? 'non-negative' : 'positive'} integer`);
    return v;
  });
}

/** Parses `run` options into a study config (exported for tests). */
export function parseFairnasArgs(args: readonly string[]): { config: FairnessAblationConfig; json?: string } {
  const [sub, ...rest] = args;
  if (sub !== 'run') throw new Error(`nas fairnas: unknown subcommand ${JSON.stringify(sub ?? '')}\n${USAGE}`);
  const options = new Map<string, string | undefined>();
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    if (['--profile', '--seeds', '--updates', '--out', '--json', ...EXECUTOR_FLAGS].includes(flag)) options.set(flag, rest[++i]);
    else throw new Error(`nas fairnas run: unknown option ${JSON.stringify(flag)}\n${USAGE}`);
  }
  const profile = options.get('--profile');
  if (options.has('--profile') && !(PROFILES as readonly string[]).includes(profile ?? '')) {
    throw new Error(`--profile ${JSON.stringify(profile)} is not one of ${PROFILES.join(', ')}`);
  }
  const overrides: { -readonly [K in keyof FairnessAblationConfig]?: FairnessAblationConfig[K] } = {};
  if (options.has('--seeds')) overrides.seeds = positiveInts('--seeds', options.get('--seeds'), true);
  if (options.has('--updates')) overrides.updates = positiveInts('--updates', options.get('--updates'))[0]!;
  if (options.has('--out')) {
    const out = options.get('--out');
    if (!out) throw new Error('--out needs a folder');
    overrides.outDir = out;
  }
  if (options.has('--json') && !options.get('--json')) throw new Error('--json needs a file name');
  const base = fairnessAblationConfig(profile as Profile | undefined, overrides);
  return { config: { ...base, executor: executorFromFlags(options, base.executor) }, json: options.get('--json') };
}

/** Rows as a fixed-width text table. */
function textTable(rows: readonly Record<string, string | number>[]): string {
  const header = Object.keys(rows[0] ?? {});
  const lines = rows.map((r) => header.map((h) => String(r[h])));
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c]!.length)));
  const line = (cells: string[]): string => cells.map((cell, c) => cell.padEnd(widths[c]!)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...lines.map(line)].join('\n');
}

/** The summary, significance statements and the published numbers, as text. */
export function formatFairnasSummary(result: FairnessAblationResult): string {
  const bins = result.strata.map((s) => `[${(100 * s.lower).toFixed(1)}, ${(100 * s.upper).toFixed(1)}]`).join(' ');
  return [
    `FairNAS fairness ablation, profile ${result.config.profile}: ${result.archs.length} architectures (stratified over ${result.candidates} NAS-Bench-201 CIFAR-10 cells), ${result.config.seeds.length} seed(s)`,
    `ground-truth bins (test_acc_200 %, quantiles): ${bins}`,
    '',
    textTable(fairnessSummaryRows(result)),
    `"τ vs params": Kendall τ of supernet accuracy against model size (NB201 params); the ground truth itself has ${Number.isFinite(result.truthTauVsParams) ? result.truthTauVsParams.toFixed(3) : '–'} on this sample.`,
    '',
    ...result.comparisons.map((c) => c.statement),
    '',
    'Published (FairNAS, ImageNet, 13 models; another search space, not comparable one to one):',
    textTable(publishedComparisonRows(result)),
    '',
    `wall time ${result.wallSeconds.toFixed(0)} s; ${result.computedRuns} of ${result.runs.length} runs computed now, the rest cached in ${result.outDir}`,
  ].join('\n');
}

export async function fairnasCommand(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseFairnasArgs>;
  try {
    parsed = parseFairnasArgs(args);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const { config, json } = parsed;
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  const backend = await initBackend();
  log(backend.describe());
  log(describeFairnessConfig(config));
  return runInterruptibly(async (signal) => {
    const result = await runFairnessAblation(config, { onProgress: log, signal });
    process.stdout.write(`${formatFairnasSummary(result)}\n`);
    if (json) {
      writeFileAtomic(json, JSON.stringify(result, null, 1));
      log(`wrote ${json}`);
    }
    return 0;
  });
}
