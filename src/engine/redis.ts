/** Redis connection options for BullMQ from a URL, with a clear error for a bad one. */
import type { RedisOptions } from 'bullmq';

export const DEFAULT_QUEUE = 'nas-runs';

export function redisOptions(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`queue: ${JSON.stringify(url)} is not a Redis URL; use redis://HOST:PORT (e.g. redis://127.0.0.1:6379)`);
  }
  if (parsed.protocol !== 'redis:') throw new Error(`queue: ${JSON.stringify(url)} must start with redis:// (got ${parsed.protocol})`);
  const port = parsed.port ? Number(parsed.port) : 6379;
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new Error(`queue: database ${JSON.stringify(parsed.pathname.slice(1))} in ${url} is not a number`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port,
    db,
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    // BullMQ's blocking connections need this; a down server then waits instead of failing each command.
    maxRetriesPerRequest: null,
    // Fail fast with a clear message when nothing listens, instead of retrying for ever.
    retryStrategy: (times: number) => (times > 20 ? null : Math.min(100 * times, 2000)),
  };
}

/** What a job carries (BullMQ job data). */
export interface QueueJobData {
  readonly study: string;
  readonly label: string;
  readonly ref: { readonly module: string; readonly export: string };
  readonly taskText: string;
  /** The submitter's code and data versions: a worker whose own differ refuses the job. */
  readonly codeVersion: string;
  readonly dataVersion: string;
  readonly submittedBy: string;
}
