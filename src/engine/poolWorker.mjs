// The one worker-thread entry of every study's pool (pool.ts, piscina) and of
// `nas worker` (queueWorker.ts). Plain ESM JavaScript on purpose: a worker
// needs a real file on disk, and this one loads the same way whether the pool
// was started from tsx (tests, CLI) or from a tslab kernel (which compiles
// src/ in memory only). It registers tsx in this thread, picks this thread's
// tfjs backend, and runs each task through the module export its TaskRef
// names (taskModules.ts), resolved from the repository root (process.cwd()).
import { register } from 'tsx/esm/api';
import { endTaskPort } from './poolTaskEnd.mjs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

register();
const moduleUrl = (path) => pathToFileURL(join(process.cwd(), path)).href;
const { initBackend } = await import(moduleUrl('src/backend.ts'));
await initBackend();
const { runTaskText } = await import(moduleUrl('src/engine/taskModules.ts'));

// A pooled task is stopped by terminating its thread, so its own signal never fires.
const never = new AbortController().signal;

/** One run per call; loaded modules, data and the backend stay alive between calls. */
export default async function run({ ref, taskText, port }) {
  try {
    return await runTaskText(ref, taskText, { signal: never, progress: (detail) => port?.postMessage(detail) });
  } finally {
    endTaskPort(port);
  }
}
