/**
 * Versions a run's result depends on beyond its config. The data version
 * (the manifest's checksums) goes into every run key, so new data files never
 * reuse old results. The code version (a hash of src/ and the lock file) is
 * what a queue worker compares with a submitter's before computing: a
 * worker on another commit refuses the job instead of returning a different
 * result under the same key. It is not in the key: a study bumps its own
 * `version` field when a change alters its results, so unrelated edits keep
 * the cache.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { configKey } from '../core/configKey.js';

let dataMemo: { root: string; version: string } | undefined;
let codeMemo: { root: string; version: string } | undefined;

const root = (): string => process.cwd();

/** sha256 (16 hex) of data/manifest.json: the checksums of every benchmark file. */
export function dataVersion(): string {
  const r = root();
  if (dataMemo?.root === r) return dataMemo.version;
  const manifest = join(r, 'data', 'manifest.json');
  const version = existsSync(manifest) ? createHash('sha256').update(readFileSync(manifest)).digest('hex').slice(0, 16) : 'no-manifest';
  dataMemo = { root: r, version };
  return version;
}

function sourceFiles(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (/\.(ts|mts|mjs|js|json)$/.test(name)) out.push(path);
  }
}

/** sha256 (16 hex) of every source file under src/ (path and bytes) and package-lock.json. */
export function codeVersion(): string {
  const r = root();
  if (codeMemo?.root === r) return codeMemo.version;
  const files: string[] = [];
  sourceFiles(join(r, 'src'), files);
  const lock = join(r, 'package-lock.json');
  if (existsSync(lock)) files.push(lock);
  const hash = createHash('sha256');
  for (const f of files) hash.update(relative(r, f)).update('\0').update(readFileSync(f)).update('\0');
  codeMemo = { root: r, version: hash.digest('hex').slice(0, 16) };
  return codeMemo.version;
}

/** The key of a run: its full config and the data version, hashed. */
export function runKey(config: unknown): string {
  return configKey({ run: config, data: dataVersion() });
}
