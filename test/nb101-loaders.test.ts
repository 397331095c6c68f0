import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { findDataPath } from '../src/loaders/dataFiles.js';
import { loadNb101Graphs1k, loadNb101Subset, NB101_GRAPHS1K_FILE, NB101_SUBSET_FILE } from '../src/loaders/nb101.js';
import {
  crc32c,
  decodeNb101ModelMetrics,
  loadNb101Tfrecord,
  maskedCrc32c,
  readNb101TfrecordRuns,
  readTfrecords,
} from '../src/loaders/nb101Tfrecord.js';
import { nb101Hash, nb101HashOf, nb101Spec } from '../src/spaces/nb101.js';
import { nb101CellVertexCost, nb101NetworkCost, nb101Params, nb101VertexChannels } from '../src/spaces/nb101Cost.js';
import { loadNb101Space } from '../src/spaces/nb101Enumerate.js';
import { crc32cBitwise, encodeModelMetrics, rowData, tfrecordFrame, writeNb101Tfrecord, type FixtureRow } from './fixtures/nb101Tfrecord.js';

const dir = mkdtempSync(join(tmpdir(), 'nb101-loaders-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const I = 'input';
const O = 'output';
const C3 = 'conv3x3-bn-relu';
const C1 = 'conv1x1-bn-relu';
const MP = 'maxpool3x3';

/** The 9 cells of the network: [input channels, output channels, feature map side]. */
const CELLS: [number, number, number][] = [
  [128, 128, 32],
  [128, 128, 32],
  [128, 128, 32],
  [128, 256, 16],
  [256, 256, 16],
  [256, 256, 16],
  [256, 512, 8],
  [512, 512, 8],
  [512, 512, 8],
];
const STEM = { params: 3 * 3 * 3 * 128 + 2 * 128, flops: 32 * 32 * 3 * 3 * 3 * 128 };
const DENSE = { params: 512 * 10 + 10, flops: 512 * 10 };

describe('nb101 FLOPs and parameters (hand-made specs)', () => {
  test('input → output: every cell is one 1x1 projection (conv + BN) charged to the output slot', () => {
    const spec = nb101Spec([[0, 1], [0, 0]], [I, O]);
    const cost = nb101NetworkCost(spec);
    let params = STEM.params + DENSE.params;
    let flops = STEM.flops + DENSE.flops;
    CELLS.forEach(([cin, c, side], k) => {
      const cell = cost.cells[k]!;
      assert.deepEqual([cell.inputChannels, cell.outputChannels, cell.spatial], [cin, c, side]);
      assert.deepEqual(Array.from(cell.params), [0, 0, 0, 0, 0, 0, cin * c + 2 * c]);
      assert.deepEqual(Array.from(cell.flops), [0, 0, 0, 0, 0, 0, side * side * cin * c]);
      params += cin * c + 2 * c;
      flops += side * side * cin * c;
    });
    assert.equal(cost.totalParams, params);
    assert.equal(cost.totalFlops, flops);
    assert.equal(nb101Params(spec), 882_570);
    assert.deepEqual(cost.stem, STEM);
    assert.deepEqual(cost.classifier, DENSE);
  });

  test('input → conv3x3 → output: projection + conv at vertex 1, nothing at the output', () => {
    const spec = nb101Spec([[0, 1, 0], [0, 0, 1], [0, 0, 0]], [I, C3, O]);
    const cost = nb101NetworkCost(spec);
    let params = STEM.params + DENSE.params;
    CELLS.forEach(([cin, c, side], k) => {
      const vertex1 = { params: cin * c + 2 * c + 9 * c * c + 2 * c, flops: side * side * (cin * c + 9 * c * c) };
      assert.deepEqual(Array.from(cost.cells[k]!.params), [0, vertex1.params, 0, 0, 0, 0, 0]);
      assert.deepEqual(Array.from(cost.cells[k]!.flops), [0, vertex1.flops, 0, 0, 0, 0, 0]);
      params += vertex1.params;
    });
    assert.equal(cost.totalParams, params);
  });

  test('max-pool vertices cost only their input projection; the output pays for input → output', () => {
    const spec = nb101Spec([[0, 1, 1], [0, 0, 1], [0, 0, 0]], [I, MP, O]);
    const cell = nb101CellVertexCost(spec, 128, 256, 16);
    assert.deepEqual(cell.flops, [0, 16 * 16 * 128 * 256, 16 * 16 * 128 * 256]);
    assert.deepEqual(cell.params, [0, 128 * 256 + 512, 128 * 256 + 512]);
  });

  test('vertex channels: the output splits evenly (remainder to the first), others take their largest successor', () => {
    const fan = nb101Spec(
      [
        [0, 1, 1, 1, 0],
        [0, 0, 0, 0, 1],
        [0, 0, 0, 0, 1],
        [0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0],
      ],
      [I, C3, C1, MP, O],
    );
    assert.deepEqual(nb101VertexChannels(fan, 128, 128), [128, 43, 43, 42, 128]);
    assert.deepEqual(nb101VertexChannels(fan, 128, 256), [128, 86, 85, 85, 256]);
    const diamond = nb101Spec(
      [
        [0, 1, 0, 0, 0],
        [0, 0, 1, 1, 0],
        [0, 0, 0, 0, 1],
        [0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0],
      ],
      [I, C1, C3, C3, O],
    );
    assert.deepEqual(nb101VertexChannels(diamond, 128, 129), [128, 65, 65, 64, 129]);
    // Vertex 1 (65 channels) feeds vertex 3 truncated to 64: no parameters for the truncation.
    const cell = nb101CellVertexCost(diamond, 128, 129, 32);
    assert.deepEqual(cell.params, [0, 128 * 65 + 130 + 65 * 65 + 130, 9 * 65 * 65 + 130, 9 * 64 * 64 + 128, 0]);
  });

  test('a 5-vertex cell keeps the output in slot 6 of the per-vertex arrays', () => {
    const spec = nb101Spec([[0, 1, 0, 0, 1], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]], [I, C3, C3, C1, O]);
    const cell = nb101NetworkCost(spec).cells[0]!;
    assert.equal(cell.params[4], 0);
    assert.equal(cell.params[5], 0);
    assert.equal(cell.params[6], 128 * 128 + 256);
  });
});

const subsetPath = findDataPath(NB101_SUBSET_FILE);
const graphsPath = findDataPath(NB101_GRAPHS1K_FILE);

describe('nb101 subset loaders (real data)', () => {
  test('20k subset: 20,001 records joined to graphs; parameters match trainable_parameters for ALL of them', { skip: subsetPath ? false : `real data not found: ${NB101_SUBSET_FILE}` }, async () => {
    const bench = await loadNb101Subset();
    assert.equal(bench.size, 20_001);
    assert.equal(bench.name, 'nasbench101-subset20k');
    const first = bench.all()[0]!;
    assert.equal(first.id, '00005c142e6f48ac74fdcf73e3439874');
    assert.deepEqual(Object.keys(first.metrics).sort(), ['params', 'training_time', 'val_acc_108', 'val_acc_12', 'val_acc_36', 'val_acc_4']);
    const mismatches: string[] = [];
    for (const record of bench.all()) {
      const computed = nb101Params(record.arch);
      if (computed !== record.metrics['params']) mismatches.push(`${record.id}: computed ${computed}, dataset ${record.metrics['params']}`);
    }
    assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} parameter mismatches`);
    const acc = bench.metric('val_acc_108');
    assert.ok(acc.every((a) => a >= 0 && a <= 1));
  });

  test('1k graphs: the file specs hash to their keys and are exactly what the enumeration produced for those hashes', { skip: graphsPath ? false : `real data not found: ${NB101_GRAPHS1K_FILE}` }, async () => {
    const graphs = await loadNb101Graphs1k();
    const space = loadNb101Space();
    assert.equal(graphs.size, 1000);
    const differing: string[] = [];
    for (const record of graphs.all()) {
      assert.equal(nb101Hash(record.arch), record.id);
      const index = space.indexOf(record.id);
      assert.ok(index >= 0, `${record.id} not in the enumeration`);
      if (JSON.stringify(space.specAt(index)) !== JSON.stringify(record.arch)) differing.push(record.id);
    }
    assert.deepEqual(differing, []);
    // Cells with fewer than 7 vertices are present and un-padded.
    assert.ok(graphs.all().some((r) => r.arch.numVertices < 7));
  });

  test('the 20k keys all exist in the enumeration, and the 1k metrics equal the 20k rows', { skip: subsetPath && graphsPath ? false : 'real data not found' }, async () => {
    const space = loadNb101Space();
    const keys = (JSON.parse(readFileSync(subsetPath!, 'utf8')) as { key: string[] }).key;
    assert.equal(keys.filter((k) => space.indexOf(k) < 0).length, 0);
    const subset = await loadNb101Subset({ space });
    for (const record of (await loadNb101Graphs1k()).all()) assert.deepEqual(subset.get(record.id).metrics, record.metrics);
  });
});

describe('nb101 subset JSON validation (fixtures)', () => {
  const valid = {
    key: ['043721b9c7fe8c5fad811d47d83132ec'],
    '4_final_validation_accuracy': [0.1],
    '12_final_validation_accuracy': [0.2],
    '36_final_validation_accuracy': [0.3],
    '108_final_validation_accuracy': [0.4],
    final_training_time: [100],
    trainable_parameters: [882570],
  };
  const write = (name: string, content: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  test('a valid one-row file loads through the enumeration', async () => {
    const bench = await loadNb101Subset({ path: write('ok.json', valid) });
    assert.equal(bench.size, 1);
    assert.equal(bench.all()[0]!.arch.numVertices, 2);
    assert.equal(bench.all()[0]!.metrics['val_acc_108'], 0.4);
  });

  test('errors name the file and the field', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['notjson.json', '{"key": [', /notjson\.json is not valid JSON/],
      ['array.json', [1, 2], /array\.json: expected one JSON object of parallel arrays, got an array/],
      ['missing.json', { ...valid, trainable_parameters: undefined }, /missing\.json: field "trainable_parameters": missing/],
      ['length.json', { ...valid, final_training_time: [1, 2] }, /length\.json: field "final_training_time": has 2 entries, but "key" has 1/],
      ['type.json', { ...valid, '4_final_validation_accuracy': ['x'] }, /type\.json: entry 0 \(hash [0-9a-f]{32}\): field "4_final_validation_accuracy": is "x", expected a finite number in \[0, 1\]/],
      ['badkey.json', { ...valid, key: ['xyz'] }, /badkey\.json: entry 0: field "key": is "xyz", expected a 32-hex md5 hash/],
      ['unknown.json', { ...valid, key: ['f'.repeat(32)] }, /unknown\.json: entry 0: field "key": hash f{32} is not a cell/],
    ];
    for (const [name, content, message] of cases) await assert.rejects(loadNb101Subset({ path: write(name, content) }), message);
  });

  test('1k graph files: padding must be trailing and edge-free; specs are validated', async () => {
    const base = { ...valid, operations: [[-1, -2, -3]], adjacency: [[[0, 1, 0], [0, 0, 0], [0, 0, 0]]] };
    const ok = await loadNb101Graphs1k({ verifyHashes: false, path: write('g-ok.json', base) });
    assert.equal(ok.all()[0]!.arch.numVertices, 2);
    await assert.rejects(loadNb101Graphs1k({ verifyHashes: false, path: write('g-pad.json', { ...base, operations: [[-1, -3, -2]] }) }), /g-pad\.json: entry 0: field "operations": padding op -3 before/);
    await assert.rejects(
      loadNb101Graphs1k({ verifyHashes: false, path: write('g-edge.json', { ...base, adjacency: [[[0, 1, 1], [0, 0, 0], [0, 0, 0]]] }) }),
      /g-edge\.json: entry 0: field "adjacency": padding vertex 2 has an edge/,
    );
    await assert.rejects(
      loadNb101Graphs1k({ verifyHashes: false, path: write('g-spec.json', { ...base, operations: [[-1, -1, -3]] }) }),
      /g-spec\.json: entry 0: invalid NAS-Bench-101 spec \(last-not-output\)/,
    );
    await assert.rejects(loadNb101Graphs1k({ verifyHashes: false, path: write('g-shape.json', { ...base, adjacency: [[[0, 1]]] }) }), /g-shape\.json: entry 0: field "adjacency": is not a 3×3 matrix/);
  });
});

describe('nb101 official TFRecord reader (fixture files in the release format)', () => {
  const evaluation = (epoch: number, val: number, testAcc: number, time: number) => ({
    currentEpoch: epoch,
    trainingTime: time,
    trainAccuracy: val + 0.05,
    validationAccuracy: val,
    testAccuracy: testAcc,
    checkpointPath: `/ckpt/model.ckpt-${epoch}`,
  });
  const chain = { matrix: [[0, 1, 0], [0, 0, 1], [0, 0, 0]], ops: [I, C3, O] };
  const fan = { matrix: [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], ops: [I, C1, MP, O] };
  const row = (graph: typeof chain, epochs: number, repeat: number, extra: Partial<FixtureRow> = {}): FixtureRow => ({
    hash: nb101HashOf(graph.matrix, graph.ops),
    epochs,
    matrix: graph.matrix,
    ops: graph.ops,
    metrics: {
      evaluations: [evaluation(0, 0.1, 0.1, 0), evaluation(epochs / 2, 0.5 + repeat / 100, 0.49, 10 * epochs), evaluation(epochs, 0.9 + repeat / 100, 0.89 + repeat / 100, 20 * epochs)],
      trainableParameters: nb101Params(nb101Spec(graph.matrix, graph.ops)),
      totalTime: 99.5,
      unknownField: repeat === 1,
    },
    ...extra,
  });
  const rows: FixtureRow[] = [0, 1, 2].flatMap((r) => [row(chain, 108, r), row(fan, 108, r)]).concat([row(chain, 12, 0)]);

  test('CRC-32C known answer, for the reader and the independent fixture writer', () => {
    const check = Buffer.from('123456789');
    assert.equal(crc32c(check), 0xe3069283);
    assert.equal(crc32cBitwise(check), 0xe3069283);
    const random = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff));
    assert.equal(crc32c(random), crc32cBitwise(random));
    assert.equal(maskedCrc32c(random), tfrecordFrame(random).readUInt32LE(12 + random.length));
  });

  test('ModelMetrics protobuf: every field decoded, unknown fields skipped', () => {
    const metrics = decodeNb101ModelMetrics(encodeModelMetrics(rows[1]!.metrics));
    assert.equal(metrics.evaluationData.length, 3);
    assert.deepEqual(metrics.evaluationData[2], evaluation(108, 0.9, 0.89, 2160));
    assert.equal(metrics.trainableParameters, rows[1]!.metrics.trainableParameters);
    assert.equal(metrics.totalTime, 99.5);
    const withUnknown = decodeNb101ModelMetrics(encodeModelMetrics(rows[2]!.metrics));
    assert.equal(withUnknown.totalTime, 99.5);
    assert.throws(() => decodeNb101ModelMetrics(Uint8Array.from([0x0a, 0x05, 0x09])), /malformed ModelMetrics protobuf/);
  });

  test('reads every repeat, with validation and test accuracy, means and per-run values', async () => {
    const path = join(dir, 'fixture.tfrecord');
    writeNb101Tfrecord(path, rows);
    const cells = await readNb101TfrecordRuns(path, { verifyHashes: true });
    assert.equal(cells.size, 2);
    const chainCell = cells.get(rows[0]!.hash)!;
    assert.equal(chainCell.runs.get(108)!.length, 3);
    assert.equal(chainCell.runs.get(12)!.length, 1);
    assert.deepEqual(chainCell.spec, nb101Spec(chain.matrix, chain.ops));
    assert.deepEqual(chainCell.runs.get(108)![2]!.halfway, evaluation(54, 0.52, 0.49, 1080));

    const bench = await loadNb101Tfrecord(path);
    const m = bench.get(rows[1]!.hash).metrics;
    assert.equal(m['params'], rows[1]!.metrics.trainableParameters);
    assert.equal(m['repeats_108'], 3);
    assert.ok(Math.abs(m['val_acc_108']! - 0.91) < 1e-12);
    assert.ok(Math.abs(m['test_acc_108']! - 0.9) < 1e-12);
    assert.equal(m['val_acc_108_run2'], 0.92);
    assert.equal(m['test_acc_108_run0'], 0.89);
    assert.equal(m['training_time_108'], 2160);
    assert.equal(bench.get(rows[0]!.hash).metrics['val_acc_12'], 0.9);
  });

  test('rejects a corrupt data CRC, a corrupt length CRC and a truncated record, naming record and byte', async () => {
    const file = Buffer.concat(rows.slice(0, 3).map((r) => tfrecordFrame(rowData(r))));
    const secondStart = tfrecordFrame(rowData(rows[0]!)).length;
    const drain = async (path: string): Promise<number> => {
      let n = 0;
      for await (const _ of readTfrecords(path)) n++;
      return n;
    };

    const badData = Buffer.from(file);
    badData[secondStart + 20]! ^= 0x01;
    writeFileSync(join(dir, 'bad-data.tfrecord'), badData);
    await assert.rejects(drain(join(dir, 'bad-data.tfrecord')), new RegExp(`record 1 at byte ${secondStart}: data CRC mismatch`));

    const badLength = Buffer.from(file);
    badLength[secondStart + 9]! ^= 0x01;
    writeFileSync(join(dir, 'bad-length.tfrecord'), badLength);
    await assert.rejects(drain(join(dir, 'bad-length.tfrecord')), /record 1 at byte \d+: length CRC mismatch/);

    writeFileSync(join(dir, 'truncated.tfrecord'), file.subarray(0, file.length - 10));
    await assert.rejects(drain(join(dir, 'truncated.tfrecord')), /truncated\.tfrecord: truncated record 2 at byte \d+: \d+ bytes left, record of \d+ bytes incomplete/);

    writeFileSync(join(dir, 'ok3.tfrecord'), file);
    assert.equal(await drain(join(dir, 'ok3.tfrecord')), 3);
  });

  test('rejects a row whose hash does not match its graph (verifyHashes) and malformed rows', async () => {
    const wrongHash = join(dir, 'wrong-hash.tfrecord');
    writeNb101Tfrecord(wrongHash, [row(chain, 108, 0, { hash: 'a'.repeat(32) })]);
    await assert.rejects(readNb101TfrecordRuns(wrongHash, { verifyHashes: true }), /record 0: module hash a{32} does not match its graph/);
    const badOp = join(dir, 'bad-op.tfrecord');
    writeNb101Tfrecord(badOp, [{ ...rows[0]!, ops: [I, 'conv7x7', O] }]);
    await assert.rejects(readNb101TfrecordRuns(badOp), /bad-op\.tfrecord: record 0: invalid NAS-Bench-101 spec \(unknown-op\)/);
    const notJson = join(dir, 'not-json.tfrecord');
    writeFileSync(notJson, tfrecordFrame(Buffer.from('[1, 2')));
    await assert.rejects(readNb101TfrecordRuns(notJson), /not-json\.tfrecord: record 0: record data is not JSON/);
  });

  test('streams a file larger than one read chunk (records spanning chunk boundaries)', async () => {
    const many = Array.from({ length: 12_000 }, (_, k) => rows[k % 6]!); // 6 = the 108-epoch rows: 2 cells × 3 repeats
    const path = join(dir, 'many.tfrecord');
    const bytes = writeNb101Tfrecord(path, many);
    assert.ok(bytes.length > 4 * 2 ** 20, `fixture is only ${bytes.length} bytes`);
    const cells = await readNb101TfrecordRuns(path);
    assert.equal(cells.size, 2);
    assert.equal(cells.get(rows[0]!.hash)!.runs.get(108)!.length, 6000);
  });
});
