/**
 * `nas worker`: serves the run queue on this machine. Each job runs on a
 * worker thread of a local pool (the same entry as the pool executor), so
 * this thread stays free to renew BullMQ's job locks while a task computes.
 * A job from a submitter whose code or data version differs from this
 * checkout's is refused with an error that says so, instead of computing a
 * different result under the same key. A worker killed mid-job leaves its
 * job locked until the lock expires; BullMQ's stalled-job check then gives it
 * to another worker.
 */
import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { TaskPool } from './pool.js';
import { DEFAULT_QUEUE, redisOptions, type QueueJobData } from './redis.js';
import { codeVersion, dataVersion } from './version.js';
import { checkField, POSITIVE_INTEGER } from '../core/checks.js';

export interface QueueWorkerOptions {
  readonly url: string;
  readonly queue?: string;
  /** Jobs at once (= worker threads); default 1. */
  readonly concurrency?: number;
  /** BullMQ lock duration: how long a killed worker's job stays locked before another worker takes it (default 30 s). */
  readonly lockMs?: number;
  readonly signal: AbortSignal;
  readonly log?: (line: string) => void;
}

export interface QueueWorkerSummary {
  readonly completed: number;
  readonly failed: number;
  readonly refused: number;
}

/** Serves jobs until `signal` aborts; then stops taking jobs, ends the threads (running jobs go back to the queue) and returns. */
export async function serveQueue(options: QueueWorkerOptions): Promise<QueueWorkerSummary> {
  const concurrency = options.concurrency ?? 1;
  checkField('nas worker: --', 'concurrency', concurrency, POSITIVE_INTEGER);
  const lockMs = options.lockMs ?? 30_000;
  if (!Number.isInteger(lockMs) || lockMs < 1000) throw new RangeError(`nas worker: --lock-ms must be an integer ≥ 1000, got ${lockMs}`);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const me = `${hostname()}:${process.pid}`;
  const code = codeVersion();
  const data = dataVersion();
  const pool = new TaskPool(concurrency);
  let completed = 0;
  let failed = 0;
  let refused = 0;
  const connection = redisOptions(options.url);
  const worker = new Worker(
    options.queue ?? DEFAULT_QUEUE,
    async (job: Job<QueueJobData>) => {
      const d = job.data;
      if (d.codeVersion !== code || d.dataVersion !== data) {
        refused++;
        throw new UnrecoverableError(
          `worker ${me} refuses ${d.study} run ${d.label}: its code version ${code} / data version ${data} differ from the submitter's ` +
            `${d.codeVersion} / ${d.dataVersion} (${d.submittedBy}); run workers from the same commit with the same data files`,
        );
      }
      log(`[worker ${me}] start ${d.study}: ${d.label} (job ${job.id})`);
      const started = performance.now();
      const text = await pool.run(d.ref, d.taskText, { onDetail: (detail) => void job.updateProgress({ detail }).catch(() => undefined) });
      log(`[worker ${me}] done ${d.study}: ${d.label} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return text;
    },
    { connection, concurrency, lockDuration: lockMs, stalledInterval: Math.max(1000, Math.floor(lockMs / 2)), maxStalledCount: 3, autorun: false },
  );
  worker.on('completed', () => completed++);
  worker.on('failed', (job, err) => {
    failed++;
    log(`[worker ${me}] failed ${job?.data.label ?? job?.id}: ${err.message}`);
  });
  worker.on('error', (err) => log(`[worker ${me}] ${err.message}`));
  await Promise.race([
    worker.waitUntilReady(),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`nas worker: no Redis server answered at ${options.url} within 10 s`)), 10_000).unref()),
  ]);
  log(`[worker ${me}] serving queue ${options.queue ?? DEFAULT_QUEUE} at ${options.url} with ${concurrency} thread(s); code ${code}, data ${data}`);
  const running = worker.run();
  await new Promise<void>((done) => (options.signal.aborted ? done() : options.signal.addEventListener('abort', () => done(), { once: true })));
  // force: do not wait for running jobs; their locks lapse and BullMQ hands them to another worker.
  await worker.close(true);
  await pool.close();
  await running.catch(() => undefined);
  log(`[worker ${me}] stopped: ${completed} completed, ${failed} failed (${refused} refused)`);
  return { completed, failed, refused };
}
