/**
 * Runs ReNAS fit tasks on worker threads: tfjs (wasm) uses one core per
 * thread, so independent runs (seeds, sizes, losses) in parallel threads use
 * every core. The encoded benchmark is shared with the workers through a
 * SharedArrayBuffer (no copy per task).
 *
 * Workers are started with an eval'd bootstrap that registers tsx and then
 * imports this module's TypeScript source (located from the working
 * directory, the repository root), so it works from tsx scripts, the test
 * runner and tslab notebooks (CommonJS) alike.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../backend.js';
import { runRenasFitTask, type RenasFitOutcome, type RenasFitTask } from './renasFitTask.js';

interface WorkerInit {
  readonly kind: 'renas-fit-worker';
  readonly encoded: SharedArrayBuffer;
  readonly count: number;
}

type Request = { readonly id: number; readonly task: RenasFitTask };
type Reply = { readonly id: number; readonly ok: true; readonly outcome: RenasFitOutcome } | { readonly id: number; readonly ok: false; readonly error: string };

/** Source of this module, for the worker bootstrap (tslab has no import.meta; the working directory is the repository root). */
const WORKER_MODULE = join('src', 'experiments', 'renasWorkers.ts');

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
      let reply: Reply;
      try {
        reply = { id: request.id, ok: true, outcome: await runRenasFitTask(encoded, init.count, request.task) };
      } catch (err) {
        reply = { id: request.id, ok: false, error: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err) };
      }
      port.postMessage(reply, reply.ok ? [reply.outcome.predictions.buffer as ArrayBuffer] : []);
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
    const cwd = process.cwd();
    const requireFromRoot = createRequire(join(cwd, 'package.json'));
    const tsxApi = pathToFileURL(requireFromRoot.resolve('tsx/esm/api')).href;
    const moduleUrl = pathToFileURL(join(cwd, WORKER_MODULE)).href;
    const bootstrap = `
      (async () => {
        const { register } = await import(${JSON.stringify(tsxApi)});
        register();
        const { serveRenasFitWorker } = await import(${JSON.stringify(moduleUrl)});
        await serveRenasFitWorker();
      })().catch((err) => { setImmediate(() => { throw err; }); });
    `;
    const init: WorkerInit = { kind: 'renas-fit-worker', encoded: encoded.buffer, count };
    const started: Promise<void>[] = [];
    for (let w = 0; w < size; w++) {
      const worker = new Worker(bootstrap, { eval: true, workerData: init });
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
    if (reply.ok) entry.resolve(reply.outcome);
    else entry.reject(new Error(`ReNAS worker: ${reply.error}`));
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
