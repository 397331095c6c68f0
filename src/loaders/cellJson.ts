/**
 * The per-cell JSON benchmark format of the Siamese-NAS / MOTE-NAS code: one
 * `<id>.json` per architecture, in a folder or in a zip read in memory (never
 * unpacked to disk). `readCellJsonArchive` is the shared reader of the family;
 * `loadNb201` turns the NAS-Bench-201 files into a `Benchmark<Nb201Arch>`.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { createBenchmark } from '../core/benchmark.js';
import type { BenchRecord, Benchmark } from '../core/types.js';
import {
  type Nb201Arch,
  type Nb201Dataset,
  NB201_DATASETS,
  NB201_EDGES,
  NB201_NUM_EDGES,
  NB201_SPACE_SIZE,
  nb201OpIndex,
  validateNb201Arch,
} from '../spaces/nb201.js';
import { type NumberRule, DataValueError, FRACTION, NON_NEGATIVE, checkNumber, describeValue } from '../core/checks.js';
import { findDataPath, readDataFile } from './dataFiles.js';
import { DataFileError, fileKind, fsErrorMessage, parseJsonText, readRegularFile, statPath } from '../core/files.js';
import { type ZipDirectoryEntry, ZipFormatError, checkZipEntry, readZipDirectory } from './zipDirectory.js';

/** A cell file that is not what the format says; names the file and, where known, the field. */
export class CellJsonError extends DataValueError {
  constructor(
    /** The file: `<entry> (in <zip>)` or a path on disk. */
    file: string,
    field: string | undefined,
    what: string,
  ) {
    super(`cell file ${file}`, undefined, field, what);
    this.name = 'CellJsonError';
  }
}

/** Largest cell file accepted: NAS-Bench-201 cells are about 2 KB, so anything this big is not a cell file (or a zip bomb). */
export const MAX_CELL_FILE_BYTES = 2 ** 20;
/** Largest cell archive read into memory (the NAS-Bench-201 zip is 57 MB). */
export const MAX_CELL_ARCHIVE_BYTES = 2 ** 30;

export interface CellJsonEntry {
  /** Path of the file inside the archive with `/` separators; for a folder, prefixed by the folder's own name. */
  readonly name: string;
  /** Where the file is, for messages. */
  readonly location: string;
  readonly json: unknown;
}

export interface ReadCellJsonOptions {
  /** Keeps only the entries whose `name` passes (the `.json` suffix is already required). */
  readonly filter?: (name: string) => boolean;
}

interface ZipBytes {
  readonly size: number;
  readonly mtimeMs: number;
  readonly bytes: Uint8Array;
  /** Whether these bytes passed the manifest checksum. */
  readonly verified: boolean;
  directory?: Map<string, ZipDirectoryEntry>;
}

// The zip's bytes stay in memory for the process so that loading several
// datasets (or reloading in a notebook) reads the file once.
const zipCache = new Map<string, ZipBytes>();
const nb201Cache = new Map<string, { size: number; mtimeMs: number; bench: Benchmark<Nb201Arch> }>();

function cachedZip(path: string): ZipBytes | undefined {
  const st = statPath(path, 'cell archive');
  const cached = zipCache.get(path);
  return cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs ? cached : undefined;
}

// Data-folder zips (absolute path → manifest path): whenever one is (re)read, its checksum is verified.
const dataZips = new Map<string, string>();

function zipBytes(path: string): ZipBytes {
  const cached = cachedZip(path);
  if (cached) return cached;
  const relPath = dataZips.get(path);
  if (relPath !== undefined) return readVerifiedZip(relPath);
  const st = statPath(path, 'cell archive');
  const bytes = readRegularFile(path, 'cell archive', MAX_CELL_ARCHIVE_BYTES);
  const zip: ZipBytes = { size: st.size, mtimeMs: st.mtimeMs, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), verified: false };
  zipCache.set(path, zip);
  return zip;
}

