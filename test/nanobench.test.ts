import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { strToU8, zipSync } from 'fflate';
import { CellJsonError } from '../src/loaders/cellJson.js';
import { findTinyNanoBench, loadTinyNanoBench } from '../src/loaders/tinyNanoBench.js';
import { type NanoCell, NANO_MAX_NODES, NANO_OPS, nanoCellKey, nanoCellProblems, nanoOpFromValue, validateNanoCell } from '../src/spaces/nanobench.js';

const tmp = mkdtempSync(join(tmpdir(), 'nanobench-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let fixtureCount = 0;

const CHAIN: NanoCell = { adjacency: [[0, 1, 0], [0, 0, 1], [0, 0, 0]], ops: ['input', 'conv1x1', 'output'] };
// input -> split -> {dwconv3x3, atten} -> output
const SPLIT: NanoCell = {
  adjacency: [
    [0, 1, 0, 0, 0],
    [0, 0, 1, 1, 0],
    [0, 0, 0, 0, 1],
    [0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0],
  ],
  ops: ['input', 'split', 'dwconv3x3', 'atten', 'output'],
};
// 7 nodes: input -> expand -> none -> split -> {conv3x3-bn-relu, maxpool3x3} -> output
const SEVEN: NanoCell = {
  adjacency: [
    [0, 1, 0, 0, 0, 0, 0],
    [0, 0, 1, 0, 0, 0, 0],
    [0, 0, 0, 1, 0, 0, 0],
    [0, 0, 0, 0, 1, 1, 0],
    [0, 0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0, 0, 0],
  ],
  ops: ['input', 'expand', 'none', 'split', 'conv3x3-bn-relu', 'maxpool3x3', 'output'],
};

const code = (op: string): number => NANO_OPS.indexOf(op as (typeof NANO_OPS)[number]);

/** A cell file as Siamese-NAS writes them (nas_prcss.py): adj_matrix, operations, gt_accuracy, est_code, ... */
function cellFile(id: number, cell: NanoCell, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id,
    adj_matrix: cell.adjacency,
    operations: cell.ops,
    gt_accuracy: 0.9 + id / 1000,
    pred_accuracy: 0,
    confidence: 1,
    flops: 20 + id,
    est_code: [2.1 - id / 100, 1.7, 1.5],
    ...extra,
  });
}

function baseFiles(prefix: string): Record<string, string> {
  return {
    [`${prefix}/1.json`]: cellFile(1, CHAIN),
    [`${prefix}/2.json`]: cellFile(2, SPLIT),
    // integer op codes (Siamese-NAS order), no est_code yet
    [`${prefix}/3.json`]: cellFile(3, SEVEN, { operations: SEVEN.ops.map(code), est_code: null }),
    // not trained yet
    [`${prefix}/4.json`]: cellFile(4, CHAIN, { gt_accuracy: -1 }),
  };
}

function writeTree(root: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
}

function writeZip(path: string, files: Record<string, string>): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, zipSync(Object.fromEntries(Object.entries(files).map(([n, t]) => [n, strToU8(t)]))));
  return path;
}

/** A release-like data.zip (several folders) and the unpacked tiny_nanobench/ folder with the same cells. */
function writeFixture(tinyFiles: Record<string, string> = baseFiles('data/tiny_nanobench')): { zip: string; folder: string; dir: string } {
  const dir = join(tmp, `fixture-${fixtureCount++}`);
  const others = {
    'data/tiny_nanobench_synflow/1.json': cellFile(1, SEVEN),
    'data/nasbench201_cifar10/9.json': JSON.stringify({ id: 9, operations: ['split_3'] }),
  };
  const zip = writeZip(join(dir, 'data.zip'), { ...tinyFiles, ...others });
  writeTree(dir, tinyFiles);
  return { zip, folder: join(dir, 'data', 'tiny_nanobench'), dir };
}

