/**
 * Finding and verifying benchmark files. The data folder is searched in this
 * order: `NAS_DATA_DIR`, `./data`, `../shared/data`. Every file the project
 * reads is listed in `data/manifest.json` with its checksum and source, so a
 * missing or corrupt file gets an error that says what, where we looked, and
 * where to get it.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataFileError, openRegularFile, parseJsonText, readRegularFile, readRegularText } from '../core/files.js';

export { DataFileError } from '../core/files.js';

export interface ManifestEntry {
  /** Path relative to the data folder (a file, or a folder for optional sets). */
  path: string;
  sha256: string | null;
  required: boolean;
  what: string;
  source: string;
  /** Largest size the file can have (bytes); a bigger file is refused before it is read. */
  maxBytes?: number;
}

export interface DataDir {
  readonly dir: string;
  readonly via: string;
}

const MANIFEST_PATH = 'data/manifest.json';

const manifestMemo = new Map<string, ManifestEntry[]>();

/** Checks one manifest entry's fields; the error names the manifest, the entry and the field. */
function checkManifestEntry(path: string, i: number, raw: unknown): ManifestEntry {
  const fail = (why: string): never => {
    throw new DataFileError(`data manifest ${path}: files[${i}] ${why}; fix data/manifest.json (git checkout data/manifest.json restores it)`);
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('is not an object');
  const e = raw as Record<string, unknown>;
  for (const field of ['path', 'what', 'source'] as const) {
    if (typeof e[field] !== 'string' || e[field] === '') fail(`field "${field}" is not a non-empty string`);
  }
  if (typeof e['required'] !== 'boolean') fail('field "required" is not true or false');
  if (e['sha256'] !== null && (typeof e['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(e['sha256']))) {
    fail('field "sha256" is neither null nor 64 lowercase hex digits');
  }
  if (e['maxBytes'] !== undefined && !(Number.isSafeInteger(e['maxBytes']) && (e['maxBytes'] as number) > 0)) {
    fail('field "maxBytes" is not a positive integer');
  }
  const rel = e['path'] as string;
  if (rel.startsWith('/') || rel.split('/').includes('..')) fail(`field "path" ${JSON.stringify(rel)} is not a path inside the data folder`);
  return e as unknown as ManifestEntry;
}

/** The manifest, read from the repository (`data/manifest.json` under the working directory), every entry checked. */
export function readManifest(root: string = process.cwd()): ManifestEntry[] {
  const memo = manifestMemo.get(root);
  if (memo) return memo;
  const path = resolve(join(root, MANIFEST_PATH));
  if (!existsSync(path)) throw new DataFileError(`data manifest ${path} not found: run from the repository root`);
  const parsed = parseJsonText(readRegularText(path, 'data manifest', 2 ** 20), path, 'data manifest') as { files?: unknown };
  if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.files)) {
    throw new DataFileError(`data manifest ${path} has no "files" list; fix data/manifest.json (git checkout data/manifest.json restores it)`);
  }
  const files = parsed.files.map((raw, i) => checkManifestEntry(path, i, raw));
  manifestMemo.set(root, files);
  return files;
}

/**
 * The candidate data folders, in search order, each with how it was chosen.
 * A `NAS_DATA_DIR` that is set but missing, not a folder, or empty is an
 * error: silently falling back to another folder would verify and load data
 * the user did not point at. (A file it lacks is still looked for in the
 * other folders; `nas data check` names the folder each file came from.)
 */
export function dataSearchDirs(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): DataDir[] {
  const dirs: DataDir[] = [];
  const fromEnv = env['NAS_DATA_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') {
    const dir = resolve(cwd, fromEnv);
    checkEnvDataDir(dir);
    dirs.push({ dir, via: 'NAS_DATA_DIR' });
  }
  dirs.push({ dir: resolve(cwd, 'data'), via: './data' });
  dirs.push({ dir: resolve(cwd, '..', 'shared', 'data'), via: '../shared/data' });
  return dirs;
}

function checkEnvDataDir(dir: string): void {
  const remedy = 'point NAS_DATA_DIR at the folder holding nasbench101/, nasbench201/, cifar10/ (see data/README.md), or unset it to use ./data and ../shared/data';
  if (!existsSync(dir)) throw new DataFileError(`NAS_DATA_DIR=${dir} does not exist: ${remedy}`);
  if (!statSync(dir).isDirectory()) throw new DataFileError(`NAS_DATA_DIR=${dir} is not a folder: ${remedy}`);
  let entries: string[];
  try {
    entries = readdirSync(dir).filter((name) => !name.startsWith('.'));
  } catch (err) {
    throw new DataFileError(`NAS_DATA_DIR=${dir} cannot be listed (${(err as Error).message}): ${remedy}`);
  }
  if (entries.length === 0) throw new DataFileError(`NAS_DATA_DIR=${dir} is empty: ${remedy}`);
}

function manifestEntry(relPath: string): ManifestEntry | undefined {
  return readManifest().find((e) => e.path === relPath);
}

/** Where `relPath` is, or undefined; no checksum is verified. */
export function findDataPath(relPath: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findDataLocation(relPath, env)?.path;
}

/** Where `relPath` is and which data folder it came from, or undefined. */
export function findDataLocation(relPath: string, env: NodeJS.ProcessEnv = process.env): { path: string; from: DataDir } | undefined {
  for (const from of dataSearchDirs(env)) {
    const candidate = join(from.dir, relPath);
    if (entryExists(candidate)) return { path: candidate, from };
  }
  return undefined;
}

/**
 * Whether anything is at `path`, a broken symbolic link included: a link the
 * user put in a data folder is theirs to fix, not a reason to read the same
 * file from the next folder instead.
 */
function entryExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
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

function checksumMismatch(path: string, relPath: string, actual: string, expected: string): DataFileError {
  return new DataFileError(
    `data file ${path} is corrupt or a different version: sha256 ${actual}, expected ${expected} (data/manifest.json). ` +
      `Get it again from: ${manifestEntry(relPath)?.source}`,
  );
}

export interface DataFileBytes {
  /** Absolute path of the file read. */
  readonly path: string;
  /** Its bytes: exactly the bytes whose checksum was verified. */
  readonly bytes: Buffer;
}

/**
 * Reads a data file once and verifies the manifest checksum of those very
 * bytes, so what a loader parses is what was verified. Only a regular file
 * (after links) is read; a directory or special file at the path, a file over
 * the manifest's `maxBytes`, or a checksum mismatch is a `DataFileError`
 * naming the file, every folder searched and the source.
 */
export function readDataFile(relPath: string, env: NodeJS.ProcessEnv = process.env): DataFileBytes {
  const path = findDataPath(relPath, env);
  if (!path) throw new DataFileError(missingMessage(relPath, env));
  const entry = manifestEntry(relPath);
  const bytes = readRegularFile(path, 'data file', entry?.maxBytes);
  if (entry?.sha256) {
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== entry.sha256) throw checksumMismatch(path, relPath, actual, entry.sha256);
  }
  return { path, bytes };
}

