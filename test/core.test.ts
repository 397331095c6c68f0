import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { createBenchmark } from '../src/core/benchmark.js';
import { createRng } from '../src/core/rng.js';
import { configKey, stableStringify } from '../src/core/configKey.js';
import { RunStore, missingFields } from '../src/engine/store.js';
import { writeFileAtomic } from '../src/core/atomicWrite.js';
import { byProfile, currentProfile } from '../src/config.js';
import { DataFileError, checkData, dataSearchDirs, readDataFile, readManifest, resolveDataFile } from '../src/loaders/dataFiles.js';

test('rng: same seed gives the same stream, different seeds differ, forks are independent', () => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const sa = Array.from({ length: 5 }, () => a());
  assert.deepEqual(sa, Array.from({ length: 5 }, () => b()));
  assert.notDeepEqual(sa, Array.from({ length: 5 }, () => c()));
  assert.notDeepEqual(
    Array.from({ length: 3 }, createRng(1).fork('x')),
    Array.from({ length: 3 }, createRng(1).fork('y')),
  );
  assert.deepEqual(Array.from({ length: 3 }, createRng(1).fork(7)), Array.from({ length: 3 }, createRng(1).fork(7)));
});

test('rng.sampleIndices draws distinct in-range indices, uniformly', () => {
  const rng = createRng('s');
  const counts = new Float64Array(10);
  for (let rep = 0; rep < 2000; rep++) {
    const idx = rng.sampleIndices(10, 4);
    assert.equal(new Set(idx).size, 4);
    for (const i of idx) {
      assert.ok(i >= 0 && i < 10);
      counts[i]!++;
    }
  }
  // Each index is drawn with probability 0.4: 800 ± ~5 sigma (sigma ≈ 22).
  for (const c of counts) assert.ok(Math.abs(c - 800) < 110, `count ${c}`);
  assert.throws(() => rng.sampleIndices(3, 4), /cannot draw 4 distinct items from 3/);
  assert.equal(rng.sampleIndices(423_624, 424).length, 424);
});

test('rng.shuffle is a permutation and does not mutate its input', () => {
  const input = [1, 2, 3, 4, 5, 6];
  const out = createRng(3).shuffle(input);
  assert.deepEqual([...out].sort(), input);
  assert.deepEqual(input, [1, 2, 3, 4, 5, 6]);
});

test('benchmark: get, has, filter, metric and sample', () => {
  const records = [0, 1, 2, 3].map((i) => ({ id: `a${i}`, arch: i, metrics: { acc: i / 10 } }));
  const bench = createBenchmark('toy', records);
  assert.equal(bench.size, 4);
  assert.equal(bench.get('a2').arch, 2);
  assert.ok(bench.has('a3') && !bench.has('zz'));
  assert.throws(() => bench.get('zz'), /toy: no record with id "zz"/);
  assert.deepEqual(Array.from(bench.metric('acc')), [0, 0.1, 0.2, 0.3]);
  assert.throws(() => bench.metric('loss'), /has no metric "loss"/);
  assert.equal(bench.filter((r) => r.arch > 1).size, 2);
  assert.deepEqual(
    bench.sample(3, createRng(5)).map((r) => r.id),
    bench.sample(3, createRng(5)).map((r) => r.id),
  );
  assert.throws(() => createBenchmark('dup', [records[0]!, records[0]!]), /duplicate record id "a0"/);
});

