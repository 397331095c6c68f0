/**
 * NAS-Bench-101 from the public re-exports in the data folder:
 * - `nasbench101_subset20k.json`: 20,001 cells (metrics only), joined to their
 *   graphs through the enumerated space (hash → spec);
 * - `nasbench101_subset1k_graphs.json`: the first 1,000 of them with the
 *   official matrices and ops (known answers for hashing and enumeration).
 * Both are one JSON object of parallel arrays; see the data README.
 */
import { createBenchmark } from '../core/benchmark.js';
import type { BenchRecord, Benchmark } from '../core/types.js';
import { nb101Hash, nb101Spec, type Nb101Spec } from '../spaces/nb101.js';
import { loadNb101Space, type Nb101Space } from '../spaces/nb101Enumerate.js';
import { type NumberRule, DataValueError, FRACTION, NON_NEGATIVE, POSITIVE_INTEGER, checkNumber, describeValue } from '../core/checks.js';
import { readDataFile } from './dataFiles.js';
import { parseJsonText, readRegularText } from '../core/files.js';

export const NB101_SUBSET_FILE = 'nasbench101/nasbench101_subset20k.json';
export const NB101_GRAPHS1K_FILE = 'nasbench101/nasbench101_subset1k_graphs.json';

/** Metric names of the records, with the file field each comes from. Accuracies are fractions in 0..1 (one of the 3 official runs; which one is not verified). */
export const NB101_SUBSET_METRICS: Readonly<Record<string, string>> = {
  val_acc_4: '4_final_validation_accuracy',
  val_acc_12: '12_final_validation_accuracy',
  val_acc_36: '36_final_validation_accuracy',
  val_acc_108: '108_final_validation_accuracy',
  training_time: 'final_training_time',
  params: 'trainable_parameters',
};

/** What each file field may hold: accuracies are fractions, times seconds, parameter counts positive integers. */
const NB101_FIELD_RULES: Readonly<Record<string, NumberRule>> = {
  '4_final_validation_accuracy': FRACTION,
  '12_final_validation_accuracy': FRACTION,
  '36_final_validation_accuracy': FRACTION,
  '108_final_validation_accuracy': FRACTION,
  final_training_time: NON_NEGATIVE,
  trainable_parameters: POSITIVE_INTEGER,
};

type Columns = Record<string, unknown[]>;

/** Parses a JSON object of parallel arrays, checking every `required` field is a non-empty array of the same length. */
function readColumns(path: string, text: string, required: readonly string[]): { columns: Columns; length: number } {
  const parsed = parseJsonText(text, path, 'NAS-Bench-101 file');
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new DataValueError(path, undefined, undefined, `expected one JSON object of parallel arrays, got ${describeValue(parsed)}`);
  }
  const columns = parsed as Columns;
  let length = -1;
  for (const field of required) {
    const column = columns[field];
    if (!Array.isArray(column)) throw new DataValueError(path, undefined, field, column === undefined ? 'missing' : `is ${describeValue(column)}, not an array`);
    if (length < 0) length = column.length;
    else if (column.length !== length) {
      throw new DataValueError(path, undefined, field, `has ${column.length} entries, but "${required[0]}" has ${length}`);
    }
  }
  if (length <= 0) throw new DataValueError(path, undefined, required[0], 'has no entries: the file holds no cells');
  return { columns, length };
}

function hashAt(path: string, columns: Columns, i: number): string {
  const v = columns['key']![i];
  if (typeof v !== 'string' || !/^[0-9a-f]{32}$/.test(v)) throw new DataValueError(path, `entry ${i}`, 'key', `is ${describeValue(v)}, expected a 32-hex md5 hash`);
  return v;
}

function metricsAt(path: string, columns: Columns, i: number): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const [name, field] of Object.entries(NB101_SUBSET_METRICS)) {
    metrics[name] = checkNumber(columns[field]![i], NB101_FIELD_RULES[field]!, (reason) => {
      throw new DataValueError(path, `entry ${i} (hash ${String(columns['key']![i])})`, field, reason);
    });
  }
  return metrics;
}

/** The file's text: the data folder's file (checksum verified on the bytes read) or `path` as given. */
function nb101Text(relPath: string, path: string | undefined): { path: string; text: string } {
  if (path !== undefined) return { path, text: readRegularText(path, 'NAS-Bench-101 file') };
  const file = readDataFile(relPath);
  return { path: file.path, text: file.bytes.toString('utf8') };
}

/** Each hash once: the benchmark is keyed by hash, and a repeated one is a damaged file. */
function checkUniqueHash(path: string, seen: Map<string, number>, id: string, i: number): void {
  const first = seen.get(id);
  if (first !== undefined) throw new DataValueError(path, `entry ${i}`, 'key', `hash ${id} also appears at entry ${first}`);
  seen.set(id, i);
}

export interface LoadNb101Options {
  /** Read this file instead of resolving it in the data folder (no checksum check; values are still checked). */
  path?: string;
  /** The enumerated space to join on (default: `loadNb101Space()`, cached on disk). */
  space?: Nb101Space;
}

