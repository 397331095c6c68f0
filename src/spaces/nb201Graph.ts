/**
 * NAS-Bench-201 cells as "ops as nodes" graphs, exactly as Siamese-NAS builds
 * them (D0352276/Siamese-NAS, nas201.py `NasBench201Adj` / `ArchStr2Ops`,
 * executed by nas201_model.py): 10 nodes
 *
 *   0 split_3   the cell input, fanned out to its 3 edges
 *   1 op(0→1)
 *   2 split_2   cell node 1, fanned out to its 2 edges
 *   3 op(0→2)   4 op(1→2)
 *   5 none      cell node 2 (sum of 3 and 4; `none` is an identity here)
 *   6 op(0→3)   7 op(1→3)   8 op(2→3)
 *   9 output    cell node 3 (sum of 6, 7, 8)
 *
 * Edge ops are spelled as in the benchmark files (`zeros` for `none`). The
 * adjacency has no self-loops; Siamese-NAS adds the identity when it builds
 * predictor inputs (nas_prcss.py `ADJMatrix`), which is the encoder's job.
 */
import { type Nb201Arch, NB201_OPS, nb201OpIndex, validateNb201Arch } from './nb201.js';

/** Node-label vocabulary in Siamese-NAS order (train_eval.py `all_ops` for NAS-Bench-201); one-hot index = position. */
export const NB201_NODE_GRAPH_OPS = [
  'skip_connect',
  'zeros',
  'none',
  'split_2',
  'split_3',
  'nor_conv_3x3',
  'nor_conv_1x1',
  'avg_pool_3x3',
  'output',
] as const;
export type Nb201NodeGraphOp = (typeof NB201_NODE_GRAPH_OPS)[number];
export const NB201_NODE_GRAPH_SIZE = 10;

/** Node index holding the op of each cell edge, in arch-string edge order. */
export const NB201_EDGE_NODES: readonly number[] = [1, 3, 4, 6, 7, 8];

/** Directed links of the 10-node graph (nas201.py `NasBench201Adj`). */
const NODE_GRAPH_LINKS: readonly (readonly [number, number])[] = [
  [0, 1], [0, 3], [0, 6],
  [1, 2],
  [2, 4], [2, 7],
  [3, 5], [4, 5],
  [5, 8],
  [6, 9], [7, 9], [8, 9],
];

/** Labels of the nodes that are not edge ops. */
const FIXED_NODE_OPS: Readonly<Record<number, Nb201NodeGraphOp>> = { 0: 'split_3', 2: 'split_2', 5: 'none', 9: 'output' };

export interface Nb201NodeGraph {
  /** 10x10 0/1 matrix, adjacency[i][j] = 1 for a link i → j (upper-triangular, no self-loops). */
  readonly adjacency: readonly (readonly number[])[];
  /** Label of each node. */
  readonly ops: readonly Nb201NodeGraphOp[];
  /** Index of each label in `NB201_NODE_GRAPH_OPS` (for one-hot features). */
  readonly opCodes: readonly number[];
}

function nodeGraphAdjacency(): number[][] {
  const adj = Array.from({ length: NB201_NODE_GRAPH_SIZE }, () => new Array<number>(NB201_NODE_GRAPH_SIZE).fill(0));
  for (const [from, to] of NODE_GRAPH_LINKS) adj[from]![to] = 1;
  return adj;
}

/** The Siamese-NAS 10-node graph of a cell. */
export function nb201ToNodeGraph(arch: Nb201Arch): Nb201NodeGraph {
  validateNb201Arch(arch);
  const ops: Nb201NodeGraphOp[] = [];
  for (let node = 0; node < NB201_NODE_GRAPH_SIZE; node++) {
    const fixed = FIXED_NODE_OPS[node];
    if (fixed) {
      ops.push(fixed);
    } else {
      const name = NB201_OPS[arch[NB201_EDGE_NODES.indexOf(node)]!]!;
      ops.push(name === 'none' ? 'zeros' : name);
    }
  }
  return {
    adjacency: nodeGraphAdjacency(),
    ops,
    opCodes: ops.map((op) => NB201_NODE_GRAPH_OPS.indexOf(op)),
  };
}

/** The cell of a Siamese-NAS 10-node op list (as written in Siamese-NAS NAS-Bench-201 cell files). */
export function nb201FromNodeOps(ops: readonly string[]): Nb201Arch {
  if (ops.length !== NB201_NODE_GRAPH_SIZE) {
    throw new Error(`a NAS-Bench-201 node graph has ${NB201_NODE_GRAPH_SIZE} node ops, got ${ops.length}: ${JSON.stringify(ops)}`);
  }
  for (const [node, label] of Object.entries(FIXED_NODE_OPS)) {
    if (ops[Number(node)] !== label) {
      throw new Error(`NAS-Bench-201 node graph: node ${node} must be ${JSON.stringify(label)}, got ${JSON.stringify(ops[Number(node)])}`);
    }
  }
  const arch = NB201_EDGE_NODES.map((node) => {
    const code = nb201OpIndex(ops[node]!);
    if (code < 0) throw new Error(`NAS-Bench-201 node graph: node ${node} has unknown op ${JSON.stringify(ops[node])}`);
    return code;
  });
  return validateNb201Arch(arch);
}
