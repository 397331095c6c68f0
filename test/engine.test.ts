/**
 * The run engine (src/engine): wire form, cache split, failures, abort,
 * damaged cache files, claims across processes, and identical results in
 * this thread and on the pool. The queue executor is tested in queue.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ClaimFolder } from '../src/engine/claims.js';
import { RunFailedError, formatProgress, fromWireText, runKey, runStudy, toWireText, type ExecutorConfig, type ProgressState, type StudyPlan } from '../src/engine/index.js';
import { toyTask, type ToyResult, type ToyTask } from './fixtures/engineTasks.js';

const tmp = mkdtempSync(join(tmpdir(), 'engine-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(tmp, `study-${dirs++}`);

export function toyPlan(tasks: readonly ToyTask[], study = 'toy'): StudyPlan<ToyTask, ToyResult> {
  return {
    study,
    taskRef: { module: 'test/fixtures/engineTasks.ts', export: 'toyTask' },
    runs: tasks.map((task) => ({ key: runKey({ toy: task.x }), config: { toy: task.x }, task, label: `x=${task.x}` })),
    local: toyTask,
  };
}

const xs = (n: number, extra: Partial<ToyTask> = {}): ToyTask[] => Array.from({ length: n }, (_, i) => ({ x: i + 1, ...extra }));

describe('wire form', () => {
  test('keeps NaN, ±Infinity, -0 and typed arrays exactly; refuses what is not plain data', () => {
    const value = { a: [NaN, -0, 0, Infinity, -Infinity, 1e-310, 0.1 + 0.2], f: Float32Array.from([1.5, NaN, -0]), d: new Float64Array([Math.PI]), i: Int32Array.from([-7]), s: 'x', n: null, nested: [{ u: new Uint8Array([255]) }] };
    const back = fromWireText<typeof value>(toWireText(value));
    assert.deepEqual(back, value);
    assert.ok(Object.is(back.a[1], -0) && Object.is(back.f[2], -0));
    assert.ok(back.f instanceof Float32Array && back.i instanceof Int32Array);
    assert.throws(() => toWireText({ m: new Map() }), /\$\.m is a Map/);
    assert.throws(() => toWireText({ f: () => 1 }), /function/);
  });
});

describe('runStudy', () => {
  test('computes the missing runs, stores each, and a rerun reads them all from the results folder', async () => {
    const cacheDir = freshDir();
    const states: ProgressState[] = [];
    const first = await runStudy(toyPlan(xs(3)), { executor: { kind: 'in-thread' }, cacheDir, progress: (s) => states.push(s) });
    assert.deepEqual(first.stats, { ...first.stats, total: 3, cached: 0, computed: 3 });
    assert.deepEqual(first.runs.map((r) => r.result.square), [1, 4, 9]);
    assert.equal(readdirSync(cacheDir).filter((f) => f.endsWith('.json')).length, 3);
    assert.equal(readdirSync(cacheDir).filter((f) => f.endsWith('.claim')).length, 0, 'claims are released');
    const last = states[states.length - 1]!;
    assert.equal(last.phase, 'finished');
    assert.match(formatProgress(last), /^toy \[in-thread\]: 3\/3 runs \(0 cached\)/);
    const second = await runStudy(toyPlan(xs(4)), { executor: { kind: 'in-thread' }, cacheDir, progress: false });
    assert.deepEqual([second.stats.cached, second.stats.computed], [3, 1]);
    assert.deepEqual(second.runs.map((r) => r.fromCache), [true, true, true, false]);
    assert.deepEqual(second.runs.slice(0, 3).map((r) => r.result), first.runs.map((r) => r.result), 'cached results read back exactly');
  });

  test('accept() redoes a cached run that no longer answers', async () => {
    const cacheDir = freshDir();
    await runStudy(toyPlan(xs(2)), { executor: { kind: 'in-thread' }, cacheDir, progress: false });
    const redo = await runStudy({ ...toyPlan(xs(2)), accept: (spec) => spec.task.x !== 2 }, { executor: { kind: 'in-thread' }, cacheDir, progress: false });
    assert.deepEqual(redo.runs.map((r) => r.fromCache), [true, false]);
  });

  test('in-thread and pool give bit-identical results', async () => {
    const tasks = xs(5, { spinMs: 20 });
    const results: string[] = [];
    for (const executor of [{ kind: 'in-thread' }, { kind: 'pool', threads: 2 }] as ExecutorConfig[]) {
      const out = await runStudy(toyPlan(tasks), { executor, cacheDir: freshDir(), progress: false });
      results.push(toWireText(out.runs.map((r) => r.result)));
    }
    assert.equal(results[0], results[1]);
  });

  test('a failed run is reported by key, label and config; finished runs are kept and no new run starts', async () => {
    const cacheDir = freshDir();
    const tasks = [{ x: 1 }, { x: 2, fail: true }, { x: 3 }, { x: 4 }];
    const err = await runStudy(toyPlan(tasks), { executor: { kind: 'in-thread' }, cacheDir, progress: false }).then(
      () => assert.fail('should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof RunFailedError);
    const plan = toyPlan(tasks);
    assert.match(err.message, new RegExp(`run x=2 \\(key ${plan.runs[1]!.key}\\): toy task 2 fails on purpose`));
    assert.match(err.message, /config \{"toy":2\}/);
    assert.equal(readdirSync(cacheDir).filter((f) => f.endsWith('.json')).length, 1, 'x=1 kept; x=3 and x=4 never started');
  });

  test('abort stops pool threads at once: the call rejects and CPU goes idle', async () => {
    const cacheDir = freshDir();
    const controller = new AbortController();
    const started = performance.now();
    const running = runStudy(toyPlan(xs(2, { spinMs: 30_000 })), {
      executor: { kind: 'pool', threads: 2 },
      cacheDir,
      signal: controller.signal,
      progress: (s) => {
        if (s.running.some((r) => /slice 2\//.test(r))) controller.abort();
      },
    });
    await assert.rejects(running, /abort/i);
    assert.ok(performance.now() - started < 15_000, 'stopped long before the 30 s tasks would end');
    const cpu0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 1000));
    const cpu = process.cpuUsage(cpu0);
    assert.ok((cpu.user + cpu.system) / 1e6 < 0.5, `CPU after abort ${(cpu.user + cpu.system) / 1e6} s in 1 s`);
    assert.equal(readdirSync(cacheDir).filter((f) => f.endsWith('.claim') || f.endsWith('.json')).length, 0);
  });

  test('a damaged cache file is moved aside with a warning and recomputed; the other runs are used', async () => {
    const cacheDir = freshDir();
    const plan = toyPlan(xs(3));
    await runStudy(plan, { executor: { kind: 'in-thread' }, cacheDir, progress: false });
    const victim = join(cacheDir, `${plan.runs[1]!.key}.json`);
    writeFileSync(victim, readFileSync(victim, 'utf8').slice(0, 40));
    const warnings: string[] = [];
    const again = await runStudy(plan, { executor: { kind: 'in-thread' }, cacheDir, progress: false, warn: (m) => warnings.push(m) });
    assert.deepEqual(again.runs.map((r) => r.fromCache), [true, false, true]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, new RegExp(`${plan.runs[1]!.key}\\.json could not be used .*moved it to .*damaged`));
    assert.ok(readdirSync(cacheDir).some((f) => f.includes('.damaged-')));
  });

  test('a claim whose process is dead is taken over', async () => {
    const cacheDir = freshDir();
    const plan = toyPlan(xs(1));
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    writeFileSync(join(cacheDir.replace(/$/, ''), '..', 'x'), '');
    const claims = new ClaimFolder(cacheDir);
    const mine = claims.tryClaim('0000000000000000');
    assert.ok(mine.ok);
    mine.release();
    // A claim left by a killed process:
    const { mkdirSync } = await import('node:fs');
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(join(cacheDir, `${plan.runs[0]!.key}.claim`), JSON.stringify({ pid: dead.pid, host: (await import('node:os')).hostname(), startedAt: '' }));
    const out = await runStudy(plan, { executor: { kind: 'in-thread' }, cacheDir, progress: false });
    assert.equal(out.stats.computed, 1);
    assert.ok(!existsSync(join(cacheDir, `${plan.runs[0]!.key}.claim`)));
  });

  test('two processes on one results folder share the work: every run computed once', async () => {
    const cacheDir = freshDir();
    const log = join(tmp, `two-process-${process.pid}.log`);
    const script = join(process.cwd(), 'test', 'fixtures', 'engineStudyProcess.ts');
    const tasks = xs(8, { spinMs: 300, log });
    const spawnOne = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script, cacheDir, JSON.stringify(tasks)], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          if (code === 0) resolve(out);
          else reject(new Error(`study process exited ${code}`));
        });
      });
    const [a, b] = await Promise.all([spawnOne(), spawnOne()]);
    const done = readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith('done '));
    assert.equal(done.length, 8, `each run computed once:\n${done.join('\n')}`);
    assert.equal(new Set(done.map((l) => l.split(' ')[1])).size, 8);
    const pids = new Set(done.map((l) => l.split(' ')[2]));
    assert.equal(pids.size, 2, 'both processes computed some of the runs');
    // Both processes return every result, identical.
    assert.equal(JSON.parse(a).results, JSON.parse(b).results);
  });
});
