/**
 * NAS-Bench-101 behind the search-space contract, over the whole enumerated
 * space (423,624 distinct cells). `sample` draws a cell of the enumeration
 * uniformly; an edit flips one edge or changes one interior op of the cell
 * drawn on 7 vertices, and keeps the result when it is a valid cell (after
 * pruning: connected, ≤ 9 edges) with another module hash.
 *
 * Why edits on 7 vertices: a pruned cell with n < 7 vertices cannot grow by
 * flipping its own edges, so it is padded with disconnected interior vertices
 * before the edit (as NASLib's NAS-Bench-101 neighbourhood works on the
 * unpruned 7×7 matrix); a new edge to a padding vertex is tried with each of
 * the 3 ops, since that vertex's op only matters once it is connected.
 */
import type { Rng } from '../core/types.js';
import { NB101_INTERIOR_OPS, NB101_MAX_VERTICES, Nb101SpecError, nb101Hash, nb101Spec, type Nb101Op, type Nb101Spec } from './nb101.js';
import { mutateByNeighbours, type SearchSpace } from './searchSpace.js';
import type { Nb101Space } from './nb101Enumerate.js';

const W = NB101_MAX_VERTICES;

/** The cell on 7 vertices: interior vertices first, then padding (no edges, op `pad`), the output last. */
function padded(spec: Nb101Spec, pad: Nb101Op): { matrix: Uint8Array; ops: Nb101Op[]; real: number } {
  const n = spec.numVertices;
  const slot = (v: number): number => (v === n - 1 ? W - 1 : v);
  const matrix = new Uint8Array(W * W);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (spec.matrix[i * n + j]) matrix[slot(i) * W + slot(j)] = 1;
  const ops = new Array<Nb101Op>(W).fill(pad);
  for (let v = 0; v < n; v++) ops[slot(v)] = spec.ops[v]!;
  return { matrix, ops, real: n - 1 };
}

/** The valid, pruned cell of a 7-vertex matrix and ops, or undefined when it breaks a rule of the space. */
function validCell(matrix: Uint8Array, ops: readonly Nb101Op[]): Nb101Spec | undefined {
  try {
    return nb101Spec(matrix, ops);
  } catch (err) {
    if (err instanceof Nb101SpecError) return undefined;
    throw err;
  }
}

/** All valid cells one edit away from `spec`, each once by module hash, `spec` itself excluded. */
export function nb101Neighbourhood(spec: Nb101Spec): Nb101Spec[] {
  const own = nb101Hash(spec);
  const seen = new Set<string>([own]);
  const out: Nb101Spec[] = [];
  const keep = (cell: Nb101Spec | undefined): void => {
    if (!cell) return;
    const h = nb101Hash(cell);
    if (seen.has(h)) return;
    seen.add(h);
    out.push(cell);
  };
  const base = padded(spec, NB101_INTERIOR_OPS[0]!);
  // Padding vertices occupy slots real .. W-2 (the input is 0, the output W-1).
  const isPadding = (v: number): boolean => v >= base.real && v < W - 1;
  for (let i = 0; i < W; i++) {
    for (let j = i + 1; j < W; j++) {
      const matrix = base.matrix.slice();
      matrix[i * W + j] ^= 1;
      const pads = [i, j].filter(isPadding);
      if (pads.length === 0) {
        keep(validCell(matrix, base.ops));
        continue;
      }
      // A new vertex enters with each op (an edge between two padding vertices: both get the same op).
      for (const op of NB101_INTERIOR_OPS) {
        const ops = base.ops.slice();
        for (const v of pads) ops[v] = op;
        keep(validCell(matrix, ops));
      }
    }
  }
  for (let v = 1; v < base.real; v++) {
    for (const op of NB101_INTERIOR_OPS) {
      if (op === base.ops[v]) continue;
      const ops = base.ops.slice();
      ops[v] = op;
      keep(validCell(base.matrix, ops));
    }
  }
  return out;
}

/** The whole enumerated NAS-Bench-101 space as a search space. */
export function nb101SearchSpace(space: Pick<Nb101Space, 'size' | 'specAt'>): SearchSpace<Nb101Spec> {
  const searchSpace: SearchSpace<Nb101Spec> = {
    name: 'nas-bench-101',
    sample: (rng: Rng) => space.specAt(rng.int(space.size)),
    neighbours: nb101Neighbourhood,
    // The 2-vertex cell (input → output) has no valid cell one edit away: its mutant is a fresh draw.
    mutate: (arch, rng) => (arch.numVertices === 2 ? space.specAt(rng.int(space.size)) : mutateByNeighbours(searchSpace, arch, rng)),
    id: nb101Hash,
  };
  return searchSpace;
}
