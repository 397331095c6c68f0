/**
 * The corrupted inputs of the loader fuzz suite, generated from small fixtures
 * cut out of the real benchmark files and from the real files themselves:
 * truncations, byte flips (only where the format or the manifest has a
 * checksum: a flipped digit in a JSON file that nobody checksums is valid
 * data), wrong types, out-of-range values, special files, permission errors
 * and archive damage. Every case names the loader call, the undamaged
 * baseline it must equal if it loads at all, and the paths a clear error
 * must name.
 */
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { unzipSync, zipSync } from 'fflate';
import { createRng } from '../../src/core/rng.js';
import type { Rng } from '../../src/core/types.js';
import { tarArchive } from '../fixtures/tarWriter.js';
import { writeNb101Tfrecord, type FixtureRow } from '../fixtures/nb101Tfrecord.js';

export type LoadSpec =
  | { kind: 'nb101Graphs1k'; path?: string }
  | { kind: 'nb101Subset'; path?: string }
  | { kind: 'nb201'; source?: string }
  | { kind: 'nano'; source: string }
  | { kind: 'cifar10'; source?: string; split: 'train' | 'test' }
  | { kind: 'tfrecord'; path: string }
  | { kind: 'dataCheck' };

export interface RunSetup {
  readonly load: LoadSpec;
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory of the child (default: the repository). */
  readonly cwd?: string;
  /** Run as an unprivileged user (root reads files whatever their mode). */
  readonly asNobody?: boolean;
}

export interface FuzzCase extends RunSetup {
  readonly id: string;
  readonly group: string;
  /** Key of the undamaged run this case must equal when it loads. */
  readonly baseline: string;
  /** A clear error names at least one of these (a path, or an archive entry). */
  readonly names: readonly string[];
}

export interface FuzzPlan {
  readonly cases: FuzzCase[];
  readonly baselines: Record<string, RunSetup>;
}

const REAL = {
  graphs1k: 'nasbench101/nasbench101_subset1k_graphs.json',
  subset20k: 'nasbench101/nasbench101_subset20k.json',
  nb201: 'nasbench201/nasbench201_cells.zip',
  cifar: 'cifar10/cifar-10-binary-subset.tar.gz',
} as const;

type Columns = Record<string, unknown[]>;

const NB101_METRIC_FIELDS = [
  '4_final_validation_accuracy',
  '12_final_validation_accuracy',
  '36_final_validation_accuracy',
  '108_final_validation_accuracy',
  'final_training_time',
  'trainable_parameters',
] as const;

const NB201_FIELDS = ['test_accuracy_200', 'train_accuracy_200', 'test_accuracy_12', 'train_accuracy_12', 'train_time_12', 'train_time_200', 'params', 'flops', 'latency'] as const;

const NB101_OP_NAMES: Record<number, string> = { [-1]: 'input', [-2]: 'output', 0: 'conv3x3-bn-relu', 1: 'conv1x1-bn-relu', 2: 'maxpool3x3' };

/** Columns of the first `n` entries of a parallel-array file. */
function headColumns(columns: Columns, n: number): Columns {
  return Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, Array.isArray(v) ? v.slice(0, n) : v]));
}

function writeJson(path: string, value: unknown): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

/** A value nested `depth` arrays deep, as JSON text (JSON.stringify of it would overflow the stack). */
function deepText(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

function flipByte(bytes: Uint8Array, at: number, rng: Rng): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[at] = out[at]! ^ (1 + rng.int(255));
  return out;
}

/** Positions spread over the whole file plus some in its first and last 512 bytes (headers, directories). */
function flipPositions(length: number, count: number, rng: Rng): number[] {
  const positions = new Set<number>();
  const edge = Math.min(512, length);
  while (positions.size < count) {
    const r = rng.int(3);
    positions.add(r === 0 ? rng.int(edge) : r === 1 ? length - 1 - rng.int(edge) : rng.int(length));
  }
  return [...positions].sort((a, b) => a - b);
}

function truncationLengths(length: number, count: number): number[] {
  const out = new Set<number>([0, 1, length - 1]);
  for (let k = 1; out.size < count; k++) out.add(Math.floor((length * k) / (count + 1)));
  return [...out].filter((n) => n >= 0 && n < length).sort((a, b) => a - b);
}

