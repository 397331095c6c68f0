/**
 * Graph inputs of the BRP-NAS predictor (SamsungLabs/eagle): per architecture
 * an adjacency matrix with a GLOBAL node in row 0 and self loops everywhere,
 * and node features, as flat arrays.
 *
 * NAS-Bench-201 (eagle models/nasbench201/utils.py `get_matrix_and_ops`,
 * `get_adjacency_and_features`): 8 nodes, 0 = cell input, 1..6 = the six edge
 * ops in arch-string order (0→1, 0→2, 1→2, 0→3, 1→3, 2→3), 7 = output, linked
 * 0→{1,2,4}, 1→{3,5}, {2,3}→6, {4,5,6}→7. Then, edge by edge in that order:
 * a `none` op cuts its node's links; a `skip_connect` node is bypassed (each
 * predecessor linked to each successor) and loses its links; other ops label
 * their node. Nodes not on an input→output path are cleared (links and label;
 * the matrix keeps its size). The global node is prepended with links to all
 * 8 nodes, the identity is added to the 9×9 matrix, and features are one-hot
 * over [nor_conv_1x1, nor_conv_3x3, avg_pool_3x3, input, output, global]
 * (cleared and bypassed nodes: all zero; input and output always labelled).
 * A GCN layer computes A·X·W, so a node gathers from its successors, and the
 * global node from every node.
 *
 * Other spaces: any ops-as-nodes `GraphEncoder` with a global node prepended
 * (`withGlobalNode`), linked to every real node and with its own feature.
 */
import type { GraphEncoder } from './graphOneHot.js';
import { NB201_NUM_EDGES, validateNb201Arch, type Nb201Arch } from '../spaces/nb201.js';

/** What the BRP-NAS predictor reads: node count (with the global node), feature width, flat [count, n, n] / [count, n, f] arrays. */
export interface BrpGraphEncoder<A> {
  readonly name: string;
  readonly nodes: number;
  readonly features: number;
  encode(archs: readonly A[]): { readonly adj: Float32Array; readonly features: Float32Array };
}

const NB201_BRP_NODES = 9;
const NB201_BRP_FEATURES = 6;
const CELL_NODES = 8;
/** Links of the 8-node cell graph (eagle `get_matrix_and_ops`). */
const CELL_LINKS: readonly (readonly [number, number])[] = [
  [0, 1], [0, 2], [0, 4],
  [1, 3], [1, 5],
  [2, 6], [3, 6],
  [4, 7], [5, 7], [6, 7],
];
const OP_NONE = 0;
const OP_SKIP = 1;

/** The 9×9 adjacency (global node first, self loops) and 9×6 features of a NAS-Bench-201 cell, as eagle builds them. */
export function nb201BrpGraph(arch: Nb201Arch): { adjacency: number[][]; features: number[][] } {
  validateNb201Arch(arch);
  const m = Array.from({ length: CELL_NODES }, () => new Array<number>(CELL_NODES).fill(0));
  for (const [from, to] of CELL_LINKS) m[from]![to] = 1;
  const labels: (number | null)[] = new Array<number | null>(CELL_NODES).fill(null);
  for (let e = 0; e < NB201_NUM_EDGES; e++) {
    const node = e + 1;
    const op = arch[e]!;
    if (op === OP_NONE) {
      for (let other = 0; other < CELL_NODES; other++) {
        m[other]![node] = 0;
        m[node]![other] = 0;
      }
    } else if (op === OP_SKIP) {
      // As eagle: a predecessor's link is moved only when the node has a successor.
      const successors: number[] = [];
      for (let other = 0; other < CELL_NODES; other++) {
        if (!m[other]![node]) continue;
        for (let next = 0; next < CELL_NODES; next++) {
          if (m[node]![next]) {
            m[other]![next] = 1;
            m[other]![node] = 0;
            successors.push(next);
          }
        }
      }
      for (const next of successors) m[node]![next] = 0;
    } else {
      labels[node] = op;
    }
  }
  const reach = (start: number, linked: (a: number, b: number) => boolean): boolean[] => {
    const seen = new Array<boolean>(CELL_NODES).fill(false);
    const stack = [start];
    seen[start] = true;
    while (stack.length > 0) {
      const v = stack.pop()!;
      for (let other = 0; other < CELL_NODES; other++) {
        if (!seen[other] && linked(v, other)) {
          seen[other] = true;
          stack.push(other);
        }
      }
    }
    return seen;
  };
  const forward = reach(0, (a, b) => m[a]![b] === 1);
  const backward = reach(CELL_NODES - 1, (a, b) => m[b]![a] === 1);
  for (let v = 0; v < CELL_NODES; v++) {
    if (forward[v] && backward[v]) continue;
    labels[v] = null;
    for (let other = 0; other < CELL_NODES; other++) {
      m[v]![other] = 0;
      m[other]![v] = 0;
    }
  }
  const adjacency = [
    [1, ...new Array<number>(CELL_NODES).fill(1)],
    ...m.map((row, i) => [0, ...row.map((x, j) => (i === j ? 1 : x))]),
  ];
  const features = Array.from({ length: NB201_BRP_NODES }, () => new Array<number>(NB201_BRP_FEATURES).fill(0));
  features[0]![5] = 1;
  features[1]![3] = 1;
  features[NB201_BRP_NODES - 1]![4] = 1;
  labels.forEach((op, v) => {
    // Op codes 2..4 (nor_conv_1x1, nor_conv_3x3, avg_pool_3x3) → features 0..2.
    if (op !== null) features[v + 1]![op - 2] = 1;
  });
  return { adjacency, features };
}