/** Reads a data-folder zip through `readDataFile` (checksum verified on the bytes kept) and caches it. */
function readVerifiedZip(relPath: string): ZipBytes {
  const file = readDataFile(relPath);
  const abs = resolve(file.path);
  const st = statPath(abs, 'cell archive');
  if (st.size !== file.bytes.length) throw new DataFileError(`data file ${abs} changed while it was read; try again when it is complete`);
  const zip: ZipBytes = { size: st.size, mtimeMs: st.mtimeMs, bytes: new Uint8Array(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength), verified: true };
  zipCache.set(abs, zip);
  dataZips.set(abs, relPath);
  return zip;
}

/**
 * The data folder's file `relPath` as a cell archive, its checksum verified
 * on the very bytes kept (once per process while the file is unchanged; a
 * changed file is verified again when it is next read).
 */
function verifiedDataZip(relPath: string): string {
  const path = findDataPath(relPath);
  if (path !== undefined && cachedZip(resolve(path))?.verified) return resolve(path);
  readVerifiedZip(relPath);
  return resolve(findDataPath(relPath)!);
}

/** Whether a source is a folder (else it must be a regular file: a zip); throws naming the path otherwise. */
function isFolder(abs: string): boolean {
  const st = statPath(abs, 'cell JSON source (a zip or a folder of <id>.json files)');
  if (st.isDirectory()) return true;
  if (!st.isFile()) throw new DataFileError(`cell JSON source ${abs} is ${fileKind(st)}, expected a zip file or a folder of <id>.json files`);
  return false;
}

function isCellFileName(name: string): boolean {
  return name.endsWith('.json') && !name.endsWith('/') && !name.split('/').some((part) => part.startsWith('.') || part === '__MACOSX');
}

/**
 * Every cell file under a folder, following symbolic links (a linked file or
 * folder counts as what it points at). Entries that cannot be read (dangling
 * links, pipes, sockets, devices, unreadable folders, link loops) are all
 * collected and reported in one error rather than skipped.
 */
