/**
 * The results folder of a study: one JSON file per finished run, named by its
 * key, written atomically (temp file, fsync, rename) as each run finishes. A
 * file that cannot be read back (truncated, not JSON, another config under
 * the key) is moved aside with a warning and that run is recomputed; the
 * other runs are still used.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { stableStringify } from '../core/runCache.js';
import { writeFileAtomic } from '../core/atomicWrite.js';
import { fromWire, toWire } from './wire.js';

interface StoredRun {
  readonly key: string;
  readonly label: string;
  readonly config: unknown;
  readonly result: unknown;
  readonly finishedAt: string;
  readonly computedBy: string;
}

export class RunStore<R> {
  constructor(
    readonly dir: string,
    private readonly warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
  ) {}

  file(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  /** The stored result of `key` (whose config must equal `config`), or undefined. Damaged files are moved aside. */
  get(key: string, config: unknown): R | undefined {
    const path = this.file(key);
    if (!existsSync(path)) return undefined;
    let entry: StoredRun;
    try {
      entry = JSON.parse(readFileSync(path, 'utf8')) as StoredRun;
      if (!entry || typeof entry !== 'object' || entry.key !== key || !('result' in entry) || !('config' in entry)) {
        throw new Error('not a run file of this key (fields key, config, result)');
      }
    } catch (err) {
      this.moveAside(path, (err as Error).message);
      return undefined;
    }
    if (stableStringify(entry.config) !== stableStringify(toWire(config))) {
      this.moveAside(path, 'it holds a different config under the same key');
      return undefined;
    }
    return fromWire(entry.result) as R;
  }

  put(key: string, label: string, config: unknown, result: R, computedBy: string): void {
    const entry: StoredRun = { key, label, config: toWire(config), result: toWire(result), finishedAt: new Date().toISOString(), computedBy };
    writeFileAtomic(this.file(key), JSON.stringify(entry));
  }

  /** Keys of the runs stored. */
  keys(): string[] {
    return existsSync(this.dir) ? readdirSync(this.dir).filter((f) => /^[0-9a-f]{16}\.json$/.test(f)).map((f) => f.slice(0, 16)) : [];
  }

  private moveAside(path: string, why: string): void {
    const aside = `${path}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    mkdirSync(this.dir, { recursive: true });
    try {
      renameSync(path, aside);
      this.warn(`run cache: ${path} could not be used (${why}); moved it to ${aside} and that run will be recomputed`);
    } catch {
      // Another process moved it first.
    }
  }
}
