/**
 * The queue executor end to end: a private redis-server on a free port of
 * 127.0.0.1, two `nas worker` processes, the toy study with one worker
 * SIGKILLed mid-job (its job is retried by the other; every run completes
 * exactly once and equals the local pool bit for bit), a job from another
 * code version refused, and a smoke run of each study through the queue
 * equal to its pool run. Every process is stopped by its pid at the end.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Job, Queue } from 'bullmq';
import { initBackend } from '../src/backend.js';
import { runKey, runStudy, toWireText, type ExecutorConfig } from '../src/engine/index.js';
import { redisOptions } from '../src/engine/redis.js';
import { runFairnessAblation } from '../src/experiments/fairnessAblation.js';
import { renas424Config, runRenas424 } from '../src/experiments/renas424.js';
import { fixedNPoints, runSiameseSweep, type SiameseSweepConfig } from '../src/experiments/siameseSweep.js';
import { toyTask, type ToyResult, type ToyTask } from './fixtures/engineTasks.js';
import { redisServerPath, startRedis, startWorker, type RedisHandle, type WorkerHandle } from './fixtures/queueCluster.js';
import { fixtureCandidates, fixtureCifarFolder, syntheticBenchmark, tinyFairnessConfig, writeSyntheticCells } from './fixtures/studies.js';

const redisBinary = redisServerPath();

/** Wire text of `value` without wall-clock fields (seconds, fitSeconds …), which differ from run to run. */
const timeless = (value: unknown): string => toWireText(JSON.parse(JSON.stringify(value, (k, v: unknown) => (/seconds$/i.test(k) ? undefined : v))));
const skip = redisBinary ? false : 'redis-server is not installed (environment/setup.sh installs Debian redis-server)';

