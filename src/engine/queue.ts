/**
 * The queue executor: runs go to BullMQ on Redis as jobs with jobId = run
 * key, served by `nas worker` processes on any machine (queueWorker.ts). Two
 * submitters of the same run share one job (BullMQ ignores an add whose id
 * exists), so no run is computed twice; a worker killed mid-job leaves a
 * stalled job that BullMQ hands to another worker. Results come back as the
 * job's return value (wire text) and the submitter stores them in its own
 * results folder.
 */
import { hostname } from 'node:os';
import { Job, Queue, QueueEvents } from 'bullmq';
import { DEFAULT_QUEUE, redisOptions, type QueueJobData } from './redis.js';
import type { TaskRef } from './types.js';
import { codeVersion, dataVersion } from './version.js';

interface Waiter {
  readonly resolve: (text: string) => void;
  readonly reject: (err: Error) => void;
  readonly data: QueueJobData;
}

/** Completed jobs stay a week, so a later submitter (another machine) reads the result instead of recomputing. */
const KEEP_COMPLETED = { age: 7 * 24 * 3600, count: 1_000_000 };

export class QueueSubmitter {
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly waiters = new Map<string, Waiter>();
  /** Jobs this submitter added and has not seen finish. */
  private readonly addedKeys = new Set<string>();
  private poller: NodeJS.Timeout | undefined;
  private ready: Promise<void> | undefined;
  private closed = false;

  constructor(
    readonly url: string,
    readonly queueName: string = DEFAULT_QUEUE,
  ) {
    const connection = redisOptions(url);
    this.queue = new Queue(queueName, { connection });
    this.events = new QueueEvents(queueName, { connection });
    // Without listeners an unreachable server would throw unhandled 'error' events.
    this.queue.on('error', () => undefined);
    this.events.on('error', () => undefined);
    this.events.on('completed', ({ jobId, returnvalue }) => this.settle(jobId, 'completed', returnvalue));
    this.events.on('failed', ({ jobId, failedReason }) => this.settle(jobId, 'failed', failedReason));
  }

  private whenReady(): Promise<void> {
    this.ready ??= (async () => {
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`queue: no Redis server answered at ${this.url} within 10 s (start one with: redis-server --port PORT; see environment/README.md)`)), 10_000).unref(),
      );
      await Promise.race([Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]), timeout]);
      // Events can be missed (reconnects, jobs finished before we listened): check every outstanding job each second.
      this.poller = setInterval(() => void this.poll(), 1000);
    })();
    return this.ready;
  }

  private settle(jobId: string, state: 'completed' | 'failed', value: unknown): void {
    this.addedKeys.delete(jobId);
    const w = this.waiters.get(jobId);
    if (!w) return;
    this.waiters.delete(jobId);
    if (state === 'completed') {
      if (typeof value === 'string') w.resolve(value);
      else w.reject(new Error(`queue: job ${jobId} returned ${typeof value}, expected wire text (a worker of another version?)`));
    } else {
      w.reject(new Error(`queue job ${jobId} failed on a worker: ${String(value)}`));
    }
  }

  /** Adds the job (unless it exists with a usable state) and returns what to wait for. */
  private async submit(key: string, w: Waiter): Promise<void> {
    const existing = await Job.fromId(this.queue, key);
    if (existing) {
      const state = await existing.getState();
      const sameVersion = (existing.data as QueueJobData | undefined)?.codeVersion === w.data.codeVersion;
      if (state === 'completed' && sameVersion && typeof existing.returnvalue === 'string') {
        this.settle(key, 'completed', existing.returnvalue);
        return;
      }
      if (state === 'completed' || state === 'failed') {
        // A result of other code, or an earlier failure: compute again.
        await existing.remove().catch(() => undefined);
      } else if (state !== 'unknown') {
        return; // waiting, active, delayed, prioritized: someone's job, wait for it
      }
    }
    await this.queue.add('run', w.data, {
      jobId: key,
      attempts: 1,
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: { age: 24 * 3600 },
    });
    this.addedKeys.add(key);
  }

  private async poll(): Promise<void> {
    for (const [key, w] of [...this.waiters]) {
      if (this.closed) return;
      try {
        const job = await Job.fromId(this.queue, key);
        if (!job) {
          // Removed (e.g. another submitter was interrupted): submit it again.
          await this.submit(key, w);
          continue;
        }
        const state = await job.getState();
        if (state === 'completed') this.settle(key, 'completed', job.returnvalue);
        else if (state === 'failed') this.settle(key, 'failed', job.failedReason);
      } catch {
        // Redis briefly unreachable: next poll.
      }
    }
  }

  /** Submits one run and resolves with its result (wire text). */
  async execute(key: string, label: string, study: string, ref: TaskRef, taskText: string, signal: AbortSignal): Promise<string> {
    await this.whenReady();
    signal.throwIfAborted();
    const data: QueueJobData = { study, label, ref, taskText, codeVersion: codeVersion(), dataVersion: dataVersion(), submittedBy: `${hostname()}:${process.pid}` };
    return new Promise<string>((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters.delete(key);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      const done = (): void => signal.removeEventListener('abort', onAbort);
      const w: Waiter = { resolve: (text) => (done(), resolve(text)), reject: (err) => (done(), reject(err)), data };
      this.waiters.set(key, w);
      signal.addEventListener('abort', onAbort, { once: true });
      this.submit(key, w).catch((err: unknown) => {
        this.waiters.delete(key);
        reject(err instanceof Error ? err : new Error(String(err)));
      });
    });
  }

  /**
   * Removes the jobs this submitter added that no worker has started
   * (abort); jobs already running finish and stay in Redis for the next run.
   */
  async cancelWaiting(): Promise<void> {
    for (const key of [...this.addedKeys]) {
      try {
        const job = await Job.fromId(this.queue, key);
        if (job && (await job.getState()) === 'waiting') await job.remove();
      } catch {
        // started meanwhile, or gone
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poller);
    await Promise.allSettled([this.events.close(), this.queue.close()]);
  }
}