test('configKey ignores key order; RunStore keyed by config stores, hits, and heals a damaged or mismatched file', () => {
  assert.equal(configKey({ a: 1, b: [1, 2] }), configKey({ b: [1, 2], a: 1 }));
  assert.notEqual(configKey({ a: 1 }), configKey({ a: 2 }));
  assert.equal(stableStringify({ b: { d: 1, c: 2 }, a: 0 }), '{"a":0,"b":{"c":2,"d":1}}');
  const dir = mkdtempSync(join(tmpdir(), 'runcache-'));
  const warnings: string[] = [];
  const store = new RunStore<{ value: number }>(dir, (m) => warnings.push(m));
  store.putByConfig({ seed: 1 }, 'seed 1', { value: 1 });
  assert.deepEqual(store.getByConfig({ seed: 1 }), { value: 1 });
  assert.equal(store.getByConfig({ seed: 2 }), undefined);
  assert.equal(store.keys().length, 1);
  // Another config under the key, a truncated file, and a whole file lacking a field: each moved aside, named, and a miss.
  const mismatched = join(dir, `${configKey({ seed: 3 })}.json`);
  writeFileSync(mismatched, JSON.stringify({ key: configKey({ seed: 3 }), config: { seed: 4 }, result: 1 }));
  assert.equal(store.getByConfig({ seed: 3 }), undefined);
  const truncated = join(dir, `${configKey({ seed: 5 })}.json`);
  writeFileSync(truncated, '{"config":');
  assert.equal(store.getByConfig({ seed: 5 }), undefined);
  store.putByConfig({ seed: 6 }, 'seed 6', { value: 6 });
  assert.equal(store.getByConfig({ seed: 6 }, (r) => missingFields(r, ['value', 'other'])), undefined);
  assert.equal(warnings.length, 3);
  assert.match(warnings[0]!, new RegExp(`${mismatched}.*different config.*moved it to`));
  assert.match(warnings[1]!, new RegExp(`${truncated}.*moved it to`));
  assert.match(warnings[2]!, /lacks field other/);
  assert.equal(readdirSync(dir).filter((f) => f.includes('.damaged-')).length, 3);
  // The healthy run is still there.
  assert.deepEqual(store.getByConfig({ seed: 1 }), { value: 1 });
  // A file that cannot be read is not damage: the error names it and nothing is moved.
  mkdirSync(join(dir, `${configKey({ seed: 7 })}.json`));
  assert.throws(() => store.getByConfig({ seed: 7 }), /run file .* is a directory, expected a regular file/);
  assert.equal(warnings.length, 3);
});

test('writeFileAtomic creates folders and leaves no temporary file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  writeFileAtomic(join(dir, 'a', 'b', 'c.txt'), 'hello');
  writeFileAtomic(join(dir, 'a', 'b', 'c.txt'), 'again');
  assert.deepEqual(readdirSync(join(dir, 'a', 'b')), ['c.txt']);
});

test('profiles: default paper, explicit values, bad value named in the error', () => {
  assert.equal(currentProfile({}), 'paper');
  assert.equal(currentProfile({ NAS_PROFILE: 'smoke' }), 'smoke');
  assert.throws(() => currentProfile({ NAS_PROFILE: 'fast' }), /NAS_PROFILE="fast" is not a profile/);
  assert.equal(byProfile({ smoke: 1, paper: 2, full: 3 }, 'full'), 3);
});