describe('Tiny-NanoBench space', () => {
  test('op vocabulary is the Siamese-NAS one, in its order', () => {
    assert.deepEqual(NANO_OPS, [
      'input', 'conv1x1-bn-relu', 'conv3x3-bn-relu', 'maxpool3x3', 'none', 'dwconv3x3', 'conv1x1', 'atten', 'expand', 'split', 'output',
    ]);
    assert.equal(NANO_MAX_NODES, 7);
  });

  test('valid cells pass', () => {
    for (const cell of [CHAIN, SPLIT, SEVEN]) assert.equal(validateNanoCell(cell), cell);
    assert.notEqual(nanoCellKey(CHAIN), nanoCellKey(SPLIT));
    assert.equal(nanoCellKey(CHAIN), nanoCellKey({ adjacency: CHAIN.adjacency.map((r) => [...r]), ops: [...CHAIN.ops] }));
  });

  const broken: [string, { adjacency: number[][]; ops: string[] }, 'adj_matrix' | 'operations', RegExp][] = [
    ['too many nodes', { adjacency: Array.from({ length: 8 }, () => new Array(8).fill(0)), ops: new Array(8).fill('none') }, 'operations', /2\.\.7 nodes, got 8/],
    ['size mismatch', { adjacency: [[0, 1], [0, 0]], ops: ['input', 'conv1x1', 'output'] }, 'adj_matrix', /2x2 but there are 3 operations/],
    ['non-binary entry', { adjacency: [[0, 2, 0], [0, 0, 1], [0, 0, 0]], ops: ['input', 'conv1x1', 'output'] }, 'adj_matrix', /\[0\]\[1\] is 2/],
    ['unknown op', { adjacency: [[0, 1, 0], [0, 0, 1], [0, 0, 0]], ops: ['input', 'conv7x7', 'output'] }, 'operations', /unknown op "conv7x7"/],
    ['first not input', { adjacency: [[0, 1, 0], [0, 0, 1], [0, 0, 0]], ops: ['conv1x1', 'conv1x1', 'output'] }, 'operations', /node 0 must be "input"/],
    ['last not output', { adjacency: [[0, 1, 0], [0, 0, 1], [0, 0, 0]], ops: ['input', 'conv1x1', 'atten'] }, 'operations', /last node must be "output"/],
    ['second output', { adjacency: [[0, 1, 0], [0, 0, 1], [0, 0, 0]], ops: ['input', 'output', 'output'] }, 'operations', /"output" may only be the last node/],
    ['cycle', { adjacency: [[0, 1, 0, 0], [0, 0, 1, 0], [0, 1, 0, 1], [0, 0, 0, 0]], ops: ['input', 'conv1x1', 'atten', 'output'] }, 'adj_matrix', /edge 2->1 does not point to a later node/],
    ['self-loop', { adjacency: [[0, 1, 0], [0, 1, 1], [0, 0, 0]], ops: ['input', 'conv1x1', 'output'] }, 'adj_matrix', /edge 1->1/],
    ['dead end', { adjacency: [[0, 1, 1], [0, 0, 0], [0, 0, 0]], ops: ['input', 'conv1x1', 'output'] }, 'adj_matrix', /node 1 \(conv1x1\) has no outgoing edge/],
    ['unreachable node', { adjacency: [[0, 0, 1], [0, 0, 1], [0, 0, 0]], ops: ['input', 'conv1x1', 'output'] }, 'adj_matrix', /node 1 \(conv1x1\) has no incoming edge/],
    ['split with one successor', { adjacency: [[0, 1, 0], [0, 0, 1], [0, 0, 0]], ops: ['input', 'split', 'output'] }, 'adj_matrix', /split node 1 needs at least 2 successors/],
  ];
  for (const [what, cell, field, message] of broken) {
    test(`rejects: ${what}`, () => {
      const problems = nanoCellProblems(cell);
      assert.ok(problems.some((p) => p.field === field && message.test(p.message)), JSON.stringify(problems));
      assert.throws(() => validateNanoCell(cell as NanoCell), message);
    });
  }

  test('ops as names or integer codes, with a configurable mapping', () => {
    assert.equal(nanoOpFromValue('atten'), 'atten');
    assert.equal(nanoOpFromValue(9), 'split');
    assert.equal(nanoOpFromValue(0), 'input');
    const nb101Style = { '-1': 'input', '-2': 'output', '0': 'conv3x3-bn-relu', '1': 'conv1x1-bn-relu', '2': 'maxpool3x3' };
    assert.equal(nanoOpFromValue(-2, nb101Style), 'output');
    assert.equal(nanoOpFromValue(1, nb101Style), 'conv1x1-bn-relu');
    assert.throws(() => nanoOpFromValue(11), /op code 11 is not in the op-code mapping/);
    assert.throws(() => nanoOpFromValue(1.5), /not an integer/);
    assert.throws(() => nanoOpFromValue('conv5x5'), /unknown op "conv5x5"/);
    assert.throws(() => nanoOpFromValue(0, ['conv5x5']), /unknown op "conv5x5" \(code 0\)/);
    assert.throws(() => nanoOpFromValue(null), /neither a name nor an integer code/);
  });
});

