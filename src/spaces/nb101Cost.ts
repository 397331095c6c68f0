/**
 * FLOPs and trainable parameters of the full NAS-Bench-101 network built from
 * one cell spec, per cell and per vertex (the ReNAS encoding's FLOPs and
 * parameter matrices).
 *
 * Network (official `model_builder.py`): stem 3x3 conv (128) + BN + ReLU;
 * 3 stacks × 3 cells; before stacks 2 and 3 a 2x2/2 max-pool, and their first
 * cell doubles the channels (128 → 256 → 512); global average pool; dense 10.
 * Convolutions have no bias; each BN has a trainable scale and offset.
 *
 * Conventions:
 * - FLOPs are multiply-adds of the convolutions and the dense layer at a
 *   32x32 input (`H·W·k²·Cin·Cout`; dense `Cin·Cout`). BN, ReLU and the dense
 *   bias are never counted. Max-pooling and the element-wise additions of a
 *   vertex's summed inputs are counted only with `poolAndAddFlops` (the only
 *   public ReNAS encoder, AlbertiPot/nar, counts them: 9·C·H·W per 3x3
 *   max-pool, and (inputs − 1)·C·H·W to sum a vertex's inputs, the output's
 *   addition of the projected cell input included; docs/PROTOCOLS.md §7).
 * - The 1x1 projection of the cell input into a vertex (conv + BN) is
 *   attributed to the RECEIVING vertex: an interior vertex's cost is its
 *   projection (if the input feeds it) plus its op; the output vertex's cost
 *   is its projection (if the input feeds it); the input vertex costs 0.
 * - Per-vertex arrays have 7 slots in the ReNAS padding (`nb101PaddedSlot`):
 *   interior vertices keep their index, the output is slot 6, unused slots are 0.
 *
 * The parameter total reproduces `trainable_parameters` of the dataset exactly
 * (checked on all 20,001 cells of the subset by the tests).
 */
import { NB101_CONV1X1, NB101_CONV3X3, NB101_MAX_VERTICES, nb101PaddedSlot, type Nb101Spec } from './nb101.js';

export const NB101_NETWORK = Object.freeze({
  imageSize: 32,
  imageChannels: 3,
  stemChannels: 128,
  numStacks: 3,
  cellsPerStack: 3,
  numClasses: 10,
});

/** What counts as a FLOP (see the file header). */
export interface Nb101CostOptions {
  /** Also count 3x3 max-pool (9·C·H·W) and the additions that sum a vertex's inputs. Default false. */
  readonly poolAndAddFlops?: boolean;
}

/** Cost of one layer or vertex. */
export interface Nb101LayerCost {
  readonly flops: number;
  readonly params: number;
}

export interface Nb101CellCost {
  /** Cell position 0..8 (stack × 3 + cell). */
  readonly cell: number;
  readonly inputChannels: number;
  readonly outputChannels: number;
  /** Feature map side (32, 16, 8). */
  readonly spatial: number;
  /** Channels of each vertex, in spec order (input: the cell's input channels). */
  readonly vertexChannels: readonly number[];
  /** Per-vertex FLOPs / parameters in the 7-slot padded layout (output in slot 6). */
  readonly flops: Float64Array;
  readonly params: Float64Array;
  readonly totalFlops: number;
  readonly totalParams: number;
}

export interface Nb101NetworkCost {
  readonly stem: Nb101LayerCost;
  /** The 9 cells in network order. */
  readonly cells: readonly Nb101CellCost[];
  readonly classifier: Nb101LayerCost;
  readonly totalFlops: number;
  /** All trainable parameters: equals the dataset's `trainable_parameters`. */
  readonly totalParams: number;
}

/**
 * Channels of every vertex of a cell (official `compute_vertex_channels`):
 * the output's channels split evenly among the interior vertices feeding it
 * (the remainder one each to the first of them); any other interior vertex
 * takes the largest count among its interior successors, last vertex first.
 */
export function nb101VertexChannels(spec: Nb101Spec, inputChannels: number, outputChannels: number): number[] {
  const n = spec.numVertices;
  const m = spec.matrix;
  const out = n - 1;
  const channels = new Array<number>(n).fill(0);
  channels[0] = inputChannels;
  channels[out] = outputChannels;
  if (n === 2) return channels;
  let feeding = 0;
  for (let v = 1; v < out; v++) feeding += m[v * n + out]!;
  const share = Math.floor(outputChannels / feeding);
  let remainder = outputChannels % feeding;
  for (let v = 1; v < out; v++) {
    if (!m[v * n + out]) continue;
    channels[v] = share;
    if (remainder > 0) {
      channels[v]!++;
      remainder--;
    }
  }
  for (let v = n - 3; v >= 1; v--) {
    if (m[v * n + out]) continue;
    for (let w = v + 1; w < out; w++) if (m[v * n + w]) channels[v] = Math.max(channels[v]!, channels[w]!);
    if (channels[v]! <= 0) throw new Error(`NAS-Bench-101 cell: vertex ${v} gets no channels; is the spec pruned?`);
  }
  return channels;
}

