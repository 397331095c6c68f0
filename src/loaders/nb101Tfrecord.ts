/**
 * Reader for the official NAS-Bench-101 release files
 * (`nasbench_only108.tfrecord`, `nasbench_full.tfrecord`; github.com/google-research/nasbench).
 *
 * TFRecord framing: u64 little-endian data length, u32 masked CRC-32C of those
 * 8 bytes, the data, u32 masked CRC-32C of the data; both CRCs are verified.
 * Each record's data is the JSON list
 * `[module_hash, epochs, raw_adjacency, raw_operations, raw_metrics]`:
 * adjacency as a string of n² '0'/'1', operations comma-separated names,
 * metrics a base64 `nasbench.ModelMetrics` protobuf (decoded here by hand: two
 * small messages, see `decodeNb101ModelMetrics`). One record per training run:
 * 3 repeats per cell and epoch budget.
 *
 * The file (~500 MB) is streamed; only the aggregated results are kept.
 */
import { createReadStream } from 'node:fs';
import { createBenchmark } from '../core/benchmark.js';
import type { BenchRecord, Benchmark } from '../core/types.js';
import { nb101Hash, nb101OpCode, nb101Spec, type Nb101Spec } from '../spaces/nb101.js';
import { DataValueError, FRACTION, NON_NEGATIVE, POSITIVE_INTEGER, checkNumber } from '../core/checks.js';
import { openRegularFile } from '../core/files.js';

// ---------------------------------------------------------------------------------------------
// CRC-32C (Castagnoli), as TFRecord uses it. Node has zlib crc32 but not the Castagnoli polynomial.

const CRC32C_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = -1;
  for (let i = start; i < end; i++) crc = CRC32C_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 and add a constant. */
export function maskedCrc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const crc = crc32c(bytes, start, end);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// TFRecord framing

/** Largest record accepted; NAS-Bench-101 records are ~1-2 KB, so anything bigger means a corrupt length. */
const MAX_RECORD_BYTES = 64 * 2 ** 20;

/** Streams the data of each record of a TFRecord file, verifying both CRCs. */
export async function* readTfrecords(path: string): AsyncGenerator<Uint8Array> {
  let pending: Buffer = Buffer.alloc(0);
  let fileOffset = 0; // file offset of pending[0]
  let index = 0;
  const { fd } = openRegularFile(path, 'TFRecord file');
  const stream = createReadStream(path, { fd, highWaterMark: 4 * 2 ** 20 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let at = 0;
    while (pending.length - at >= 12) {
      const low = pending.readUInt32LE(at);
      const high = pending.readUInt32LE(at + 4);
      const recordStart = fileOffset + at;
      if (pending.readUInt32LE(at + 8) !== maskedCrc32c(pending, at, at + 8)) {
        throw new Error(`${path}: record ${index} at byte ${recordStart}: length CRC mismatch (corrupt file or not a TFRecord file)`);
      }
      const length = high * 2 ** 32 + low;
      if (length > MAX_RECORD_BYTES) throw new Error(`${path}: record ${index} at byte ${recordStart}: implausible length ${length}`);
      if (pending.length - at < 16 + length) break;
      const data = pending.subarray(at + 12, at + 12 + length);
      if (pending.readUInt32LE(at + 12 + length) !== maskedCrc32c(pending, at + 12, at + 12 + length)) {
        throw new Error(`${path}: record ${index} at byte ${recordStart}: data CRC mismatch (corrupt record)`);
      }
      yield data;
      index++;
      at += 16 + length;
    }
    fileOffset += at;
    pending = pending.subarray(at);
  }
  if (pending.length > 0) {
    const expected = pending.length >= 8 ? ` of ${pending.readUInt32LE(0) + pending.readUInt32LE(4) * 2 ** 32 + 16} bytes` : '';
    throw new Error(`${path}: truncated record ${index} at byte ${fileOffset}: ${pending.length} bytes left, record${expected} incomplete`);
  }
}

// ---------------------------------------------------------------------------------------------
// ModelMetrics protobuf (nasbench/lib/model_metrics.proto)

export interface Nb101EvaluationData {
  currentEpoch: number;
  /** Seconds of training up to this evaluation. */
  trainingTime: number;
  trainAccuracy: number;
  validationAccuracy: number;
  testAccuracy: number;
  checkpointPath: string;
}

export interface Nb101ModelMetrics {
  /** Evaluations: [0] at initialisation, [1] halfway, [2] at the end of training. */
  evaluationData: Nb101EvaluationData[];
  trainableParameters: number;
  totalTime: number;
}

/** Minimal protobuf wire-format reader: varints, fixed64 doubles, length-delimited fields. */
class ProtoReader {
  private at: number;
  private readonly view: DataView;
  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
    private readonly what: string,
  ) {
    this.at = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get done(): boolean {
    return this.at >= this.end;
  }
  private fail(why: string): never {
    throw new Error(`${this.what}: malformed ModelMetrics protobuf at byte ${this.at}: ${why}`);
  }
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let k = 0; k < 10; k++) {
      if (this.at >= this.end) this.fail('varint runs past the end');
      const b = this.bytes[this.at++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    return this.fail('varint longer than 10 bytes');
  }
  double(): number {
    if (this.at + 8 > this.end) this.fail('double runs past the end');
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }
  /** Returns [start, end) of a length-delimited field's payload. */
  span(): [number, number] {
    const length = this.varint();
    const start = this.at;
    if (start + length > this.end) this.fail(`field of ${length} bytes runs past the end`);
    this.at += length;
    return [start, start + length];
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.at += 8;
    else if (wireType === 2) this.span();
    else if (wireType === 5) this.at += 4;
    else this.fail(`unsupported wire type ${wireType}`);
    if (this.at > this.end) this.fail('field runs past the end');
  }
  /** Field number and wire type of the next field. */
  tag(): [number, number] {
    const tag = this.varint();
    return [Math.floor(tag / 8), tag % 8];
  }
  /** int32 fields are varints of the two's-complement value (negatives take 10 bytes). */
  int32(): number {
    return this.varint() | 0;
  }
  text(): string {
    const [start, end] = this.span();
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + start, end - start).toString('utf8');
  }
  sub(): ProtoReader {
    const [start, end] = this.span();
    return new ProtoReader(this.bytes, start, end, this.what);
  }
}

