/**
 * NAS-Bench-101 from the public re-exports in the data folder:
 * - `nasbench101_subset20k.json`: 20,001 cells (metrics only), joined to their
 *   graphs through the enumerated space (hash → spec);
 * - `nasbench101_subset1k_graphs.json`: the first 1,000 of them with the
 *   official matrices and ops (known answers for hashing and enumeration).
 * Both are one JSON object of parallel arrays; see the data README.
 */
import { readFileSync } from 'node:fs';
import { createBenchmark } from '../core/benchmark.js';
import type { BenchRecord, Benchmark } from '../core/types.js';
import { nb101Spec, type Nb101Spec } from '../spaces/nb101.js';
import { loadNb101Space, type Nb101Space } from '../spaces/nb101Enumerate.js';
import { resolveDataFile } from './dataFiles.js';

export const NB101_SUBSET_FILE = 'nasbench101/nasbench101_subset20k.json';
export const NB101_GRAPHS1K_FILE = 'nasbench101/nasbench101_subset1k_graphs.json';

/** Metric names of the records, with the file field each comes from. Accuracies are fractions in 0..1 (run 1 of 3). */
export const NB101_SUBSET_METRICS: Readonly<Record<string, string>> = {
  val_acc_4: '4_final_validation_accuracy',
  val_acc_12: '12_final_validation_accuracy',
  val_acc_36: '36_final_validation_accuracy',
  val_acc_108: '108_final_validation_accuracy',
  training_time: 'final_training_time',
  params: 'trainable_parameters',
};

type Columns = Record<string, unknown[]>;

/** Parses a JSON object of parallel arrays, checking every `required` field is an array of the same length. */
function readColumns(path: string, required: readonly string[]): { columns: Columns; length: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${path}: expected one JSON object of parallel arrays, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}`);
  }
  const columns = parsed as Columns;
  let length = -1;
  for (const field of required) {
    const column = columns[field];
    if (!Array.isArray(column)) throw new Error(`${path}: field "${field}" is ${column === undefined ? 'missing' : 'not an array'}`);
    if (length < 0) length = column.length;
    else if (column.length !== length) {
      throw new Error(`${path}: field "${field}" has ${column.length} entries, but "${required[0]}" has ${length}`);
    }
  }
  return { columns, length: Math.max(length, 0) };
}

function numberAt(path: string, columns: Columns, field: string, i: number): number {
  const v = columns[field]![i];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${path}: field "${field}" entry ${i} is ${JSON.stringify(v)}, expected a finite number`);
  return v;
}

function hashAt(path: string, columns: Columns, i: number): string {
  const v = columns['key']![i];
  if (typeof v !== 'string' || !/^[0-9a-f]{32}$/.test(v)) throw new Error(`${path}: field "key" entry ${i} is ${JSON.stringify(v)}, expected a 32-hex md5 hash`);
  return v;
}

function metricsAt(path: string, columns: Columns, i: number): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const [name, field] of Object.entries(NB101_SUBSET_METRICS)) metrics[name] = numberAt(path, columns, field, i);
  return metrics;
}

export interface LoadNb101Options {
  /** Read this file instead of resolving it in the data folder (no checksum check). */
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
  const path = options.path ?? (await resolveDataFile(NB101_SUBSET_FILE));
  const { columns, length } = readColumns(path, ['key', ...Object.values(NB101_SUBSET_METRICS)]);
  const space = options.space ?? loadNb101Space();
  const records: BenchRecord<Nb101Spec>[] = [];
  for (let i = 0; i < length; i++) {
    const id = hashAt(path, columns, i);
    const index = space.indexOf(id);
    if (index < 0) throw new Error(`${path}: entry ${i} has hash ${id}, which is not a cell of the enumerated NAS-Bench-101 space`);
    records.push({ id, arch: space.specAt(index), metrics: metricsAt(path, columns, i) });
  }
  return createBenchmark('nasbench101-subset20k', records);
}

/**
 * Un-pads a 1k-file graph: ops -3 mark padding vertices, which must come last
 * and have no edges. Returns the validated, pruned spec.
 */
function specFromPadded(path: string, i: number, adjacency: unknown, operations: unknown): Nb101Spec {
  const where = `${path}: entry ${i}`;
  if (!Array.isArray(operations) || !operations.every((o) => typeof o === 'number')) throw new Error(`${where}: "operations" is not a list of numbers`);
  if (!Array.isArray(adjacency) || adjacency.length !== operations.length) {
    throw new Error(`${where}: "adjacency" is not a ${operations.length}×${operations.length} matrix`);
  }
  const ops = operations as number[];
  let n = ops.length;
  while (n > 0 && ops[n - 1] === -3) n--;
  if (ops.slice(0, n).includes(-3)) throw new Error(`${where}: padding op -3 before the last real vertex: ${JSON.stringify(ops)}`);
  const rows = adjacency as unknown[];
  const matrix: number[][] = [];
  for (let r = 0; r < ops.length; r++) {
    const row = rows[r];
    if (!Array.isArray(row) || row.length !== ops.length) throw new Error(`${where}: adjacency row ${r} is not a list of ${ops.length} numbers`);
    for (let c = 0; c < ops.length; c++) {
      const v = row[c];
      if (v !== 0 && v !== 1) throw new Error(`${where}: adjacency (${r}, ${c}) is ${JSON.stringify(v)}, expected 0 or 1`);
      if ((r >= n || c >= n) && v !== 0) throw new Error(`${where}: padding vertex ${Math.max(r, c)} has an edge`);
    }
    if (r < n) matrix.push((row as number[]).slice(0, n));
  }
  try {
    return nb101Spec(matrix, ops.slice(0, n));
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
}

/**
 * The 1,000 cells with graphs, straight from the file (no enumeration): id =
 * module hash, arch = the file's spec (padding removed), metrics as in the
 * 20k subset. Known answers for hashing and enumeration.
 */
export async function loadNb101Graphs1k(options: { path?: string } = {}): Promise<Benchmark<Nb101Spec>> {
  const path = options.path ?? (await resolveDataFile(NB101_GRAPHS1K_FILE));
  const { columns, length } = readColumns(path, ['key', 'adjacency', 'operations', ...Object.values(NB101_SUBSET_METRICS)]);
  const records: BenchRecord<Nb101Spec>[] = [];
  for (let i = 0; i < length; i++) {
    records.push({
      id: hashAt(path, columns, i),
      arch: specFromPadded(path, i, columns['adjacency']![i], columns['operations']![i]),
      metrics: metricsAt(path, columns, i),
    });
  }
  return createBenchmark('nasbench101-graphs1k', records);
}
