/**
 * Loader fuzz suite: at least 200 corrupted inputs (test/fuzz/cases.ts), each
 * loaded in its own process under a time limit. Every case must end in a
 * clear error (a known error class whose message names the damaged file and
 * gives a reason) or be provably harmless (it loads exactly the data of the
 * undamaged input). Silently different data, a hang, a crash or an error that
 * names no file fails the suite. The counts by outcome are printed.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { findDataPath } from '../src/loaders/dataFiles.js';
import { loadNb101Space } from '../src/spaces/nb101Enumerate.js';
import { buildFuzzPlan, type FuzzCase, type RunSetup } from './fuzz/cases.js';

const REPO = resolve('.');
const CHILD = join(REPO, 'test', 'fuzz', 'runCase.ts');
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const CASE_TIMEOUT_MS = 60_000;
const CONCURRENCY = 2;
/** Error classes that say nothing by themselves: a message from one of these is unclear even when it names a path. */
const BARE_ERRORS = new Set(['TypeError', 'SyntaxError', 'RangeError', 'ReferenceError', 'AssertionError']);

type Outcome =
  | { status: 'loaded'; digest: string; size: number }
  | { status: 'error'; name: string; message: string }
  | { status: 'hang' }
  | { status: 'crash'; detail: string };

type Verdict = 'clear error' | 'harmless' | 'silently accepted' | 'hang' | 'unclear';

const realRoot = findDataPath('nasbench101/nasbench101_subset1k_graphs.json')?.replace(/\/nasbench101\/nasbench101_subset1k_graphs\.json$/, '');

function runChild(setup: RunSetup): Promise<Outcome> {
  return new Promise((done) => {
    const nobody = setup.asNobody === true && process.getuid?.() === 0;
    const child = spawn(process.execPath, ['--import', TSX, CHILD, JSON.stringify(setup.load)], {
      cwd: setup.cwd ?? REPO,
      // The space cache is the repository's, whatever the child's working directory.
      env: { ...process.env, NAS_DATA_DIR: '', NAS_CACHE_DIR: join(REPO, '.cache'), ...setup.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(nobody ? { uid: 65534, gid: 65534 } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CASE_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return done({ status: 'hang' });
      const line = stdout.split('\n').find((l) => l.startsWith('FUZZ-OUTCOME '));
      if (!line) return done({ status: 'crash', detail: `exit ${code ?? signal}: ${stderr.slice(-600)}` });
      done(JSON.parse(line.slice('FUZZ-OUTCOME '.length)) as Outcome);
    });
  });
}

async function runAll<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

function verdict(c: FuzzCase, outcome: Outcome, baseline: Outcome): Verdict {
  if (outcome.status === 'hang') return 'hang';
  if (outcome.status === 'crash') return 'unclear';
  if (outcome.status === 'loaded') {
    return baseline.status === 'loaded' && outcome.digest === baseline.digest ? 'harmless' : 'silently accepted';
  }
  const named = c.names.some((n) => outcome.message.includes(n));
  // A reason beyond the path itself, and a message of bounded length (not a dump of the file).
  const reasoned = outcome.message.length > Math.min(...c.names.map((n) => n.length)) + 15 && outcome.message.length < 4000;
  return named && reasoned && !BARE_ERRORS.has(outcome.name) ? 'clear error' : 'unclear';
}

test('loader fuzz: every corrupted input ends in a clear error or loads exactly the undamaged data', { skip: realRoot ? false : 'real data not found', timeout: 30 * 60_000 }, async () => {
  // Children join NAS-Bench-101 hashes through the space cache: build it once here, not in each child.
  loadNb101Space();
  const root = mkdtempSync(join(tmpdir(), 'loader-fuzz-'));
  chmodSync(root, 0o755); // cases run as an unprivileged user must reach their files
  try {
    const plan = buildFuzzPlan(root, REPO, realRoot!);
    assert.ok(plan.cases.length >= 200, `only ${plan.cases.length} cases`);

    const baselines = new Map<string, Outcome>();
    await runAll(Object.entries(plan.baselines), async ([key, setup]) => {
      baselines.set(key, await runChild(setup));
    });
    for (const [key, outcome] of baselines) {
      assert.equal(outcome.status, 'loaded', `baseline ${key} must load: ${JSON.stringify(outcome)}`);
    }

    const results: { c: FuzzCase; outcome: Outcome; verdict: Verdict }[] = [];
    await runAll(plan.cases, async (c) => {
      const outcome = await runChild(c);
      results.push({ c, outcome, verdict: verdict(c, outcome, baselines.get(c.baseline)!) });
    });

    const counts = new Map<Verdict, number>();
    for (const r of results) counts.set(r.verdict, (counts.get(r.verdict) ?? 0) + 1);
    const byGroup = new Map<string, Map<Verdict, number>>();
    for (const r of results) {
      const family = r.c.group.split(' ')[0]!;
      const row = byGroup.get(family) ?? new Map<Verdict, number>();
      row.set(r.verdict, (row.get(r.verdict) ?? 0) + 1);
      byGroup.set(family, row);
    }
    const table = [...byGroup].map(([family, row]) => `  ${family.padEnd(14)} ${[...row].map(([v, k]) => `${v}: ${k}`).join(', ')}`);
    const harmless = results.filter((r) => r.verdict === 'harmless').map((r) => `  harmless: ${r.c.id}`);
    table.push(...harmless.sort());
    process.stdout.write(
      `loader fuzz: ${results.length} cases — ${['clear error', 'harmless', 'silently accepted', 'hang', 'unclear'].map((v) => `${v} ${counts.get(v as Verdict) ?? 0}`).join(', ')}\n${table.join('\n')}\n`,
    );
    const bad = results.filter((r) => r.verdict !== 'clear error' && r.verdict !== 'harmless');
    assert.deepEqual(
      bad.map((r) => `${r.c.id}: ${r.verdict}: ${JSON.stringify(r.outcome).slice(0, 500)}`),
      [],
    );
  } finally {
    spawnSync('chmod', ['-R', 'u+rwx', root]); // folders made unreadable by a case
    rmSync(root, { recursive: true, force: true });
  }
});