/** Encodes flat arrays from per-arch matrices, caching per arch object (ranking a space encodes the same archs again and again). */
function flatEncoder<A>(name: string, nodes: number, width: number, one: (arch: A) => { adj: Float32Array; features: Float32Array }): BrpGraphEncoder<A> {
  const cache = new WeakMap<object, { adj: Float32Array; features: Float32Array }>();
  const encodeOne = (arch: A): { adj: Float32Array; features: Float32Array } => {
    const key = typeof arch === 'object' && arch !== null ? (arch as object) : undefined;
    const hit = key ? cache.get(key) : undefined;
    if (hit) return hit;
    const row = one(arch);
    if (key) cache.set(key, row);
    return row;
  };
  return {
    name,
    nodes,
    features: width,
    encode(archs) {
      const adj = new Float32Array(archs.length * nodes * nodes);
      const features = new Float32Array(archs.length * nodes * width);
      archs.forEach((arch, b) => {
        const row = encodeOne(arch);
        adj.set(row.adj, b * nodes * nodes);
        features.set(row.features, b * nodes * width);
      });
      return { adj, features };
    },
  };
}

/** The eagle NAS-Bench-201 graph (see the header). */
export const nb201BrpEncoder: BrpGraphEncoder<Nb201Arch> = flatEncoder('brp-nb201', NB201_BRP_NODES, NB201_BRP_FEATURES, (arch) => {
  const g = nb201BrpGraph(arch);
  return { adj: Float32Array.from(g.adjacency.flat()), features: Float32Array.from(g.features.flat()) };
});

/** An ops-as-nodes encoder (A + I, one-hot ops) with eagle's global node prepended: linked to every real node, its own feature (the last). */
export function withGlobalNode<A>(encoder: GraphEncoder<A>): BrpGraphEncoder<A> {
  const n = encoder.maxNodes;
  const f = encoder.numOpTypes;
  const nodes = n + 1;
  const width = f + 1;
  return flatEncoder(`${encoder.name}+global`, nodes, width, (arch) => {
    const g = encoder.encodeArrays([arch]);
    const adj = new Float32Array(nodes * nodes);
    const features = new Float32Array(nodes * width);
    adj[0] = 1;
    features[f] = 1;
    for (let i = 0; i < n; i++) {
      if (g.mask[i]) adj[i + 1] = 1;
      for (let j = 0; j < n; j++) adj[(i + 1) * nodes + j + 1] = g.adj[i * n + j]!;
      for (let k = 0; k < f; k++) features[(i + 1) * width + k] = g.features[i * f + k]!;
    }
    return { adj, features };
  });
}
