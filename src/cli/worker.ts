/**
 * `nas worker --redis URL [--concurrency N]`: serves the study run queue on
 * this machine (src/engine/queueWorker.ts). Start it on every machine that
 * has this repository at the submitter's commit (set up with
 * environment/setup.sh) and the same data files; stop it with Ctrl-C or
 * SIGTERM (running jobs go back to the queue for another worker).
 */
import { parseArgs } from 'node:util';
import { initBackend } from '../backend.js';
import { DEFAULT_QUEUE, interruptOnSignals, serveQueue } from '../engine/index.js';

export const WORKER_USAGE = `usage: nas worker --redis redis://HOST:PORT [options]
  --redis URL          the Redis server the studies enqueue to (required)
  --concurrency N      jobs at once, one worker thread each (default 1; one per core is typical)
  --queue NAME         queue name (default ${DEFAULT_QUEUE}; must match the submitter's)
  --lock-ms N          job lock in ms: a killed worker's job is retried after at most about this long (default 30000)
Serves runs of every study (renas, fairnas, siamese) submitted with --redis URL or executor { kind: "queue", url }.
Jobs from another code or data version are refused with an error naming both versions.`;

export interface WorkerArgs {
  readonly url: string;
  readonly concurrency: number;
  readonly queue: string;
  readonly lockMs: number;
}

function positive(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1) throw new Error(`nas worker: ${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  return v;
}

export function parseWorkerArgs(args: readonly string[]): WorkerArgs | 'help' {
  const { values } = parseArgs({
    args: [...args],
    options: {
      redis: { type: 'string' },
      concurrency: { type: 'string' },
      queue: { type: 'string' },
      'lock-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  if (!values.redis) throw new Error(`nas worker: --redis redis://HOST:PORT is required\n${WORKER_USAGE}`);
  return {
    url: values.redis,
    concurrency: positive('--concurrency', values.concurrency, 1),
    queue: values.queue ?? DEFAULT_QUEUE,
    lockMs: positive('--lock-ms', values['lock-ms'], 30_000),
  };
}

export async function workerCommand(args: string[]): Promise<number> {
  let parsed: WorkerArgs | 'help';
  try {
    parsed = parseWorkerArgs(args);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  if (parsed === 'help') {
    process.stdout.write(`${WORKER_USAGE}\n`);
    return 0;
  }
  const backend = await initBackend();
  process.stderr.write(`backend (of this process; each worker thread picks its own): ${backend.describe()}\n`);
  const interruption = interruptOnSignals();
  try {
    const summary = await serveQueue({ url: parsed.url, queue: parsed.queue, concurrency: parsed.concurrency, lockMs: parsed.lockMs, signal: interruption.signal });
    return summary.failed > 0 ? 1 : 0;
  } finally {
    interruption.dispose();
  }
}
