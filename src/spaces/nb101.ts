/**
 * The NAS-Bench-101 cell space (Ying et al., ICML 2019): a DAG of at most 7
 * vertices and 9 edges, vertex 0 the input, the last vertex the output, each
 * interior vertex one of conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3.
 *
 * Validation, pruning and the module hash follow the official `ModelSpec`,
 * `NASBench._check_spec` and `graph_util.hash_module` (google-research/nasbench),
 * so `nb101Hash` returns the dataset key bit for bit.
 */
import * as crypto from 'node:crypto';

/** Op codes as in the dataset and the official graph generator. */
export const NB101_INPUT = -1;
export const NB101_OUTPUT = -2;
export const NB101_CONV3X3 = 0;
export const NB101_CONV1X1 = 1;
export const NB101_MAXPOOL3X3 = 2;
export type Nb101Op = -2 | -1 | 0 | 1 | 2;

/** Official op names, indexed by code via `nb101OpName`. */
export const NB101_OP_NAMES: Readonly<Record<Nb101Op, string>> = {
  [-1]: 'input',
  [-2]: 'output',
  0: 'conv3x3-bn-relu',
  1: 'conv1x1-bn-relu',
  2: 'maxpool3x3',
} as Record<Nb101Op, string>;

/** Interior op codes in the official `available_ops` order (the code IS the index). */
export const NB101_INTERIOR_OPS: readonly Nb101Op[] = [NB101_CONV3X3, NB101_CONV1X1, NB101_MAXPOOL3X3];
export const NB101_MAX_VERTICES = 7;
export const NB101_MAX_EDGES = 9;

/**
 * A cell. `matrix` is the n×n adjacency matrix, row-major (`matrix[from * n + to]`),
 * 0/1, strictly upper-triangular; `ops[v]` the op code of vertex v.
 * Specs made by `nb101Spec` / `pruneNb101` / the enumeration are valid and pruned.
 */
export interface Nb101Spec {
  readonly numVertices: number;
  readonly matrix: Uint8Array;
  readonly ops: readonly Nb101Op[];
}

/** The rule a rejected spec broke (stable, for callers and tests to branch on). */
export type Nb101Rule =
  | 'not-square'
  | 'ops-length'
  | 'not-binary'
  | 'not-upper-triangular'
  | 'unknown-op'
  | 'first-not-input'
  | 'last-not-output'
  | 'interior-input-output'
  | 'disconnected'
  | 'too-many-vertices'
  | 'too-many-edges';

export class Nb101SpecError extends Error {
  constructor(
    readonly rule: Nb101Rule,
    message: string,
  ) {
    super(`invalid NAS-Bench-101 spec (${rule}): ${message}`);
    this.name = 'Nb101SpecError';
  }
}

export function nb101OpName(code: Nb101Op): string {
  return NB101_OP_NAMES[code];
}

const OP_BY_NAME = new Map<string, Nb101Op>(
  (Object.entries(NB101_OP_NAMES) as [string, string][]).map(([code, name]) => [name, Number(code) as Nb101Op]),
);

/** Accepts an op as a code (-2..2) or an official name; throws for anything else. */
export function nb101OpCode(op: number | string, vertex = -1): Nb101Op {
  const where = vertex >= 0 ? ` at vertex ${vertex}` : '';
  if (typeof op === 'string') {
    const code = OP_BY_NAME.get(op);
    if (code === undefined) {
      throw new Nb101SpecError('unknown-op', `op ${JSON.stringify(op)}${where} is not one of ${[...OP_BY_NAME.keys()].join(', ')}`);
    }
    return code;
  }
  if (op === -2 || op === -1 || op === 0 || op === 1 || op === 2) return op;
  throw new Nb101SpecError('unknown-op', `op code ${JSON.stringify(op)}${where} is not one of -1 (input), -2 (output), 0, 1, 2`);
}

export type Nb101MatrixInput = Uint8Array | readonly (readonly number[])[] | readonly (ArrayLike<number>)[];

/** Flattens a nested or flat square matrix, checking shape and 0/1 entries. */
function flattenMatrix(matrix: Nb101MatrixInput, numOps: number): { n: number; flat: Uint8Array } {
  if (matrix instanceof Uint8Array) {
    const n = Math.round(Math.sqrt(matrix.length));
    if (n * n !== matrix.length) throw new Nb101SpecError('not-square', `flat matrix of ${matrix.length} entries is not n×n`);
    for (let i = 0; i < matrix.length; i++) {
      if (matrix[i]! > 1) {
        throw new Nb101SpecError('not-binary', `entry (${Math.floor(i / n)}, ${i % n}) is ${matrix[i]}, expected 0 or 1`);
      }
    }
    if (n !== numOps) throw new Nb101SpecError('ops-length', `${numOps} ops for a ${n}×${n} matrix`);
    return { n, flat: matrix.slice() };
  }
  const n = matrix.length;
  const flat = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = matrix[i]!;
    if (!row || typeof row.length !== 'number' || row.length !== n) {
      throw new Nb101SpecError('not-square', `row ${i} has ${row?.length ?? 'no'} entries in a matrix of ${n} rows`);
    }
    for (let j = 0; j < n; j++) {
      const v = row[j];
      if (v !== 0 && v !== 1) throw new Nb101SpecError('not-binary', `entry (${i}, ${j}) is ${JSON.stringify(v)}, expected 0 or 1`);
      flat[i * n + j] = v;
    }
  }
  if (n !== numOps) throw new Nb101SpecError('ops-length', `${numOps} ops for a ${n}×${n} matrix`);
  return { n, flat };
}

