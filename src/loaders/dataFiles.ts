/**
 * Finding and verifying benchmark files. The data folder is searched in this
 * order: `NAS_DATA_DIR`, `./data`, `../shared/data`. Every file the project
 * reads is listed in `data/manifest.json` with its checksum and source, so a
 * missing or corrupt file gets an error that says what, where we looked, and
 * where to get it.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface ManifestEntry {
  /** Path relative to the data folder (a file, or a folder for optional sets). */
  path: string;
  sha256: string | null;
  required: boolean;
  what: string;
  source: string;
}

export interface DataDir {
  readonly dir: string;
  readonly via: string;
}

export class DataFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataFileError';
  }
}

const MANIFEST_PATH = 'data/manifest.json';

const manifestMemo = new Map<string, ManifestEntry[]>();

/** The manifest, read from the repository (`data/manifest.json` under the working directory). */
export function readManifest(root: string = process.cwd()): ManifestEntry[] {
  const memo = manifestMemo.get(root);
  if (memo) return memo;
  const path = join(root, MANIFEST_PATH);
  if (!existsSync(path)) throw new DataFileError(`data manifest ${resolve(path)} not found: run from the repository root`);
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { files?: ManifestEntry[] };
  if (!Array.isArray(parsed.files)) throw new DataFileError(`data manifest ${resolve(path)} has no "files" list`);
  manifestMemo.set(root, parsed.files);
  return parsed.files;
}

/** The candidate data folders, in search order, each with how it was chosen. */
export function dataSearchDirs(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): DataDir[] {
  const dirs: DataDir[] = [];
  const fromEnv = env['NAS_DATA_DIR'];
  if (fromEnv) dirs.push({ dir: resolve(cwd, fromEnv), via: 'NAS_DATA_DIR' });
  dirs.push({ dir: resolve(cwd, 'data'), via: './data' });
  dirs.push({ dir: resolve(cwd, '..', 'shared', 'data'), via: '../shared/data' });
  return dirs;
}

function manifestEntry(relPath: string): ManifestEntry | undefined {
  return readManifest().find((e) => e.path === relPath);
}

/** Where `relPath` is, or undefined; no checksum is verified. */
export function findDataPath(relPath: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const { dir } of dataSearchDirs(env)) {
    const candidate = join(dir, relPath);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function missingMessage(relPath: string, env: NodeJS.ProcessEnv): string {
  const entry = manifestEntry(relPath);
  const looked = dataSearchDirs(env).map(({ dir, via }) => `  - ${join(dir, relPath)} (${via})`);
  return [
    `data file ${relPath} not found${entry ? ` (${entry.what})` : ''}.`,
    'Looked in:',
    ...looked,
    `Get it from: ${entry?.source ?? 'see data/manifest.json'}, then put it under one of those folders or point NAS_DATA_DIR at its data folder.`,
  ].join('\n');
}

const verified = new Map<string, string>();

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The absolute path of a data file, its checksum verified against the
 * manifest (once per process and file). Throws a `DataFileError` naming the
 * file, every folder searched and the source when it is missing or corrupt.
 */
export async function resolveDataFile(relPath: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const path = findDataPath(relPath, env);
  if (!path) throw new DataFileError(missingMessage(relPath, env));
  const expected = manifestEntry(relPath)?.sha256;
  if (expected && statSync(path).isFile() && verified.get(path) !== expected) {
    const actual = await sha256File(path);
    if (actual !== expected) {
      throw new DataFileError(
        `data file ${path} is corrupt or a different version: sha256 ${actual}, expected ${expected} (data/manifest.json). ` +
          `Get it again from: ${manifestEntry(relPath)?.source}`,
      );
    }
    verified.set(path, expected);
  }
  return path;
}

export interface DataCheckRow {
  path: string;
  required: boolean;
  status: 'ok' | 'missing' | 'corrupt' | 'present (not checksummed)';
  location?: string;
  bytes?: number;
  detail?: string;
}

/** Checks every manifest entry; used by `npm run data:check` and the quickstart notebook. */
export async function checkData(env: NodeJS.ProcessEnv = process.env): Promise<DataCheckRow[]> {
  const rows: DataCheckRow[] = [];
  for (const entry of readManifest()) {
    const location = findDataPath(entry.path, env);
    if (!location) {
      rows.push({ path: entry.path, required: entry.required, status: 'missing', detail: missingMessage(entry.path, env) });
      continue;
    }
    const st = statSync(location);
    const bytes = st.isFile() ? st.size : undefined;
    if (!entry.sha256 || !st.isFile()) {
      rows.push({ path: entry.path, required: entry.required, status: 'present (not checksummed)', location, bytes });
      continue;
    }
    try {
      await resolveDataFile(entry.path, env);
      rows.push({ path: entry.path, required: entry.required, status: 'ok', location, bytes });
    } catch (err) {
      rows.push({ path: entry.path, required: entry.required, status: 'corrupt', location, bytes, detail: (err as Error).message });
    }
  }
  return rows;
}
