/**
 * A piscina pool of worker threads running tasks by TaskRef (poolWorker.mjs).
 * tfjs (wasm) uses one core per thread, so threads are how a study uses every
 * core. Threads stay alive between tasks so each loads tfjs and its data once.
 * An interrupt closes the pool, terminating every thread at once, which is
 * how the CPU work stops within a moment.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { TASK_END_MARKER } from './poolTaskEnd.mjs';
import type { TaskRef } from './types.js';
import { checkField, POSITIVE_INTEGER } from '../core/checks.js';

export const POOL_WORKER_ENTRY = 'src/engine/poolWorker.mjs';

/** Threads to use by default: one per core the process may use. */
export function defaultThreadCount(): number {
  return Math.max(1, availableParallelism());
}

interface Envelope {
  readonly ref: TaskRef;
  readonly taskText: string;
  readonly port: MessagePort | null;
}

type MessagePort = import('node:worker_threads').MessagePort;

export class TaskPool {
  private readonly pool: Piscina<Envelope, string>;
  /** Tasks whose end marker never came (the pool waited 2 s for each): a dead worker. */
  unendedTasks = 0;

  constructor(readonly threads: number) {
    checkField('pool', 'threads', threads, POSITIVE_INTEGER);
    const filename = resolve(process.cwd(), POOL_WORKER_ENTRY);
    if (!existsSync(filename)) {
      throw new Error(`pool: worker entry ${filename} does not exist (the working directory must be the repository root, now ${process.cwd()})`);
    }
    this.pool = new Piscina({ filename, minThreads: threads, maxThreads: threads, idleTimeout: 60_000, concurrentTasksPerWorker: 1 });
  }

  /** Runs one task (wire text in, wire text out) on the next free thread; `onDetail` gets its progress notes. */
  async run(ref: TaskRef, taskText: string, options: { onDetail?: (detail: string) => void } = {}): Promise<string> {
    const { port1, port2 } = new MessageChannel();
    const onDetail = options.onDetail;
    const ended = new Promise<void>((done) =>
      port1.on('message', (message: unknown) => {
        if (message === TASK_END_MARKER) done();
        else if (onDetail && typeof message === 'string') onDetail(message);
      }),
    );
    let finished = false;
    try {
      const text = await this.pool.run({ ref, taskText, port: port2 }, { transferList: [port2] });
      finished = true;
      return text;
    } finally {
      if (finished) {
        // The entry's end marker follows its last progress message; a worker that died sends none, so wait at most 2 s.
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([ended.then(() => false), new Promise<boolean>((done) => (timer = setTimeout(() => done(true), 2000)))]);
        if (timedOut) this.unendedTasks++;
        clearTimeout(timer);
      }
      port1.close();
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
