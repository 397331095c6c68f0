/**
 * The executors a study's missing runs go to, chosen by `ExecutorConfig`:
 * this thread, a local pool of worker threads, or a BullMQ queue served by
 * `nas worker` processes. Each returns a run's result as wire text, so the
 * engine decodes every result the same way and the three agree bit for bit.
 */
import { TaskPool, defaultThreadCount } from './pool.js';
import { QueueSubmitter } from './queue.js';
import { loadTaskFunction } from './taskModules.js';
import type { ExecutorConfig, TaskFunction, TaskRef } from './types.js';
import { fromWireText, toWireText } from './wire.js';
import { checkField, POSITIVE_INTEGER } from '../core/checks.js';

export interface ExecuteRequest {
  readonly key: string;
  readonly label: string;
  readonly study: string;
  readonly ref: TaskRef;
  readonly taskText: string;
  readonly signal: AbortSignal;
  readonly onDetail: (detail: string) => void;
}

export interface Executor {
  readonly kind: ExecutorConfig['kind'];
  /** Runs it executes at once (the engine starts no more); Infinity for the queue. */
  readonly slots: number;
  /** Whether this process computes the runs itself (and so claims them against other processes on the results folder). */
  readonly local: boolean;
  execute(request: ExecuteRequest): Promise<string>;
  /** Called once when the study is interrupted, before `close`. */
  cancel(): Promise<void>;
  close(): Promise<void>;
}

class InThreadExecutor implements Executor {
  readonly kind = 'in-thread' as const;
  readonly slots = 1;
  readonly local = true;
  constructor(private readonly fn: TaskFunction<unknown, unknown> | undefined) {}

  async execute(r: ExecuteRequest): Promise<string> {
    const fn = this.fn ?? (await loadTaskFunction(r.ref));
    // Through the wire form both ways, exactly as a worker sees the task and returns its result.
    return toWireText(await fn(fromWireText(r.taskText), { signal: r.signal, progress: r.onDetail }));
  }
  async cancel(): Promise<void> {}
  async close(): Promise<void> {}
}

class PoolExecutor implements Executor {
  readonly kind = 'pool' as const;
  readonly local = true;
  private pool: TaskPool | undefined;
  constructor(readonly slots: number) {}

  execute(r: ExecuteRequest): Promise<string> {
    // Started on first use: a fully cached study starts no threads.
    this.pool ??= new TaskPool(this.slots);
    return this.pool.run(r.ref, r.taskText, { onDetail: r.onDetail });
  }
  /** Terminates every thread now (piscina's per-task abort would start replacement threads, which load tfjs for a second or more). */
  async cancel(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }
  async close(): Promise<void> {
    await this.pool?.close();
  }
}

class QueueExecutor implements Executor {
  readonly kind = 'queue' as const;
  readonly slots = Infinity;
  readonly local = false;
  private submitter: QueueSubmitter | undefined;
  constructor(
    private readonly url: string,
    private readonly queueName: string | undefined,
  ) {}

  execute(r: ExecuteRequest): Promise<string> {
    this.submitter ??= new QueueSubmitter(this.url, this.queueName);
    return this.submitter.execute(r.key, r.label, r.study, r.ref, r.taskText, r.signal);
  }
  async cancel(): Promise<void> {
    await this.submitter?.cancelWaiting();
  }
  async close(): Promise<void> {
    await this.submitter?.close();
  }
}

export function checkExecutorConfig(config: ExecutorConfig, where = 'executor'): void {
  if (!config || typeof config !== 'object') throw new TypeError(`${where} must be an object such as { kind: "pool", threads: 2 }, got ${JSON.stringify(config)}`);
  switch (config.kind) {
    case 'in-thread':
      return;
    case 'pool':
      if (config.threads !== undefined) checkField(where, 'threads', config.threads, POSITIVE_INTEGER);
      return;
    case 'queue':
      if (typeof config.url !== 'string' || !config.url.startsWith('redis://')) {
        throw new RangeError(`${where}.url must be a Redis URL redis://HOST:PORT, got ${JSON.stringify(config.url)}`);
      }
      return;
    default:
      throw new RangeError(`${where}.kind must be "in-thread", "pool" or "queue", got ${JSON.stringify((config as { kind: unknown }).kind)}`);
  }
}

export function createExecutor(config: ExecutorConfig, local: TaskFunction<unknown, unknown> | undefined, runs: number): Executor {
  checkExecutorConfig(config);
  switch (config.kind) {
    case 'in-thread':
      return new InThreadExecutor(local);
    case 'pool':
      return new PoolExecutor(Math.max(1, Math.min(config.threads ?? defaultThreadCount(), runs)));
    case 'queue':
      return new QueueExecutor(config.url, config.queue);
  }
}
