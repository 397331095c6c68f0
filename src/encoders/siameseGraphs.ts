/**
 * Ready-made graph encoders for the two Siamese-NAS spaces, in the official
 * form (train_eval.py `GetDefaultParams`): NAS-Bench-201 as its 10-node
 * ops-as-nodes graph over the 9-label vocabulary, Tiny-NanoBench cells padded to
 * 7 nodes over the 11-op vocabulary with padded nodes labelled 'none'.
 */
import type { NanoCell } from '../spaces/nanobench.js';
import { NANO_MAX_NODES, NANO_OPS } from '../spaces/nanobench.js';
import type { Nb201Arch } from '../spaces/nb201.js';
import { NB201_NODE_GRAPH_OPS, NB201_NODE_GRAPH_SIZE, nb201ToNodeGraph } from '../spaces/nb201Graph.js';
import { createGraphEncoder, type GraphEncoder } from './graphOneHot.js';

export function createNb201GraphEncoder(): GraphEncoder<Nb201Arch> {
  return createGraphEncoder<Nb201Arch>({
    name: 'nb201-ops-as-nodes',
    toNodeGraph: (arch) => {
      const g = nb201ToNodeGraph(arch);
      return { adjacency: g.adjacency, ops: g.opCodes };
    },
    numOpTypes: NB201_NODE_GRAPH_OPS.length,
    maxNodes: NB201_NODE_GRAPH_SIZE,
  });
}

export function createNanoGraphEncoder(): GraphEncoder<NanoCell> {
  return createGraphEncoder<NanoCell>({
    name: 'tiny-nanobench-ops-as-nodes',
    toNodeGraph: (cell) => ({ adjacency: cell.adjacency, ops: cell.ops.map((op) => NANO_OPS.indexOf(op)) }),
    numOpTypes: NANO_OPS.length,
    maxNodes: NANO_MAX_NODES,
    padOp: NANO_OPS.indexOf('none'),
  });
}