function decodeEvaluationData(reader: ProtoReader): Nb101EvaluationData {
  const data: Nb101EvaluationData = { currentEpoch: 0, trainingTime: 0, trainAccuracy: 0, validationAccuracy: 0, testAccuracy: 0, checkpointPath: '' };
  while (!reader.done) {
    const [field, wire] = reader.tag();
    if (field >= 1 && field <= 5 && wire === 1) {
      const v = reader.double();
      if (field === 1) data.currentEpoch = v;
      else if (field === 2) data.trainingTime = v;
      else if (field === 3) data.trainAccuracy = v;
      else if (field === 4) data.validationAccuracy = v;
      else data.testAccuracy = v;
    } else if (field === 6 && wire === 2) data.checkpointPath = reader.text();
    else reader.skip(wire);
  }
  return data;
}

/**
 * Decodes a `ModelMetrics` message: evaluation_data = 1 (repeated
 * EvaluationData: current_epoch 1, training_time 2, train_accuracy 3,
 * validation_accuracy 4, test_accuracy 5 — doubles — and checkpoint_path 6),
 * trainable_parameters = 2 (int32), total_time = 3 (double). Unknown fields are skipped.
 */
export function decodeNb101ModelMetrics(bytes: Uint8Array, what = 'ModelMetrics'): Nb101ModelMetrics {
  const reader = new ProtoReader(bytes, 0, bytes.length, what);
  const metrics: Nb101ModelMetrics = { evaluationData: [], trainableParameters: 0, totalTime: 0 };
  while (!reader.done) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === 2) metrics.evaluationData.push(decodeEvaluationData(reader.sub()));
    else if (field === 2 && wire === 0) metrics.trainableParameters = reader.int32();
    else if (field === 3 && wire === 1) metrics.totalTime = reader.double();
    else reader.skip(wire);
  }
  return metrics;
}

// ---------------------------------------------------------------------------------------------
// Rows and aggregated records

/** One training run of one cell. */
export interface Nb101TfrecordRow {
  hash: string;
  epochs: number;
  spec: Nb101Spec;
  metrics: Nb101ModelMetrics;
}

