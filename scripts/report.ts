/**
 * `npm run report [-- RESULTS_DIR] [--log RUN_LOG]`: builds docs/results/
 * (committed) from a results folder's executed notebooks
 * (<RESULTS_DIR>/notebooks/*.ipynb, default $NAS_RESULTS_DIR or results/),
 * so a visitor of the repository sees every figure and table without running
 * anything. Per notebook: docs/results/<name>/README.md (nbconvert's
 * Markdown without code: tables as Markdown/HTML, each figure as a PNG
 * beside it) under a header saying when it ran, with which profile, on what
 * machine and for how long; plus docs/results/README.md, an index with each
 * study's headline figure.
 *
 * Wall time comes from the notebook's metadata (scripts/run_notebooks.py
 * writes it); `--log FILE` takes it from a run_notebooks log instead, for
 * notebooks executed with the cache of an earlier, longer run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

interface NotebookMeta {
  readonly ok?: boolean;
  readonly profile?: string;
  readonly executed_at?: string;
  readonly wall_seconds?: number;
  readonly machine?: string;
}

interface Notebook {
  readonly metadata: { readonly nas?: NotebookMeta };
  readonly cells: readonly { readonly cell_type: string; readonly source: string | string[]; readonly outputs?: readonly { readonly data?: Record<string, unknown> }[] }[];
}

const { values, positionals } = parseArgs({ options: { log: { type: 'string' }, out: { type: 'string' } }, allowPositionals: true, strict: true });
const resultsDir = resolve(positionals[0] ?? process.env['NAS_RESULTS_DIR'] ?? 'results');
const notebooksDir = join(resultsDir, 'notebooks');
const outDir = resolve(values.out ?? join('docs', 'results'));
if (!existsSync(notebooksDir)) {
  process.stderr.write(`report: no executed notebooks in ${notebooksDir}; run \`npm run notebooks\` (NAS_RESULTS_DIR=${resultsDir}) first\n`);
  process.exit(2);
}

/** Wall seconds per notebook file name from a run_notebooks.py log ("ok     notebooks/01_x.ipynb  1234.5 s  -> …"). */
function logTimes(path: string | undefined): Map<string, number> {
  const times = new Map<string, number>();
  if (!path) return times;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^ok\s+(\S+\.ipynb)\s+([\d.]+) s/.exec(line);
    if (m) times.set(basename(m[1]!), Number(m[2]));
  }
  return times;
}

/** The profile the notebook printed in its first output ("profile:  paper …"), for notebooks run without metadata. */
function profileFromOutputs(nb: Notebook): NotebookMeta {
  for (const cell of nb.cells) {
    for (const out of (cell.outputs ?? []) as { text?: string | string[] }[]) {
      const text = Array.isArray(out.text) ? out.text.join('') : out.text;
      const m = text ? /^profile:\s+(\w+)/m.exec(text) : null;
      if (m) return { profile: m[1]! };
    }
  }
  return {};
}

