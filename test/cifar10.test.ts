import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'fflate';
import {
  CIFAR10_CLASS_NAMES,
  CIFAR10_DATA_FILE,
  CIFAR10_RECORD_BYTES,
  channelStats,
  cifarToTensors,
  loadCifar10,
  type Cifar10Data,
} from '../src/loaders/cifar10.js';
import { findDataPath, resolveDataFile } from '../src/loaders/dataFiles.js';
import { iterateTarEntries, readTarFile, TarFormatError } from '../src/loaders/tar.js';
import { tarArchive, type TarFixtureEntry } from './fixtures/tarWriter.js';

// ---- fixtures: records in the official layout with pixels given by a formula ----

/** The value of image `image`, channel `k` (0 R, 1 G, 2 B), row `r`, column `c` in every fixture. */
const pixel = (image: number, k: number, r: number, c: number): number => (image * 37 + k * 91 + r * 11 + c * 5) & 255;

/** One 3,073-byte record: label, then the R, G and B planes, each row-major. */
function record(image: number, label: number): Uint8Array {
  const rec = new Uint8Array(CIFAR10_RECORD_BYTES);
  rec[0] = label;
  for (let k = 0; k < 3; k++) for (let r = 0; r < 32; r++) for (let c = 0; c < 32; c++) rec[1 + k * 1024 + r * 32 + c] = pixel(image, k, r, c);
  return rec;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A batch of `count` records whose images are numbered from `first` and labelled (first + j) % 10. */
const batch = (first: number, count: number): Uint8Array =>
  concat(Array.from({ length: count }, (_, j) => record(first + j, (first + j) % 10)));

const CUSTOM_NAMES = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9'];
const META = new TextEncoder().encode(`${CUSTOM_NAMES.join('\n')}\n\n`);

/** Three training batches (4 + 3 + 2 images, numbered 0..8) and a test batch (5 images, numbered 100..104). */
function officialFiles(): Record<string, Uint8Array> {
  return {
    'data_batch_1.bin': batch(0, 4),
    'data_batch_2.bin': batch(4, 3),
    'data_batch_3.bin': batch(7, 2),
    'test_batch.bin': batch(100, 5),
    'batches.meta.txt': META,
  };
}

function tarOf(files: Record<string, Uint8Array>, folder = 'cifar-10-batches-bin'): Uint8Array {
  const entries: TarFixtureEntry[] = [{ name: folder }];
  for (const [name, data] of Object.entries(files)) entries.push({ name: `${folder}/${name}`, data });
  return tarArchive(entries);
}

let tmp = '';
let n = 0;
/** Writes bytes to a fresh file in the temp folder and returns its path. */
function writeTemp(name: string, bytes: Uint8Array): string {
  const path = join(tmp, `${n++}-${name}`);
  writeFileSync(path, bytes);
  return path;
}
function writeFolder(files: Record<string, Uint8Array>, nested: boolean): string {
  const root = join(tmp, `${n++}-folder`);
  const dir = nested ? join(root, 'cifar-10-batches-bin') : root;
  mkdirSync(dir, { recursive: true });
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
  return root;
}

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cifar10-test-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Every pixel of every image, checked against the formula at its NHWC position. */
function assertImagesAre(data: Cifar10Data, imageNumbers: number[]): void {
  assert.equal(data.n, imageNumbers.length);
  assert.equal(data.images.length, imageNumbers.length * 32 * 32 * 3);
  imageNumbers.forEach((image, i) => {
    for (let r = 0; r < 32; r++)
      for (let c = 0; c < 32; c++)
        for (let k = 0; k < 3; k++) {
          const got = data.images[((i * 32 + r) * 32 + c) * 3 + k];
          if (got !== pixel(image, k, r, c)) assert.fail(`image ${i} (fixture ${image}) row ${r} col ${c} channel ${k}: ${got} != ${pixel(image, k, r, c)}`);
        }
  });
  assert.deepEqual([...data.labels], imageNumbers.map((image) => image % 10));
}

/** Runs `fn`, expecting an error whose message contains every one of `parts`. */
async function rejectsMentioning(fn: () => Promise<unknown>, parts: string[], problem?: string): Promise<void> {
  await assert.rejects(fn, (err: Error) => {
    for (const part of parts) assert.ok(err.message.includes(part), `message ${JSON.stringify(err.message)} should mention ${JSON.stringify(part)}`);
    if (problem) assert.equal((err as TarFormatError).problem, problem, err.message);
    return true;
  });
}

// ---- loading ----

describe('loadCifar10 on generated fixtures', () => {
  test('a known pixel lands at its NHWC position (R, G, B interleaved)', async () => {
    const path = writeTemp('one.tar.gz', gzipSync(tarOf({ 'test_batch.bin': concat([record(0, 3), record(1, 8)]) })));
    const data = await loadCifar10({ source: path, split: 'test' });
    // Image 1, row 2, column 30: the record holds R at 1+0*1024+2*32+30, G at +1024, B at +2048.
    const at = ((1 * 32 + 2) * 32 + 30) * 3;
    assert.deepEqual([...data.images.subarray(at, at + 3)], [pixel(1, 0, 2, 30), pixel(1, 1, 2, 30), pixel(1, 2, 2, 30)]);
    assert.deepEqual([...data.labels], [3, 8]);
  });

  test('tar.gz: the test split, labels, class names from batches.meta.txt', async () => {
    const path = writeTemp('cifar.tar.gz', gzipSync(tarOf(officialFiles())));
    const data = await loadCifar10({ source: path, split: 'test' });
    assertImagesAre(data, [100, 101, 102, 103, 104]);
    assert.deepEqual(data.classNames, CUSTOM_NAMES);
    assert.deepEqual(data.batches, ['test_batch.bin']);
    assert.equal(data.split, 'test');
    assert.equal(data.source, path);
  });

  test('train: every training batch present, concatenated in order (batches 1, 2, 3 of 5)', async () => {
    const path = writeTemp('cifar.tar.gz', gzipSync(tarOf(officialFiles())));
    const data = await loadCifar10({ source: path, split: 'train' });
    assertImagesAre(data, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(data.batches, ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin']);
  });

  test('batches are read in numeric order whatever the archive order', async () => {
    const files = officialFiles();
    const shuffled = { 'data_batch_3.bin': files['data_batch_3.bin']!, 'test_batch.bin': files['test_batch.bin']!, 'data_batch_1.bin': files['data_batch_1.bin']!, 'data_batch_2.bin': files['data_batch_2.bin']! };
    const data = await loadCifar10({ source: writeTemp('shuffled.tar.gz', gzipSync(tarOf(shuffled))), split: 'train' });
    assertImagesAre(data, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test('limit takes the first images across batch boundaries', async () => {
    const path = writeTemp('cifar.tar.gz', gzipSync(tarOf(officialFiles())));
    const data = await loadCifar10({ source: path, split: 'train', limit: 6 });
    assertImagesAre(data, [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(data.batches, ['data_batch_1.bin', 'data_batch_2.bin']);
    assert.equal((await loadCifar10({ source: path, split: 'train', limit: 100 })).n, 9);
    assert.equal((await loadCifar10({ source: path, split: 'train', limit: 0 })).n, 0);
    await rejectsMentioning(() => loadCifar10({ source: path, split: 'train', limit: -1 }), ['limit -1']);
  });

  test('plain .tar, extracted folder and flat folder give the same data as the .tar.gz', async () => {
    const files = officialFiles();
    const reference = await loadCifar10({ source: writeTemp('c.tar.gz', gzipSync(tarOf(files))), split: 'train' });
    for (const source of [writeTemp('c.tar', tarOf(files)), writeFolder(files, true), writeFolder(files, false)]) {
      for (const split of ['train', 'test'] as const) {
        const data = await loadCifar10({ source, split });
        const ref = split === 'train' ? reference : await loadCifar10({ source: writeTemp('c.tar.gz', gzipSync(tarOf(files))), split });
        assert.deepEqual(data.images, ref.images, `${source} ${split}`);
        assert.deepEqual(data.labels, ref.labels);
        assert.deepEqual(data.classNames, CUSTOM_NAMES);
        assert.deepEqual(data.batches, ref.batches);
      }
    }
  });

  test('without batches.meta.txt the official class names are used', async () => {
    const { 'batches.meta.txt': _, ...files } = officialFiles();
    const data = await loadCifar10({ source: writeTemp('nometa.tar.gz', gzipSync(tarOf(files))), split: 'test' });
    assert.deepEqual(data.classNames, [...CIFAR10_CLASS_NAMES]);
    assert.deepEqual((await loadCifar10({ source: writeFolder(files, true), split: 'test' })).classNames, [...CIFAR10_CLASS_NAMES]);
  });

  test('an archive whose files sit in another folder is still read (entries matched by base name)', async () => {
    const path = writeTemp('other.tar.gz', gzipSync(tarOf(officialFiles(), 'some/other/dir')));
    assertImagesAre(await loadCifar10({ source: path, split: 'test' }), [100, 101, 102, 103, 104]);
  });
});

// ---- rejections ----

describe('loadCifar10 rejects bad input with the file named', () => {
  test('truncated gzip: names the archive and the entry it breaks off in', async () => {
    const gz = gzipSync(tarOf(officialFiles()), { level: 0 }); // stored blocks: byte offsets map straight to the tar
    const tar = tarOf(officialFiles());
    // Cut in the middle of the test batch's data (4th entry after the folder).
    const entries = [...iterateTarEntries(tar, 'fixture')];
    const testEntry = entries.find((e) => e.name.endsWith('test_batch.bin'))!;
    const cut = writeTemp('cut.tar.gz', gz.subarray(0, testEntry.headerOffset + 512 + 1000));
    await rejectsMentioning(() => loadCifar10({ source: cut, split: 'test' }), [cut, 'truncated', 'cifar-10-batches-bin/test_batch.bin'], 'gzip-truncated');
    // Also with real compression and a cut near the end.
    const cut2 = writeTemp('cut2.tar.gz', gzipSync(tar).subarray(0, -20));
    await rejectsMentioning(() => loadCifar10({ source: cut2, split: 'train' }), [cut2, 'truncated'], 'gzip-truncated');
  });

  test('corrupt gzip (CRC mismatch) is rejected', async () => {
    const gz = gzipSync(tarOf(officialFiles()));
    gz[gz.length - 6]! ^= 0xff; // inside the CRC-32 trailer
    const path = writeTemp('crc.tar.gz', gz);
    await rejectsMentioning(() => loadCifar10({ source: path, split: 'test' }), [path, 'corrupt'], 'gzip-corrupt');
  });

  test('truncated tar entry: names the archive and the entry', async () => {
    const tar = tarOf(officialFiles());
    const entry = [...iterateTarEntries(tar, 'fixture')].find((e) => e.name.endsWith('data_batch_2.bin'))!;
    const path = writeTemp('cut.tar', tar.subarray(0, entry.headerOffset + 512 + 100));
    await rejectsMentioning(() => loadCifar10({ source: path, split: 'train' }), [path, 'cifar-10-batches-bin/data_batch_2.bin', 'truncated'], 'truncated-data');
  });

  test('tar cut between entries or inside a header is rejected, naming the last whole entry', () => {
    const tar = tarOf(officialFiles());
    const entries = [...iterateTarEntries(tar, 'fixture')];
    const second = entries[2]!; // data_batch_2.bin; entries[1] is data_batch_1.bin
    const atBoundary = tar.subarray(0, second.headerOffset);
    assert.throws(() => [...iterateTarEntries(atBoundary, 'a.tar')], (err: TarFormatError) => err.problem === 'missing-end-block' && err.message.includes('data_batch_1.bin') && err.message.includes('a.tar'));
    const inHeader = tar.subarray(0, second.headerOffset + 200);
    assert.throws(() => [...iterateTarEntries(inHeader, 'b.tar')], (err: TarFormatError) => err.problem === 'truncated-header' && err.message.includes('data_batch_1.bin'));
  });

  test('bad tar header checksum', async () => {
    const tar = tarOf(officialFiles());
    const entry = [...iterateTarEntries(tar, 'fixture')].find((e) => e.name.endsWith('test_batch.bin'))!;
    tar[entry.headerOffset + 110]! ^= 0x01; // a byte of the mode field, checksum left as it was
    const path = writeTemp('badsum.tar', tar);
    await rejectsMentioning(() => loadCifar10({ source: path, split: 'test' }), [path, 'checksum', 'test_batch.bin'], 'bad-checksum');
    await rejectsMentioning(() => loadCifar10({ source: writeTemp('badsum.tar.gz', gzipSync(tar)), split: 'test' }), ['checksum'], 'bad-checksum');
  });

  test('a batch whose size is not a multiple of 3,073 bytes', async () => {
    const files = { ...officialFiles(), 'data_batch_2.bin': batch(4, 3).subarray(0, 3 * CIFAR10_RECORD_BYTES - 1) };
    const path = writeTemp('short.tar.gz', gzipSync(tarOf(files)));
    await rejectsMentioning(() => loadCifar10({ source: path, split: 'train' }), [path, 'data_batch_2.bin', String(3 * CIFAR10_RECORD_BYTES - 1), '3073']);
    const folder = writeFolder(files, true);
    await rejectsMentioning(() => loadCifar10({ source: folder, split: 'train' }), [join(folder, 'cifar-10-batches-bin', 'data_batch_2.bin'), '3073']);
    // An empty batch is no batch either.
    await rejectsMentioning(() => loadCifar10({ source: writeFolder({ 'test_batch.bin': new Uint8Array(0) }, false), split: 'test' }), ['test_batch.bin', '0 bytes']);
  });

  test('a label above 9', async () => {
    const bad = batch(100, 5);
    bad[3 * CIFAR10_RECORD_BYTES] = 10;
    const path = writeTemp('label.tar.gz', gzipSync(tarOf({ ...officialFiles(), 'test_batch.bin': bad })));
    await rejectsMentioning(() => loadCifar10({ source: path, split: 'test' }), [path, 'test_batch.bin', 'record 3', 'label 10']);
  });

  test('a missing test batch, or no training batch', async () => {
    const { 'test_batch.bin': _, ...trainOnly } = officialFiles();
    const path = writeTemp('notest.tar.gz', gzipSync(tarOf(trainOnly)));
    await rejectsMentioning(() => loadCifar10({ source: path, split: 'test' }), [path, 'test_batch.bin', 'data_batch_1.bin']);
    assert.equal((await loadCifar10({ source: path, split: 'train' })).n, 9);
    const folder = writeFolder({ 'test_batch.bin': batch(0, 1) }, true);
    await rejectsMentioning(() => loadCifar10({ source: folder, split: 'train' }), [folder, 'no train batch']);
    await rejectsMentioning(() => loadCifar10({ source: join(tmp, 'nowhere.tar.gz'), split: 'test' }), ['nowhere.tar.gz', 'does not exist']);
  });

  test('a class-name file without ten names', async () => {
    const path = writeTemp('meta.tar.gz', gzipSync(tarOf({ ...officialFiles(), 'batches.meta.txt': new TextEncoder().encode('a\nb\n') })));
    await rejectsMentioning(() => loadCifar10({ source: path, split: 'test' }), [path, 'batches.meta.txt', '2 names']);
  });

  test('a file that is not an archive', async () => {
    const path = writeTemp('junk.tar.gz', new Uint8Array(2048).fill(7));
    await rejectsMentioning(() => loadCifar10({ source: path, split: 'test' }), [path, 'checksum'], 'bad-checksum');
  });
});

// ---- tar reader details ----

describe('tar reader', () => {
  test('ustar prefix for names over 100 bytes', () => {
    const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/file.bin`;
    const entries = [...iterateTarEntries(tarArchive([{ name: long, data: new Uint8Array([1, 2, 3]) }]), 't')];
    assert.deepEqual(entries.map((e) => [e.name, e.type, [...e.data]]), [[long, 'file', [1, 2, 3]]]);
  });

  const hasTar = (() => {
    try {
      execFileSync('tar', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  test('archives written by GNU tar in gnu, pax and ustar formats', { skip: hasTar ? false : 'the tar command is not installed' }, () => {
    const src = join(tmp, `${n++}-gnutar`);
    const longDir = `${'x'.repeat(70)}/${'y'.repeat(70)}`;
    mkdirSync(join(src, longDir), { recursive: true });
    const payload = batch(0, 1);
    writeFileSync(join(src, longDir, 'data_batch_1.bin'), payload);
    writeFileSync(join(src, 'small.txt'), 'hello');
    for (const format of ['gnu', 'pax', 'ustar']) {
      const out = join(tmp, `${n++}-${format}.tar.gz`);
      execFileSync('tar', ['-czf', out, `--format=${format}`, '-C', src, 'small.txt', longDir]);
      const files = readTarFile(out).filter((e) => e.type === 'file');
      assert.deepEqual(files.map((e) => e.name).sort(), ['small.txt', `${longDir}/data_batch_1.bin`], format);
      assert.deepEqual(files.find((e) => e.name.endsWith('.bin'))!.data, payload, format);
      assert.equal(new TextDecoder().decode(files.find((e) => e.name === 'small.txt')!.data), 'hello');
    }
  });
});

// ---- statistics and tensors ----

describe('channelStats and cifarToTensors', () => {
  test('channelStats matches a direct computation', () => {
    // Two pixels: R 0 and 255, G 51 and 51, B 102 and 204.
    const stats = channelStats(new Uint8Array([0, 51, 102, 255, 51, 204]));
    assert.deepEqual(stats.mean.map((m) => +m.toFixed(12)), [0.5, 0.2, 0.6]);
    assert.deepEqual(stats.std.map((s) => +s.toFixed(12)), [0.5, 0, 0.2]);
    assert.throws(() => channelStats(new Uint8Array(0)), /not a non-empty/);
  });

  test('tensors: shape, dtype, scaling, normalisation and index selection', async () => {
    const data = await loadCifar10({ source: writeFolder(officialFiles(), false), split: 'train' });
    const plain = cifarToTensors(data);
    assert.deepEqual(plain.x.shape, [9, 32, 32, 3]);
    assert.equal(plain.x.dtype, 'float32');
    assert.deepEqual(plain.y.shape, [9]);
    assert.equal(plain.y.dtype, 'int32');
    assert.deepEqual([...(await plain.y.data())], [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const xs = await plain.x.data();
    assert.ok(Math.abs(xs[((2 * 32 + 5) * 32 + 7) * 3 + 1]! - pixel(2, 1, 5, 7) / 255) < 1e-6);

    const stats = channelStats(data.images);
    const norm = cifarToTensors(data, { normalize: stats });
    const moments = tf.moments(norm.x, [0, 1, 2]);
    const [mean, variance] = [await moments.mean.data(), await moments.variance.data()];
    for (let k = 0; k < 3; k++) {
      assert.ok(Math.abs(mean[k]!) < 1e-4, `channel ${k} mean ${mean[k]}`);
      assert.ok(Math.abs(variance[k]! - 1) < 1e-3, `channel ${k} variance ${variance[k]}`);
    }

    const picked = cifarToTensors(data, { normalize: stats, indices: [7, 2] });
    assert.deepEqual(picked.x.shape, [2, 32, 32, 3]);
    assert.deepEqual([...(await picked.y.data())], [7, 2]);
    const full = await norm.x.data();
    assert.deepEqual([...(await picked.x.data()).subarray(0, 3072)], [...full.subarray(7 * 3072, 8 * 3072)]);
    assert.throws(() => cifarToTensors(data, { indices: [9] }), /index 9/);
    assert.throws(() => cifarToTensors(data, { normalize: { mean: [0, 0, 0], std: [1, 0, 1] } }), /positive std/);
    tf.dispose([plain.x, plain.y, norm.x, norm.y, picked.x, picked.y, moments.mean, moments.variance]);
  });
});

// ---- the real file ----

const realPath = findDataPath(CIFAR10_DATA_FILE);
test('real CIFAR-10 subset: 10,000 train + 10,000 test images, balanced labels, known channel means', { skip: realPath ? false : `real data not found: ${CIFAR10_DATA_FILE}` }, async (t) => {
  await resolveDataFile(CIFAR10_DATA_FILE); // checksum once, outside the timing
  let start = performance.now();
  const train = await loadCifar10({ split: 'train' });
  const trainMs = performance.now() - start;
  start = performance.now();
  const testSet = await loadCifar10({ split: 'test' });
  const testMs = performance.now() - start;
  t.diagnostic(`load time of ${realPath}: train ${trainMs.toFixed(0)} ms, test ${testMs.toFixed(0)} ms (each decompresses the whole archive)`);

  assert.equal(train.n, 10_000);
  assert.equal(testSet.n, 10_000);
  assert.deepEqual(train.batches, ['data_batch_1.bin']);
  assert.deepEqual(train.classNames, [...CIFAR10_CLASS_NAMES]);
  const counts = (labels: Uint8Array) => labels.reduce((c, l) => (c[l]!++, c), new Array<number>(10).fill(0));
  const trainCounts = counts(train.labels);
  for (const [k, count] of trainCounts.entries()) assert.ok(count >= 900 && count <= 1100, `train class ${k}: ${count} images`);
  assert.deepEqual(counts(testSet.labels), new Array(10).fill(1000));

  const stats = channelStats(train.images);
  t.diagnostic(`train channel mean ${stats.mean.map((m) => m.toFixed(4))}, std ${stats.std.map((s) => s.toFixed(4))}`);
  [0.49, 0.48, 0.45].forEach((expected, k) => assert.ok(Math.abs(stats.mean[k]! - expected) <= 0.02, `channel ${k} mean ${stats.mean[k]}`));
  [0.247, 0.243, 0.261].forEach((expected, k) => assert.ok(Math.abs(stats.std[k]! - expected) <= 0.02, `channel ${k} std ${stats.std[k]}`));

  // Layout against the raw bytes: image 1234, row 17, column 9 of the test batch.
  const raw = readTarFile(realPath!).find((e) => e.name.endsWith('test_batch.bin'))!.data;
  const rec = 1234 * CIFAR10_RECORD_BYTES;
  const at = ((1234 * 32 + 17) * 32 + 9) * 3;
  assert.deepEqual([...testSet.images.subarray(at, at + 3)], [0, 1, 2].map((k) => raw[rec + 1 + k * 1024 + 17 * 32 + 9]));
  assert.equal(testSet.labels[1234], raw[rec]);
});
