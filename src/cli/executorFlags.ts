/**
 * The flags every study command shares: where its runs execute, and stopping
 * it cleanly on Ctrl-C / SIGTERM / a lost parent (finished runs stay stored).
 */
import { checkExecutorConfig, interruptOnSignals, interruptedExitCode, type ExecutorConfig } from '../engine/index.js';

/** Flags that take a value. */
export const EXECUTOR_FLAGS = ['--executor', '--threads', '--redis', '--queue'] as const;

export const EXECUTOR_USAGE = `  --executor in-thread|pool|queue   where runs execute (default: the profile's, a pool of worker threads)
  --threads N                  worker threads of the pool (default: the profile's)
  --redis redis://HOST:PORT    put the runs on the BullMQ queue at this Redis (implies --executor queue);
                               serve it with \`npx nas worker --redis URL\` on any machine with this commit and the data
  --queue NAME                 queue name (default nas-runs)`;

/** The executor the flags in `options` ask for, starting from the profile's `fallback`. */
export function executorFromFlags(options: ReadonlyMap<string, string | undefined>, fallback: ExecutorConfig): ExecutorConfig {
  let kind = options.get('--executor') ?? (options.has('--redis') ? 'queue' : fallback.kind);
  if (options.has('--executor') && !['in-thread', 'pool', 'queue'].includes(kind)) {
    throw new Error(`--executor must be in-thread, pool or queue, got ${JSON.stringify(kind)}`);
  }
  if (options.has('--threads') && !options.has('--executor') && !options.has('--redis')) kind = 'pool';
  let executor: ExecutorConfig;
  if (kind === 'queue') {
    const url = options.get('--redis') ?? (fallback.kind === 'queue' ? fallback.url : undefined);
    if (!url) throw new Error('--executor queue needs --redis redis://HOST:PORT');
    const queue = options.get('--queue') ?? (fallback.kind === 'queue' ? fallback.queue : undefined);
    executor = { kind: 'queue', url, ...(queue ? { queue } : {}) };
  } else if (kind === 'pool') {
    const raw = options.get('--threads');
    const threads = raw === undefined ? (fallback.kind === 'pool' ? fallback.threads : undefined) : Number(raw);
    executor = { kind: 'pool', ...(threads === undefined ? {} : { threads }) };
  } else {
    executor = { kind: 'in-thread' };
  }
  checkExecutorConfig(executor, '--executor');
  return executor;
}

/** Runs a study command so that SIGINT / SIGTERM / SIGHUP or a lost parent stop it (exit 130 / 143 / 129). */
export async function runInterruptibly(command: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const interruption = interruptOnSignals();
  try {
    return await command(interruption.signal);
  } catch (err) {
    if (interruption.signal.aborted) {
      process.stderr.write(`${(err as Error).message}\n`);
      return interruptedExitCode(interruption.cause());
    }
    throw err;
  } finally {
    interruption.dispose();
  }
}