export function buildFuzzPlan(root: string, repo: string, realData: string): FuzzPlan {
  const cases: FuzzCase[] = [];
  const baselines: Record<string, RunSetup> = {};
  const rng = createRng('loader-fuzz');
  let n = 0;
  const dir = (group: string): string => {
    const d = join(root, `${String(n++).padStart(3, '0')}-${group.replace(/[^a-z0-9]+/gi, '-')}`);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const add = (c: Omit<FuzzCase, 'id'>): void => {
    cases.push({ ...c, id: `${String(cases.length).padStart(3, '0')} ${c.group}` });
  };

  // ------------------------------------------------------------ NAS-Bench-101 JSON (1k graphs format)
  const graphs = JSON.parse(readFileSync(join(realData, REAL.graphs1k), 'utf8')) as Columns;
  const g30 = headColumns(graphs, 30);
  const gBase = writeJson(join(root, 'base', 'graphs30.json'), g30);
  baselines['graphs30'] = { load: { kind: 'nb101Graphs1k', path: gBase } };
  const graphsCase = (group: string, content: unknown): void => {
    const path = writeJson(join(dir(group), 'graphs.json'), content);
    add({ group, load: { kind: 'nb101Graphs1k', path }, baseline: 'graphs30', names: [path] });
  };
  const withEntry = (columns: Columns, field: string, i: number, value: unknown): Columns => {
    const copy = { ...columns, [field]: [...(columns[field] as unknown[])] };
    copy[field]![i] = value;
    return copy;
  };
  for (const field of NB101_METRIC_FIELDS) {
    const isAcc = field.endsWith('accuracy');
    const bad: unknown[] = isAcc ? [-0.1, 1.5, 91.2, '0.9', null, true, [0.9], {}] : field === 'trainable_parameters' ? [-5, 0, 1.5, '1000', null, [1]] : [-1, '12.5', null, {}];
    for (const value of bad) graphsCase(`nb101-json value ${field}=${JSON.stringify(value)}`, withEntry(g30, field, 7, value));
    // Infinity can only be written as an overflowing literal.
    graphsCase(`nb101-json value ${field}=1e999`, JSON.stringify(withEntry(g30, field, 7, 12345.5)).replace('12345.5', '1e999'));
  }
  const percent = { ...g30 };
  for (const f of NB101_METRIC_FIELDS.filter((f) => f.endsWith('accuracy'))) percent[f] = (g30[f] as number[]).map((v) => v * 100);
  graphsCase('nb101-json whole file in percent', percent);
  graphsCase('nb101-json empty file', '');
  graphsCase('nb101-json whitespace only', '  \n ');
  graphsCase('nb101-json {}', {});
  graphsCase('nb101-json []', []);
  graphsCase('nb101-json null', 'null');
  graphsCase('nb101-json zero rows', Object.fromEntries(Object.keys(g30).map((k) => [k, []])));
  graphsCase('nb101-json ragged column', { ...g30, final_training_time: (g30['final_training_time'] as unknown[]).slice(0, 29) });
  graphsCase('nb101-json column not an array', { ...g30, trainable_parameters: 5 });
  graphsCase('nb101-json key not hex', withEntry(g30, 'key', 3, 'zz'.repeat(16)));
  graphsCase('nb101-json key upper case', withEntry(g30, 'key', 3, (g30['key']![3] as string).toUpperCase()));
  graphsCase('nb101-json duplicate key', withEntry(withEntry(g30, 'key', 4, g30['key']![5]), 'adjacency', 4, g30['adjacency']![5]));
  graphsCase('nb101-json key of another cell', withEntry(g30, 'key', 4, g30['key']![5]));
  graphsCase('nb101-json key not matching graph', withEntry(g30, 'key', 6, 'ab'.repeat(16)));
  graphsCase('nb101-json unknown op', withEntry(g30, 'operations', 2, [-1, 0, 7, 1, 2, 0, -2]));
  graphsCase('nb101-json adjacency not square', withEntry(g30, 'adjacency', 2, [[0, 1], [0, 0]]));
  graphsCase('nb101-json adjacency 0.5', withEntry(g30, 'adjacency', 2, (g30['adjacency']![2] as number[][]).map((row, r) => row.map((v, c) => (r === 0 && c === 1 ? 0.5 : v)))));
  graphsCase('nb101-json truncated text', JSON.stringify(g30).slice(0, 5000));
  graphsCase('nb101-json deeply nested value', JSON.stringify(withEntry(g30, '108_final_validation_accuracy', 1, 'DEEP')).replace('"DEEP"', deepText(50_000)));
  graphsCase('nb101-json deeply nested key', JSON.stringify(withEntry(g30, 'key', 1, 'DEEP')).replace('"DEEP"', deepText(50_000)));

  // ------------------------------------------------------------ NAS-Bench-101 JSON (20k subset format, joined to the space)
  const subset = JSON.parse(readFileSync(join(realData, REAL.subset20k), 'utf8')) as Columns;
  const s40 = headColumns(subset, 40);
  baselines['subset40'] = { load: { kind: 'nb101Subset', path: writeJson(join(root, 'base', 'subset40.json'), s40) } };
  const subsetCase = (group: string, content: unknown): void => {
    const path = writeJson(join(dir(group), 'subset.json'), content);
    add({ group, load: { kind: 'nb101Subset', path }, baseline: 'subset40', names: [path] });
  };
  subsetCase('nb101-subset negative time', withEntry(s40, 'final_training_time', 9, -3));
  subsetCase('nb101-subset fractional params', withEntry(s40, 'trainable_parameters', 9, 1234.5));
  subsetCase('nb101-subset accuracy above 1', withEntry(s40, '36_final_validation_accuracy', 9, 1.01));
  subsetCase('nb101-subset hash not in space', withEntry(s40, 'key', 9, '0'.repeat(32)));
  subsetCase('nb101-subset zero rows', Object.fromEntries(Object.keys(s40).map((k) => [k, []])));

  // ------------------------------------------------------------ NAS-Bench-201 cell files (folder and zip)
  const zipBytes = new Uint8Array(readFileSync(join(realData, REAL.nb201)));
  const folder = 'nasbench201/nasbench201_cifar10-10/';
  const picked = unzipSync(zipBytes, { filter: (f) => f.name.startsWith(folder) && /\/(\d{1,2}|1\d\d)\.json$/.test(f.name) });
  const cellNames = Object.keys(picked).sort().slice(0, 30);
  const cells = new Map(cellNames.map((name) => [name, JSON.parse(new TextDecoder().decode(picked[name])) as Record<string, unknown>]));
  const writeCellFolder = (at: string, edit?: (name: string, cell: Record<string, unknown>) => string | undefined): string => {
    for (const [name, cell] of cells) {
      const text = edit?.(name, cell) ?? JSON.stringify(cell);
      writeJson(join(at, name), text);
    }
    return join(at, 'nasbench201');
  };
  const cellZip = (edit?: (name: string, cell: Record<string, unknown>) => string | undefined): Uint8Array =>
    zipSync(Object.fromEntries([...cells].map(([name, cell]) => [name, new TextEncoder().encode(edit?.(name, cell) ?? JSON.stringify(cell))])));
  const baseFolder = writeCellFolder(join(root, 'base', 'nb201'));
  const baseZip = join(root, 'base', 'nb201.zip');
  writeFileSync(baseZip, cellZip());
  baselines['nb201-folder'] = { load: { kind: 'nb201', source: baseFolder } };
  baselines['nb201-zip'] = { load: { kind: 'nb201', source: baseZip } };
  const target = cellNames[11]!;
  const cellValueCase = (group: string, edit: (cell: Record<string, unknown>) => string): void => {
    const src = writeCellFolder(dir(group), (name, cell) => (name === target ? edit(structuredClone(cell)) : undefined));
    add({ group, load: { kind: 'nb201', source: src }, baseline: 'nb201-folder', names: [join(dirname(src), target)] });
  };
  const setField = (field: string, value: unknown) => (cell: Record<string, unknown>): string => JSON.stringify({ ...cell, [field]: value });
  for (const field of NB201_FIELDS) {
    const isAcc = field.includes('accuracy');
    const bad: unknown[] = isAcc ? [-0.01, 1.2, 93.1, 'n/a', null] : [-3, 'n/a', null, [1]];
    for (const value of bad) cellValueCase(`nb201-cell value ${field}=${JSON.stringify(value)}`, setField(field, value));
    cellValueCase(`nb201-cell field ${field} missing`, (cell) => {
      delete cell[field];
      return JSON.stringify(cell);
    });
  }
  cellValueCase('nb201-cell unknown op', (cell) => JSON.stringify({ ...cell, operations: ['conv9x9', ...(cell['operations'] as string[]).slice(1)] }));
  cellValueCase('nb201-cell 5 ops', (cell) => JSON.stringify({ ...cell, operations: (cell['operations'] as string[]).slice(1) }));
  cellValueCase('nb201-cell id mismatch', setField('id', 15_000));
  cellValueCase('nb201-cell id out of range', setField('id', 20_000));
  cellValueCase('nb201-cell id fractional', setField('id', 2.5));
  cellValueCase('nb201-cell adjacency wrong', setField('adj_matrix', [[0, 1], [0, 0]]));
  cellValueCase('nb201-cell proxy losses short', setField('proxy_losses', [1.2]));
  cellValueCase('nb201-cell proxy losses NaN-like', setField('proxy_losses', ['NaN', 1, 2]));
  cellValueCase('nb201-cell top-level array', () => '[1, 2, 3]');
  cellValueCase('nb201-cell empty file', () => '');
  cellValueCase('nb201-cell truncated', (cell) => JSON.stringify(cell).slice(0, 100));
  cellValueCase('nb201-cell deeply nested field', (cell) => JSON.stringify({ ...cell, params: 'DEEP' }).replace('"DEEP"', deepText(50_000)));

  // Byte flips and truncations of the zip: its CRC-32s, sizes and directory must catch every one that changes the data.
  const baseZipBytes = new Uint8Array(readFileSync(baseZip));
  for (const at of flipPositions(baseZipBytes.length, 45, rng)) {
    const path = join(dir('nb201-zip flip'), 'cells.zip');
    writeFileSync(path, flipByte(baseZipBytes, at, rng));
    add({ group: `nb201-zip flip byte ${at}/${baseZipBytes.length}`, load: { kind: 'nb201', source: path }, baseline: 'nb201-zip', names: [path] });
  }
  for (const length of truncationLengths(baseZipBytes.length, 10)) {
    const path = join(dir('nb201-zip truncated'), 'cells.zip');
    writeFileSync(path, baseZipBytes.subarray(0, length));
    add({ group: `nb201-zip truncated to ${length}/${baseZipBytes.length}`, load: { kind: 'nb201', source: path }, baseline: 'nb201-zip', names: [path] });
  }
  {
    const path = join(dir('nb201-zip bomb'), 'cells.zip');
    const bomb = { ...Object.fromEntries([...cells].map(([name, cell]) => [name, new TextEncoder().encode(JSON.stringify(cell))])) };
    bomb[target] = new TextEncoder().encode(JSON.stringify({ ...cells.get(target), pad: ' '.repeat(8 * 2 ** 20) }));
    writeFileSync(path, zipSync(bomb, { level: 9 }));
    add({ group: 'nb201-zip entry inflating to 8 MB', load: { kind: 'nb201', source: path }, baseline: 'nb201-zip', names: [path] });
  }
  {
    const path = join(dir('nb201-zip not a zip'), 'cells.zip');
    writeFileSync(path, 'PK this is not a zip');
    add({ group: 'nb201-zip not a zip', load: { kind: 'nb201', source: path }, baseline: 'nb201-zip', names: [path] });
  }

  // Special files and links in a cell folder.
  const folderCase = (group: string, prepare: (src: string, cellPath: string) => void, extra: Partial<FuzzCase> = {}): void => {
    const src = writeCellFolder(dir(group));
    const cellPath = join(dirname(src), target);
    prepare(src, cellPath);
    add({ group, load: { kind: 'nb201', source: src }, baseline: 'nb201-folder', names: [cellPath, src], ...extra });
  };
  const replaceWith = (cellPath: string, make: (p: string) => void): void => {
    spawnSync('rm', ['-f', cellPath]);
    make(cellPath);
  };
  folderCase('nb201-folder FIFO as cell file', (_s, p) => replaceWith(p, (q) => spawnSync('mkfifo', [q])));
  folderCase('nb201-folder directory as cell file', (_s, p) => replaceWith(p, (q) => mkdirSync(q)));
  folderCase('nb201-folder dangling symlink', (_s, p) => replaceWith(p, (q) => symlinkSync(join(root, 'no-such-file.json'), q)));
  folderCase('nb201-folder symlink loop file', (_s, p) => replaceWith(p, (q) => symlinkSync(q, q)));
  folderCase('nb201-folder symlink loop folder', (src) => symlinkSync(src, join(src, 'nasbench201_cifar10-10', 'loop')));
  folderCase('nb201-folder valid symlink to the same cell', (_s, p) => {
    const elsewhere = join(root, 'linked', target);
    mkdirSync(dirname(elsewhere), { recursive: true });
    copyFileSync(p, elsewhere);
    replaceWith(p, (q) => symlinkSync(elsewhere, q));
  });
  folderCase('nb201-folder socket-like special file (FIFO, not JSON name)', (src) => spawnSync('mkfifo', [join(src, 'nasbench201_cifar10-10', 'notes')]));
  folderCase('nb201-folder unreadable cell file', (_s, p) => chmodSync(p, 0o000), { asNobody: true });
  folderCase('nb201-folder unreadable dataset folder', (src) => chmodSync(join(src, 'nasbench201_cifar10-10'), 0o000), { asNobody: true });
  add({ group: 'nb201 source does not exist', load: { kind: 'nb201', source: join(root, 'nope.zip') }, baseline: 'nb201-zip', names: [join(root, 'nope.zip')] });
  {
    const p = join(dir('nb201 source FIFO'), 'cells.zip');
    spawnSync('mkfifo', [p]);
    add({ group: 'nb201 source is a FIFO', load: { kind: 'nb201', source: p }, baseline: 'nb201-zip', names: [p] });
  }

  // ------------------------------------------------------------ Tiny-NanoBench cell files
  const nanoCell = (id: number, extra: Record<string, unknown> = {}): string =>
    JSON.stringify({ id, adj_matrix: [[0, 1, 0], [0, 0, 1], [0, 0, 0]], operations: ['input', 'conv1x1', 'output'], gt_accuracy: 0.8 + id / 100, flops: 10 + id, params: 1 + id, est_code: [2, 1.5, 1.2], ...extra });
  const writeNano = (at: string, edit?: (id: number) => string | undefined): string => {
    for (let id = 1; id <= 6; id++) writeJson(join(at, 'tiny_nanobench', `${id}.json`), edit?.(id) ?? nanoCell(id));
    return join(at, 'tiny_nanobench');
  };
  baselines['nano'] = { load: { kind: 'nano', source: writeNano(join(root, 'base', 'nano')) } };
  const nanoCase = (group: string, text: string): void => {
    const src = writeNano(dir(group), (id) => (id === 3 ? text : undefined));
    add({ group, load: { kind: 'nano', source: src }, baseline: 'nano', names: [join(src, '3.json')] });
  };
  for (const v of [-5, -0.5, 91.5, 1.01, 'x', null]) nanoCase(`nano gt_accuracy=${JSON.stringify(v)}`, nanoCell(3, { gt_accuracy: v }));
  for (const v of [-7, 'x']) nanoCase(`nano flops=${JSON.stringify(v)}`, nanoCell(3, { flops: v }));
  nanoCase('nano params=-2', nanoCell(3, { params: -2 }));
  nanoCase('nano unknown op', nanoCell(3, { operations: ['input', 'conv9x9', 'output'] }));
  nanoCase('nano adjacency not square', nanoCell(3, { adj_matrix: [[0, 1], [0, 0], [0, 0]] }));
  nanoCase('nano est_code with a string', nanoCell(3, { est_code: [1, 'x'] }));
  nanoCase('nano id object', nanoCell(3, { id: { a: 1 } }));
  nanoCase('nano not JSON', '{"id": 3,');

  // ------------------------------------------------------------ CIFAR-10 (binary batches in a tar.gz)
  const cifarTar = new Uint8Array(readFileSync(join(realData, REAL.cifar)));
  const record = 3073;
  const batch = (images: number, labelOf: (i: number) => number, seed: number): Uint8Array => {
    const r = createRng(`cifar-${seed}`);
    const out = new Uint8Array(images * record);
    for (let i = 0; i < images; i++) {
      out[i * record] = labelOf(i);
      for (let k = 1; k < record; k++) out[i * record + k] = r.int(256);
    }
    return out;
  };
  const meta = new TextEncoder().encode('airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n');
  const cifarEntries = (over: { train?: Uint8Array; test?: Uint8Array; meta?: Uint8Array } = {}) => [
    { name: 'cifar-10-batches-bin/' },
    { name: 'cifar-10-batches-bin/data_batch_1.bin', data: over.train ?? batch(40, (i) => i % 10, 1) },
    { name: 'cifar-10-batches-bin/test_batch.bin', data: over.test ?? batch(20, (i) => (i * 3) % 10, 2) },
    { name: 'cifar-10-batches-bin/batches.meta.txt', data: over.meta ?? meta },
  ];
  const baseCifar = join(root, 'base', 'cifar.tar.gz');
  writeFileSync(baseCifar, gzipSync(tarArchive(cifarEntries())));
  baselines['cifar'] = { load: { kind: 'cifar10', source: baseCifar, split: 'train' } };
  const baseCifarBytes = new Uint8Array(readFileSync(baseCifar));
  for (const at of flipPositions(baseCifarBytes.length, 25, rng)) {
    const path = join(dir('cifar flip'), 'cifar.tar.gz');
    writeFileSync(path, flipByte(baseCifarBytes, at, rng));
    add({ group: `cifar-tgz flip byte ${at}/${baseCifarBytes.length}`, load: { kind: 'cifar10', source: path, split: 'train' }, baseline: 'cifar', names: [path] });
  }
  for (const length of truncationLengths(baseCifarBytes.length, 8)) {
    const path = join(dir('cifar truncated'), 'cifar.tar.gz');
    writeFileSync(path, baseCifarBytes.subarray(0, length));
    add({ group: `cifar-tgz truncated to ${length}/${baseCifarBytes.length}`, load: { kind: 'cifar10', source: path, split: 'train' }, baseline: 'cifar', names: [path] });
  }
  const cifarCase = (group: string, entries: ReturnType<typeof cifarEntries>, split: 'train' | 'test' = 'train'): void => {
    const path = join(dir(group), 'cifar.tar.gz');
    writeFileSync(path, gzipSync(tarArchive(entries)));
    add({ group, load: { kind: 'cifar10', source: path, split }, baseline: 'cifar', names: [path] });
  };
  cifarCase('cifar label 10', cifarEntries({ train: batch(40, (i) => (i === 17 ? 10 : i % 10), 1) }));
  cifarCase('cifar label 255 in test', cifarEntries({ test: batch(20, (i) => (i === 3 ? 255 : 0), 2) }), 'test');
  cifarCase('cifar batch not whole records', cifarEntries({ train: batch(40, (i) => i % 10, 1).subarray(0, 40 * record - 5) }));
  cifarCase('cifar empty batch', cifarEntries({ train: new Uint8Array(0) }));
  cifarCase('cifar 9 class names', cifarEntries({ meta: new TextEncoder().encode('a\nb\nc\nd\ne\nf\ng\nh\ni\n') }));
  {
    const path = join(dir('cifar gzip bomb'), 'cifar.tar.gz');
    writeFileSync(path, gzipSync(new Uint8Array(300 * 2 ** 20), { level: 9 }));
    add({ group: 'cifar gzip of 300 MB of zeros', load: { kind: 'cifar10', source: path, split: 'train' }, baseline: 'cifar', names: [path] });
  }
  const cifarFolderCase = (group: string, make: (batchPath: string) => void, extra: Partial<FuzzCase> = {}): void => {
    const d = dir(group);
    const batches = join(d, 'cifar-10-batches-bin');
    mkdirSync(batches);
    writeFileSync(join(batches, 'test_batch.bin'), batch(20, () => 1, 2));
    const p = join(batches, 'data_batch_1.bin');
    make(p);
    add({ group, load: { kind: 'cifar10', source: d, split: 'train' }, baseline: 'cifar', names: [p], ...extra });
  };
  cifarFolderCase('cifar folder FIFO batch', (p) => spawnSync('mkfifo', [p]));
  cifarFolderCase('cifar folder directory batch', (p) => mkdirSync(p));
  cifarFolderCase('cifar folder dangling symlink batch', (p) => symlinkSync(join(root, 'missing.bin'), p));
  cifarFolderCase('cifar folder unreadable batch', (p) => {
    writeFileSync(p, batch(40, (i) => i % 10, 1));
    chmodSync(p, 0o000);
  }, { asNobody: true });
  {
    const p = join(dir('cifar source FIFO'), 'cifar.tar.gz');
    spawnSync('mkfifo', [p]);
    add({ group: 'cifar source is a FIFO', load: { kind: 'cifar10', source: p, split: 'train' }, baseline: 'cifar', names: [p] });
  }

  // ------------------------------------------------------------ NAS-Bench-101 TFRecord (official format)
  const tfRows: FixtureRow[] = [];
  for (let i = 0; i < 12; i++) {
    const ops = (graphs['operations']![i] as number[]).filter((o) => o !== -3);
    const nv = ops.length;
    const matrix = (graphs['adjacency']![i] as number[][]).slice(0, nv).map((row) => row.slice(0, nv));
    for (let rep = 0; rep < 3; rep++) {
      const acc = graphs['108_final_validation_accuracy']![i] as number;
      tfRows.push({
        hash: graphs['key']![i] as string,
        epochs: 108,
        matrix,
        ops: ops.map((o) => NB101_OP_NAMES[o]!),
        metrics: {
          evaluations: [0, 54, 108].map((epoch, k) => ({
            currentEpoch: epoch,
            trainingTime: 100 * k,
            trainAccuracy: Math.min(1, acc + 0.05 * k) * (k / 2),
            validationAccuracy: acc * (k / 2),
            testAccuracy: acc * (k / 2) * 0.99,
            checkpointPath: `/ckpt/${i}-${rep}-${epoch}`,
          })),
          trainableParameters: graphs['trainable_parameters']![i] as number,
          totalTime: 2000,
        },
      });
    }
  }
  const baseTf = join(root, 'base', 'cells.tfrecord');
  mkdirSync(dirname(baseTf), { recursive: true });
  const tfBytes = new Uint8Array(writeNb101Tfrecord(baseTf, tfRows));
  baselines['tfrecord'] = { load: { kind: 'tfrecord', path: baseTf } };
  for (const at of flipPositions(tfBytes.length, 20, rng)) {
    const path = join(dir('tfrecord flip'), 'cells.tfrecord');
    writeFileSync(path, flipByte(tfBytes, at, rng));
    add({ group: `tfrecord flip byte ${at}/${tfBytes.length}`, load: { kind: 'tfrecord', path }, baseline: 'tfrecord', names: [path] });
  }
  for (const length of truncationLengths(tfBytes.length, 6)) {
    const path = join(dir('tfrecord truncated'), 'cells.tfrecord');
    writeFileSync(path, tfBytes.subarray(0, length));
    add({ group: `tfrecord truncated to ${length}/${tfBytes.length}`, load: { kind: 'tfrecord', path }, baseline: 'tfrecord', names: [path] });
  }
  const tfCase = (group: string, edit: (row: FixtureRow) => void): void => {
    const rows = structuredClone(tfRows);
    edit(rows[7]!);
    const path = join(dir(group), 'cells.tfrecord');
    writeNb101Tfrecord(path, rows);
    add({ group, load: { kind: 'tfrecord', path }, baseline: 'tfrecord', names: [path] });
  };
  tfCase('tfrecord validation accuracy 1.5', (r) => (r.metrics.evaluations[2]!.validationAccuracy = 1.5));
  tfCase('tfrecord test accuracy -0.1', (r) => (r.metrics.evaluations[2]!.testAccuracy = -0.1));
  tfCase('tfrecord train accuracy NaN', (r) => (r.metrics.evaluations[1]!.trainAccuracy = NaN));
  tfCase('tfrecord accuracy in percent', (r) => (r.metrics.evaluations[2]!.validationAccuracy = 93.2));
  tfCase('tfrecord training time -1', (r) => (r.metrics.evaluations[2]!.trainingTime = -1));
  tfCase('tfrecord total time Infinity', (r) => (r.metrics.totalTime = Infinity));
  tfCase('tfrecord parameters 0', (r) => (r.metrics.trainableParameters = 0));
  tfCase('tfrecord parameters -5', (r) => (r.metrics.trainableParameters = -5));
  tfCase('tfrecord 2 evaluations', (r) => r.metrics.evaluations.pop());
  tfCase('tfrecord hash of another cell', (r) => (r.hash = tfRows[0]!.hash === r.hash ? tfRows[9]!.hash : tfRows[0]!.hash));
  tfCase('tfrecord hash not matching graph', (r) => (r.hash = 'cd'.repeat(16)));
  tfCase('tfrecord epochs 0', (r) => (r.epochs = 0));
  tfCase('tfrecord unknown op', (r) => (r.ops[1] = 'conv5x5'));
  {
    const path = join(dir('tfrecord empty'), 'cells.tfrecord');
    writeFileSync(path, '');
    add({ group: 'tfrecord empty file', load: { kind: 'tfrecord', path }, baseline: 'tfrecord', names: [path] });
    const fifo = join(dir('tfrecord FIFO'), 'cells.tfrecord');
    spawnSync('mkfifo', [fifo]);
    add({ group: 'tfrecord FIFO', load: { kind: 'tfrecord', path: fifo }, baseline: 'tfrecord', names: [fifo] });
    const folderPath = join(dir('tfrecord directory'), 'cells.tfrecord');
    mkdirSync(folderPath);
    add({ group: 'tfrecord directory', load: { kind: 'tfrecord', path: folderPath }, baseline: 'tfrecord', names: [folderPath] });
  }

  // ------------------------------------------------------------ The real files through the manifest (NAS_DATA_DIR): the checksum catches any change
  baselines['real-graphs1k'] = { load: { kind: 'nb101Graphs1k' }, env: { NAS_DATA_DIR: realData } };
  baselines['real-nb201'] = { load: { kind: 'nb201' }, env: { NAS_DATA_DIR: realData } };
  baselines['real-cifar'] = { load: { kind: 'cifar10', split: 'test' }, env: { NAS_DATA_DIR: realData } };
  baselines['real-subset20k'] = { load: { kind: 'nb101Subset' }, env: { NAS_DATA_DIR: realData } };
  const realCase = (group: string, rel: string, load: LoadSpec, baseline: string, write: (path: string, real: string) => void): void => {
    const d = dir(group);
    const path = join(d, rel);
    mkdirSync(dirname(path), { recursive: true });
    write(path, join(realData, rel));
    add({ group, load, baseline, names: [path], env: { NAS_DATA_DIR: d } });
  };
  const realGraphs = new Uint8Array(readFileSync(join(realData, REAL.graphs1k)));
  for (const at of flipPositions(realGraphs.length, 8, rng)) {
    realCase(`real graphs1k flip byte ${at}`, REAL.graphs1k, { kind: 'nb101Graphs1k' }, 'real-graphs1k', (p) => writeFileSync(p, flipByte(realGraphs, at, rng)));
  }
  for (const length of truncationLengths(realGraphs.length, 4)) {
    realCase(`real graphs1k truncated to ${length}`, REAL.graphs1k, { kind: 'nb101Graphs1k' }, 'real-graphs1k', (p) => writeFileSync(p, realGraphs.subarray(0, length)));
  }
  realCase('real graphs1k with bytes appended', REAL.graphs1k, { kind: 'nb101Graphs1k' }, 'real-graphs1k', (p, real) => {
    copyFileSync(real, p);
    writeFileSync(p, '\n', { flag: 'a' });
  });
  realCase('real graphs1k is a directory', REAL.graphs1k, { kind: 'nb101Graphs1k' }, 'real-graphs1k', (p) => mkdirSync(p));
  realCase('real graphs1k is a FIFO', REAL.graphs1k, { kind: 'nb101Graphs1k' }, 'real-graphs1k', (p) => spawnSync('mkfifo', [p]));
  realCase('real graphs1k is a dangling symlink', REAL.graphs1k, { kind: 'nb101Graphs1k' }, 'real-graphs1k', (p) => symlinkSync(join(root, 'gone.json'), p));
  realCase('real graphs1k 10 GB sparse file', REAL.graphs1k, { kind: 'nb101Graphs1k' }, 'real-graphs1k', (p) => spawnSync('truncate', ['-s', '10G', p]));
  realCase('real graphs1k unreadable', REAL.graphs1k, { kind: 'nb101Graphs1k' }, 'real-graphs1k', (p, real) => {
    copyFileSync(real, p);
    chmodSync(p, 0o000);
  });
  (cases[cases.length - 1] as { asNobody?: boolean }).asNobody = true;
  realCase('real subset20k flip', REAL.subset20k, { kind: 'nb101Subset' }, 'real-subset20k', (p, real) => writeFileSync(p, flipByte(new Uint8Array(readFileSync(real)), 1_000_000, rng)));
  realCase('real nb201 zip truncated', REAL.nb201, { kind: 'nb201' }, 'real-nb201', (p) => writeFileSync(p, zipBytes.subarray(0, zipBytes.length - 1000)));
  realCase('real nb201 zip flip', REAL.nb201, { kind: 'nb201' }, 'real-nb201', (p) => writeFileSync(p, flipByte(zipBytes, 30_000_000, rng)));
  realCase('real nb201 zip is a folder of cells', REAL.nb201, { kind: 'nb201' }, 'real-nb201', (p) => writeCellFolder(p));
  realCase('real cifar truncated', REAL.cifar, { kind: 'cifar10', split: 'test' }, 'real-cifar', (p) => writeFileSync(p, cifarTar.subarray(0, 20_000_000)));
  realCase('real cifar flip', REAL.cifar, { kind: 'cifar10', split: 'test' }, 'real-cifar', (p) => writeFileSync(p, flipByte(cifarTar, 40_000_000, rng)));

  // ------------------------------------------------------------ The data folder and the manifest themselves
  const envCase = (group: string, dataDir: string): void => {
    add({ group, load: { kind: 'nb101Graphs1k' }, baseline: 'real-graphs1k', names: [dataDir], env: { NAS_DATA_DIR: dataDir } });
  };
  envCase('NAS_DATA_DIR missing', join(root, 'no-data-here'));
  envCase('NAS_DATA_DIR empty', dir('NAS_DATA_DIR empty'));
  {
    const f = join(dir('NAS_DATA_DIR a file'), 'data');
    writeFileSync(f, 'x');
    envCase('NAS_DATA_DIR is a file', f);
  }
  add({ group: 'data check with NAS_DATA_DIR missing', load: { kind: 'dataCheck' }, baseline: 'real-graphs1k', names: [join(root, 'no-data-here')], env: { NAS_DATA_DIR: join(root, 'no-data-here') } });
  const manifestText = readFileSync(join(repo, 'data', 'manifest.json'), 'utf8');
  const manifest = JSON.parse(manifestText) as { files: Record<string, unknown>[] };
  const manifestCase = (group: string, make: (path: string) => void, alsoNamed: string[] = []): void => {
    const checkout = dir(group);
    const path = join(checkout, 'data', 'manifest.json');
    mkdirSync(dirname(path), { recursive: true });
    make(path);
    add({ group, load: { kind: 'nb101Graphs1k' }, baseline: 'real-graphs1k', names: [path, ...alsoNamed], cwd: checkout, env: { NAS_DATA_DIR: realData } });
  };
  manifestCase('manifest empty', (p) => writeFileSync(p, ''));
  manifestCase('manifest truncated', (p) => writeFileSync(p, manifestText.slice(0, 300)));
  manifestCase('manifest files not a list', (p) => writeFileSync(p, JSON.stringify({ files: 3 })));
  manifestCase('manifest sha256 a number', (p) => writeFileSync(p, JSON.stringify({ files: manifest.files.map((e, i) => (i === 1 ? { ...e, sha256: 5 } : e)) })));
  manifestCase('manifest path null', (p) => writeFileSync(p, JSON.stringify({ files: manifest.files.map((e, i) => (i === 0 ? { ...e, path: null } : e)) })));
  manifestCase('manifest entry a string', (p) => writeFileSync(p, JSON.stringify({ files: ['nasbench101/x.json'] })));
  manifestCase('manifest path escapes the folder', (p) => writeFileSync(p, JSON.stringify({ files: manifest.files.map((e, i) => (i === 1 ? { ...e, path: '../../etc/passwd' } : e)) })));
  manifestCase('manifest deeply nested', (p) => writeFileSync(p, `{"files": ${deepText(50_000)}}`));
  manifestCase('manifest is a directory', (p) => mkdirSync(p));
  manifestCase('manifest is a FIFO', (p) => spawnSync('mkfifo', [p]));
  manifestCase(
    'manifest checksum of another file',
    (p) => writeFileSync(p, JSON.stringify({ files: manifest.files.map((e, i) => (i === 1 ? { ...e, sha256: manifest.files[0]!['sha256'], maxBytes: undefined } : e)) })),
    [join(realData, REAL.graphs1k)],
  );
  return { cases, baselines };
}