/** Parses one record's data (the JSON list); `where` names it in errors. */
export function parseNb101TfrecordRow(data: Uint8Array, where: string): Nb101TfrecordRow {
  let row: unknown;
  try {
    row = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch (err) {
    throw new Error(`${where}: record data is not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(row) || row.length !== 5) throw new Error(`${where}: expected [module_hash, epochs, raw_adjacency, raw_operations, raw_metrics]`);
  const [hash, epochs, rawAdjacency, rawOperations, rawMetrics] = row as unknown[];
  if (typeof hash !== 'string' || !/^[0-9a-f]{32}$/.test(hash)) throw new Error(`${where}: module hash ${JSON.stringify(hash)} is not 32 hex digits`);
  if (typeof epochs !== 'number' || !Number.isInteger(epochs) || epochs <= 0) throw new Error(`${where}: epochs ${JSON.stringify(epochs)} is not a positive integer`);
  if (typeof rawAdjacency !== 'string' || !/^[01]*$/.test(rawAdjacency)) throw new Error(`${where}: raw_adjacency is not a string of 0/1`);
  const n = Math.round(Math.sqrt(rawAdjacency.length));
  if (n * n !== rawAdjacency.length) throw new Error(`${where}: raw_adjacency has ${rawAdjacency.length} entries, not n²`);
  if (typeof rawOperations !== 'string') throw new Error(`${where}: raw_operations is not a string`);
  if (typeof rawMetrics !== 'string') throw new Error(`${where}: raw_metrics is not a base64 string`);
  let spec: Nb101Spec;
  try {
    const ops = rawOperations.split(',').map((name, v) => nb101OpCode(name, v));
    spec = nb101Spec(Uint8Array.from(rawAdjacency, (ch) => (ch === '1' ? 1 : 0)), ops);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
  const metrics = decodeNb101ModelMetrics(Buffer.from(rawMetrics, 'base64'), `${where} (hash ${hash})`);
  return { hash, epochs, spec, metrics };
}

/** Every run in the file, streamed. */
export async function* readNb101Tfrecord(path: string): AsyncGenerator<Nb101TfrecordRow> {
  let index = 0;
  for await (const data of readTfrecords(path)) {
    yield parseNb101TfrecordRow(data, `${path}: record ${index}`);
    index++;
  }
}

/** Halfway and final evaluation of one run. */
export interface Nb101Run {
  halfway: Nb101EvaluationData;
  final: Nb101EvaluationData;
}

/** All runs of one cell. */
export interface Nb101CellRuns {
  hash: string;
  spec: Nb101Spec;
  trainableParameters: number;
  /** Runs per epoch budget (4, 12, 36, 108 in the full file; 108 in only108), in file order. */
  runs: Map<number, Nb101Run[]>;
}

export interface ReadNb101TfrecordOptions {
  /**
   * Recompute each cell's module hash from its spec and require it to match
   * the file (default true; ~40 µs a cell, ~17 s for the 423,624 cells).
   * `false` skips only that check: a record whose hash does not belong to its
   * graph is then filed under the hash the file gives it.
   */
  verifyHashes?: boolean;
  /** Called every `progressEvery` records (default 100,000) with the count so far. */
  onProgress?: (records: number) => void;
  progressEvery?: number;
}

/** Accuracies are fractions, times and epochs non-negative, the parameter count a positive integer. */
function checkRunValues(where: string, row: Nb101TfrecordRow): void {
  const [file, record] = splitWhere(where);
  const at = `${record} (hash ${row.hash})`;
  checkNumber(row.metrics.trainableParameters, POSITIVE_INTEGER, (r) => {
    throw new DataValueError(file, at, 'trainable_parameters', r);
  });
  checkNumber(row.metrics.totalTime, NON_NEGATIVE, (r) => {
    throw new DataValueError(file, at, 'total_time', r);
  });
  row.metrics.evaluationData.forEach((e, k) => {
    const fields: [string, number, typeof FRACTION][] = [
      ['current_epoch', e.currentEpoch, NON_NEGATIVE],
      ['training_time', e.trainingTime, NON_NEGATIVE],
      ['train_accuracy', e.trainAccuracy, FRACTION],
      ['validation_accuracy', e.validationAccuracy, FRACTION],
      ['test_accuracy', e.testAccuracy, FRACTION],
    ];
    for (const [field, value, rule] of fields) {
      checkNumber(value, rule, (r) => {
        throw new DataValueError(file, at, `evaluation_data[${k}].${field}`, r);
      });
    }
  });
}

/** `"<path>: record <n>"` → [path, "record <n>"]. */
function splitWhere(where: string): [string, string] {
  const cut = where.lastIndexOf(': record ');
  return cut < 0 ? [where, 'record'] : [where.slice(0, cut), where.slice(cut + 2)];
}

/** Reads the whole file into per-cell runs (keyed by hash, in first-seen order). */
export async function readNb101TfrecordRuns(path: string, options: ReadNb101TfrecordOptions = {}): Promise<Map<string, Nb101CellRuns>> {
  const cells = new Map<string, Nb101CellRuns>();
  const every = options.progressEvery ?? 100_000;
  let count = 0;
  for await (const row of readNb101Tfrecord(path)) {
    const where = `${path}: record ${count}`;
    if (row.metrics.evaluationData.length < 3) {
      throw new Error(`${where} (hash ${row.hash}): ${row.metrics.evaluationData.length} evaluations, expected 3 (initial, halfway, final)`);
    }
    let cell = cells.get(row.hash);
    if (!cell) {
      if (options.verifyHashes !== false) {
        const computed = nb101Hash(row.spec);
        if (computed !== row.hash) throw new Error(`${where}: module hash ${row.hash} does not match its graph (computed ${computed})`);
      }
      cell = { hash: row.hash, spec: row.spec, trainableParameters: row.metrics.trainableParameters, runs: new Map() };
      cells.set(row.hash, cell);
    } else if (cell.trainableParameters !== row.metrics.trainableParameters) {
      throw new Error(`${where}: hash ${row.hash} has ${row.metrics.trainableParameters} parameters here, ${cell.trainableParameters} in an earlier record`);
    }
    checkRunValues(where, row);
    let runs = cell.runs.get(row.epochs);
    if (!runs) cell.runs.set(row.epochs, (runs = []));
    runs.push({ halfway: row.metrics.evaluationData[1]!, final: row.metrics.evaluationData[2]! });
    count++;
    if (options.onProgress && count % every === 0) options.onProgress(count);
  }
  if (count === 0) throw new DataValueError(path, undefined, undefined, 'holds no records: it is empty or not a NAS-Bench-101 TFRecord file');
  return cells;
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * Metrics of one cell: for each epoch budget E, `val_acc_E` / `test_acc_E` /
 * `train_acc_E` / `training_time_E` (means over the repeats, final evaluation),
 * `val_acc_E_run{k}` / `test_acc_E_run{k}` per repeat, `repeats_E`; and `params`.
 */
export function nb101RunMetrics(cell: Nb101CellRuns): Record<string, number> {
  const metrics: Record<string, number> = { params: cell.trainableParameters };
  for (const [epochs, runs] of [...cell.runs].sort((a, b) => a[0] - b[0])) {
    metrics[`val_acc_${epochs}`] = mean(runs.map((r) => r.final.validationAccuracy));
    metrics[`test_acc_${epochs}`] = mean(runs.map((r) => r.final.testAccuracy));
    metrics[`train_acc_${epochs}`] = mean(runs.map((r) => r.final.trainAccuracy));
    metrics[`training_time_${epochs}`] = mean(runs.map((r) => r.final.trainingTime));
    metrics[`repeats_${epochs}`] = runs.length;
    runs.forEach((r, k) => {
      metrics[`val_acc_${epochs}_run${k}`] = r.final.validationAccuracy;
      metrics[`test_acc_${epochs}_run${k}`] = r.final.testAccuracy;
    });
  }
  return metrics;
}

/** The official file as a benchmark (id = module hash, arch = the file's spec, metrics from `nb101RunMetrics`). */
export async function loadNb101Tfrecord(path: string, options: ReadNb101TfrecordOptions = {}): Promise<Benchmark<Nb101Spec>> {
  const cells = await readNb101TfrecordRuns(path, options);
  const records: BenchRecord<Nb101Spec>[] = [];
  for (const cell of cells.values()) records.push({ id: cell.hash, arch: cell.spec, metrics: nb101RunMetrics(cell) });
  return createBenchmark('nasbench101-tfrecord', records);
}