const source = (cell: Notebook['cells'][number]): string => (Array.isArray(cell.source) ? cell.source.join('') : cell.source);
const title = (nb: Notebook, fallback: string): string => {
  for (const cell of nb.cells) {
    const m = cell.cell_type === 'markdown' ? /^#\s+(.+)$/m.exec(source(cell)) : null;
    if (m) return m[1]!.trim();
  }
  return fallback;
};
const duration = (s: number | undefined): string => (s === undefined ? 'unknown' : s < 120 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`);

const times = logTimes(values.log);
const files = readdirSync(notebooksDir).filter((f) => /^\d\d_.*\.ipynb$/.test(f)).sort();
if (files.length === 0) {
  process.stderr.write(`report: ${notebooksDir} holds no executed notebooks (NN_name.ipynb)\n`);
  process.exit(2);
}
const staging = `${outDir}.tmp-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
const headlines: { name: string; title: string; png: string | undefined; profile: string | undefined; wall: number | undefined }[] = [];
const index: string[] = [
  '# Results',
  '',
  'Each study notebook as executed, with its figures and tables (code hidden; the notebooks are in `notebooks/`).',
  'Built by `npm run report` from the executed notebooks; rerun the notebooks to reproduce them.',
  '',
];
for (const file of files) {
  const name = basename(file, '.ipynb');
  const nb = JSON.parse(readFileSync(join(notebooksDir, file), 'utf8')) as Notebook;
  const meta = { ...profileFromOutputs(nb), ...(nb.metadata.nas ?? {}) };
  const dir = join(staging, name);
  mkdirSync(dir, { recursive: true });
  // nbconvert's Markdown exporter writes each PNG output beside the page and links it.
  const convert = spawnSync('/usr/bin/python3', ['-m', 'nbconvert', '--to', 'markdown', '--no-input', '--output-dir', dir, '--output', 'README', join(notebooksDir, file)], { encoding: 'utf8' });
  if (convert.status !== 0) {
    process.stderr.write(`report: nbconvert failed on ${file}:\n${convert.stderr}\n`);
    process.exit(1);
  }
  const wall = times.get(file) ?? meta.wall_seconds;
  const failed = meta.ok === false;
  const header = [
    `# ${title(nb, name)}`,
    '',
    ...(failed ? ['**This notebook FAILED in this execution: what follows is its partial output.**', ''] : []),
    `*Executed ${meta.executed_at ?? 'at an unknown time'} with \`NAS_PROFILE=${meta.profile ?? 'unknown'}\` on ${meta.machine ?? 'an unknown machine'}; ` +
      `wall time ${duration(wall)}${times.has(file) ? ' (the run that computed the results)' : ''}. Source: [\`notebooks/${file}\`](../../../notebooks/${file}).*`,
    '',
  ].join('\n');
  const body = readFileSync(join(dir, 'README.md'), 'utf8').replace(/^# .+\n/, '');
  writeFileSync(join(dir, 'README.md'), `${header}\n${body}`);
  // nbconvert makes README_files/ only when the notebook has images.
  const pngs = (existsSync(join(dir, 'README_files')) ? readdirSync(join(dir, 'README_files')) : []).filter((f) => f.endsWith('.png')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  index.push(`## [${title(nb, name)}](${name}/README.md)`, '', `${failed ? '**FAILED** (partial output); ' : ''}${meta.profile ?? '?'} profile, ${duration(wall)}, ${pngs.length} figure${pngs.length === 1 ? '' : 's'}.`, '');
  if (pngs.length > 0) index.push(`![${name} headline figure](${name}/README_files/${pngs[0]})`, '');
  if (!failed) headlines.push({ name, title: title(nb, name), png: pngs[0], profile: meta.profile, wall });
}
writeFileSync(join(staging, 'README.md'), `${index.join('\n')}\n`);
// Replace the old report only once the new one is complete.
rmSync(outDir, { recursive: true, force: true });
renameSync(staging, outDir);

// The README's results block: one headline figure per study, linking the full pages.
const readme = resolve('README.md');
const START = '<!-- results:start (written by npm run report) -->';
const END = '<!-- results:end -->';
if (values.out === undefined && existsSync(readme)) {
  const text = readFileSync(readme, 'utf8');
  const block = [
    START,
    ...headlines
      .filter((h) => h.png !== undefined && !h.name.startsWith('00_'))
      .flatMap((h) => [`**[${h.title}](docs/results/${h.name}/README.md)** (${h.profile ?? '?'} profile, ${duration(h.wall)})`, '', `![${h.title}](docs/results/${h.name}/README_files/${h.png})`, '']),
    `All figures and tables: [docs/results/](docs/results/README.md).`,
    END,
  ].join('\n');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from >= 0 && to > from) {
    writeFileSync(`${readme}.tmp`, text.slice(0, from) + block + text.slice(to + END.length));
    renameSync(`${readme}.tmp`, readme);
  } else {
    process.stderr.write(`report: README.md has no ${START} … ${END} block; headline figures not updated\n`);
  }
}
process.stdout.write(`report: ${files.length} notebooks → ${outDir}\n`);