/**
 * Removes every vertex that is not on a path from input to output, as the
 * official `ModelSpec._prune` does. Throws `disconnected` when input and
 * output are not connected. The input must be well formed (see `nb101Spec`).
 */
export function pruneNb101(n: number, matrix: Uint8Array, ops: readonly Nb101Op[]): Nb101Spec {
  const fromInput = new Uint8Array(n);
  const toOutput = new Uint8Array(n);
  fromInput[0] = 1;
  for (let v = 0; v < n; v++) {
    if (!fromInput[v]) continue;
    for (let w = v + 1; w < n; w++) if (matrix[v * n + w]) fromInput[w] = 1;
  }
  toOutput[n - 1] = 1;
  for (let v = n - 1; v >= 0; v--) {
    if (!toOutput[v]) continue;
    for (let u = 0; u < v; u++) if (matrix[u * n + v]) toOutput[u] = 1;
  }
  const kept: number[] = [];
  for (let v = 0; v < n; v++) if (fromInput[v] && toOutput[v]) kept.push(v);
  // Like the official check: fewer than 2 vertices on input→output paths means no path at all.
  if (kept.length < 2 || kept[0] !== 0 || kept[kept.length - 1] !== n - 1) {
    throw new Nb101SpecError('disconnected', 'no path from the input vertex to the output vertex');
  }
  const m = kept.length;
  const pruned = new Uint8Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) pruned[i * m + j] = matrix[kept[i]! * n + kept[j]!]!;
  return { numVertices: m, matrix: pruned, ops: kept.map((v) => ops[v]!) };
}

/**
 * Validates and prunes a spec given as a matrix (nested rows, or a flat
 * row-major Uint8Array) and ops (codes or official names). The checks, each
 * with its own `Nb101SpecError.rule`, are those of the official API: shape,
 * 0/1 entries, strictly upper-triangular, known ops, input first, output last
 * and nowhere else; then after pruning: connected, ≤ 7 vertices, ≤ 9 edges.
 */
export function nb101Spec(matrix: Nb101MatrixInput, opsInput: ArrayLike<number | string>): Nb101Spec {
  if (!opsInput || typeof opsInput.length !== 'number') throw new Nb101SpecError('ops-length', `ops must be a list, got ${typeof opsInput}`);
  const ops = Array.from(opsInput);
  const { n, flat } = flattenMatrix(matrix, ops.length);
  if (n === 0) throw new Nb101SpecError('not-square', 'empty matrix: a cell has at least the input and output vertices');
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      if (flat[i * n + j]) {
        throw new Nb101SpecError('not-upper-triangular', `entry (${i}, ${j}) is 1 on or below the diagonal`);
      }
    }
  }
  const codes = ops.map((op, v) => nb101OpCode(op, v));
  if (codes[0] !== NB101_INPUT) throw new Nb101SpecError('first-not-input', `vertex 0 is ${nb101OpName(codes[0]!)}`);
  if (codes[n - 1] !== NB101_OUTPUT) throw new Nb101SpecError('last-not-output', `vertex ${n - 1} is ${nb101OpName(codes[n - 1]!)}`);
  for (let v = 1; v < n - 1; v++) {
    if (codes[v] === NB101_INPUT || codes[v] === NB101_OUTPUT) {
      throw new Nb101SpecError('interior-input-output', `interior vertex ${v} is ${nb101OpName(codes[v]!)}`);
    }
  }
  const spec = pruneNb101(n, flat, codes);
  if (spec.numVertices > NB101_MAX_VERTICES) {
    throw new Nb101SpecError('too-many-vertices', `${spec.numVertices} vertices after pruning, at most ${NB101_MAX_VERTICES}`);
  }
  const edges = nb101EdgeCount(spec);
  if (edges > NB101_MAX_EDGES) throw new Nb101SpecError('too-many-edges', `${edges} edges after pruning, at most ${NB101_MAX_EDGES}`);
  return spec;
}

export function nb101EdgeCount(spec: Nb101Spec): number {
  let edges = 0;
  for (const e of spec.matrix) edges += e;
  return edges;
}

