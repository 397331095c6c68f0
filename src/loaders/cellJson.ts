/**
 * The per-cell JSON benchmark format of the Siamese-NAS / MOTE-NAS code: one
 * `<id>.json` per architecture, in a folder or in a zip read in memory (never
 * unpacked to disk). `readCellJsonArchive` is the shared reader of the family;
 * `loadNb201` turns the NAS-Bench-201 files into a `Benchmark<Nb201Arch>`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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
import { resolveDataFile } from './dataFiles.js';

/** A cell file that is not what the format says; names the file and, where known, the field. */
export class CellJsonError extends Error {
  constructor(
    /** The file: `<entry> (in <zip>)` or a path on disk. */
    readonly file: string,
    readonly field: string | undefined,
    what: string,
  ) {
    super(`cell file ${file}${field === undefined ? '' : `: field ${JSON.stringify(field)}`}: ${what}`);
    this.name = 'CellJsonError';
  }
}

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
}

// The zip's bytes stay in memory for the process so that loading several
// datasets (or reloading in a notebook) reads the file once.
const zipCache = new Map<string, ZipBytes>();
const nb201Cache = new Map<string, { size: number; mtimeMs: number; bench: Benchmark<Nb201Arch> }>();

function zipBytes(path: string): Uint8Array {
  const st = statSync(path);
  const cached = zipCache.get(path);
  if (cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs) return cached.bytes;
  const bytes = new Uint8Array(readFileSync(path));
  zipCache.set(path, { size: st.size, mtimeMs: st.mtimeMs, bytes });
  return bytes;
}

/** Frees the in-memory zips and NAS-Bench-201 benchmarks kept by this module (about 60 MB per zip plus the records). */
export function clearCellJsonCache(): void {
  zipCache.clear();
  nb201Cache.clear();
}

/** Whether a source is a folder; throws naming the path when it does not exist. */
function isFolder(abs: string): boolean {
  if (!existsSync(abs)) throw new Error(`cell JSON source ${abs} does not exist (expected a zip or a folder of <id>.json files)`);
  return statSync(abs).isDirectory();
}

function isCellFileName(name: string): boolean {
  return name.endsWith('.json') && !name.endsWith('/') && !name.split('/').some((part) => part.startsWith('.') || part === '__MACOSX');
}

function walkJsonFiles(root: string, rel: string, out: string[]): void {
  for (const dirent of readdirSync(join(root, rel), { withFileTypes: true })) {
    const child = rel === '' ? dirent.name : `${rel}/${dirent.name}`;
    if (dirent.isDirectory()) walkJsonFiles(root, child, out);
    else if (dirent.isFile() && isCellFileName(child)) out.push(child);
  }
}

/** Unzips the matching entries. fflate `unzipSync` with a filter was measured fastest of fflate's readers (bench/nb201-load.ts). */
function unzipEntries(path: string, keep: (name: string) => boolean): Record<string, Uint8Array> {
  try {
    return unzipSync(zipBytes(path), { filter: (file) => isCellFileName(file.name) && keep(file.name) });
  } catch (err) {
    throw new Error(`${path} is neither a folder nor a readable zip archive of cell JSON files: ${(err as Error).message}`);
  }
}

/** Names (as `readCellJsonArchive` reports them) of every cell JSON file in a folder or zip, sorted. */
export function listCellJsonArchive(path: string): string[] {
  const abs = resolve(path);
  if (isFolder(abs)) {
    const rels: string[] = [];
    walkJsonFiles(abs, '', rels);
    return rels.map((rel) => `${basename(abs)}/${rel}`).sort();
  }
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
      return JSON.parse(text);
    } catch (err) {
      throw new CellJsonError(location, undefined, `not valid JSON (${(err as Error).message})`);
    }
  };
  if (isFolder(abs)) {
    const rels: string[] = [];
    walkJsonFiles(abs, '', rels);
    const prefix = basename(abs);
    for (const rel of rels.sort()) {
      const name = `${prefix}/${rel}`;
      if (!keep(name)) continue;
      const location = join(abs, rel);
      yield { name, location, json: parse(readFileSync(location, 'utf8'), location) };
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
      throw new CellJsonError(location, undefined, `expected a JSON object, got ${Array.isArray(json) ? 'an array' : JSON.stringify(json)}`);
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

  number(field: string, range?: { min?: number; max?: number }): number {
    const v = this.raw(field);
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, `expected a finite number, got ${JSON.stringify(v)}`);
    if (range?.min !== undefined && v < range.min) this.fail(field, `${v} is below ${range.min}`);
    if (range?.max !== undefined && v > range.max) this.fail(field, `${v} is above ${range.max}`);
    return v;
  }

  integer(field: string): number {
    const v = this.number(field);
    if (!Number.isInteger(v)) this.fail(field, `expected an integer, got ${v}`);
    return v;
  }

  array(field: string): unknown[] {
    const v = this.raw(field);
    if (!Array.isArray(v)) this.fail(field, `expected an array, got ${JSON.stringify(v)}`);
    return v;
  }

  numberArray(field: string, minLength = 0): number[] {
    const v = this.array(field);
    if (v.length < minLength) this.fail(field, `expected at least ${minLength} numbers, got ${v.length}`);
    v.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) this.fail(field, `element ${i} is ${JSON.stringify(x)}, not a finite number`);
    });
    return v as number[];
  }

  /** A square 0/1 matrix. */
  binaryMatrix(field: string): number[][] {
    const rows = this.array(field);
    rows.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== rows.length) {
        this.fail(field, `expected a square matrix; row ${i} is ${JSON.stringify(row)} (${rows.length} rows)`);
      }
      row.forEach((x, j) => {
        if (x !== 0 && x !== 1) this.fail(field, `entry [${i}][${j}] is ${JSON.stringify(x)}, expected 0 or 1`);
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
    if (code < 0) f.fail('operations', `edge ${e} has unknown op ${JSON.stringify(op)}`);
    return code;
  });

  const metrics: Record<string, number> = {};
  for (const [metric, field, fraction] of NB201_METRIC_FIELDS) {
    metrics[metric] = f.number(field, fraction ? { min: 0, max: 1 } : { min: 0 });
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
  const source = resolve(opts.source ?? (await resolveDataFile(NB201_CELLS_ZIP)));
  if (!existsSync(source)) throw new Error(`loadNb201: source ${source} does not exist (expected the cell zip or a folder of cell files)`);
  const st = statSync(source);
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
