// Worker-thread entry of the FairNAS fairness ablation pool (workerPool.ts,
// piscina). Plain ESM JavaScript on purpose: a worker needs a real file on
// disk, and this one loads the same way whether the pool was started from tsx
// (tests, CLI) or from a tslab notebook kernel (which compiles src/ in memory
// only). It registers tsx in this thread, chooses this thread's tfjs backend,
// then imports the TypeScript task module from the repository root
// (process.cwd(), inherited from the parent thread).
import { register } from 'tsx/esm/api';
import { endTaskPort } from './poolTaskEnd.mjs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

register();
const moduleUrl = (path) => pathToFileURL(join(process.cwd(), path)).href;
const { initBackend } = await import(moduleUrl('src/backend.ts'));
await initBackend();
const { runFairnessTask } = await import(moduleUrl('src/experiments/fairnessTask.ts'));

/** One (sampler, seed) run per call; loaded data and the backend stay alive between calls. */
export default async function run({ task, port }) {
  try {
    return await runFairnessTask(task, port ? (progress) => port.postMessage(progress) : undefined);
  } finally {
    endTaskPort(port);
  }
}
