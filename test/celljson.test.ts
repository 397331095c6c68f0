import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { strToU8, zipSync } from 'fflate';
import {
  CellJsonError,
  listCellJsonArchive,
  loadNb201,
  NB201_CELL_FOLDERS,
  NB201_CELLS_ZIP,
  readCellJsonArchive,
} from '../src/loaders/cellJson.js';
import { findDataPath } from '../src/loaders/dataFiles.js';
import { type Nb201Arch, NB201_DATASETS, NB201_OPS, nb201FromOrdinal, nb201IsConnected, nb201ToString } from '../src/spaces/nb201.js';
import { nb201Cost } from '../src/spaces/nb201Cost.js';

const REAL = findDataPath(NB201_CELLS_ZIP);
const realSkip = REAL ? false : `real data not found: ${NB201_CELLS_ZIP}`;

const tmp = mkdtempSync(join(tmpdir(), 'celljson-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let fixtureCount = 0;

/** A cell file as the released data writes it (MOTE-NAS field set, `zeros` for none). */
function cellJson(id: number, arch: Nb201Arch, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const cost = nb201Cost(arch, 'cifar10');
  return {
    id,
    adj_matrix: [[0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]],
    operations: arch.map((o) => (NB201_OPS[o] === 'none' ? 'zeros' : NB201_OPS[o])),
    init_channel: 16,
    blck_len: 5,
    params: cost.params,
    flops: cost.flops,
    latency: 0.01 + id / 1e4,
    train_per_time: 20,
    train_time_200: 4000 + id,
    train_accuracy_200: 0.9 + id / 1e4,
    test_accuracy_200: 0.8 + id / 1e4,
    train_time_12: 240 + id,
    train_accuracy_12: 0.5 + id / 1e4,
    test_accuracy_12: 0.45 + id / 1e4,
    proxy_losses: [2.3 - id / 100, 2.0, 1.8, 1.7, 1.6],
    landscape_losses: [2.4, 2.1],
    mote: 7.1,
    ...overrides,
  };
}

type FixtureFiles = Record<string, string>;

/** The same files as a zip (written with fflate) and as a folder tree; returns both paths. */
function writeFixture(files: FixtureFiles): { zip: string; folder: string } {
  const dir = join(tmp, `fixture-${fixtureCount++}`);
  const folder = join(dir, 'nasbench201');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const zip = join(dir, 'cells.zip');
  writeFileSync(zip, zipSync(Object.fromEntries(Object.entries(files).map(([n, t]) => [n, strToU8(t)]))));
  return { zip, folder };
}

const ARCHS: Record<number, Nb201Arch> = { 2: nb201FromOrdinal(100), 10: nb201FromOrdinal(15624), 7: nb201FromOrdinal(0) };
const C10 = `nasbench201/${NB201_CELL_FOLDERS.cifar10}`;
const C100 = `nasbench201/${NB201_CELL_FOLDERS.cifar100}`;

function goodFiles(): FixtureFiles {
  const files: FixtureFiles = {};
  for (const [id, arch] of Object.entries(ARCHS)) files[`${C10}/${id}.json`] = JSON.stringify(cellJson(Number(id), arch));
  files[`${C100}/5.json`] = JSON.stringify(cellJson(5, nb201FromOrdinal(5)));
  files['nasbench201/README.txt'] = 'not a cell';
  return files;
}

describe('readCellJsonArchive', () => {
  test('reads a zip and a folder the same way, json files only, sorted, with a filter', () => {
    const { zip, folder } = writeFixture(goodFiles());
    const fromZip = [...readCellJsonArchive(zip)];
    const fromFolder = [...readCellJsonArchive(folder)];
    assert.deepEqual(fromZip.map((e) => e.name), [`${C10}/10.json`, `${C10}/2.json`, `${C10}/7.json`, `${C100}/5.json`]);
    assert.deepEqual(fromFolder.map((e) => e.name), fromZip.map((e) => e.name));
    assert.deepEqual(fromFolder.map((e) => e.json), fromZip.map((e) => e.json));
    assert.deepEqual(listCellJsonArchive(zip), fromZip.map((e) => e.name));
    assert.deepEqual(listCellJsonArchive(folder), fromZip.map((e) => e.name));
    const only100 = [...readCellJsonArchive(zip, { filter: (n) => n.startsWith(C100) })];
    assert.deepEqual(only100.map((e) => (e.json as { id: number }).id), [5]);
    assert.match(fromZip[0]!.location, /10\.json \(in .*cells\.zip\)/);
  });

  test('a file that is neither a folder nor a zip gets a clear error', () => {
    const path = join(tmp, 'not-a-zip.zip');
    writeFileSync(path, 'hello');
    assert.throws(() => [...readCellJsonArchive(path)], /zip archive .*not-a-zip\.zip: no end-of-central-directory record/);
  });
});

describe('loadNb201 on fixtures', () => {
  for (const kind of ['zip', 'folder'] as const) {
    test(`decodes records from a ${kind}`, async () => {
      const source = writeFixture(goodFiles())[kind];
      const bench = await loadNb201({ dataset: 'cifar10', source });
      assert.equal(bench.name, 'nb201-cifar10');
      assert.deepEqual(bench.all().map((r) => r.id), ['2', '7', '10']); // numeric order
      for (const [id, arch] of Object.entries(ARCHS)) {
        const r = bench.get(id);
        const file = cellJson(Number(id), arch);
        assert.deepEqual(r.arch, arch);
        assert.deepEqual(r.extras?.estimationCode, (file['proxy_losses'] as number[]).slice(0, 3));
        assert.deepEqual(r.metrics, {
          test_acc_200: file['test_accuracy_200'],
          train_acc_200: file['train_accuracy_200'],
          test_acc_12: file['test_accuracy_12'],
          train_acc_12: file['train_accuracy_12'],
          train_time_12: file['train_time_12'],
          train_time_200: file['train_time_200'],
          params: file['params'],
          flops: file['flops'],
          latency: file['latency'],
        });
      }
      assert.equal(bench.get('7').arch.every((o) => o === NB201_OPS.indexOf('none')), true); // `zeros` in the file
      const c100 = await loadNb201({ dataset: 'cifar100', source });
      assert.deepEqual(c100.all().map((r) => r.id), ['5']);
      await assert.rejects(loadNb201({ dataset: 'imagenet16', source }), /no cell files for imagenet16 .* folder named nasbench201_img16-10/);
    });
  }

  test('a zip is parsed once per process and dataset', async () => {
    const { zip } = writeFixture(goodFiles());
    const a = await loadNb201({ dataset: 'cifar10', source: zip });
    const b = await loadNb201({ dataset: 'cifar10', source: zip });
    assert.equal(a, b);
  });

  test('a missing source is named', async () => {
    await assert.rejects(loadNb201({ dataset: 'cifar10', source: join(tmp, 'nope.zip') }), /source .*nope\.zip does not exist/);
    assert.throws(() => [...readCellJsonArchive(join(tmp, 'nope'))], /cell JSON source .*nope does not exist/);
  });

  test('unknown dataset is rejected', async () => {
    await assert.rejects(loadNb201({ dataset: 'mnist' as never, source: tmp }), /unknown dataset "mnist"; expected one of cifar10, cifar100, imagenet16/);
  });

  const broken: [string, string, RegExp, string | undefined][] = [
    ['bad JSON', '{"id": 7, "operations": [', /not valid JSON/, undefined],
    ['missing field', JSON.stringify({ ...cellJson(7, ARCHS[7]!), test_accuracy_200: undefined }), /missing/, 'test_accuracy_200'],
    ['wrong ops length', JSON.stringify(cellJson(7, ARCHS[7]!, { operations: ['zeros', 'zeros', 'zeros', 'zeros', 'zeros'] })), /expected 6 edge ops .* got 5/, 'operations'],
    ['unknown op', JSON.stringify(cellJson(7, ARCHS[7]!, { operations: ['zeros', 'zeros', 'conv9x9', 'zeros', 'zeros', 'zeros'] })), /edge 2 has unknown op "conv9x9"/, 'operations'],
    ['id not the file name', JSON.stringify(cellJson(8, ARCHS[7]!)), /8 does not match the file name 7\.json/, 'id'],
    ['accuracy in percent', JSON.stringify(cellJson(7, ARCHS[7]!, { test_accuracy_200: 93.1 })), /is 93\.1, expected a finite number in \[0, 1\] \(fractions, not percent\)/, 'test_accuracy_200'],
    ['short proxy losses', JSON.stringify(cellJson(7, ARCHS[7]!, { proxy_losses: [2.3, 2.0] })), /at least 3 numbers, got 2/, 'proxy_losses'],
    ['non-numeric metric', JSON.stringify(cellJson(7, ARCHS[7]!, { flops: 'n/a' })), /is "n\/a", expected a finite number ≥ 0/, 'flops'],
    ['wrong adjacency', JSON.stringify(cellJson(7, ARCHS[7]!, { adj_matrix: [[0, 1], [0, 0]] })), /expected the 4-node cell DAG/, 'adj_matrix'],
    ['not an object', '[1, 2, 3]', /expected a JSON object, got an array/, undefined],
  ];
  for (const [what, text, message, field] of broken) {
    for (const kind of ['zip', 'folder'] as const) {
      test(`malformed file (${what}, ${kind}) names the file and the field`, async () => {
        const files = goodFiles();
        files[`${C10}/7.json`] = text;
        const source = writeFixture(files)[kind];
        await assert.rejects(loadNb201({ dataset: 'cifar10', source }), (err: unknown) => {
          assert.ok(err instanceof CellJsonError, `got ${String(err)}`);
          assert.match(err.message, message);
          assert.match(err.file, kind === 'zip' ? /nasbench201_cifar10-10\/7\.json \(in .*cells\.zip\)/ : /nasbench201_cifar10-10[/\\]7\.json$/);
          assert.equal(err.field, field);
          if (field) assert.match(err.message, new RegExp(`field "${field}"`));
          return true;
        });
      });
    }
  }
});

describe('loadNb201 on the real data', () => {
  const optimum = { cifar10: 0.94373, cifar100: 0.73513, imagenet16: 0.47311 } as const;
  const chance = { cifar10: 1 / 10, cifar100: 1 / 100, imagenet16: 1 / 120 } as const;
  for (const dataset of NB201_DATASETS) {
    test(`${dataset}: 15,614 cells, ids 3989..3999 missing, known optimum, estimation codes`, { skip: realSkip }, async () => {
      const bench = await loadNb201({ dataset });
      assert.equal(bench.size, 15614);
      const missing: number[] = [];
      for (let i = 0; i < 15625; i++) if (!bench.has(String(i))) missing.push(i);
      assert.deepEqual(missing, [3989, 3990, 3991, 3992, 3993, 3994, 3995, 3996, 3997, 3998, 3999]);
      const best = Math.max(...bench.metric('test_acc_200'));
      assert.ok(Math.abs(best - optimum[dataset]) < 5e-6, `max test_acc_200 ${best}`);
      assert.ok(bench.all().every((r) => r.extras?.estimationCode?.length === 3));
      // Arch string order of `operations` (not the row order of adj_matrix): cells whose input cannot
      // reach the output score chance, and only those at CIFAR-10.
      const disconnected = bench.all().filter((r) => !nb201IsConnected(r.arch));
      assert.equal(disconnected.length, 341);
      for (const r of disconnected) assert.ok(Math.abs(r.metrics['test_acc_200']! - chance[dataset]) < 1e-6, `cell ${r.id}`);
      if (dataset === 'cifar10') {
        const connectedMin = Math.min(...bench.all().filter((r) => nb201IsConnected(r.arch)).map((r) => r.metrics['test_acc_200']!));
        assert.ok(connectedMin > 0.4, `worst connected cell ${connectedMin}`);
      }
    });
  }

  test('index 0 is NAS-Bench-201 api.arch(0)', { skip: realSkip }, async () => {
    const bench = await loadNb201({ dataset: 'cifar10' });
    assert.equal(
      nb201ToString(bench.get('0').arch),
      '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|',
    );
  });
});

describe('zip integrity', () => {
  const base = (): Uint8Array => zipSync({ 'caf_/1.json': strToU8('{"a": 1}'), 'caf_/2.json': strToU8('{"a": 2}') });

  test('names without the UTF-8 flag are latin1, as fflate and the Windows/macOS tools write them', () => {
    const bytes = base();
    // Patch "_" to é (0xE9 in latin1) in every copy of the names (local and central headers).
    for (let i = 0; i + 4 < bytes.length; i++) if (bytes[i] === 0x63 && bytes[i + 1] === 0x61 && bytes[i + 2] === 0x66 && bytes[i + 3] === 0x5f) bytes[i + 3] = 0xe9;
    const path = join(tmp, 'latin1.zip');
    writeFileSync(path, bytes);
    assert.deepEqual(listCellJsonArchive(path), ['café/1.json', 'café/2.json']);
    assert.deepEqual([...readCellJsonArchive(path)].map((e) => e.json), [{ a: 1 }, { a: 2 }]);
  });

  test('a flipped byte in a stored entry fails its CRC-32; a name damaged in one header only is refused', () => {
    const stored = zipSync({ 'd/1.json': strToU8('{"accuracy": 0.93}') }, { level: 0 });
    const at = Buffer.from(stored).indexOf('0.93');
    const flipped = Uint8Array.from(stored);
    flipped[at + 2] = '8'.charCodeAt(0); // "0.98": valid JSON, wrong data
    const path = join(tmp, 'flipped.zip');
    writeFileSync(path, flipped);
    assert.throws(() => [...readCellJsonArchive(path)], /entry "d\/1\.json": CRC-32 [0-9a-f]{8} does not match the stored [0-9a-f]{8}/);
    const renamed = Uint8Array.from(stored);
    renamed[Buffer.from(stored).lastIndexOf('d/1.json') + 2] = '2'.charCodeAt(0); // central directory only
    writeFileSync(path, renamed);
    assert.throws(() => [...readCellJsonArchive(path)], /local header is missing or names another entry/);
  });
});