/**
 * The 20,001-cell subset as a benchmark: id = module hash, arch = the spec
 * the official generator produced for that hash, metrics `val_acc_4/12/36/108`,
 * `training_time` (s, 108 epochs), `params`.
 */
export async function loadNb101Subset(options: LoadNb101Options = {}): Promise<Benchmark<Nb101Spec>> {
  const { path, text } = nb101Text(NB101_SUBSET_FILE, options.path);
  const { columns, length } = readColumns(path, text, ['key', ...Object.values(NB101_SUBSET_METRICS)]);
  const space = options.space ?? loadNb101Space();
  const records: BenchRecord<Nb101Spec>[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < length; i++) {
    const id = hashAt(path, columns, i);
    checkUniqueHash(path, seen, id, i);
    // The join on the hash is its verification: a hash that no enumerated graph has is refused.
    const index = space.indexOf(id);
    if (index < 0) throw new DataValueError(path, `entry ${i}`, 'key', `hash ${id} is not a cell of the enumerated NAS-Bench-101 space`);
    records.push({ id, arch: space.specAt(index), metrics: metricsAt(path, columns, i) });
  }
  return createBenchmark('nasbench101-subset20k', records);
}

/**
 * Un-pads a 1k-file graph: ops -3 mark padding vertices, which must come last
 * and have no edges. Returns the validated, pruned spec.
 */
function specFromPadded(path: string, i: number, adjacency: unknown, operations: unknown): Nb101Spec {
  if (!Array.isArray(operations) || !operations.every((o) => typeof o === 'number')) throw new DataValueError(path, `entry ${i}`, 'operations', 'is not a list of numbers');
  if (!Array.isArray(adjacency) || adjacency.length !== operations.length) {
    throw new DataValueError(path, `entry ${i}`, 'adjacency', `is not a ${operations.length}×${operations.length} matrix`);
  }
  const ops = operations as number[];
  let n = ops.length;
  while (n > 0 && ops[n - 1] === -3) n--;
  if (ops.slice(0, n).includes(-3)) throw new DataValueError(path, `entry ${i}`, 'operations', `padding op -3 before the last real vertex: ${JSON.stringify(ops)}`);
  const rows = adjacency as unknown[];
  const matrix: number[][] = [];
  for (let r = 0; r < ops.length; r++) {
    const row = rows[r];
    if (!Array.isArray(row) || row.length !== ops.length) throw new DataValueError(path, `entry ${i}`, 'adjacency', `row ${r} is not a list of ${ops.length} numbers`);
    for (let c = 0; c < ops.length; c++) {
      const v = row[c];
      if (v !== 0 && v !== 1) throw new DataValueError(path, `entry ${i}`, 'adjacency', `(${r}, ${c}) is ${describeValue(v)}, expected 0 or 1`);
      if ((r >= n || c >= n) && v !== 0) throw new DataValueError(path, `entry ${i}`, 'adjacency', `padding vertex ${Math.max(r, c)} has an edge`);
    }
    if (r < n) matrix.push((row as number[]).slice(0, n));
  }
  try {
    return nb101Spec(matrix, ops.slice(0, n));
  } catch (err) {
    throw new DataValueError(path, `entry ${i}`, undefined, (err as Error).message);
  }
}

export interface LoadNb101Graphs1kOptions {
  /** Read this file instead of resolving it in the data folder (no checksum check; values are still checked). */
  path?: string;
  /**
   * Recompute each cell's module hash from its graph and require it to equal
   * the file's key (default true, ~40 µs a cell). `false` skips only that
   * check: a key that does not belong to its graph is then kept as the id.
   */
  verifyHashes?: boolean;
}

/**
 * The 1,000 cells with graphs, straight from the file (no enumeration): id =
 * module hash, arch = the file's spec (padding removed), metrics as in the
 * 20k subset. Known answers for hashing and enumeration.
 */
export async function loadNb101Graphs1k(options: LoadNb101Graphs1kOptions = {}): Promise<Benchmark<Nb101Spec>> {
  const { path, text } = nb101Text(NB101_GRAPHS1K_FILE, options.path);
  const { columns, length } = readColumns(path, text, ['key', 'adjacency', 'operations', ...Object.values(NB101_SUBSET_METRICS)]);
  const records: BenchRecord<Nb101Spec>[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < length; i++) {
    const id = hashAt(path, columns, i);
    checkUniqueHash(path, seen, id, i);
    const arch = specFromPadded(path, i, columns['adjacency']![i], columns['operations']![i]);
    if (options.verifyHashes !== false) {
      const computed = nb101Hash(arch);
      if (computed !== id) throw new DataValueError(path, `entry ${i}`, 'key', `hash ${id} does not match the entry's graph (its hash is ${computed})`);
    }
    records.push({ id, arch, metrics: metricsAt(path, columns, i) });
  }
  return createBenchmark('nasbench101-graphs1k', records);
}
