import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createBenchmark } from '../src/core/benchmark.js';
import { createRng } from '../src/core/rng.js';
import { RunCache, configKey, stableStringify } from '../src/core/runCache.js';
import { writeFileAtomic } from '../src/core/atomicWrite.js';
import { byProfile, currentProfile } from '../src/config.js';
import { DataFileError, dataSearchDirs, resolveDataFile } from '../src/loaders/dataFiles.js';

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

test('runCache: key ignores key order, stores, hits, and refuses a mismatched file', async () => {
  assert.equal(configKey({ a: 1, b: [1, 2] }), configKey({ b: [1, 2], a: 1 }));
  assert.notEqual(configKey({ a: 1 }), configKey({ a: 2 }));
  assert.equal(stableStringify({ b: { d: 1, c: 2 }, a: 0 }), '{"a":0,"b":{"c":2,"d":1}}');
  const dir = mkdtempSync(join(tmpdir(), 'runcache-'));
  const cache = new RunCache<{ value: number }>(dir);
  let runs = 0;
  const work = async () => ({ value: ++runs });
  assert.deepEqual(await cache.getOrRun({ seed: 1 }, work), { value: 1 });
  assert.deepEqual(await cache.getOrRun({ seed: 1 }, work), { value: 1 });
  assert.deepEqual(await cache.getOrRun({ seed: 2 }, work), { value: 2 });
  assert.equal(runs, 2);
  assert.equal(cache.size(), 2);
  writeFileSync(join(dir, `${configKey({ seed: 3 })}.json`), '{"config":{"seed":4},"result":1}');
  assert.throws(() => cache.get({ seed: 3 }), /different config under the same key/);
  writeFileSync(join(dir, `${configKey({ seed: 5 })}.json`), '{"config":');
  assert.throws(() => cache.get({ seed: 5 }), /is not valid JSON/);
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
  const dirs = dataSearchDirs({ NAS_DATA_DIR: '/elsewhere' }, '/repo');
  assert.deepEqual(
    dirs.map((d) => d.dir),
    ['/elsewhere', '/repo/data', '/shared/data'],
  );
  // A checkout with the manifest but no data anywhere beside it.
  const repo = join(mkdtempSync(join(tmpdir(), 'nodata-')), 'repo');
  mkdirSync(join(repo, 'data'), { recursive: true });
  copyFileSync('data/manifest.json', join(repo, 'data', 'manifest.json'));
  const empty = mkdtempSync(join(tmpdir(), 'empty-'));
  const previous = process.cwd();
  process.chdir(repo);
  try {
    await assert.rejects(
      () => resolveDataFile('nasbench201/nasbench201_cells.zip', { NAS_DATA_DIR: empty }),
      (err: unknown) => {
        assert.ok(err instanceof DataFileError);
        const msg = (err as Error).message;
        assert.match(msg, /data file nasbench201\/nasbench201_cells\.zip not found \(NAS-Bench-201/);
        for (const dir of [empty, join(repo, 'data'), join(repo, '..', 'shared', 'data')]) {
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
  const dir = mkdtempSync(join(tmpdir(), 'nodata-'));
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
