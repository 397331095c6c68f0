/**
 * A ReNAS feature tensor for NAS-Bench-201 cells: 31 channels of 4x4, the
 * NAS-Bench-101 construction (renasTensor.ts) carried over to a space whose
 * ops sit on edges. ReNAS released no NAS-Bench-201 encoder; this follows the
 * only public one (AlbertiPot/nar, `architecture/arch_encode_201.py`):
 * - node form: the cell's 4 nodes (input, two intermediate, output) as rows
 *   and columns, entry [i][j] for the edge i → j (upper triangle, 6 edges in
 *   arch-string order 0→1, 0→2, 1→2, 0→3, 1→3, 2→3);
 * - channel 0, type: the op code of each edge (none 0, skip_connect 1,
 *   nor_conv_1x1 2, nor_conv_3x3 3, avg_pool_3x3 4; `none` and no edge are
 *   both 0, as in the public encoder);
 * - channels 1..30: for each of the 15 searched cells in network order
 *   (stage-major, C = 16 / 32 / 64), the FLOPs matrix then the parameter
 *   matrix of the edge ops in that cell (`nb201OpCost`, spaces/nb201Cost.ts:
 *   a nor_conv_kxk edge costs k²C² weights + 2C BN parameters and k²C²·S²
 *   multiply-accumulates; skip, pool and none cost 0). The public encoder's
 *   FLOPs files also add 2·C·S² per conv edge; here FLOPs are counted as
 *   NAS-Bench-201 counts them, so the whole-network sum equals its `flops`.
 * - scaling as for NAS-Bench-101 (FLOPs × 1e-7, parameters × 1e-5), then the
 *   predictor standardises every element with training statistics.
 *
 * Consequences worth knowing: FLOPs of a conv edge are the same in every
 * cell (C doubles as S halves), and the parameter channels of one stage are
 * equal; the datasets' tensors differ only by the constant FLOPs factor of
 * ImageNet16-120's 16x16 input, which standardisation removes, so on every
 * dataset the predictor sees the same inputs and differs only in targets.
 */
import type { Nb201Arch, Nb201Dataset } from '../spaces/nb201.js';
import { NB201_EDGES, NB201_NUM_OPS, validateNb201Arch } from '../spaces/nb201.js';
import { NB201_NETWORKS, nb201CellSites, nb201OpCost } from '../spaces/nb201Cost.js';
import { RENAS_FLOPS_SCALE, RENAS_PARAMS_SCALE, renasFeatures, type RenasTensor, type RenasTensorShape } from './renasTensor.js';

export const RENAS201_SIDE = 4;
export const RENAS201_CELLS = 15;
export const RENAS201_SHAPE: RenasTensorShape = Object.freeze({ channels: 1 + 2 * RENAS201_CELLS, side: RENAS201_SIDE });
/** Floats per encoded cell (31 · 4 · 4). */
export const RENAS201_FEATURES = renasFeatures(RENAS201_SHAPE);

/** Type-channel code of each NAS-Bench-201 op index (`NB201_OPS` order: none, skip, conv1x1, conv3x3, avg-pool). */
export const RENAS201_OP_CODES: readonly number[] = Object.freeze([0, 1, 2, 3, 4]);

/**
 * Writes the [31, 4, 4] tensor of `arch` on `dataset`'s network into `out`
 * at `offset` (every float of it) and returns `out`.
 */
export function encodeRenas201Tensor(
  arch: Nb201Arch,
  dataset: Nb201Dataset,
  out: Float32Array = new Float32Array(RENAS201_FEATURES),
  offset = 0,
): Float32Array {
  validateNb201Arch(arch);
  if (offset < 0 || offset + RENAS201_FEATURES > out.length) {
    throw new RangeError(`encodeRenas201Tensor: offset ${offset} + ${RENAS201_FEATURES} exceeds the output length ${out.length}`);
  }
  const sites = nb201CellSites(dataset);
  if (sites.length !== RENAS201_CELLS) throw new Error(`encodeRenas201Tensor: ${dataset}'s network has ${sites.length} cells, the tensor holds ${RENAS201_CELLS}`);
  out.fill(0, offset, offset + RENAS201_FEATURES);
  const plane = RENAS201_SIDE * RENAS201_SIDE;
  NB201_EDGES.forEach(([from, to], e) => {
    const op = arch[e]!;
    const at = offset + from * RENAS201_SIDE + to;
    out[at] = RENAS201_OP_CODES[op]!;
    sites.forEach((site, k) => {
      const cost = nb201OpCost(op, site.channels, site.size);
      out[at + (1 + 2 * k) * plane] = cost.flops * RENAS_FLOPS_SCALE;
      out[at + (2 + 2 * k) * plane] = cost.params * RENAS_PARAMS_SCALE;
    });
  });
  return out;
}

/** The NAS-Bench-201 tensor on `dataset`'s network as a `RenasTensor` for the ReNAS predictor. */
export function nb201RenasTensor(dataset: Nb201Dataset): RenasTensor<Nb201Arch> {
  if (!(dataset in NB201_NETWORKS)) throw new Error(`nb201RenasTensor: unknown dataset ${JSON.stringify(dataset)}; expected one of ${Object.keys(NB201_NETWORKS).join(', ')}`);
  return {
    name: `nb201-${dataset}`,
    shape: RENAS201_SHAPE,
    encodeInto: (arch, out, offset) => {
      encodeRenas201Tensor(arch, dataset, out, offset);
    },
  };
}

// Every op index has a code (a new op in NB201_OPS must be given one here).
if (RENAS201_OP_CODES.length !== NB201_NUM_OPS) throw new Error(`renasTensor201: ${RENAS201_OP_CODES.length} op codes for ${NB201_NUM_OPS} ops`);
