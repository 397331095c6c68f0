/**
 * The whole NAS-Bench-101 space: 423,624 unique cells, in the order of the
 * official generator (`nasbench/scripts/generate_graphs.py`): vertex counts
 * 2..7, every upper-triangle bit pattern (edge (x, y) is bit x + y(y-1)/2),
 * valid graphs only, interior labellings in itertools.product order, the
 * FIRST graph of each hash kept. The kept graphs are the official matrices
 * and vertex orders, which encoders depend on.
 *
 * Why it is fast: the official script md5-hashes all ~1.3M labelled graphs
 * (57 md5 calls each) only to find which ones come first in their
 * isomorphism class. The generator's authors verified that within this space
 * two graphs share a hash exactly when they are isomorphic, so the first of a
 * class can be found without hashing: a graph is first iff no relabelling of
 * its interior vertices maps it to an earlier (bits, labelling) pair. That
 * takes a few bit operations per permutation; only the 423,624 survivors are
 * md5-hashed, and the result is checked for duplicate hashes.
 *
 * The result is cached in `.cache/nb101_space.bin` (compact binary, ~11 MB,
 * checksummed, written atomically), so later loads take milliseconds.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomicWrite.js';
import { readRegularFile } from '../core/files.js';
import {
  NB101_INPUT,
  NB101_MAX_EDGES,
  NB101_MAX_VERTICES,
  NB101_OUTPUT,
  hashModuleLists,
  nb101MatrixFromBits,
  type Nb101Op,
  type Nb101Spec,
} from './nb101.js';
import { Nb101FastHasher } from './nb101FastHash.js';

export const NB101_SPACE_SIZE = 423_624;
const NUM_INTERIOR_OPS = 3;

/**
 * One cell packed in 32 bits: upper-triangle bit pattern (bits 0-20), vertex
 * count (bits 21-23), index of the interior labelling in itertools.product
 * order (bits 24-31; 3^5 = 243 fits).
 */
export function packNb101Cell(numVertices: number, matrixBits: number, labellingIndex: number): number {
  return (matrixBits | (numVertices << 21) | (labellingIndex << 24)) >>> 0;
}

export function unpackNb101Cell(word: number): { numVertices: number; matrixBits: number; labellingIndex: number } {
  return { numVertices: (word >>> 21) & 7, matrixBits: word & 0x1fffff, labellingIndex: word >>> 24 };
}

/** Interior labels of a labelling index (itertools.product order: vertex 1 is the most significant digit). */
export function nb101LabelsFromIndex(numVertices: number, labellingIndex: number): Nb101Op[] {
  const ops = new Array<Nb101Op>(numVertices);
  ops[0] = NB101_INPUT;
  ops[numVertices - 1] = NB101_OUTPUT;
  let rest = labellingIndex;
  for (let v = numVertices - 2; v >= 1; v--) {
    ops[v] = (rest % NUM_INTERIOR_OPS) as Nb101Op;
    rest = Math.floor(rest / NUM_INTERIOR_OPS);
  }
  return ops;
}

export function nb101SpecFromCell(word: number): Nb101Spec {
  const { numVertices, matrixBits, labellingIndex } = unpackNb101Cell(word);
  return { numVertices, matrix: nb101MatrixFromBits(numVertices, matrixBits), ops: nb101LabelsFromIndex(numVertices, labellingIndex) };
}

/** The raw enumeration result: md5 digests (16 bytes per cell) and packed cells, in generator order. */
export interface Nb101Enumeration {
  readonly digests: Uint8Array;
  readonly cells: Uint32Array;
}

function permutations(items: readonly number[]): number[][] {
  if (items.length <= 1) return [items.slice()];
  const out: number[][] = [];
  items.forEach((first, i) => {
    for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)])) out.push([first, ...rest]);
  });
  return out;
}

/** Bit position of edge (x, y), x < y. */
const edgeBit = (x: number, y: number): number => x + (y * (y - 1)) / 2;

/** Output buffers, grown on demand (the per-n counts are what the run establishes, not inputs). */
class CellSink {
  digests = new Uint8Array(16 * NB101_SPACE_SIZE);
  cells = new Uint32Array(NB101_SPACE_SIZE);
  size = 0;
  /** Makes room for one more cell and returns the byte offset of its digest. */
  reserve(): number {
    if (this.size === this.cells.length) {
      const grownCells = new Uint32Array(this.cells.length * 2);
      grownCells.set(this.cells);
      this.cells = grownCells;
      const grownDigests = new Uint8Array(this.digests.length * 2);
      grownDigests.set(this.digests);
      this.digests = grownDigests;
    }
    return this.size * 16;
  }
  commit(word: number): void {
    this.cells[this.size++] = word;
  }
}

