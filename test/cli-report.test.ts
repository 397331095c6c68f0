/**
 * The CLI's option handling (every subcommand's --help lists every option
 * with its default; bad arguments name the option), study results as rows,
 * DataFrames and CSV, and `npm run report` on an executed notebook.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DATA_COMMAND } from '../src/cli/data.js';
import { FAIRNAS_COMMAND } from '../src/cli/fairnas.js';
import { NB101_COMMAND } from '../src/cli/nb101.js';
import { helpText, parseCommandArgs } from '../src/cli/options.js';
import { RENAS_COMMAND } from '../src/cli/renas.js';
import { SIAMESE_COMMAND, parseSweepArgs } from '../src/cli/siamese.js';
import { WORKER_COMMAND, parseWorkerArgs } from '../src/cli/worker.js';
import { scalarFields, studyFrames, toCsv } from '../src/experiments/studyFrames.js';

const python = '/usr/bin/python3';
const hasNbconvert = existsSync(python) && spawnSync(python, ['-c', 'import nbconvert'], { stdio: 'ignore' }).status === 0;

test('every command: --help lists each option (with its default where it has one), parsed by node:util parseArgs', () => {
  for (const spec of [DATA_COMMAND, RENAS_COMMAND, FAIRNAS_COMMAND, SIAMESE_COMMAND, WORKER_COMMAND, NB101_COMMAND]) {
    const help = helpText(spec);
    assert.match(help, new RegExp(`^usage: ${spec.usage} \\[options\\]`));
    for (const o of spec.options) {
      const line = help.split('\n').find((l) => l.startsWith(`  --${o.name}${o.value ? ` ${o.value}` : ''} `));
      assert.ok(line, `${spec.usage}: --${o.name} listed`);
      if (o.default !== undefined) assert.ok(line.includes(`(default: ${o.default})`), `${spec.usage}: --${o.name} shows its default`);
    }
    assert.equal(parseCommandArgs(spec, ['--help']), 'help');
    assert.throws(() => parseCommandArgs(spec, ['--no-such-option']), /unknown option '--no-such-option'/);
  }
  assert.equal(parseSweepArgs(['--help']), 'help');
  const sweep = parseSweepArgs(['--profile', 'smoke', '--repeats', '3', '--threads', '2']);
  assert.ok(sweep !== 'help' && sweep.repeats === 3 && sweep.executor.kind === 'pool');
  assert.throws(() => parseSweepArgs(['--repeats', '0']), /--repeats: "0" is not an integer ≥ 1/);
  assert.throws(() => parseSweepArgs(['extra']), /unexpected argument 'extra'/i);
  const slice = parseSweepArgs(['--profile', 'paper', '--series', 'brp-cifar100', '--bn-momentum', '0.997', '--brp-pair-forward', 'per-pair']);
  assert.ok(slice !== 'help');
  assert.deepEqual(slice.series.map((s) => s.id), ['brp-cifar100']);
  assert.equal(slice.predictor.bnMomentum, 0.997);
  assert.equal(slice.brp?.pairForward, 'per-pair');
  assert.throws(() => parseSweepArgs(['--series', 'fig9']), /--series: no series fig9 in this profile \(have fig6a-cifar100/);
  assert.throws(() => parseSweepArgs(['--bn-momentum', '1.5']), /--bn-momentum must be a number in \[0, 1\), got "1.5"/);
  assert.throws(() => parseSweepArgs(['--brp-pair-forward', 'both']), /--brp-pair-forward must be one of per-pair, per-cell/);
  assert.deepEqual(parseWorkerArgs(['--redis', 'redis://127.0.0.1:6399', '--concurrency', '2']), { url: 'redis://127.0.0.1:6399', concurrency: 2, queue: 'nas-runs', lockMs: 30_000 });
  assert.throws(() => parseWorkerArgs([]), /--redis redis:\/\/HOST:PORT is required/);
});

test('study rows: scalars only, NaN as missing; DataFrames aggregate missing numbers as NaN (not 0); CSV leaves them empty', () => {
  assert.deepEqual(scalarFields({ a: 1, b: 'x', c: NaN, d: [1], e: { f: 1 }, g: null, h: true }), { a: 1, b: 'x', c: null, g: null, h: true });
  const fake = {
    config: {},
    rows: [
      { series: 's', method: 'random', budget: 10, repeat: 0, best: 0.9, kendallTau: null },
      { series: 's', method: 'gcn', budget: 10, repeat: 0, best: 0.92, kendallTau: 0.5 },
      { series: 's', method: 'gcn', budget: 10, repeat: 1, best: 0.94, kendallTau: 0.7 },
    ],
    table: [{ series: 's', method: 'gcn', mean: 0.93 }],
    runs: [],
    skipped: [],
    stats: { total: 3, cached: 0, computed: 3, seconds: 1 },
  } as unknown as Parameters<typeof studyFrames>[0];
  const { runs, summary } = studyFrames(fake);
  assert.deepEqual(runs.shape, [3, 6]);
  assert.deepEqual(summary.shape, [1, 3]);
  const byMethod = runs.groupby(['method']).agg({ best: ['mean', 'count'], kendallTau: ['mean'] });
  const rows = (byMethod.values as unknown[][]).map((r) => r.map(String));
  const random = rows.find((r) => r[0] === 'random')!;
  assert.equal(random[3], 'NaN', 'the mean of a missing τ is NaN, not 0');
  assert.equal(toCsv([{ a: 1, b: null }, { a: 2, b: 'x' }]).trim(), 'a,b\n1,\n2,x');
});

test('npm run report: an executed notebook becomes docs/results/<name>/README.md with its figure as PNG, date, profile, machine and wall time', { skip: hasNbconvert ? false : 'nbconvert missing', timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'report-'));
  try {
    const png = readFileSync(join(process.cwd(), 'test', 'fixtures', 'tiny.png'));
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { nas: { profile: 'paper', executed_at: '2026-12-01 22:00 UTC', wall_seconds: 1234, machine: '2 cores (test CPU), 24 GiB' } },
      cells: [
        { id: 'a', cell_type: 'markdown', metadata: {}, source: '# 05 · A study\n\nText.' },
        { id: 'b', cell_type: 'code', metadata: {}, execution_count: 1, source: 'await show(fig);', outputs: [{ output_type: 'display_data', metadata: {}, data: { 'image/png': png.toString('base64'), 'text/plain': 'Figure' } }] },
      ],
    };
    mkdirSync(join(root, 'results', 'notebooks'), { recursive: true });
    writeFileSync(join(root, 'results', 'notebooks', '05_study.ipynb'), JSON.stringify(nb));
    const out = join(root, 'docs');
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(process.cwd(), 'scripts', 'report.ts'), join(root, 'results'), '--out', out], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const page = readFileSync(join(out, '05_study', 'README.md'), 'utf8');
    assert.match(page, /^# 05 · A study\n/);
    assert.match(page, /Executed 2026-12-01 22:00 UTC with `NAS_PROFILE=paper` on 2 cores \(test CPU\), 24 GiB; wall time 20\.6 min/);
    assert.match(page, /!\[png\]\(README_files\/README_1_0\.png\)/);
    assert.ok(existsSync(join(out, '05_study', 'README_files', 'README_1_0.png')));
    assert.match(readFileSync(join(out, 'README.md'), 'utf8'), /\[05 · A study\]\(05_study\/README\.md\)/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('run_notebooks.py: a notebook that does not exist is refused before any kernel starts, naming it and the notebooks there are', { skip: existsSync(python) ? false : 'no /usr/bin/python3' }, () => {
  const run = spawnSync(python, ['scripts/run_notebooks.py', 'notebooks/02_fairnas_fairness.ipynb'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /no such notebook: notebooks\/02_fairnas_fairness\.ipynb \(the notebooks are: .*notebooks\/02_fairnas_ablation\.ipynb/);
  assert.doesNotMatch(run.stderr, /Traceback/);
});