function walkJsonFiles(root: string): string[] {
  const out: string[] = [];
  const problems: string[] = [];
  const seenDirs = new Set<string>();
  const walk = (rel: string, depth: number): void => {
    const dir = rel === '' ? root : join(root, rel);
    let real: string;
    let names: string[];
    try {
      real = realpathSync(dir);
      names = readdirSync(dir);
    } catch (err) {
      problems.push(fsErrorMessage(dir, 'folder', err));
      return;
    }
    if (seenDirs.has(real) || depth > 32) {
      problems.push(`folder ${dir} leads back to ${real} (a symbolic-link loop)`);
      return;
    }
    seenDirs.add(real);
    for (const name of names.sort()) {
      const child = rel === '' ? name : `${rel}/${name}`;
      if (name.startsWith('.') || name === '__MACOSX') continue;
      const path = join(root, child);
      let st;
      try {
        st = statSync(path);
      } catch (err) {
        problems.push(fsErrorMessage(path, 'entry', err));
        continue;
      }
      if (st.isDirectory() && isCellFileName(child)) problems.push(`entry ${path} is a directory named like a cell file`);
      else if (st.isDirectory()) walk(child, depth + 1);
      else if (!st.isFile()) problems.push(`entry ${path} is ${fileKind(st)}, not a file or folder`);
      else if (isCellFileName(child)) out.push(child);
    }
    seenDirs.delete(real);
  };
  walk('', 0);
  if (problems.length > 0) {
    throw new DataFileError(
      `cell JSON folder ${root}: ${problems.length} entr${problems.length === 1 ? 'y' : 'ies'} cannot be read; fix or remove ${problems.length === 1 ? 'it' : 'them'}:\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
  }
  return out;
}

/**
 * Unzips the matching entries, each checked against its CRC-32 and size in
 * the central directory, none larger than `MAX_CELL_FILE_BYTES`. fflate
 * `unzipSync` with a filter was measured fastest of fflate's readers
 * (bench/nb201-load.ts); it allocates what the directory declares, so the
 * size bound is applied before anything is inflated.
 */
function unzipEntries(path: string, keep: (name: string) => boolean): Record<string, Uint8Array> {
  const zip = zipBytes(path);
  let files: Record<string, Uint8Array>;
  try {
    zip.directory ??= readZipDirectory(zip.bytes, path);
    files = unzipSync(zip.bytes, {
      filter: (file) => {
        if (!isCellFileName(file.name) || !keep(file.name)) return false;
        if (file.originalSize > MAX_CELL_FILE_BYTES) {
          throw new ZipFormatError(path, file.name, `declares ${file.originalSize} bytes, more than the ${MAX_CELL_FILE_BYTES} a cell file can be: this is not a cell archive`);
        }
        return true;
      },
    });
  } catch (err) {
    if (err instanceof ZipFormatError) throw err;
    throw new ZipFormatError(path, undefined, `is neither a folder nor a readable zip archive of cell JSON files (${(err as Error).message})`);
  }
  for (const [name, data] of Object.entries(files)) checkZipEntry(path, zip.directory.get(name), name, data);
  return files;
}

/** Names (as `readCellJsonArchive` reports them) of every cell JSON file in a folder or zip, sorted. */
export function listCellJsonArchive(path: string): string[] {
  const abs = resolve(path);
  if (isFolder(abs)) return walkJsonFiles(abs).map((rel) => `${basename(abs)}/${rel}`).sort();
  const names: string[] = [];
  unzipEntries(abs, (name) => {
    names.push(name);
    return false;
  });
  return names.sort();
}

/**
 * Every `*.json` file of a folder (recursively) or a zip, parsed, in sorted
 * name order. Throws a `CellJsonError` naming the file when one is not JSON.
 */
export function* readCellJsonArchive(path: string, opts: ReadCellJsonOptions = {}): Generator<CellJsonEntry> {
  const abs = resolve(path);
  const keep = opts.filter ?? (() => true);
  const decoder = new TextDecoder();
  const parse = (text: string, location: string): unknown => {
    try {
      return parseJsonText(text, location, 'cell file');
    } catch (err) {
      throw new CellJsonError(location, undefined, (err as Error).message.replace(`cell file ${location} `, ''));
    }
  };
  if (isFolder(abs)) {
    const prefix = basename(abs);
    for (const rel of walkJsonFiles(abs).sort()) {
      const name = `${prefix}/${rel}`;
      if (!keep(name)) continue;
      const location = join(abs, rel);
      yield { name, location, json: parse(readRegularFile(location, 'cell file', MAX_CELL_FILE_BYTES).toString('utf8'), location) };
    }
    return;
  }
  const files = unzipEntries(abs, keep);
  for (const name of Object.keys(files).sort()) {
    const location = `${name} (in ${abs})`;
    yield { name, location, json: parse(decoder.decode(files[name]), location) };
  }
}

/** Typed access to the fields of one cell file; every failure names the file and the field. */
export class CellJsonFields {
  private readonly obj: Record<string, unknown>;

  constructor(readonly location: string, json: unknown) {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new CellJsonError(location, undefined, `expected a JSON object, got ${describeValue(json)}`);
    }
    this.obj = json as Record<string, unknown>;
  }

  has(field: string): boolean {
    return this.obj[field] !== undefined && this.obj[field] !== null;
  }

  fail(field: string, what: string): never {
    throw new CellJsonError(this.location, field, what);
  }

  raw(field: string): unknown {
    if (!this.has(field)) this.fail(field, 'missing');
    return this.obj[field];
  }

  number(field: string, rule: NumberRule = {}): number {
    return checkNumber(this.raw(field), rule, (reason) => this.fail(field, reason));
  }

  integer(field: string): number {
    return this.number(field, { integer: true });
  }

  array(field: string): unknown[] {
    const v = this.raw(field);
    if (!Array.isArray(v)) this.fail(field, `expected an array, got ${describeValue(v)}`);
    return v;
  }

  numberArray(field: string, minLength = 0): number[] {
    const v = this.array(field);
    if (v.length < minLength) this.fail(field, `expected at least ${minLength} numbers, got ${v.length}`);
    v.forEach((x, i) => checkNumber(x, {}, (reason) => this.fail(field, `element ${i} ${reason}`)));
    return v as number[];
  }

  /** A square 0/1 matrix. */
  binaryMatrix(field: string): number[][] {
    const rows = this.array(field);
    rows.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== rows.length) {
        this.fail(field, `expected a square matrix; row ${i} is ${describeValue(row)} (${rows.length} rows)`);
      }
      row.forEach((x, j) => {
        if (x !== 0 && x !== 1) this.fail(field, `entry [${i}][${j}] is ${describeValue(x)}, expected 0 or 1`);
      });
    });
    return rows as number[][];
  }
}

// ---------------------------------------------------------------- NAS-Bench-201

/** Folder of each dataset in the released zip (MOTE-NAS naming). */
export const NB201_CELL_FOLDERS: Readonly<Record<Nb201Dataset, string>> = {
  cifar10: 'nasbench201_cifar10-10',
  cifar100: 'nasbench201_cifar100-10',
  imagenet16: 'nasbench201_img16-10',
};

export const NB201_CELLS_ZIP = 'nasbench201/nasbench201_cells.zip';

/** Metric name in records ← field of the cell files. All are required. */
const NB201_METRIC_FIELDS: readonly (readonly [string, string, boolean])[] = [
  // [metric, field, is a fraction in 0..1]
  ['test_acc_200', 'test_accuracy_200', true],
  ['train_acc_200', 'train_accuracy_200', true],
  ['test_acc_12', 'test_accuracy_12', true],
  ['train_acc_12', 'train_accuracy_12', true],
  ['train_time_12', 'train_time_12', false],
  ['train_time_200', 'train_time_200', false],
  ['params', 'params', false],
  ['flops', 'flops', false],
  ['latency', 'latency', false],
];

/** Length of the Siamese-NAS estimation code: the first 3 proxy training losses. */
export const ESTIMATION_CODE_LENGTH = 3;

// The files store the node DAG of the cell (always complete), not which edges are `none`;
// `operations` follow arch-string edge order, not the row order of this matrix: with that
// order the 341 cells whose input cannot reach the output are exactly the ones that score
// chance on every dataset (test/celljson.test.ts), with row order they are not.
const NB201_NODE_DAG: readonly (readonly number[])[] = [0, 1, 2, 3].map((i) =>
  [0, 1, 2, 3].map((j) => (NB201_EDGES.some(([a, b]) => a === i && b === j) ? 1 : 0)),
);

/** One NAS-Bench-201 record from a parsed cell file. */
export function nb201RecordFromCellJson(entry: CellJsonEntry): BenchRecord<Nb201Arch> {
  const f = new CellJsonFields(entry.location, entry.json);
  const id = f.integer('id');
  if (id < 0 || id >= NB201_SPACE_SIZE) f.fail('id', `${id} is not a NAS-Bench-201 index (0..${NB201_SPACE_SIZE - 1})`);
  const stem = basename(entry.name, '.json');
  if (/^\d+$/.test(stem) && Number(stem) !== id) f.fail('id', `${id} does not match the file name ${basename(entry.name)}`);

  const adj = f.binaryMatrix('adj_matrix');
  if (JSON.stringify(adj) !== JSON.stringify(NB201_NODE_DAG)) {
    f.fail('adj_matrix', `expected the 4-node cell DAG ${JSON.stringify(NB201_NODE_DAG)}, got ${JSON.stringify(adj)}`);
  }
  const opNames = f.array('operations');
  if (opNames.length !== NB201_NUM_EDGES) {
    f.fail('operations', `expected ${NB201_NUM_EDGES} edge ops (0->1, 0->2, 1->2, 0->3, 1->3, 2->3), got ${opNames.length}`);
  }
  const arch = opNames.map((op, e) => {
    const code = typeof op === 'string' ? nb201OpIndex(op) : -1;
    if (code < 0) f.fail('operations', `edge ${e} has unknown op ${describeValue(op)}`);
    return code;
  });

  const metrics: Record<string, number> = {};
  for (const [metric, field, fraction] of NB201_METRIC_FIELDS) {
    metrics[metric] = f.number(field, fraction ? FRACTION : NON_NEGATIVE);
  }
  const estimationCode = f.numberArray('proxy_losses', ESTIMATION_CODE_LENGTH).slice(0, ESTIMATION_CODE_LENGTH);
  return { id: String(id), arch: validateNb201Arch(arch), metrics, extras: { estimationCode } };
}

export interface LoadNb201Options {
  readonly dataset: Nb201Dataset;
  /** A zip or folder of cell files; default: `nasbench201/nasbench201_cells.zip` from the data folder (checksum verified). */
  readonly source?: string;
}

/** Whether `name` lies directly in a folder called `folder` (at any depth of the archive). */
function inFolder(name: string, folder: string): boolean {
  const parts = name.split('/');
  return parts.length >= 2 && parts[parts.length - 2] === folder;
}

/**
 * NAS-Bench-201 on one dataset: 15,614 records in the released data, id = the
 * NAS-Bench-201 index, sorted by index. Metrics: `test_acc_200` (ground truth),
 * `train_acc_200`, `test_acc_12`, `train_acc_12`, `train_time_12`,
 * `train_time_200`, `params` (M), `flops` (M), `latency`; extras.estimationCode
 * = the first 3 `proxy_losses`. A zip source is cached per dataset for the process.
 */
export async function loadNb201(opts: LoadNb201Options): Promise<Benchmark<Nb201Arch>> {
  const { dataset } = opts;
  if (!(NB201_DATASETS as readonly string[]).includes(dataset)) {
    throw new Error(`loadNb201: unknown dataset ${JSON.stringify(dataset)}; expected one of ${NB201_DATASETS.join(', ')}`);
  }
  const source = opts.source !== undefined ? resolve(opts.source) : verifiedDataZip(NB201_CELLS_ZIP);
  const st = statPath(source, 'NAS-Bench-201 source (the cell zip or a folder of cell files)');
  const key = `${source}|${dataset}`;
  // Only zips are cached: a folder's mtime does not change when a file in it is edited.
  const cacheable = st.isFile();
  const hit = cacheable ? nb201Cache.get(key) : undefined;
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.bench;

  const folder = NB201_CELL_FOLDERS[dataset];
  const records: BenchRecord<Nb201Arch>[] = [];
  const fileOfId = new Map<string, string>();
  for (const entry of readCellJsonArchive(source, { filter: (name) => inFolder(name, folder) })) {
    const record = nb201RecordFromCellJson(entry);
    const other = fileOfId.get(record.id);
    if (other !== undefined) throw new CellJsonError(entry.location, 'id', `index ${record.id} also appears in ${other}`);
    fileOfId.set(record.id, entry.location);
    records.push(record);
  }
  if (records.length === 0) {
    throw new Error(`loadNb201: no cell files for ${dataset} in ${source}: expected *.json files in a folder named ${folder}`);
  }
  records.sort((a, b) => Number(a.id) - Number(b.id));
  const bench = createBenchmark(`nb201-${dataset}`, records);
  if (cacheable) nb201Cache.set(key, { size: st.size, mtimeMs: st.mtimeMs, bench });
  return bench;
}
