/**
 * `nas renas201 run [options]`: ReNAS on NAS-Bench-201 (src/experiments/renasNb201.ts)
 * with progress on stderr and the summary table on stdout. Finished runs are
 * cached under <resultsDir>/renas-nb201, so an interrupted command resumes.
 */
import { initBackend } from '../backend.js';
import { writeFileAtomic } from '../core/atomicWrite.js';
import { renasNb201Config, runRenasNb201, type RenasNb201Config, type RenasNb201Result } from '../experiments/renasNb201.js';
import { renasNb201Rows } from '../experiments/renasFigures.js';
import { scalarFields, toCsv } from '../experiments/studyRows.js';
import type { RenasLossKind } from '../predictors/renas.js';
import type { Nb201Dataset } from '../spaces/nb201.js';
import { EXECUTOR_OPTIONS, PROFILE_OPTION, executorFromOptions, parseSubcommand, profileFromOptions, runInterruptibly } from './executorFlags.js';
import { integerList, integerOption, runCommand, stringOption, type CommandSpec } from './options.js';
import { textTable } from './textTable.js';

const paper = renasNb201Config('paper');

export const RENAS201_COMMAND: CommandSpec = {
  usage: 'nas renas201 run',
  summary: 'ReNAS on NAS-Bench-201: fit the predictor on 0.1 / 1 / 5 % of the space per dataset, Kendall τ on the rest, search by predicted rank beside random search. Finished runs are cached.',
  options: [
    PROFILE_OPTION,
    { name: 'datasets', value: 'cifar10,cifar100,imagenet16', help: 'NAS-Bench-201 datasets', default: `the profile's (paper: ${paper.datasets.join(',')})` },
    { name: 'fractions', value: '0.001,0.01', help: 'training-set sizes as fractions of the 15,625 cells (floored)', default: `the profile's (paper: ${paper.fractions.join(',')})` },
    { name: 'seeds', value: '0,1,2', help: 'seeds (training draw, weight init, random search)', default: `the profile's (paper: ${paper.seeds.join(',')})` },
    { name: 'losses', value: 'ranking,mse', help: 'losses', default: `the profile's (paper: ${paper.lossKinds.join(',')})` },
    { name: 'epochs', value: 'N', help: 'training epochs', default: `the profile's (paper: ${paper.epochs})` },
    ...EXECUTOR_OPTIONS,
    { name: 'json', value: 'FILE', help: 'also write rows and summary as JSON' },
    { name: 'csv', value: 'FILE', help: 'also write one row per run as CSV' },
  ],
};

/** Parses `run` options into a study config (exported for tests); `'help'` for --help. */
export function parseRenas201Args(args: readonly string[]): { config: RenasNb201Config; json?: string; csv?: string } | 'help' {
  const options = parseSubcommand(RENAS201_COMMAND, 'run', args);
  if (options === 'help') return options;
  let config = renasNb201Config(profileFromOptions(options));
  const list = (name: string): string[] | undefined => stringOption(options, name)?.split(',').map((v) => v.trim());
  const datasets = list('datasets');
  if (datasets) config = { ...config, datasets: datasets as Nb201Dataset[] };
  const fractions = list('fractions');
  if (fractions) {
    const values = fractions.map(Number);
    values.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new Error(`--fractions: ${JSON.stringify(fractions[i])} is not a number`);
    });
    config = { ...config, fractions: values };
  }
  const seeds = integerList(options, 'seeds', 0);
  if (seeds) config = { ...config, seeds };
  const losses = list('losses');
  if (losses) config = { ...config, lossKinds: losses as RenasLossKind[] };
  const epochs = integerOption(options, 'epochs', 1);
  if (epochs !== undefined) config = { ...config, epochs };
  config = { ...config, executor: executorFromOptions(options, config.executor) };
  const json = stringOption(options, 'json');
  const csv = stringOption(options, 'csv');
  return { config, ...(json ? { json } : {}), ...(csv ? { csv } : {}) };
}

/** The summary as a fixed-width text table (the notebook's `renasNb201Rows`). */
export function formatRenasNb201(result: RenasNb201Result): string {
  return `${textTable(renasNb201Rows(result))}\n\ntarget: ${result.config.target} (NAS-Bench-201's seed mean); τ on every cell not trained on.`;
}

export function renas201Command(args: string[]): Promise<number> {
  return runCommand(RENAS201_COMMAND, () => parseRenas201Args(args), runRenas201);
}

async function runRenas201({ config, json, csv }: Exclude<ReturnType<typeof parseRenas201Args>, 'help'>): Promise<number> {
  const backend = await initBackend();
  process.stderr.write(`${backend.describe()}\n`);
  return runInterruptibly(async (signal) => {
    const result = await runRenasNb201(config, { signal });
    process.stdout.write(`${formatRenasNb201(result)}\n`);
    if (json) {
      writeFileAtomic(json, JSON.stringify({ config: result.config, rows: result.rows, summary: result.summary, optimum: result.optimum }, null, 1));
      process.stderr.write(`wrote ${json}\n`);
    }
    if (csv) {
      writeFileAtomic(csv, toCsv(result.rows.map(scalarFields)));
      process.stderr.write(`wrote ${csv}\n`);
    }
    return 0;
  });
}