test('data resolution: search order, and a missing file names itself, every place searched and its source', async () => {
  const env = mkdtempSync(join(tmpdir(), 'envdata-'));
  mkdirSync(join(env, 'cifar10'));
  writeFileSync(join(env, 'cifar10', 'cifar-10-binary-subset.tar.gz'), 'x');
  const dirs = dataSearchDirs({ NAS_DATA_DIR: env }, '/repo');
  assert.deepEqual(
    dirs.map((d) => d.dir),
    [env, '/repo/data', '/shared/data'],
  );
  // A checkout with the manifest but no data anywhere beside it.
  const repo = join(mkdtempSync(join(tmpdir(), 'nodata-')), 'repo');
  mkdirSync(join(repo, 'data'), { recursive: true });
  copyFileSync('data/manifest.json', join(repo, 'data', 'manifest.json'));
  const previous = process.cwd();
  process.chdir(repo);
  try {
    await assert.rejects(
      () => resolveDataFile('nasbench201/nasbench201_cells.zip', {}),
      (err: unknown) => {
        assert.ok(err instanceof DataFileError);
        const msg = (err as Error).message;
        assert.match(msg, /data file nasbench201\/nasbench201_cells\.zip not found \(NAS-Bench-201/);
        for (const dir of [join(repo, 'data'), join(repo, '..', 'shared', 'data')]) {
          assert.ok(msg.includes(join(dir, 'nasbench201/nasbench201_cells.zip')), `message lists ${dir}`);
        }
        assert.match(msg, /Get it from: .*Siamese-NAS/);
        return true;
      },
    );
  } finally {
    process.chdir(previous);
  }
});

test('data resolution: NAS_DATA_DIR that is missing, not a folder or holds no data file is an error, not a silent fallback', async () => {
  const root = mkdtempSync(join(tmpdir(), 'envbad-'));
  const file = join(root, 'file');
  writeFileSync(file, 'x');
  const empty = join(root, 'empty');
  mkdirSync(empty);
  writeFileSync(join(empty, '.hidden'), 'x');
  for (const [dir, why] of [[join(root, 'missing'), /does not exist/], [file, /is not a folder/], [empty, /is empty/]] as const) {
    assert.throws(() => dataSearchDirs({ NAS_DATA_DIR: dir }), (err: unknown) => {
      assert.ok(err instanceof DataFileError);
      assert.ok((err as Error).message.includes(`NAS_DATA_DIR=${dir}`));
      assert.match((err as Error).message, why);
      assert.match((err as Error).message, /unset it/);
      return true;
    });
    await assert.rejects(() => resolveDataFile('cifar10/cifar-10-binary-subset.tar.gz', { NAS_DATA_DIR: dir }), DataFileError);
  }
  const rows = await checkData({ NAS_DATA_DIR: empty }).catch((err: Error) => err);
  assert.ok(rows instanceof DataFileError);
});

test('data resolution: a directory or a named pipe at a checksummed path is refused, naming the path; readDataFile verifies the bytes it returns', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'notfile-'));
  mkdirSync(join(dir, 'cifar10', 'cifar-10-binary-subset.tar.gz'), { recursive: true });
  const path = join(dir, 'cifar10', 'cifar-10-binary-subset.tar.gz');
  await assert.rejects(() => resolveDataFile('cifar10/cifar-10-binary-subset.tar.gz', { NAS_DATA_DIR: dir }), new RegExp(`${path} is a directory, expected a regular file`));
  assert.throws(() => readDataFile('cifar10/cifar-10-binary-subset.tar.gz', { NAS_DATA_DIR: dir }), /is a directory, expected a regular file/);
  const rows = await checkData({ NAS_DATA_DIR: dir });
  const row = rows.find((r) => r.path === 'cifar10/cifar-10-binary-subset.tar.gz')!;
  assert.equal(row.status, 'corrupt');
  assert.equal(row.folder?.via, 'NAS_DATA_DIR');
  const fifo = join(dir, 'nasbench101', 'nasbench101_subset20k.json');
  mkdirSync(join(dir, 'nasbench101'));
  if (spawnSync('mkfifo', [fifo]).status !== 0) return t.skip('mkfifo unavailable');
  assert.throws(() => readDataFile('nasbench101/nasbench101_subset20k.json', { NAS_DATA_DIR: dir }), /is a named pipe \(FIFO\), expected a regular file/);
  const real = readDataFile('nasbench101/nasbench101_subset1k_graphs.json', {});
  assert.equal(createHash('sha256').update(real.bytes).digest('hex'), readManifest().find((e) => e.path === 'nasbench101/nasbench101_subset1k_graphs.json')!.sha256);
});

test('data resolution: a corrupt file is rejected with both checksums and the source', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'baddata-'));
  mkdirSync(join(dir, 'cifar10'));
  writeFileSync(join(dir, 'cifar10', 'cifar-10-binary-subset.tar.gz'), 'not the archive');
  await assert.rejects(
    () => resolveDataFile('cifar10/cifar-10-binary-subset.tar.gz', { NAS_DATA_DIR: dir }),
    /cifar-10-binary-subset\.tar\.gz is corrupt or a different version: sha256 [0-9a-f]{64}, expected a1162a11/,
  );
});

test('data resolution: an unlisted missing file lists every folder searched', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'somedata-'));
  mkdirSync(join(dir, 'nasbench101'));
  writeFileSync(join(dir, 'nasbench101', 'nasbench101_subset20k.json'), '{}');
  await assert.rejects(
    () => resolveDataFile('nope/missing.bin', { NAS_DATA_DIR: dir }),
    (err: unknown) => {
      const msg = (err as Error).message;
      assert.match(msg, /data file nope\/missing\.bin not found/);
      assert.ok(msg.includes(join(dir, 'nope/missing.bin')) && msg.includes('(./data)') && msg.includes('(../shared/data)'));
      return true;
    },
  );
});
