/**
 * `nas fairnas run [options]`: the FairNAS fairness ablation
 * (src/experiments/fairnessAblation.ts) with progress on stderr and the
 * summary on stdout. Supernet trainings checkpoint and finished runs are
 * cached under <resultsDir>/fairnas, so an interrupted command resumes.
 */
import { writeFileAtomic } from '../core/atomicWrite.js';
import { EXECUTOR_OPTIONS, PROFILE_OPTION, executorFromOptions, parseSubcommand, profileFromOptions, runInterruptibly } from './executorFlags.js';
import { integerList, integerOption, runCommand, stringOption, type CommandSpec } from './options.js';
import { EVAL_BN_MODES, type EvalBn } from '../supernet/evaluate.js';
import { samplerSpecFromName } from '../supernet/samplers.js';
import { textTable } from './textTable.js';
import { fairnessRunRows, toCsv } from '../experiments/studyRows.js';
import { initBackend } from '../backend.js';
import {
  baselineRows,
  describeFairnessConfig,
  fairnessCurveRows,
  resolutionStatements,
  fairnessAblationConfig,
  fairnessSummaryRows,
  publishedComparisonRows,
  runFairnessAblation,
  type FairnessAblationConfig,
  type FairnessAblationResult,
} from '../experiments/fairnessAblation.js';

const paper = fairnessAblationConfig('paper');

export const FAIRNAS_COMMAND: CommandSpec = {
  usage: 'nas fairnas run',
  summary: 'FairNAS fairness ablation: one NAS-Bench-201 supernet per sampler and seed, Kendall τ against the ground truth. Progress on stderr, summary on stdout; runs and checkpoints are cached, so an interrupted command resumes.',
  options: [
    PROFILE_OPTION,
    { name: 'seeds', value: '0,1,2', help: 'training seeds', default: `the profile's (paper: ${paper.seeds.join(',')})` },
    { name: 'updates', value: 'N', help: 'parameter updates per supernet (the same for every sampler; the compute-matched uniform gets 5×)', default: `the profile's (paper: ${paper.updates})` },
    { name: 'samplers', value: 'uniform,ef-5,strict-fair', help: 'the samplers to train (a subset for an ablation)', default: 'uniform,ef-5,strict-fair' },
    { name: 'no-compute-matched', help: 'leave out the compute-matched uniform (5× the updates)' },
    { name: 'cell-bn-affine', help: 'give the BN of each cell op affine parameters (γ, β); the NB201 references have none' },
    { name: 'eval-bn', value: EVAL_BN_MODES.join('|'), help: 'how a path is scored: batch statistics of each held-out batch (the NB201 references) or recalibrated BN (SPOS)', default: paper.evalBn },
    ...EXECUTOR_OPTIONS,
    { name: 'out', value: 'DIR', help: 'checkpoints and cached runs', default: '<resultsDir>/fairnas' },
    { name: 'json', value: 'FILE', help: 'also write the whole result as JSON' },
    { name: 'csv', value: 'FILE', help: 'also write one row per run (sampler, seed, τ, ρ, …) as CSV' },
  ],
};

/** Parses `run` options into a study config (exported for tests); `'help'` for --help. */
export function parseFairnasArgs(args: readonly string[]): { config: FairnessAblationConfig; json?: string; csv?: string } | 'help' {
  const options = parseSubcommand(FAIRNAS_COMMAND, 'run', args);
  if (options === 'help') return options;
  const profile = profileFromOptions(options);
  const overrides: { -readonly [K in keyof FairnessAblationConfig]?: FairnessAblationConfig[K] } = {};
  const seeds = integerList(options, 'seeds', 0);
  if (seeds) overrides.seeds = seeds;
  const updates = integerOption(options, 'updates', 1);
  if (updates !== undefined) overrides.updates = updates;
  const evalBn = stringOption(options, 'eval-bn');
  if (evalBn !== undefined) {
    if (!(EVAL_BN_MODES as readonly string[]).includes(evalBn)) throw new Error(`--eval-bn ${JSON.stringify(evalBn)} is not one of ${EVAL_BN_MODES.join(', ')}`);
    overrides.evalBn = evalBn as EvalBn;
  }
  const samplers = stringOption(options, 'samplers');
  if (samplers !== undefined) overrides.samplers = samplers.split(',').map((name) => samplerSpecFromName(name.trim()));
  if (options.get('no-compute-matched') === true) overrides.computeMatched = false;
  const out = stringOption(options, 'out');
  if (out !== undefined) overrides.outDir = out;
  if (options.get('cell-bn-affine') === true) overrides.supernet = { ...fairnessAblationConfig(profile).supernet, cellBnAffine: true };
  const base = fairnessAblationConfig(profile, overrides);
  const json = stringOption(options, 'json');
  const csv = stringOption(options, 'csv');
  return { config: { ...base, executor: executorFromOptions(options, base.executor) }, ...(json ? { json } : {}), ...(csv ? { csv } : {}) };
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
    'Kendall τ at every budget (mean ± 95 % CI over seeds):',
    textTable(fairnessCurveRows(result)),
    '',
    'Baselines on the same architectures:',
    textTable(baselineRows(result)),
    '',
    ...resolutionStatements(result),
    '',
    ...result.comparisons.map((c) => c.statement),
    '',
    'Published (FairNAS, ImageNet, 13 models; another search space, not comparable one to one):',
    textTable(publishedComparisonRows(result)),
    '',
    `wall time ${result.wallSeconds.toFixed(0)} s; ${result.computedRuns} of ${result.runs.length} runs computed now, the rest cached in ${result.outDir}`,
  ].join('\n');
}

export function fairnasCommand(args: string[]): Promise<number> {
  return runCommand(FAIRNAS_COMMAND, () => parseFairnasArgs(args), runFairnas);
}

async function runFairnas({ config, json, csv }: Exclude<ReturnType<typeof parseFairnasArgs>, 'help'>): Promise<number> {
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
    if (csv) {
      writeFileAtomic(csv, toCsv(fairnessRunRows(result)));
      log(`wrote ${csv}`);
    }
    return 0;
  });
}