/** A k×k convolution (no bias) + BN: weights plus BN scale and offset; multiply-adds at side×side. */
function convBn(kernel: number, inChannels: number, outChannels: number, side: number): Nb101LayerCost {
  return {
    params: kernel * kernel * inChannels * outChannels + 2 * outChannels,
    flops: side * side * kernel * kernel * inChannels * outChannels,
  };
}

/**
 * Per-vertex cost of one cell with `inputChannels` in, `outputChannels` out,
 * at `spatial`×`spatial` (arrays in spec order; see the file header for the conventions).
 */
export function nb101CellVertexCost(
  spec: Nb101Spec,
  inputChannels: number,
  outputChannels: number,
  spatial: number,
  options: Nb101CostOptions = {},
): { vertexChannels: number[]; flops: number[]; params: number[] } {
  const n = spec.numVertices;
  const countPoolAndAdd = options.poolAndAddFlops ?? false;
  const plane = spatial * spatial;
  const m = spec.matrix;
  const out = n - 1;
  const channels = nb101VertexChannels(spec, inputChannels, outputChannels);
  const flops = new Array<number>(n).fill(0);
  const params = new Array<number>(n).fill(0);
  const add = (v: number, cost: Nb101LayerCost): void => {
    flops[v]! += cost.flops;
    params[v]! += cost.params;
  };
  for (let v = 1; v < out; v++) {
    // Interior inputs are summed after truncation (no parameters); the cell input is projected.
    if (m[v]) add(v, convBn(1, inputChannels, channels[v]!, spatial));
    const op = spec.ops[v];
    if (op === NB101_CONV3X3) add(v, convBn(3, channels[v]!, channels[v]!, spatial));
    else if (op === NB101_CONV1X1) add(v, convBn(1, channels[v]!, channels[v]!, spatial));
    else if (countPoolAndAdd) add(v, { params: 0, flops: 9 * channels[v]! * plane }); // max-pool 3x3 / stride 1: no multiply-adds
    if (countPoolAndAdd) {
      let inputs = 0;
      for (let u = 0; u < v; u++) inputs += m[u * n + v]!;
      if (inputs > 1) add(v, { params: 0, flops: (inputs - 1) * channels[v]! * plane });
    }
  }
  // The output concatenates interior vertices; the projected cell input is added when it feeds the output
  // (with no interior vertices at all it is the whole output).
  if (m[out]) add(out, convBn(1, inputChannels, outputChannels, spatial));
  if (countPoolAndAdd && m[out] && n > 2) add(out, { params: 0, flops: outputChannels * plane });
  return { vertexChannels: channels, flops, params };
}

/** FLOPs and parameters of the whole network for a (valid, pruned) cell spec. */
export function nb101NetworkCost(spec: Nb101Spec, options: Nb101CostOptions = {}): Nb101NetworkCost {
  const net = NB101_NETWORK;
  const stem = convBn(3, net.imageChannels, net.stemChannels, net.imageSize);
  const cells: Nb101CellCost[] = [];
  let channels: number = net.stemChannels;
  let spatial: number = net.imageSize;
  for (let stack = 0; stack < net.numStacks; stack++) {
    let outputChannels = channels;
    if (stack > 0) {
      spatial /= 2; // 2x2 max-pool, stride 2, before the stack
      outputChannels *= 2;
    }
    for (let k = 0; k < net.cellsPerStack; k++) {
      const cost = nb101CellVertexCost(spec, channels, outputChannels, spatial, options);
      const flops = new Float64Array(NB101_MAX_VERTICES);
      const params = new Float64Array(NB101_MAX_VERTICES);
      for (let v = 0; v < spec.numVertices; v++) {
        flops[nb101PaddedSlot(v, spec.numVertices)] = cost.flops[v]!;
        params[nb101PaddedSlot(v, spec.numVertices)] = cost.params[v]!;
      }
      cells.push({
        cell: cells.length,
        inputChannels: channels,
        outputChannels,
        spatial,
        vertexChannels: cost.vertexChannels,
        flops,
        params,
        totalFlops: cost.flops.reduce((a, b) => a + b, 0),
        totalParams: cost.params.reduce((a, b) => a + b, 0),
      });
      channels = outputChannels;
    }
  }
  const classifier: Nb101LayerCost = { flops: channels * net.numClasses, params: channels * net.numClasses + net.numClasses };
  return {
    stem,
    cells,
    classifier,
    totalFlops: stem.flops + cells.reduce((a, c) => a + c.totalFlops, 0) + classifier.flops,
    totalParams: stem.params + cells.reduce((a, c) => a + c.totalParams, 0) + classifier.params,
  };
}

/** Trainable parameters of the network (the dataset's `trainable_parameters`). */
export function nb101Params(spec: Nb101Spec): number {
  return nb101NetworkCost(spec).totalParams;
}
