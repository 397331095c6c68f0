/**
 * A piscina pool of worker threads for independent experiment runs. tfjs
 * (wasm) uses one core per thread, so parallel threads are how a study uses
 * every core.
 *
 * A worker entry must be a real `.mjs` file on disk: tslab compiles src/ to
 * CommonJS in memory only, so a TypeScript worker entry could not be loaded
 * from a notebook. The entry registers tsx in its thread and imports the
 * TypeScript task module by absolute path from process.cwd() (the repository
 * root), see fairnessWorker.mjs. Per-task progress travels over a
 * MessageChannel whose port is transferred with the task; the entry ends
 * every task with `endTaskPort(port)` (poolTaskEnd.mjs). Data every task
 * needs goes once per thread as `workerData` (a SharedArrayBuffer in it is
 * shared, not copied), which the entry reads as piscina's `workerData`.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';

/** Sent by `endTaskPort` (poolTaskEnd.mjs) after a task's last progress message; kept in sync with that file. */
export const TASK_END_MARKER = 'nas-worker-pool:task-end';

/** What a worker entry's default export receives: the task and, when asked for, a port for progress messages. */
export interface PoolEnvelope<T> {
  readonly task: T;
  readonly port: MessagePort | null;
}

export interface WorkerPoolOptions {
  /** The worker entry, relative to the repository root (process.cwd()) or absolute. */
  readonly entry: string;
  readonly threads: number;
  /** Given to every thread once (piscina's `workerData`); must be cloneable without a transfer list. */
  readonly workerData?: unknown;
}

/** Threads to use by default: one per core the process may use. */
export function defaultThreadCount(): number {
  return Math.max(1, availableParallelism());
}

/** A fixed-size pool running one task at a time per thread; `close()` when done. */
export class WorkerPool<T, R> {
  private readonly pool: Piscina<PoolEnvelope<T>, R>;
  /** Tasks with a progress port whose end marker never came (the pool waited 2 s for each): an entry not calling `endTaskPort`, or a dead worker. */
  unendedTasks = 0;

  constructor(readonly options: WorkerPoolOptions) {
    const { threads } = options;
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`WorkerPool: threads must be a positive integer, got ${threads}`);
    const filename = resolve(process.cwd(), options.entry);
    if (!existsSync(filename)) {
      throw new Error(`WorkerPool: worker entry ${filename} does not exist (the working directory must be the repository root, now ${process.cwd()})`);
    }
    // Threads stay alive between tasks so each loads tfjs and its data only once.
    this.pool = new Piscina({
      filename,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
      concurrentTasksPerWorker: 1,
      workerData: options.workerData,
    });
  }

  /** Runs `task` on the next free thread; `onMessage` receives what the worker posts on its port. */
  async run(task: T, onMessage?: (message: unknown) => void): Promise<R> {
    if (!onMessage) return this.pool.run({ task, port: null });
    const { port1, port2 } = new MessageChannel();
    // The entry ends each task with a marker (poolTaskEnd.mjs) after its last progress message.
    const ended = new Promise<void>((done) =>
      port1.on('message', (message: unknown) => {
        if (message === TASK_END_MARKER) done();
        else onMessage(message);
      }),
    );
    try {
      return await this.pool.run({ task, port: port2 }, { transferList: [port2] });
    } finally {
      // A worker that died mid-task sends no marker: do not wait for it forever.
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([ended.then(() => false), new Promise<boolean>((done) => (timer = setTimeout(() => done(true), 2000)))]);
      if (timedOut) this.unendedTasks++;
      clearTimeout(timer);
      port1.close();
    }
  }

  /**
   * Runs every task with at most one in flight per thread, started in the
   * given order (piscina's own queue does not start queued tasks in
   * submission order, which would undo a longest-first plan). A failed task
   * does not stop the others unless `stopOnFailure`; then no new task starts
   * after one fails, while those in flight finish. Once `signal` aborts, no
   * new task starts either (the caller checks the signal afterwards). Returns
   * the failures.
   */
  async runInOrder(
    tasks: readonly T[],
    handlers: {
      onResult: (task: T, result: R) => void;
      onMessage?: (task: T, message: unknown) => void;
      stopOnFailure?: boolean;
      signal?: AbortSignal;
    },
  ): Promise<{ task: T; error: unknown }[]> {
    const failures: { task: T; error: unknown }[] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < tasks.length && !(handlers.stopOnFailure && failures.length > 0) && !handlers.signal?.aborted) {
        const task = tasks[next++]!;
        const onMessage = handlers.onMessage;
        try {
          handlers.onResult(task, await this.run(task, onMessage && ((m) => onMessage(task, m))));
        } catch (error) {
          failures.push({ task, error });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.threads, tasks.length) }, lane));
    return failures;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
