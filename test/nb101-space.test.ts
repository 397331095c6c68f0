import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { nb101Command } from '../src/cli/nb101.js';
import { findDataPath } from '../src/loaders/dataFiles.js';
import { NB101_GRAPHS1K_FILE, NB101_SUBSET_FILE } from '../src/loaders/nb101.js';
import {
  hashModuleLists,
  nb101Hash,
  nb101HashOf,
  nb101MatrixBits,
  nb101MatrixFromBits,
  nb101Neighbours,
  nb101PaddedSlot,
  nb101Spec,
  nb101ToLists,
  Nb101SpecError,
  type Nb101Rule,
  type Nb101Spec,
} from '../src/spaces/nb101.js';
import {
  decodeNb101Cache,
  encodeNb101Cache,
  enumerateNb101,
  formatNb101Line,
  loadNb101Space,
  nb101SpecFromCell,
  NB101_SPACE_SIZE,
  packNb101Cell,
  unpackNb101Cell,
} from '../src/spaces/nb101Enumerate.js';
import { md5Words, Nb101FastHasher } from '../src/spaces/nb101FastHash.js';

const I = 'input';
const O = 'output';
const C3 = 'conv3x3-bn-relu';
const C1 = 'conv1x1-bn-relu';
const MP = 'maxpool3x3';

function rejects(rule: Nb101Rule, matrix: Parameters<typeof nb101Spec>[0], ops: (number | string)[], mention?: RegExp): void {
  assert.throws(
    () => nb101Spec(matrix, ops),
    (err: unknown) => {
      assert.ok(err instanceof Nb101SpecError, `expected Nb101SpecError, got ${String(err)}`);
      assert.equal(err.rule, rule, err.message);
      assert.match(err.message, new RegExp(`\\(${rule}\\)`));
      if (mention) assert.match(err.message, mention);
      return true;
    },
  );
}

describe('nb101 spec validation: each rule with its own error', () => {
  test('shape, entries and triangle', () => {
    rejects('not-square', [[0, 1], [0]], [I, O], /row 1/);
    rejects('not-square', new Uint8Array(3), [I, O]);
    rejects('ops-length', [[0, 1], [0, 0]], [I, C3, O], /3 ops for a 2×2/);
    rejects('not-binary', [[0, 2], [0, 0]], [I, O], /\(0, 1\) is 2/);
    rejects('not-binary', [[0, 0.5], [0, 0]], [I, O]);
    rejects('not-upper-triangular', [[1, 1], [0, 0]], [I, O], /\(0, 0\)/);
    rejects('not-upper-triangular', [[0, 1, 0], [0, 0, 1], [1, 0, 0]], [I, C3, O], /\(2, 0\)/);
  });

  test('ops: unknown, input first, output last, no interior input/output', () => {
    rejects('unknown-op', [[0, 1, 0], [0, 0, 1], [0, 0, 0]], [I, 'conv5x5', O], /conv5x5.*vertex 1/);
    rejects('unknown-op', [[0, 1, 0], [0, 0, 1], [0, 0, 0]], [-1, 3, -2], /code 3/);
    rejects('first-not-input', [[0, 1, 0], [0, 0, 1], [0, 0, 0]], [C3, C3, O]);
    rejects('last-not-output', [[0, 1, 0], [0, 0, 1], [0, 0, 0]], [I, C3, C1]);
    rejects('interior-input-output', [[0, 1, 0], [0, 0, 1], [0, 0, 0]], [I, O, O], /vertex 1/);
    rejects('interior-input-output', [[0, 1, 0], [0, 0, 1], [0, 0, 0]], [-1, -1, -2]);
  });

  test('after pruning: disconnected, > 7 vertices, > 9 edges', () => {
    rejects('disconnected', [[0, 1, 0], [0, 0, 0], [0, 0, 0]], [I, C3, O]);
    rejects('disconnected', [[0, 0], [0, 0]], [I, O]);
    // 8 vertices in a chain: all on the path, so 8 remain.
    const chain8 = Array.from({ length: 8 }, (_, i) => Array.from({ length: 8 }, (_, j) => (j === i + 1 ? 1 : 0)));
    rejects('too-many-vertices', chain8, [I, C3, C3, C3, C3, C3, C3, O], /8 vertices/);
    // 7 vertices, 10 edges, all used.
    const dense = Array.from({ length: 7 }, () => new Array(7).fill(0) as number[]);
    const edges = [[0, 1], [0, 2], [0, 3], [1, 2], [1, 4], [2, 5], [3, 6], [4, 6], [5, 6], [4, 5]];
    for (const [x, y] of edges) dense[x!]![y!] = 1;
    rejects('too-many-edges', dense, [I, C3, C3, C3, C3, C3, O], /10 edges/);
  });

  test('an 8-vertex spec that prunes to 7 is accepted, as in the official API', () => {
    const m = Array.from({ length: 8 }, (_, i) => Array.from({ length: 8 }, (_, j) => (j === i + 1 && i < 6 ? 1 : 0)));
    m[5]![7] = 1; // vertex 6 hangs off vertex 5 and reaches nothing; 5 feeds the output directly
    m[6]![7] = 0;
    m[5]![6] = 1;
    const spec = nb101Spec(m, [I, C3, C1, MP, C3, C1, C3, O]);
    assert.equal(spec.numVertices, 7);
    assert.deepEqual(spec.ops, [-1, 0, 1, 2, 0, 1, -2]);
  });

  test('ops may be codes or official names; the result uses codes', () => {
    const a = nb101Spec([[0, 1, 0], [0, 0, 1], [0, 0, 0]], [I, MP, O]);
    const b = nb101Spec(new Uint8Array([0, 1, 0, 0, 0, 1, 0, 0, 0]), [-1, 2, -2]);
    assert.deepEqual(a, b);
    assert.deepEqual(nb101ToLists(a), { matrix: [[0, 1, 0], [0, 0, 1], [0, 0, 0]], ops: [-1, 2, -2] });
  });
});