describe('queue executor (BullMQ on a private redis-server)', { skip }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'queue-test-'));
  const queue = `nas-test-${process.pid}`;
  let redis: RedisHandle;
  const workers: WorkerHandle[] = [];
  let executor: ExecutorConfig;

  before(async () => {
    await initBackend();
    redis = await startRedis(redisBinary!);
    executor = { kind: 'queue', url: redis.url, queue };
    // Short locks, so the job of a killed worker is retried within seconds.
    workers.push(...(await Promise.all([startWorker(redis.url, queue, { lockMs: 2000 }), startWorker(redis.url, queue, { lockMs: 2000 })])));
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const toyPlan = (tasks: readonly ToyTask[]) => ({
    study: 'toy',
    taskRef: { module: 'test/fixtures/engineTasks.ts', export: 'toyTask' },
    runs: tasks.map((task) => ({ key: runKey({ toy: task.x, queueTest: process.pid }), config: { toy: task.x }, task, label: `x=${task.x}` })),
    local: toyTask,
  });

  test('a worker killed mid-job: its job is retried elsewhere, every run completes once, results equal the pool', async () => {
    const log = join(tmp, 'toy.log');
    const tasks = Array.from({ length: 6 }, (_, i) => ({ x: i + 1, spinMs: 1200, log }));
    const [victim] = workers;
    let killed = false;
    const running = runStudy<ToyTask, ToyResult>(toyPlan(tasks), {
      executor,
      cacheDir: join(tmp, 'toy-queue'),
      progress: false,
    });
    // Kill the first worker as soon as it has started a job (bounded: 60 s).
    const deadline = Date.now() + 60_000;
    while (!killed && Date.now() < deadline) {
      let text = '';
      try {
        text = readFileSync(log, 'utf8');
      } catch {
        // not yet written
      }
      if (text.split('\n').some((l) => l.startsWith('start ') && l.endsWith(` ${victim!.pid}`))) {
        victim!.child.kill('SIGKILL');
        killed = true;
      } else await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(killed, 'the victim started a job');
    const viaQueue = await running;
    assert.equal(viaQueue.stats.computed, 6);
    const lines = readFileSync(log, 'utf8').split('\n');
    const done = lines.filter((l) => l.startsWith('done '));
    assert.equal(done.length, 6, `each run completed exactly once:\n${lines.join('\n')}`);
    assert.equal(new Set(done.map((l) => l.split(' ')[1])).size, 6);
    const victimStarts = lines.filter((l) => l.startsWith('start ') && l.endsWith(` ${victim!.pid}`)).map((l) => l.split(' ')[1]);
    const victimDone = new Set(done.filter((l) => l.endsWith(` ${victim!.pid}`)).map((l) => l.split(' ')[1]));
    const retried = victimStarts.filter((x) => !victimDone.has(x));
    assert.ok(retried.length >= 1, 'the killed job was not finished by the killed worker');
    for (const x of retried) assert.ok(done.some((l) => l.startsWith(`done ${x} `)), `job x=${x} was retried and finished by the other worker`);

    const pooled = await runStudy<ToyTask, ToyResult>(toyPlan(tasks.map(({ x, spinMs }) => ({ x, spinMs }))), { executor: { kind: 'pool', threads: 2 }, cacheDir: join(tmp, 'toy-pool'), progress: false });
    assert.equal(toWireText(viaQueue.runs.map((r) => r.result)), toWireText(pooled.runs.map((r) => r.result)), 'bit-identical to the local pool');

    // Replace the victim so the study smoke runs below have two workers again.
    workers[0] = await startWorker(redis.url, queue, { lockMs: 2000 });
  });

  test('a second submitter of the same runs computes nothing: it gets the finished jobs', async () => {
    const tasks = Array.from({ length: 6 }, (_, i) => ({ x: i + 1, spinMs: 1200, log: join(tmp, 'toy.log') }));
    const again = await runStudy<ToyTask, ToyResult>(toyPlan(tasks), { executor, cacheDir: join(tmp, 'toy-queue-2'), progress: false });
    assert.equal(again.stats.computed, 6, 'new to this results folder');
    const done = readFileSync(join(tmp, 'toy.log'), 'utf8').split('\n').filter((l) => l.startsWith('done '));
    assert.equal(done.length, 6, 'no worker computed any run again');
  });

  test('a worker refuses a job of another code version with an error naming both versions', async () => {
    const q = new Queue(queue, { connection: redisOptions(redis.url) });
    try {
      await q.add(
        'run',
        { study: 'toy', label: 'x=99', ref: { module: 'test/fixtures/engineTasks.ts', export: 'toyTask' }, taskText: toWireText({ x: 99 }), codeVersion: 'not-this-code', dataVersion: 'x', submittedBy: 'test' },
        { jobId: `refuse-${process.pid}`, attempts: 1 },
      );
      let job: Job | undefined;
      for (let i = 0; i < 200; i++) {
        job = await Job.fromId(q, `refuse-${process.pid}`);
        if (job && (await job.getState()) === 'failed') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      // Read again: the object fetched before the failure does not carry its reason.
      job = await Job.fromId(q, `refuse-${process.pid}`);
      assert.equal(await job!.getState(), 'failed');
      assert.match(job!.failedReason, /refuses toy run x=99: its code version [0-9a-f]{16} \/ data version \S+ differ from the submitter's not-this-code \/ x/);
    } finally {
      await q.close();
    }
  });

  test('each study smoke run through the queue equals its pool run', async () => {
    const pool: ExecutorConfig = { kind: 'pool', threads: 2 };
    // Siamese-NAS sweep on a synthetic NAS-Bench-201-like benchmark.
    const cells = writeSyntheticCells(tmp, 120);
    const sweep = (exec: ExecutorConfig, name: string): SiameseSweepConfig => ({
      seed: 'queue-test',
      repeats: 2,
      series: [{ id: 's', title: 's', benchmark: 'nb201-cifar10', methods: ['random', 'gcn', 'siams+nsam+bts'], points: fixedNPoints(10, [15]) }],
      predictor: { epochs: 6, hidden: 8, batchSize: 4, rerankTop: 10 },
      bts: { initialFraction: 0.3, stages: 2, stageRerankTop: 5 },
      correlationSample: 40,
      scorings: ['search'],
      executor: exec,
      cacheDir: join(tmp, `sweep-${name}`),
      sources: { 'nb201-cifar10': cells },
    });
    const [sq, sp] = [await runSiameseSweep(sweep(executor, 'queue'), { onProgress: false }), await runSiameseSweep(sweep(pool, 'pool'), { onProgress: false })];
    assert.equal(sq.stats.computed, 6);
    assert.ok(timeless(sq.runs.map((r) => r.result)) === timeless(sp.runs.map((r) => r.result)), 'sweep results identical');

    // FairNAS ablation on random images.
    const cifar = fixtureCifarFolder(tmp, 120);
    const candidates = fixtureCandidates(40);
    const fair = (exec: ExecutorConfig, name: string) =>
      tinyFairnessConfig(join(tmp, `fair-${name}`), cifar, { samplers: [{ kind: 'uniform' }, { kind: 'strict-fair' }], computeMatched: false, executor: exec });
    const fq = await runFairnessAblation(fair(executor, 'queue'), { candidates, progress: false });
    const fp = await runFairnessAblation(fair(pool, 'pool'), { candidates, progress: false });
    assert.equal(fq.computedRuns, 2);
    const fairStrip = (r: (typeof fq.runs)[number]) => [r.sampler, r.lossHistory, r.accuracy, r.heldOutLoss, r.counts, r.curve];
    assert.ok(toWireText(fq.runs.map(fairStrip)) === toWireText(fp.runs.map(fairStrip)), 'fairness results identical');

    // ReNAS study on a synthetic NAS-Bench-101 benchmark (workers read it from the file the study writes).
    const bench = syntheticBenchmark(120, 'queue-test');
    const renas = (exec: ExecutorConfig) => ({ ...renas424Config('smoke'), seeds: [1], trainSizes: [30], epochs: 2, topK: 5, executor: exec, wholeSpace: false as const, ablation: false as const });
    const rq = await runRenas424(renas(executor), { bench, cacheDir: join(tmp, 'renas-queue', 'runs'), progress: false });
    const rp = await runRenas424(renas(pool), { bench, cacheDir: join(tmp, 'renas-pool', 'runs'), progress: false });
    const renasStrip = (r: (typeof rq.rows)[number]) => ({ ...r, fitSeconds: 0, cached: false });
    assert.ok(rq.rows.every((r) => !r.cached));
    assert.deepEqual(rq.rows.map(renasStrip), rp.rows.map(renasStrip));
  });
});