/** The nested-list form (`[[0,1,…],…]`, op codes), e.g. for JSON. */
export function nb101ToLists(spec: Nb101Spec): { matrix: number[][]; ops: number[] } {
  const n = spec.numVertices;
  const matrix = Array.from({ length: n }, (_, i) => Array.from(spec.matrix.subarray(i * n, i * n + n)));
  return { matrix, ops: spec.ops.slice() };
}

/**
 * Bit pattern of the upper triangle as in the official generator: edge (x, y),
 * x < y, is bit x + y(y-1)/2. With the vertex count it identifies the matrix.
 */
export function nb101MatrixBits(spec: Nb101Spec): number {
  const n = spec.numVertices;
  let bits = 0;
  for (let y = 1; y < n; y++) for (let x = 0; x < y; x++) if (spec.matrix[x * n + y]) bits |= 1 << (x + (y * (y - 1)) / 2);
  return bits;
}

/** Inverse of `nb101MatrixBits` (no validation). */
export function nb101MatrixFromBits(n: number, bits: number): Uint8Array {
  const matrix = new Uint8Array(n * n);
  for (let y = 1; y < n; y++) for (let x = 0; x < y; x++) if ((bits >>> (x + (y * (y - 1)) / 2)) & 1) matrix[x * n + y] = 1;
  return matrix;
}

/** md5 hex of a short string; `crypto.hash` (Node ≥ 20.12) skips the Hash object `createHash` allocates per call. */
export const md5Hex: (text: string) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (text) => crypto.hash('md5', text, 'hex')
    : (text) => crypto.createHash('md5').update(text).digest('hex');

/**
 * The official module hash (`graph_util.hash_module`) of an n-vertex graph
 * given by its neighbour lists and labels. Exposed for the enumeration, which
 * already holds the lists; everyone else calls `nb101Hash`.
 *
 * Vertex hashes start as md5 of the Python tuple text `(out, in, label)`, are
 * refined n times by md5 of sorted in-neighbour hashes + '|' + sorted
 * out-neighbour hashes + '|' + own hash, and the module hash is md5 of the
 * Python `str()` of the sorted final hashes.
 */
export function hashModuleLists(
  n: number,
  inNeighbours: readonly (readonly number[])[],
  outNeighbours: readonly (readonly number[])[],
  labels: ArrayLike<number>,
  md5: (text: string) => string = md5Hex,
): string {
  let hashes: string[] = new Array<string>(n);
  for (let v = 0; v < n; v++) hashes[v] = md5(`(${outNeighbours[v]!.length}, ${inNeighbours[v]!.length}, ${labels[v]})`);
  const scratch: string[] = [];
  const sortedJoin = (list: readonly number[], from: readonly string[]): string => {
    scratch.length = 0;
    for (const w of list) scratch.push(from[w]!);
    // Hex strings of equal length: default (UTF-16 code unit) order equals Python's str order.
    scratch.sort();
    return scratch.join('');
  };
  for (let round = 0; round < n; round++) {
    const next = new Array<string>(n);
    for (let v = 0; v < n; v++) {
      next[v] = md5(`${sortedJoin(inNeighbours[v]!, hashes)}|${sortedJoin(outNeighbours[v]!, hashes)}|${hashes[v]}`);
    }
    hashes = next;
  }
  hashes.sort();
  return md5(`['${hashes.join("', '")}']`);
}

/** In- and out-neighbour lists of a spec's matrix. */
export function nb101Neighbours(spec: Nb101Spec): { inNeighbours: number[][]; outNeighbours: number[][] } {
  const n = spec.numVertices;
  const inNeighbours = Array.from({ length: n }, () => [] as number[]);
  const outNeighbours = Array.from({ length: n }, () => [] as number[]);
  for (let v = 0; v < n; v++) {
    for (let w = v + 1; w < n; w++) {
      if (spec.matrix[v * n + w]) {
        outNeighbours[v]!.push(w);
        inNeighbours[w]!.push(v);
      }
    }
  }
  return { inNeighbours, outNeighbours };
}

/** The official module hash (dataset key) of a valid, pruned spec. */
export function nb101Hash(spec: Nb101Spec): string {
  const { inNeighbours, outNeighbours } = nb101Neighbours(spec);
  return hashModuleLists(spec.numVertices, inNeighbours, outNeighbours, spec.ops);
}

/** Validates, prunes and hashes a spec given as lists, like `NASBench.query` would. */
export function nb101HashOf(matrix: Nb101MatrixInput, ops: ArrayLike<number | string>): string {
  return nb101Hash(nb101Spec(matrix, ops));
}

/**
 * Where vertex v of an n-vertex cell goes in a 7-slot layout that keeps the
 * output last (the ReNAS padding): interior vertices keep their index, the
 * output moves to slot 6, slots n-1..5 are padding.
 */
export function nb101PaddedSlot(v: number, n: number, width: number = NB101_MAX_VERTICES): number {
  return v === n - 1 ? width - 1 : v;
}
