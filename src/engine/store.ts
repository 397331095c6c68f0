/**
 * The results folder of a study: one JSON file per finished run, named by its
 * key, written atomically (temp file, fsync, rename) as each run finishes. A
 * file that cannot be read back (truncated, not JSON, another config under
 * the key) is moved aside with a warning and that run is recomputed; the
 * other runs are still used.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readRegularText } from '../core/files.js';
import { join } from 'node:path';
import { configKey, stableStringify } from '../core/configKey.js';
import { writeFileAtomic } from '../core/atomicWrite.js';
import { moveAsideDamaged } from '../core/damagedFile.js';
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

  /**
   * The stored result of `key` (whose config must equal `config`), or
   * undefined. Damaged files are moved aside; `check` says what is wrong with
   * a result that parses but is not a whole result (fields missing), which
   * counts as damage too.
   */
  get(key: string, config: unknown, check?: (result: R) => string | undefined): R | undefined {
    const path = this.file(key);
    if (!existsSync(path)) return undefined;
    const before = fileIdentity(path);
    if (before === undefined) return undefined; // moved aside by another process just now
    // A file that cannot be read (permissions, too many open files) is not damage: that error propagates.
    const text = readRegularText(path, 'run file');
    let entry: StoredRun;
    try {
      entry = JSON.parse(text) as StoredRun;
      if (!entry || typeof entry !== 'object' || entry.key !== key || !('result' in entry) || !('config' in entry)) {
        throw new Error('not a run file of this key (fields key, config, result)');
      }
    } catch (err) {
      return this.moveAsideUnlessReplaced(path, before, (err as Error).message, () => this.get(key, config, check));
    }
    if (stableStringify(entry.config) !== stableStringify(toWire(config))) {
      return this.moveAsideUnlessReplaced(path, before, 'it holds a different config under the same key', () => this.get(key, config, check));
    }
    const result = fromWire(entry.result) as R;
    const problem = check?.(result);
    if (problem !== undefined) {
      return this.moveAsideUnlessReplaced(path, before, `its result ${problem}`, () => this.get(key, config, check));
    }
    return result;
  }

  /**
   * Moves a damaged file aside, unless another process replaced it since it
   * was read (a notebook and the CLI share results folders): then the new
   * file is read instead, once.
   */
  private moveAsideUnlessReplaced(path: string, read: string | undefined, why: string, reread: () => R | undefined): undefined | R {
    const now = fileIdentity(path);
    if (now !== undefined && now !== read) return read === undefined ? undefined : reread();
    this.moveAside(path, why);
    return undefined;
  }

  /** `get` keyed by the hash of `config` itself, for caches whose key is their config. */
  getByConfig(config: unknown, check?: (result: R) => string | undefined): R | undefined {
    return this.get(configKey(config), config, check);
  }

  /** `put` keyed by the hash of `config`. */
  putByConfig(config: unknown, label: string, result: R): void {
    this.put(configKey(config), label, config, result, `pid ${process.pid}`);
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
    moveAsideDamaged(path, why, 'run cache', this.warn);
  }
}

/** Inode, size and mtime of a file, or undefined when it is gone. */
function fileIdentity(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/** For `check`: which of `fields` a result lacks, as "lacks fields a, b", or undefined. */
export function missingFields(result: unknown, fields: readonly string[]): string | undefined {
  if (!result || typeof result !== 'object') return `is ${result === null ? 'null' : typeof result}, not an object`;
  const missing = fields.filter((f) => (result as Record<string, unknown>)[f] === undefined);
  return missing.length ? `lacks field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` : undefined;
}
