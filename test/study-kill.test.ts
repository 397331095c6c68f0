/**
 * kill -9 of each study at seeded random moments loses nothing: every result
 * file that existed when the process died is still there and unchanged, the
 * rerun computes only the missing runs, and the final results equal an
 * uninterrupted run's. Then a result file (and for FairNAS a checkpoint) is
 * damaged: the study moves it aside with a warning naming it, recomputes
 * that run only, and finishes with the same results.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRng } from '../src/core/rng.js';
import { fromWireText } from '../src/engine/index.js';
import { fixtureCifarFolder, writeSyntheticCells } from './fixtures/studies.js';

const SCRIPT = join(process.cwd(), 'test', 'fixtures', 'studyKillProcess.ts');
const tmp = mkdtempSync(join(tmpdir(), 'study-kill-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let fixtures = '';
before(() => {
  fixtures = JSON.stringify({ cells: writeSyntheticCells(tmp, 150), cifar: fixtureCifarFolder(tmp, 64) });
});

interface Finished {
  readonly result: string;
  readonly computed: number;
  readonly stderr: string;
  readonly seconds: number;
}

/** When to SIGKILL: once the folder holds `results` result files, `delayMs` later. */
interface KillAt {
  readonly results: number;
  readonly delayMs: number;
}

/** Runs the study to the end, or SIGKILLs it at `kill`; resolves undefined when killed. */
function runStudyProcess(study: string, outDir: string, kill?: KillAt): Promise<Finished | undefined> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, study, outDir, fixtures], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    let killer: NodeJS.Timeout | undefined;
    const watch =
      kill === undefined
        ? undefined
        : setInterval(() => {
            if (killer === undefined && runFiles(outDir).size >= kill.results) {
              clearInterval(watch);
              killer = setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
            }
          }, 10);
    const limit = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('exit', (code, signal) => {
      clearTimeout(limit);
      if (watch) clearInterval(watch);
      if (killer) clearTimeout(killer);
      if (signal === 'SIGKILL' && kill !== undefined) return resolve(undefined);
      const line = out.split('\n').find((l) => l.startsWith('STUDY-RESULT '));
      if (code !== 0 || !line) return reject(new Error(`${study} process exited ${code ?? signal}:\n${err.slice(-2000)}`));
      const parsed = fromWireText<{ result: unknown; computed: number }>(line.slice('STUDY-RESULT '.length));
      resolve({ result: JSON.stringify(parsed.result), computed: parsed.computed, stderr: err, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** The run files of a results folder (recursively), name → contents. */
function runFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!existsSync(dir)) return files;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && /^[0-9a-f]{16}\.json$/.test(entry.name)) {
      const path = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
      files.set(path, readFileSync(path, 'utf8'));
    }
  }
  return files;
}

for (const study of ['siamese', 'renas', 'fairness'] as const) {
  describe(`${study}: kill -9 and damaged files`, () => {
    test('SIGKILL at random moments loses no finished run; the rerun finishes with the uninterrupted results; a damaged file is recomputed', async (t) => {
      const reference = (await runStudyProcess(study, join(tmp, `${study}-reference`)))!;
      const total = reference.computed;
      assert.ok(total >= 4, `${study}: at least 4 runs (${total})`);

      const outDir = join(tmp, `${study}-killed`);
      const rng = createRng(`kill-${study}`);
      const kept = new Map<string, string>();
      let kills = 0;
      // Up to 4 kills, each at a random moment after one or two more runs have finished (so
      // it lands mid-study: while a run computes, a checkpoint or a result is being written).
      const perRun = (reference.seconds * 1000) / total;
      for (let attempt = 0; attempt < 4; attempt++) {
        const results = Math.min(total - 1, runFiles(outDir).size + 1 + rng.int(2));
        const finished = await runStudyProcess(study, outDir, { results, delayMs: Math.round(rng() * perRun) });
        const now = runFiles(outDir);
        for (const [path, text] of kept) assert.equal(now.get(path), text, `${study}: ${path} survived the kill unchanged`);
        for (const [path, text] of now) kept.set(path, text);
        for (const [path, text] of now) JSON.parse(text); // every visible result file is whole
        if (finished) break;
        kills++;
      }
      const before = runFiles(outDir).size;
      const final = (await runStudyProcess(study, outDir))!;
      assert.equal(final.result, reference.result, `${study}: the resumed results equal the uninterrupted run's`);
      assert.equal(final.computed, total - before, `${study}: only the missing runs are computed`);
      for (const [path, text] of kept) assert.equal(runFiles(outDir).get(path), text);
      assert.ok(kills >= 1 || before === total, `${study}: at least one kill landed`);
      t.diagnostic(`${study}: ${total} runs, ${kills} kills, ${before} results kept through them, ${final.computed} computed by the rerun`);

      // A truncated result file: moved aside with a warning naming it, that run alone recomputed.
      const victim = [...runFiles(outDir).keys()].sort()[0]!;
      truncateSync(victim, 20);
      const healed = (await runStudyProcess(study, outDir))!;
      assert.match(healed.stderr, new RegExp(`${victim.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} could not be used .*moved it to`));
      assert.equal(healed.computed, 1);
      assert.equal(healed.result, reference.result);
      assert.ok(readdirSync(join(victim, '..')).some((f) => f.includes('.damaged-')));

      if (study === 'fairness') {
        // A truncated checkpoint (of a run whose result is then removed) is moved aside and the run trains from scratch.
        const checkpoints = join(outDir, 'checkpoints');
        // The training checkpoint, not a budget's snapshot or scores file beside it; its run's scores are damaged too.
        const ckpt = readdirSync(checkpoints).filter((f) => f.endsWith('.json') && !/-at\d+\.json$|-scores-/.test(f)).sort()[0]!;
        writeFileSync(join(checkpoints, ckpt), '{"format":"nb201-supernet-checkpoint","vers');
        const scores = readdirSync(checkpoints).find((f) => f.startsWith(ckpt.replace(/\.json$/, '-scores-')) && f.endsWith('.json'))!;
        writeFileSync(join(checkpoints, scores), '{"format":"fairnas-sco');
        for (const path of runFiles(join(outDir, 'runs')).keys()) rmSync(path);
        const retrained = (await runStudyProcess(study, outDir))!;
        assert.match(retrained.stderr, /supernet checkpoint: .* could not be used .*moved it to/);
        assert.match(retrained.stderr, /supernet scores file: .* could not be used .*moved it to/);
        assert.equal(retrained.result, reference.result);
      }
    });
  });
}
