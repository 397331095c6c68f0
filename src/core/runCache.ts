import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomicWrite.js';

/** JSON text with object keys sorted, so equal configs hash equally whatever their key order. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

export function configKey(config: unknown): string {
  return createHash('sha256').update(stableStringify(config)).digest('hex').slice(0, 16);
}

interface CacheEntry<R> {
  key: string;
  config: unknown;
  result: R;
  finishedAt: string;
}

/**
 * A folder holding one JSON file per finished run, named by a hash of the run's
 * full config. Runners ask `get` before working and `put` when done, so a
 * killed sweep resumes where it stopped and a rerun with the same config is free.
 */
export class RunCache<R> {
  constructor(readonly dir: string) {}

  private file(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  get(config: unknown): R | undefined {
    const key = configKey(config);
    const path = this.file(key);
    if (!existsSync(path)) return undefined;
    let entry: CacheEntry<R>;
    try {
      entry = JSON.parse(readFileSync(path, 'utf8')) as CacheEntry<R>;
    } catch (err) {
      throw new Error(`run cache: ${path} is not valid JSON (${(err as Error).message}); delete it to rerun that run`);
    }
    if (stableStringify(entry.config) !== stableStringify(config)) {
      throw new Error(`run cache: ${path} holds a different config under the same key; delete it to rerun that run`);
    }
    return entry.result;
  }

  put(config: unknown, result: R): void {
    const key = configKey(config);
    const entry: CacheEntry<R> = { key, config, result, finishedAt: new Date().toISOString() };
    writeFileAtomic(this.file(key), JSON.stringify(entry));
  }

  /** Returns the cached result or computes, stores and returns it. */
  async getOrRun(config: unknown, run: () => Promise<R>): Promise<R> {
    const hit = this.get(config);
    if (hit !== undefined) return hit;
    const result = await run();
    this.put(config, result);
    return result;
  }

  /** Number of finished runs stored. */
  size(): number {
    return existsSync(this.dir) ? readdirSync(this.dir).filter((f) => f.endsWith('.json')).length : 0;
  }
}