describe('loadTinyNanoBench on fixtures', () => {
  for (const kind of ['zip', 'folder'] as const) {
    test(`reads the release format from a ${kind}`, async () => {
      const source = writeFixture()[kind];
      const bench = await loadTinyNanoBench({ source });
      assert.equal(bench.name, 'tiny-nanobench');
      assert.deepEqual(bench.all().map((r) => r.id), ['1', '2', '3']); // 4 is untrained; other folders ignored
      assert.deepEqual(bench.get('1').arch, CHAIN);
      assert.deepEqual(bench.get('2').arch, SPLIT);
      assert.deepEqual(bench.get('3').arch, SEVEN); // decoded from integer codes
      assert.deepEqual(bench.get('2').metrics, { gt_accuracy: 0.902, flops: 22 });
      assert.deepEqual(bench.get('1').extras?.estimationCode, [2.1 - 1 / 100, 1.7, 1.5]);
      assert.equal(bench.get('3').extras, undefined); // est_code null = not computed
      const all = await loadTinyNanoBench({ source, includeUntrained: true });
      assert.deepEqual(all.all().map((r) => r.id), ['1', '2', '3', '4']);
      assert.equal(all.get('4').metrics['gt_accuracy'], undefined);
    });
  }

  test('a custom op-code mapping decodes files written with other codes', async () => {
    const codes = ['output', 'input', 'conv1x1'];
    const { dir } = writeFixture({ 'tiny_nanobench/1.json': cellFile(1, CHAIN, { operations: [1, 2, 0] }) });
    const folder = join(dir, 'tiny_nanobench');
    const bench = await loadTinyNanoBench({ source: folder, opCodes: codes });
    assert.deepEqual(bench.get('1').arch.ops, ['input', 'conv1x1', 'output']);
    await assert.rejects(loadTinyNanoBench({ source: folder }), /field "operations": node 0 must be "input", got "conv1x1-bn-relu"/);
  });

  test('the id falls back to the file name; a zip of one other folder is read whole', async () => {
    const dir = join(tmp, `fixture-${fixtureCount++}`);
    const zip = writeZip(join(dir, 'cells.zip'), { 'cells/abc.json': JSON.stringify({ adj_matrix: CHAIN.adjacency, operations: CHAIN.ops, gt_accuracy: 0.5 }) });
    const bench = await loadTinyNanoBench({ source: zip });
    assert.deepEqual(bench.all().map((r) => r.id), ['abc']);
  });

  test('a zip with several folders but no tiny_nanobench/ is refused with what it holds', async () => {
    const dir = join(tmp, `fixture-${fixtureCount++}`);
    const zip = writeZip(join(dir, 'other.zip'), { 'a/1.json': cellFile(1, CHAIN), 'b/1.json': cellFile(1, CHAIN) });
    await assert.rejects(loadTinyNanoBench({ source: zip }), /no tiny_nanobench\/ folder .* 2 folders \(a, b\)/);
  });

  const malformed: [string, string, string | undefined, RegExp][] = [
    ['bad JSON', '{"adj_matrix": [[0,1],', undefined, /not valid JSON/],
    ['missing gt_accuracy', JSON.stringify({ adj_matrix: CHAIN.adjacency, operations: CHAIN.ops }), 'gt_accuracy', /missing/],
    ['accuracy in percent', cellFile(2, CHAIN, { gt_accuracy: 91.5 }), 'gt_accuracy', /is 91\.5, expected a finite number in \[-1, 1\]/],
    ['ragged matrix', cellFile(2, CHAIN, { adj_matrix: [[0, 1, 0], [0, 0], [0, 0, 0]] }), 'adj_matrix', /square matrix; row 1/],
    ['ops length mismatch', cellFile(2, CHAIN, { operations: ['input', 'output'] }), 'adj_matrix', /3x3 but there are 2 operations/],
    ['backward edge', cellFile(2, CHAIN, { adj_matrix: [[0, 1, 0], [0, 0, 1], [0, 1, 0]] }), 'adj_matrix', /edge 2->1 does not point to a later node/],
    ['unknown op code', cellFile(2, CHAIN, { operations: [0, 42, 10] }), 'operations', /node 1: op code 42 is not in the op-code mapping/],
    ['est_code with text', cellFile(2, CHAIN, { est_code: [1.2, 'x', 0.3] }), 'est_code', /element 1 is "x"/],
    ['duplicate id', cellFile(1, CHAIN), 'id', /id 1 also appears in/],
  ];
  for (const [what, text, field, message] of malformed) {
    for (const kind of ['zip', 'folder'] as const) {
      test(`malformed file (${what}, ${kind}) names the file and the field`, async () => {
        const files = baseFiles('data/tiny_nanobench');
        files['data/tiny_nanobench/2.json'] = text;
        const source = writeFixture(files)[kind];
        await assert.rejects(loadTinyNanoBench({ source }), (err: unknown) => {
          assert.ok(err instanceof CellJsonError, `got ${String(err)}`);
          assert.match(err.message, message);
          assert.match(err.file, kind === 'zip' ? /tiny_nanobench\/2\.json \(in .*data\.zip\)/ : /tiny_nanobench[/\\]2\.json$/);
          assert.equal(err.field, field);
          return true;
        });
      });
    }
  }
});