/**
 * The absolute path of a data file, its checksum verified against the
 * manifest. For readers that stream a file too large to hold (the
 * NAS-Bench-101 TFRecord); loaders that parse the whole file use
 * `readDataFile`, which verifies the bytes it returns.
 */
export async function resolveDataFile(relPath: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const path = findDataPath(relPath, env);
  if (!path) throw new DataFileError(missingMessage(relPath, env));
  const entry = manifestEntry(relPath);
  const { fd } = openRegularFile(path, 'data file', entry?.maxBytes);
  if (entry?.sha256) {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path, { fd })) hash.update(chunk as Buffer);
    const actual = hash.digest('hex');
    if (actual !== entry.sha256) throw checksumMismatch(path, relPath, actual, entry.sha256);
  } else {
    closeSync(fd);
  }
  return path;
}

export interface DataCheckRow {
  path: string;
  required: boolean;
  status: 'ok' | 'missing' | 'corrupt' | 'present (not checksummed)';
  location?: string;
  /** The data folder the file came from and how it was chosen (NAS_DATA_DIR, ./data, ../shared/data). */
  folder?: DataDir;
  bytes?: number;
  detail?: string;
}

/** Checks every manifest entry; used by `npm run data:check` and the quickstart notebook. */
export async function checkData(env: NodeJS.ProcessEnv = process.env): Promise<DataCheckRow[]> {
  const rows: DataCheckRow[] = [];
  for (const entry of readManifest()) {
    const found = findDataLocation(entry.path, env);
    if (!found) {
      rows.push({ path: entry.path, required: entry.required, status: 'missing', detail: missingMessage(entry.path, env) });
      continue;
    }
    const { path: location, from: folder } = found;
    const st = existsSync(location) ? statSync(location) : undefined;
    const bytes = st?.isFile() ? st.size : undefined;
    if (!entry.sha256) {
      rows.push({ path: entry.path, required: entry.required, status: 'present (not checksummed)', location, folder, bytes });
      continue;
    }
    try {
      await resolveDataFile(entry.path, env);
      rows.push({ path: entry.path, required: entry.required, status: 'ok', location, folder, bytes });
    } catch (err) {
      rows.push({ path: entry.path, required: entry.required, status: 'corrupt', location, folder, bytes, detail: (err as Error).message });
    }
  }
  return rows;
}
