// Worker-thread entry of RenasWorkerPool (renasWorkers.ts). Plain ESM
// JavaScript on purpose: a worker needs a real file on disk, and this one
// loads the same way whether the pool was started from tsx (tests, CLI) or
// from a tslab notebook kernel (which compiles src/ to CommonJS in memory
// only). It registers tsx in this thread, then imports the TypeScript worker
// module from the repository root (process.cwd(), inherited from the parent).
import { register } from 'tsx/esm/api';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

register();
const { serveRenasFitWorker } = await import(pathToFileURL(join(process.cwd(), 'src', 'experiments', 'renasWorkers.ts')).href);
await serveRenasFitWorker();
