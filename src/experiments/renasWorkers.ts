/**
 * Runs ReNAS fit tasks on worker threads: tfjs (wasm) uses one core per
 * thread, so independent runs (seeds, sizes, losses) in parallel threads use
 * every core. The encoded benchmark is shared with the workers through a
 * SharedArrayBuffer (no copy per task).
 *
 * The worker entry is a real file, renasWorker.mjs (tslab compiles src/ to
 * CommonJS in memory only, so a TypeScript entry could not be started from a
 * notebook): it registers tsx in its thread and imports this module's
 * TypeScript source, located from the working directory (the repository
 * root), so the pool works from tsx scripts, the test runner and tslab
 * notebooks alike.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../backend.js';
import { runRenasFitTask, type RenasFitOutcome, type RenasFitTask } from './renasFitTask.js';

interface WorkerInit {
  readonly kind: 'renas-fit-worker';
  readonly encoded: SharedArrayBuffer;
  readonly count: number;
}

type Request = { readonly id: number; readonly task: RenasFitTask };
/**
 * Exactly one of `outcome` and `error` is set. Not a discriminated union on
 * purpose: tslab type-checks src/ without strictNullChecks, where a boolean
 * discriminant does not narrow.
 */
interface Reply {
  readonly id: number;
  readonly outcome?: RenasFitOutcome;
  readonly error?: string;
}

/** The worker entry file (tslab has no import.meta; the working directory is the repository root). */
const WORKER_ENTRY = join('src', 'experiments', 'renasWorker.mjs');

/** Inside a worker: initialise the backend, then answer fit requests until terminated. */
export async function serveRenasFitWorker(): Promise<void> {
  const init = workerData as WorkerInit;
  if (!parentPort || init?.kind !== 'renas-fit-worker') throw new Error('serveRenasFitWorker: not started by RenasWorkerPool');
  const port = parentPort;
  await initBackend();
  const encoded = new Float32Array(init.encoded);
  let queue = Promise.resolve();
  port.on('message', (request: Request) => {
    // One task at a time per worker: tfjs state is per thread.
    queue = queue.then(async () => {
      let outcome: RenasFitOutcome;
      try {
        outcome = await runRenasFitTask(encoded, init.count, request.task);
      } catch (err) {
        const error = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err);
        port.postMessage({ id: request.id, error } satisfies Reply);
        return;
      }
      port.postMessage({ id: request.id, outcome } satisfies Reply, [outcome.predictions.buffer as ArrayBuffer]);
    });
  });
  port.postMessage({ ready: true });
}

/** A fixed set of worker threads, each fitting one task at a time. */
export class RenasWorkerPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly pending = new Map<number, { resolve: (o: RenasFitOutcome) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private ready: Promise<void>;
  private closed = false;

  /** `encoded`: raw NCHW encodings of `count` architectures in a SharedArrayBuffer. */
  constructor(
    readonly size: number,
    encoded: Float32Array,
    count: number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`RenasWorkerPool: size must be a positive integer, got ${size}`);
    if (!(encoded.buffer instanceof SharedArrayBuffer)) throw new TypeError('RenasWorkerPool: the encodings must live in a SharedArrayBuffer');
    const entry = join(process.cwd(), WORKER_ENTRY);
    if (!existsSync(entry)) {
      throw new Error(`RenasWorkerPool: worker entry ${entry} does not exist (the working directory must be the repository root, now ${process.cwd()})`);
    }
    const init: WorkerInit = { kind: 'renas-fit-worker', encoded: encoded.buffer, count };
    const started: Promise<void>[] = [];
    for (let w = 0; w < size; w++) {
      const worker = new Worker(entry, { workerData: init });
      this.workers.push(worker);
      started.push(
        new Promise<void>((resolve, reject) => {
          const onMessage = (m: unknown): void => {
            if ((m as { ready?: boolean }).ready) {
              worker.off('message', onMessage);
              worker.on('message', (reply: Reply) => this.settle(worker, reply));
              this.idle.push(worker);
              resolve();
            }
          };
          worker.on('message', onMessage);
          worker.once('error', (err) => {
            reject(err);
            this.failAll(new Error(`ReNAS worker failed: ${err.message}`));
          });
          worker.once('exit', (code) => {
            if (!this.closed) this.failAll(new Error(`ReNAS worker exited with code ${code}`));
          });
        }),
      );
    }
    this.ready = Promise.all(started).then(() => undefined);
  }

  private settle(worker: Worker, reply: Reply): void {
    const entry = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    this.idle.push(worker);
    this.waiting.shift()?.();
    if (!entry) return;
    if (reply.outcome !== undefined) entry.resolve(reply.outcome);
    else entry.reject(new Error(`ReNAS worker: ${reply.error ?? 'no outcome and no error'}`));
  }

  private failAll(err: Error): void {
    for (const { reject } of this.pending.values()) reject(err);
    this.pending.clear();
  }

  /** Runs `task` on the next free worker. */
  async run(task: RenasFitTask): Promise<RenasFitOutcome> {
    await this.ready;
    while (this.idle.length === 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.closed) throw new Error('RenasWorkerPool: closed');
    const worker = this.idle.pop()!;
    const id = this.nextId++;
    return new Promise<RenasFitOutcome>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, task } satisfies Request);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
