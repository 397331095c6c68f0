// Worker-thread entry of the ReNAS study's pool (workerPool.ts, piscina). Plain
// ESM JavaScript on purpose: a worker needs a real file on disk, and this one
// loads the same way whether the pool was started from tsx (tests, CLI) or
// from a tslab notebook kernel (which compiles src/ in memory only). It
// registers tsx in this thread, chooses this thread's tfjs backend, then
// imports the TypeScript task module from the repository root (process.cwd(),
// inherited from the parent thread).
import { register } from 'tsx/esm/api';
import { endTaskPort } from './poolTaskEnd.mjs';
import { workerData } from 'piscina';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

register();
const moduleUrl = (path) => pathToFileURL(join(process.cwd(), path)).href;
const { initBackend } = await import(moduleUrl('src/backend.ts'));
await initBackend();
const { runRenasFitTask } = await import(moduleUrl('src/experiments/renasFitTask.ts'));

// The encoded benchmark arrives once per thread in a SharedArrayBuffer (shared, not copied).
const { encoded, count } = workerData;
if (!(encoded instanceof SharedArrayBuffer) || !Number.isInteger(count)) {
  throw new Error('renasWorker.mjs: workerData must be { encoded: SharedArrayBuffer, count: integer }');
}
const rows = new Float32Array(encoded);

/** One fit + predict per call; tfjs and the encodings stay alive between calls. */
export default async function run({ task, port }) {
  try {
    return await runRenasFitTask(rows, count, task);
  } finally {
    endTaskPort(port);
  }
}