/** How kept graphs are hashed: the byte-level hasher, or node:crypto through `hashModuleLists` (reference). */
export type Nb101HashEngine = 'fast' | 'crypto';

/**
 * Enumerates the cells with `numVertices` vertices in generator order,
 * appending the first graph of each isomorphism class to `sink`.
 */
function enumerateVertexCount(n: number, sink: CellSink, engine: Nb101HashEngine, hasher: Nb101FastHasher): void {
  const numEdges = (n * (n - 1)) / 2;
  const interior = n - 2;
  const labellings = NUM_INTERIOR_OPS ** interior;
  const pow3 = Array.from({ length: interior + 1 }, (_, i) => NUM_INTERIOR_OPS ** i);

  // rowMask[v]: edges leaving v; colMask[v]: edges entering v.
  const rowMask = new Int32Array(n);
  const colMask = new Int32Array(n);
  for (let y = 1; y < n; y++) {
    for (let x = 0; x < y; x++) {
      rowMask[x]! |= 1 << edgeBit(x, y);
      colMask[y]! |= 1 << edgeBit(x, y);
    }
  }

  // Every non-identity relabelling of the interior vertices (input and output are fixed: the
  // labels -1/-2 pin them), as edge-bit → edge-bit maps (-1 where the image points backwards).
  const interiorIds = Array.from({ length: interior }, (_, i) => i + 1);
  const perms = permutations(interiorIds)
    .map((p) => [0, ...p, n - 1])
    .filter((p) => p.some((target, v) => target !== v));
  const edgeMaps = perms.map((p) => {
    const map = new Int8Array(numEdges).fill(-1);
    for (let y = 1; y < n; y++) {
      for (let x = 0; x < y; x++) if (p[x]! < p[y]!) map[edgeBit(x, y)] = edgeBit(p[x]!, p[y]!);
    }
    return map;
  });
  // Weight of vertex v's label in the labelling index after relabelling by p.
  const permWeights = perms.map((p) => Int32Array.from(p, (target) => (target >= 1 && target <= interior ? pow3[interior - target]! : 0)));

  const labels = new Int8Array(n);
  const automorphisms: number[] = [];
  for (let bits = 0; bits < 2 ** numEdges; bits++) {
    // At most 9 edges (popcount), every vertex but the output has an out-edge, every vertex but the input an in-edge.
    let count = bits - ((bits >>> 1) & 0x55555555);
    count = (count & 0x33333333) + ((count >>> 2) & 0x33333333);
    count = (((count + (count >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    if (count > NB101_MAX_EDGES) continue;
    let full = true;
    for (let v = 0; v < n - 1 && full; v++) if ((bits & rowMask[v]!) === 0) full = false;
    for (let v = 1; v < n && full; v++) if ((bits & colMask[v]!) === 0) full = false;
    if (!full) continue;

    // Is this matrix the first of its unlabelled class? If some relabelling gives a smaller
    // bit pattern, every labelling of it was seen earlier. Equal patterns are automorphisms.
    automorphisms.length = 0;
    let first = true;
    for (let p = 0; p < edgeMaps.length && first; p++) {
      const map = edgeMaps[p]!;
      let image = 0;
      let rest = bits;
      let upper = true;
      while (rest !== 0) {
        const low = rest & -rest;
        const e = map[31 - Math.clz32(low)]!;
        if (e < 0) {
          upper = false;
          break;
        }
        image |= 1 << e;
        rest ^= low;
      }
      if (!upper) continue;
      if (image < bits) first = false;
      else if (image === bits) automorphisms.push(p);
    }
    if (!first) continue;

    const inNeighbours = Array.from({ length: n }, () => [] as number[]);
    const outNeighbours = Array.from({ length: n }, () => [] as number[]);
    for (let y = 1; y < n; y++) {
      for (let x = 0; x < y; x++) {
        if ((bits >>> edgeBit(x, y)) & 1) {
          outNeighbours[x]!.push(y);
          inNeighbours[y]!.push(x);
        }
      }
    }
    labels[0] = NB101_INPUT;
    labels[n - 1] = NB101_OUTPUT;
    if (engine === 'fast') hasher.setGraph(n, inNeighbours, outNeighbours);
    for (let index = 0; index < labellings; index++) {
      let rest = index;
      for (let v = interior; v >= 1; v--) {
        labels[v] = rest % NUM_INTERIOR_OPS;
        rest = (rest - labels[v]!) / NUM_INTERIOR_OPS;
      }
      // The labelled graph is first in its class iff no automorphism maps it to a smaller labelling index.
      let smallest = true;
      for (const p of automorphisms) {
        const weights = permWeights[p]!;
        let image = 0;
        for (let v = 1; v <= interior; v++) image += labels[v]! * weights[v]!;
        if (image < index) {
          smallest = false;
          break;
        }
      }
      if (!smallest) continue;
      const at = sink.reserve();
      if (engine === 'fast') {
        hasher.hashLabelling(labels, sink.digests, at);
      } else {
        const hex = hashModuleLists(n, inNeighbours, outNeighbours, labels);
        for (let b = 0; b < 16; b++) sink.digests[at + b] = parseInt(hex.substr(b * 2, 2), 16);
      }
      sink.commit(packNb101Cell(n, bits, index));
    }
  }
}

/**
 * Enumerates the whole space from scratch (no cache): ~10 s here. Throws if
 * two kept graphs share a hash (which would contradict the generator's
 * verified hash ⇔ isomorphism property the shortcut relies on).
 */
export function enumerateNb101(options: { maxVertices?: number; engine?: Nb101HashEngine } = {}): Nb101Enumeration {
  const maxVertices = options.maxVertices ?? NB101_MAX_VERTICES;
  const sink = new CellSink();
  const hasher = new Nb101FastHasher(NB101_MAX_VERTICES);
  for (let n = 2; n <= maxVertices; n++) enumerateVertexCount(n, sink, options.engine ?? 'fast', hasher);
  const digests = sink.digests.slice(0, sink.size * 16);
  const cells = sink.cells.slice(0, sink.size);
  const order = sortedOrder(digests, cells.length);
  for (let k = 1; k < order.length; k++) {
    if (compareDigests(digests, order[k - 1]!, digests, order[k]!) === 0) {
      const hex = Buffer.from(digests.buffer, digests.byteOffset + order[k]! * 16, 16).toString('hex');
      throw new Error(`NAS-Bench-101 enumeration: two non-isomorphic cells share the hash ${hex}`);
    }
  }
  return { digests, cells };
}

function compareDigests(a: Uint8Array, i: number, b: Uint8Array, j: number): number {
  const ai = i * 16;
  const bj = j * 16;
  for (let k = 0; k < 16; k++) {
    const d = a[ai + k]! - b[bj + k]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** Cell indices in ascending hash order (the order of the official JSON and the 20k subset). */
function sortedOrder(digests: Uint8Array, count: number): Uint32Array {
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  return order.sort((i, j) => compareDigests(digests, i, digests, j));
}

// ---------------------------------------------------------------------------------------------
// Cache file

const CACHE_MAGIC = 'NB101SPC';
const CACHE_VERSION = 1;
const HEADER_BYTES = 64;

/** Default cache location, relative to the repository root (the working directory). */
export function defaultNb101CachePath(): string {
  return resolve(process.cwd(), process.env['NAS_CACHE_DIR'] || '.cache', 'nb101_space.bin');
}

/**
 * Layout (little-endian): 64-byte header [magic "NB101SPC", u32 version,
 * u32 count, 32-byte sha256 of the body, zero padding], then the body:
 * count × 16-byte md5 digests, count × u32 packed cells, count × u32 indices
 * in ascending hash order.
 */
export function encodeNb101Cache(enumeration: Nb101Enumeration): Uint8Array {
  const count = enumeration.cells.length;
  const order = sortedOrder(enumeration.digests, count);
  const body = new Uint8Array(count * 24);
  body.set(enumeration.digests, 0);
  const view = new DataView(body.buffer);
  for (let i = 0; i < count; i++) {
    view.setUint32(count * 16 + i * 4, enumeration.cells[i]!, true);
    view.setUint32(count * 20 + i * 4, order[i]!, true);
  }
  const out = new Uint8Array(HEADER_BYTES + body.length);
  const header = new DataView(out.buffer);
  for (let k = 0; k < CACHE_MAGIC.length; k++) out[k] = CACHE_MAGIC.charCodeAt(k);
  header.setUint32(8, CACHE_VERSION, true);
  header.setUint32(12, count, true);
  out.set(createHash('sha256').update(body).digest(), 16);
  out.set(body, HEADER_BYTES);
  return out;
}

/** Decodes a cache file; returns a reason string instead of throwing when it is stale or damaged. */
export function decodeNb101Cache(bytes: Uint8Array): { digests: Uint8Array; cells: Uint32Array; order: Uint32Array } | string {
  if (bytes.length < HEADER_BYTES) return `too short (${bytes.length} bytes)`;
  const magic = String.fromCharCode(...bytes.subarray(0, CACHE_MAGIC.length));
  if (magic !== CACHE_MAGIC) return `not an NB101 space cache (magic ${JSON.stringify(magic)})`;
  const header = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const version = header.getUint32(8, true);
  if (version !== CACHE_VERSION) return `cache version ${version}, expected ${CACHE_VERSION}`;
  const count = header.getUint32(12, true);
  if (bytes.length !== HEADER_BYTES + count * 24) return `${bytes.length} bytes for ${count} cells, expected ${HEADER_BYTES + count * 24}`;
  const body = bytes.subarray(HEADER_BYTES);
  const expected = Buffer.from(bytes.buffer, bytes.byteOffset + 16, 32);
  if (!createHash('sha256').update(body).digest().equals(expected)) return 'checksum mismatch';
  const digests = body.slice(0, count * 16);
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  const cells = new Uint32Array(count);
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    cells[i] = view.getUint32(count * 16 + i * 4, true);
    order[i] = view.getUint32(count * 20 + i * 4, true);
  }
  return { digests, cells, order };
}

// ---------------------------------------------------------------------------------------------
// The space

export interface Nb101Cell {
  readonly index: number;
  readonly hash: string;
  readonly spec: Nb101Spec;
}

export interface Nb101Batch {
  /** Index of the first cell of the batch. */
  readonly start: number;
  readonly hashes: readonly string[];
  readonly specs: readonly Nb101Spec[];
}

/** All 423,624 cells, indexed in generator order. */
export interface Nb101Space extends Iterable<Nb101Cell> {
  readonly size: number;
  /** Where the cells came from on this load. */
  readonly source: 'cache' | 'enumerated';
  hashAt(index: number): string;
  specAt(index: number): Nb101Spec;
  vertexCountAt(index: number): number;
  /** Index of a module hash, or -1 when it is not in the space. */
  indexOf(hash: string): number;
  has(hash: string): boolean;
  /** Consecutive batches of `batchSize` cells (the last may be shorter), for ranking the whole space. */
  batches(batchSize: number): Generator<Nb101Batch>;
  /** Number of cells per vertex count, e.g. `{ 2: 1, 3: 6, … }`. */
  countsByVertexCount(): Record<number, number>;
  /** The packed cells (see `packNb101Cell`) and 16-byte digests, for code that scans the space fast. */
  readonly packed: { readonly cells: Uint32Array; readonly digests: Uint8Array; readonly hashOrder: Uint32Array };
}

function createSpace(digests: Uint8Array, cells: Uint32Array, order: Uint32Array, source: Nb101Space['source']): Nb101Space {
  const size = cells.length;
  const digestBuffer = Buffer.from(digests.buffer, digests.byteOffset, digests.byteLength);
  const checkIndex = (index: number): void => {
    if (!Number.isInteger(index) || index < 0 || index >= size) {
      throw new RangeError(`NAS-Bench-101 space: index ${index} is outside 0..${size - 1}`);
    }
  };
  const hashAt = (index: number): string => {
    checkIndex(index);
    return digestBuffer.toString('hex', index * 16, index * 16 + 16);
  };
  const specAt = (index: number): Nb101Spec => {
    checkIndex(index);
    return nb101SpecFromCell(cells[index]!);
  };
  const query = new Uint8Array(16);
  const indexOf = (hash: string): number => {
    if (typeof hash !== 'string' || !/^[0-9a-f]{32}$/.test(hash)) return -1;
    for (let b = 0; b < 16; b++) query[b] = parseInt(hash.substr(b * 2, 2), 16);
    let lo = 0;
    let hi = size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareDigests(digests, order[mid]!, query, 0);
      if (c === 0) return order[mid]!;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  };
  return {
    size,
    source,
    hashAt,
    specAt,
    vertexCountAt: (index) => {
      checkIndex(index);
      return (cells[index]! >>> 21) & 7;
    },
    indexOf,
    has: (hash) => indexOf(hash) >= 0,
    *batches(batchSize: number) {
      if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
      for (let start = 0; start < size; start += batchSize) {
        const end = Math.min(size, start + batchSize);
        const hashes: string[] = [];
        const specs: Nb101Spec[] = [];
        for (let i = start; i < end; i++) {
          hashes.push(hashAt(i));
          specs.push(nb101SpecFromCell(cells[i]!));
        }
        yield { start, hashes, specs };
      }
    },
    countsByVertexCount() {
      const counts: Record<number, number> = {};
      for (const word of cells) {
        const n = (word >>> 21) & 7;
        counts[n] = (counts[n] ?? 0) + 1;
      }
      return counts;
    },
    *[Symbol.iterator]() {
      for (let i = 0; i < size; i++) yield { index: i, hash: hashAt(i), spec: nb101SpecFromCell(cells[i]!) };
    },
    packed: { cells, digests, hashOrder: order },
  };
}

const loaded = new Map<string, Nb101Space>();

export interface LoadNb101SpaceOptions {
  /** Cache file (default `.cache/nb101_space.bin` under `NAS_CACHE_DIR` or the working directory). */
  cachePath?: string;
  /** Enumerate even when a valid cache exists (and rewrite it). */
  rebuild?: boolean;
}

/**
 * The whole space, from the cache file when it is present and intact,
 * otherwise enumerated (~10 s) and cached. Memoised per cache path.
 */
export function loadNb101Space(options: LoadNb101SpaceOptions = {}): Nb101Space {
  const cachePath = resolve(options.cachePath ?? defaultNb101CachePath());
  if (!options.rebuild) {
    const memo = loaded.get(cachePath);
    if (memo) return memo;
    if (existsSync(cachePath)) {
      let decoded: ReturnType<typeof decodeNb101Cache>;
      try {
        decoded = decodeNb101Cache(readRegularFile(cachePath, 'NAS-Bench-101 space cache'));
      } catch (err) {
        decoded = (err as Error).message;
      }
      if (typeof decoded !== 'string') {
        const space = createSpace(decoded.digests, decoded.cells, decoded.order, 'cache');
        loaded.set(cachePath, space);
        return space;
      }
      // A stale or damaged cache is rebuilt below (and overwritten): it only ever holds derived data.
      process.stderr.write(`NAS-Bench-101 space cache ${cachePath} could not be used (${decoded}); enumerating the space again (~10 s) and rewriting it\n`);
    }
  }
  const enumeration = enumerateNb101();
  const file = encodeNb101Cache(enumeration);
  writeFileAtomic(cachePath, file);
  const space = createSpace(enumeration.digests, enumeration.cells, sortedOrder(enumeration.digests, enumeration.cells.length), 'enumerated');
  loaded.set(cachePath, space);
  return space;
}

/** Forgets memoised spaces (tests use it to exercise the cache file). */
export function clearNb101SpaceMemo(): void {
  loaded.clear();
}

/** Upper-triangle edges of a spec as a 0/1 string in row-major order, e.g. "110011" for 4 vertices. */
function upperTriangleText(spec: Nb101Spec): string {
  const n = spec.numVertices;
  let text = '';
  for (let x = 0; x < n; x++) for (let y = x + 1; y < n; y++) text += spec.matrix[x * n + y] ? '1' : '0';
  return text;
}

const OP_LETTER: Readonly<Record<number, string>> = { [-1]: 'i', [-2]: 'o', 0: '3', 1: '1', 2: 'm' };

/**
 * One CLI line per cell: hash, vertex count, upper-triangle edges in row-major
 * order (x<y), op letters (i input, 3 conv3x3, 1 conv1x1, m maxpool3x3, o output),
 * tab-separated, e.g. `00005c14…\t7\t100110010000000001000\ti30m01o`.
 */
export function formatNb101Line(hash: string, spec: Nb101Spec): string {
  return `${hash}\t${spec.numVertices}\t${upperTriangleText(spec)}\t${spec.ops.map((op) => OP_LETTER[op]).join('')}`;
}

export const NB101_FORMAT_HEADER = 'hash\tvertices\tupper_triangle\tops';
