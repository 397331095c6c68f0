import { checkData, dataSearchDirs } from '../loaders/dataFiles.js';
import { parseSubcommand } from './executorFlags.js';
import { runCommand, type CommandSpec } from './options.js';

export const DATA_COMMAND: CommandSpec = {
  usage: 'nas data check',
  summary: 'Verifies every file of data/manifest.json (sha256, size bound) and names the data folder each came from; exit 1 when a required file is missing or corrupt.',
  options: [],
  notes: ['Data folders, in search order: $NAS_DATA_DIR (an error when set but missing or empty), ./data, ../shared/data.'],
};

/** `nas data check`: verifies every file of data/manifest.json; exit 1 when a required one is missing or corrupt. */
export function dataCommand(args: string[]): Promise<number> {
  return runCommand(DATA_COMMAND, () => parseSubcommand(DATA_COMMAND, 'check', args.length ? args : ['check']), checkDataCommand);
}

async function checkDataCommand(): Promise<number> {
  let rows;
  try {
    process.stdout.write(`data folders searched, in order:\n${dataSearchDirs().map((d) => `  ${d.dir} (${d.via})`).join('\n')}\n\n`);
    rows = await checkData();
  } catch (err) {
    process.stderr.write(`nas data check: ${(err as Error).message}\n`);
    return 1;
  }
  let failed = 0;
  for (const row of rows) {
    const size = row.bytes === undefined ? '' : ` ${(row.bytes / 2 ** 20).toFixed(1)} MiB`;
    const tag = row.required ? '' : ' (optional)';
    process.stdout.write(`${row.status.padEnd(26)} ${row.path}${tag}${size}${row.location ? `\n${' '.repeat(27)}at ${row.location}${row.folder ? ` (from ${row.folder.via})` : ''}` : ''}\n`);
    if (row.status === 'corrupt' || (row.status === 'missing' && row.required)) {
      failed++;
      process.stdout.write(`${row.detail?.replace(/^/gm, ' '.repeat(27))}\n`);
    }
  }
  process.stdout.write(failed ? `\n${failed} required file(s) missing or corrupt\n` : '\nall required data present and verified\n');
  return failed ? 1 : 0;
}
