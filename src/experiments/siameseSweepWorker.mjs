// Worker-thread entry of the Siamese-NAS sweep pool (workerPool.ts, piscina). Plain ESM
// JavaScript on purpose: a worker needs a real file on disk, and this one
// loads the same way whether the pool was started from tsx (tests, CLI) or
// from a tslab notebook kernel (which compiles src/ in memory only). It
// registers tsx in this thread, then imports the TypeScript task module from
// the repository root (process.cwd(), inherited from the parent thread).
import { register } from 'tsx/esm/api';
import { endTaskPort } from './poolTaskEnd.mjs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

register();
const { runSweepTask } = await import(pathToFileURL(join(process.cwd(), 'src/experiments/siameseSweepTask.ts')).href);

/** One run per call; the module (tfjs backend, loaded benchmarks) stays alive between calls. */
export default async function run({ task, port }) {
  try {
    return await runSweepTask(task);
  } finally {
    endTaskPort(port);
  }
}
