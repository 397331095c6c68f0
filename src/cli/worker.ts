/**
 * `nas worker --redis URL [--concurrency N]`: serves the study run queue on
 * this machine (src/engine/queueWorker.ts). Start it on every machine that
 * has this repository at the submitter's commit (set up with
 * environment/setup.sh) and the same data files; stop it with Ctrl-C or
 * SIGTERM (running jobs go back to the queue for another worker).
 */
import { initBackend } from '../backend.js';
import { DEFAULT_QUEUE, interruptOnSignals, serveQueue } from '../engine/index.js';
import { UsageError, integerOption, parseCommandArgs, runCommand, stringOption, type CommandSpec } from './options.js';

export const WORKER_COMMAND: CommandSpec = {
  usage: 'nas worker',
  summary:
    'Serves the study run queue on this machine: runs of every study (renas, fairnas, siamese) submitted with --redis URL or executor { kind: "queue", url }. Jobs from another code or data version are refused with an error naming both versions.',
  options: [
    { name: 'redis', value: 'redis://HOST:PORT', help: 'the Redis server the studies enqueue to (required)' },
    { name: 'concurrency', value: 'N', help: 'jobs at once, one worker thread each (one per core is typical)', default: '1' },
    { name: 'queue', value: 'NAME', help: "queue name (must match the submitter's)", default: DEFAULT_QUEUE },
    { name: 'lock-ms', value: 'N', help: "job lock in ms: a killed worker's job is retried after at most about this long", default: '30000' },
  ],
};

export interface WorkerArgs {
  readonly url: string;
  readonly concurrency: number;
  readonly queue: string;
  readonly lockMs: number;
}

export function parseWorkerArgs(args: readonly string[]): WorkerArgs | 'help' {
  const options = parseCommandArgs(WORKER_COMMAND, args);
  if (options === 'help') return 'help';
  const url = stringOption(options, 'redis');
  if (!url) throw new UsageError('nas worker: --redis redis://HOST:PORT is required', WORKER_COMMAND);
  return {
    url,
    concurrency: integerOption(options, 'concurrency', 1) ?? 1,
    queue: stringOption(options, 'queue') ?? DEFAULT_QUEUE,
    lockMs: integerOption(options, 'lock-ms', 1) ?? 30_000,
  };
}

export function workerCommand(args: string[]): Promise<number> {
  return runCommand(WORKER_COMMAND, () => parseWorkerArgs(args), serveWorker);
}

async function serveWorker(parsed: WorkerArgs): Promise<number> {
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