describe('nb101 pruning (official ModelSpec._prune)', () => {
  test('removes a vertex that does not reach the output, and one not reached from the input', () => {
    // 0→1→4, 0→2 (2 is a dead end), 3→4 (3 has no input).
    const m = [
      [0, 1, 1, 0, 0],
      [0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0],
    ];
    const spec = nb101Spec(m, [I, C3, C1, MP, O]);
    assert.deepEqual(nb101ToLists(spec), { matrix: [[0, 1, 0], [0, 0, 1], [0, 0, 0]], ops: [-1, 0, -2] });
  });

  test('keeps vertex order and drops the edges of removed vertices', () => {
    const m = [
      [0, 1, 1, 0, 1],
      [0, 0, 0, 1, 0],
      [0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
    ];
    const spec = nb101Spec(m, [I, C1, MP, C3, O]);
    assert.deepEqual(nb101ToLists(spec), { matrix: [[0, 1, 1], [0, 0, 1], [0, 0, 0]], ops: [-1, 2, -2] });
  });

  test('a pruned graph hashes like the unpruned one', () => {
    const full = nb101HashOf(
      [
        [0, 1, 1, 0],
        [0, 0, 0, 1],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ],
      [I, C3, C1, O],
    );
    assert.equal(full, nb101HashOf([[0, 1, 0], [0, 0, 1], [0, 0, 0]], [I, C3, O]));
  });

  test('a graph whose input reaches the output only directly prunes to 2 vertices', () => {
    const spec = nb101Spec([[0, 1, 1], [0, 0, 0], [0, 0, 0]], [I, C3, O]);
    assert.equal(spec.numVertices, 2);
    assert.equal(nb101Hash(spec), nb101HashOf([[0, 1], [0, 0]], [I, O]));
  });
});

describe('nb101 module hash', () => {
  test('the Python tuple text and list text of the official algorithm', () => {
    // Hand-computed with the official recipe for input → output (2 vertices).
    const md5 = (t: string): string => createHash('md5').update(t).digest('hex');
    let h = [md5('(1, 0, -1)'), md5('(0, 1, -2)')];
    for (let round = 0; round < 2; round++) h = [md5(`|${h[1]}|${h[0]}`), md5(`${h[0]}||${h[1]}`)];
    const expected = md5(`['${h.slice().sort().join("', '")}']`);
    assert.equal(nb101HashOf([[0, 1], [0, 0]], [I, O]), expected);
  });

  test('is invariant to relabelling interior vertices (same graph, another topological order)', () => {
    // 0→1, 0→2, 1→3, 2→3 with ops conv3x3 at 1, maxpool at 2 — and the swapped order.
    const a = nb101HashOf([[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], [I, C3, MP, O]);
    const b = nb101HashOf([[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], [I, MP, C3, O]);
    const c = nb101HashOf([[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], [I, C3, C3, O]);
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  const graphs1k = findDataPath(NB101_GRAPHS1K_FILE);
  test('known answers: all 1,000 graphs of the 1k file hash to their dataset key', { skip: graphs1k ? false : `real data not found: ${NB101_GRAPHS1K_FILE}` }, () => {
    const data = JSON.parse(readFileSync(graphs1k!, 'utf8')) as { key: string[]; adjacency: number[][][]; operations: number[][] };
    const wrong: string[] = [];
    data.key.forEach((key, i) => {
      const ops = data.operations[i]!.filter((o) => o !== -3);
      const matrix = data.adjacency[i]!.slice(0, ops.length).map((row) => row.slice(0, ops.length));
      if (nb101HashOf(matrix, ops) !== key) wrong.push(key);
    });
    assert.equal(data.key.length, 1000);
    assert.deepEqual(wrong, []);
  });

  test('md5Words equals node:crypto md5 for every length 0..300', () => {
    const buffer = new ArrayBuffer(512);
    const bytes = new Uint8Array(buffer);
    const out = new Int32Array(4);
    for (let length = 0; length <= 300; length++) {
      const text = randomBytes(length);
      bytes.set(text);
      md5Words(bytes, new Int32Array(buffer), length, out);
      assert.equal(Buffer.from(out.buffer).toString('hex'), createHash('md5').update(text).digest('hex'), `length ${length}`);
    }
  });

  test('the fast hasher equals nb101Hash (node:crypto) on graphs of every size', () => {
    const hasher = new Nb101FastHasher(7);
    const digest = new Uint8Array(16);
    const specs: Nb101Spec[] = [
      nb101Spec([[0, 1], [0, 0]], [I, O]),
      nb101Spec([[0, 1, 1], [0, 0, 1], [0, 0, 0]], [I, MP, O]),
      ...[0, 1, 5, 77, 1000, 4000, 20000, 60000, 64000, 100000, 300000, 423623].map((i) => loadNb101Space().specAt(i)),
    ];
    for (const spec of specs) {
      const { inNeighbours, outNeighbours } = nb101Neighbours(spec);
      hasher.hashInto(spec.numVertices, inNeighbours, outNeighbours, spec.ops, digest, 0);
      assert.equal(Buffer.from(digest).toString('hex'), nb101Hash(spec));
    }
  });
});

describe('nb101 enumeration', () => {
  /** The official generator, literally: hash every labelled graph, keep the first per hash. */
  function bruteForce(maxVertices: number): { hash: string; word: number }[] {
    const kept = new Map<string, number>();
    for (let n = 2; n <= maxVertices; n++) {
      const numEdges = (n * (n - 1)) / 2;
      for (let bits = 0; bits < 2 ** numEdges; bits++) {
        const matrix = nb101MatrixFromBits(n, bits);
        const spec0: Nb101Spec = { numVertices: n, matrix, ops: [] };
        let edges = 0;
        for (const e of matrix) edges += e;
        const { inNeighbours, outNeighbours } = nb101Neighbours(spec0);
        const full = outNeighbours.every((l, v) => v === n - 1 || l.length > 0) && inNeighbours.every((l, v) => v === 0 || l.length > 0);
        if (!full || edges > 9) continue;
        for (let index = 0; index < 3 ** (n - 2); index++) {
          const labels = [-1];
          for (let v = 1; v <= n - 2; v++) labels.push(Math.floor(index / 3 ** (n - 2 - v)) % 3);
          labels.push(-2);
          const hash = hashModuleLists(n, inNeighbours, outNeighbours, labels);
          if (!kept.has(hash)) kept.set(hash, packNb101Cell(n, bits, index));
        }
      }
    }
    return [...kept].map(([hash, word]) => ({ hash, word }));
  }

  test('equals the official brute-force procedure (every labelled graph hashed) up to 5 vertices, in order', () => {
    const expected = bruteForce(5);
    for (const engine of ['fast', 'crypto'] as const) {
      const got = enumerateNb101({ maxVertices: 5, engine });
      assert.equal(got.cells.length, expected.length);
      expected.forEach((e, i) => {
        assert.equal(got.cells[i], e.word, `${engine}: cell ${i}`);
        assert.equal(Buffer.from(got.digests.subarray(i * 16, i * 16 + 16)).toString('hex'), e.hash, `${engine}: hash ${i}`);
      });
    }
    assert.equal(expected.length, 1 + 6 + 84 + 2441);
  });

  test('packing a cell round-trips', () => {
    const word = packNb101Cell(7, 0x1abcde, 242);
    assert.deepEqual(unpackNb101Cell(word), { numVertices: 7, matrixBits: 0x1abcde, labellingIndex: 242 });
    const spec = nb101SpecFromCell(packNb101Cell(4, 0b100110, 5));
    assert.equal(nb101MatrixBits(spec), 0b100110);
    assert.deepEqual(spec.ops, [-1, 1, 2, -2]); // index 5 = (1, 2) in itertools.product order
  });

  test('the whole space (from the on-disk cache): 423,624 cells with the official counts per vertex count', () => {
    const space = loadNb101Space();
    assert.equal(space.size, NB101_SPACE_SIZE);
    assert.deepEqual(space.countsByVertexCount(), { 2: 1, 3: 6, 4: 84, 5: 2441, 6: 62010, 7: 359082 });
    // Generator order: vertex counts ascend, and within one count the bit patterns ascend.
    let previous = 0;
    for (let i = 0; i < space.size; i++) {
      const { numVertices, matrixBits } = unpackNb101Cell(space.packed.cells[i]!);
      const key = numVertices * 2 ** 21 + matrixBits;
      assert.ok(key >= previous, `cell ${i} out of generator order`);
      previous = key;
    }
  });

  test('lookups: hashAt / indexOf / specAt / batches agree, and sampled cells re-hash to their key', () => {
    const space = loadNb101Space();
    for (const i of [0, 1, 7, 91, 2532, 64542, 200000, space.size - 1]) {
      const hash = space.hashAt(i);
      assert.equal(space.indexOf(hash), i);
      const spec = space.specAt(i);
      assert.equal(nb101Hash(spec), hash);
      // The spec is valid and already pruned: validation returns it unchanged.
      assert.deepEqual(nb101Spec(spec.matrix, spec.ops), spec);
    }
    assert.equal(space.indexOf('0'.repeat(32)), -1);
    assert.equal(space.indexOf('not a hash'), -1);
    assert.throws(() => space.hashAt(space.size), /outside 0\.\.423623/);
    let seen = 0;
    for (const batch of space.batches(100_000)) {
      assert.equal(batch.start, seen);
      assert.equal(batch.hashes.length, batch.specs.length);
      assert.equal(batch.hashes[0], space.hashAt(batch.start));
      seen += batch.hashes.length;
    }
    assert.equal(seen, space.size);
    const first = space[Symbol.iterator]().next().value!;
    assert.equal(first.index, 0);
    assert.equal(first.spec.numVertices, 2);
  });

  test('the cache format round-trips and rejects damage', () => {
    const enumeration = enumerateNb101({ maxVertices: 4 });
    const file = encodeNb101Cache(enumeration);
    const decoded = decodeNb101Cache(file);
    assert.ok(typeof decoded !== 'string', String(decoded));
    assert.deepEqual(decoded.cells, enumeration.cells);
    assert.deepEqual(decoded.digests, enumeration.digests);
    const damaged = file.slice();
    damaged[damaged.length - 5]! ^= 1;
    assert.equal(decodeNb101Cache(damaged), 'checksum mismatch');
    assert.match(String(decodeNb101Cache(file.subarray(0, 100))), /bytes for 91 cells/);
    assert.match(String(decodeNb101Cache(Buffer.from('NOTACACHE'.repeat(10)))), /not an NB101 space cache/);
  });

  const subset = findDataPath(NB101_SUBSET_FILE);
  test('sorted by hash, the space starts with the 20k subset keys (the subset is the first 20,001 hashes)', { skip: subset ? false : `real data not found: ${NB101_SUBSET_FILE}` }, () => {
    const space = loadNb101Space();
    const keys = (JSON.parse(readFileSync(subset!, 'utf8')) as { key: string[] }).key;
    const order = space.packed.hashOrder;
    const firstMismatch = keys.findIndex((key, k) => space.hashAt(order[k]!) !== key);
    assert.equal(firstMismatch, -1);
  });

  test('formatNb101Line and the CLI listing', async () => {
    const spec = nb101Spec([[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], [I, C3, MP, O]);
    assert.equal(formatNb101Line('ab'.repeat(16), spec), `${'ab'.repeat(16)}\t4\t110011\ti3mo`);
    assert.equal(nb101PaddedSlot(3, 4), 6);
    assert.equal(nb101PaddedSlot(2, 4), 2);

    const space = loadNb101Space();
    let text = '';
    const sink = new Writable({
      highWaterMark: 1024, // small, so the command must wait for 'drain'
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        setImmediate(done);
      },
    });
    assert.equal(await nb101Command(['enumerate', '--header'], { stdout: sink }), 0);
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, space.size + 1);
    assert.equal(lines[0], 'hash\tvertices\tupper_triangle\tops');
    assert.equal(lines[1], formatNb101Line(space.hashAt(0), space.specAt(0)));
    assert.equal(lines[space.size], formatNb101Line(space.hashAt(space.size - 1), space.specAt(space.size - 1)));
    let errors = '';
    const stderr = new Writable({
      write(chunk: Buffer, _enc, done) {
        errors += chunk.toString();
        done();
      },
    });
    assert.equal(await nb101Command(['enumerate', '--bogus'], { stdout: sink, stderr }), 2);
    assert.match(errors, /unknown option '--bogus'/);
    assert.equal(await nb101Command(['frobnicate'], { stdout: sink, stderr }), 2);
    assert.match(errors, /unknown subcommand "frobnicate"/);
  });
});