describe('findTinyNanoBench', () => {
  test('finds the unpacked folder in the data folder', () => {
    const { dir } = writeFixture();
    assert.equal(findTinyNanoBench({ NAS_DATA_DIR: join(dir, 'data') }), join(dir, 'data', 'tiny_nanobench'));
  });

  test('finds the release data.zip, also inside a tiny_nanobench/ folder holding only the zip', () => {
    const { dir } = writeFixture();
    assert.equal(findTinyNanoBench({ NAS_DATA_DIR: dir }), join(dir, 'data.zip'));
    const nested = join(tmp, `fixture-${fixtureCount++}`);
    writeZip(join(nested, 'tiny_nanobench', 'data.zip'), baseFiles('data/tiny_nanobench'));
    assert.equal(findTinyNanoBench({ NAS_DATA_DIR: nested }), join(nested, 'tiny_nanobench', 'data.zip'));
  });

  const present = findTinyNanoBench();
  test('absent data: undefined, and the loader says where to get it', { skip: present ? `real Tiny-NanoBench present at ${present}` : false }, async () => {
    // A data folder without Tiny-NanoBench (a NAS_DATA_DIR that does not exist is an error, tested in core.test.ts).
    const other = join(tmp, 'other-data');
    mkdirSync(join(other, 'nasbench101'), { recursive: true });
    assert.equal(findTinyNanoBench({ NAS_DATA_DIR: other }), undefined);
    await assert.rejects(loadTinyNanoBench(), /Tiny-NanoBench not found: .*github\.com\/D0352276\/Siamese-NAS/);
  });

  test('real Tiny-NanoBench loads and every cell is valid', { skip: present ? false : 'real data not found: tiny_nanobench (Siamese-NAS data.zip)' }, async () => {
    const bench = await loadTinyNanoBench();
    assert.ok(bench.size > 0);
    for (const r of bench.all()) validateNanoCell(r.arch);
    const acc = bench.metric('gt_accuracy');
    assert.ok(acc.every((a) => a > 0 && a <= 1));
  });
});
