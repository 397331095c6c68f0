/**
 * The ReNAS feature tensor of a NAS-Bench-101 cell (Xu et al., CVPR 2021, §3.2):
 * 19 channels of 7x7, one matrix per channel, each the cell's adjacency matrix
 * A (7x7) multiplied element-wise by a per-vertex vector v broadcast over it.
 *
 * The official encoder was never released (docs/PROTOCOLS.md §7), so two of
 * its choices are switches (`RenasEncodingOptions`, part of the predictor's
 * config and so of every run's cache key), defaulting to the only public
 * encoder (AlbertiPot/nar):
 * - `orientation`: 'destination' (public encoder) puts the value of an edge's
 *   DESTINATION vertex in the edge's entry, M[i][j] = A[i][j] · v[j], so the
 *   input's code never shows (its column is empty); 'source' uses the source
 *   vertex, M[i][j] = A[i][j] · v[i], and the output's never shows;
 * - `poolAndAddFlops`: count max-pool and input additions as FLOPs (public
 *   encoder) or multiply-adds only (`nb101NetworkCost`).
 *
 * Fixed third-party conventions (docs/PROTOCOLS.md §2):
 * - channel order: [type, f1, p1, f2, p2, …, f9, p9] (fk / pk: FLOPs / params
 *   of cell k = 0..8 in network order, stack-major);
 * - op type codes: input 1, conv1x1 2, conv3x3 3, maxpool3x3 4, output 5
 *   (`RENAS_OP_CODES`);
 * - FLOPs × 1e-7 and parameters × 1e-5, so the raw channels are O(1) before
 *   standardisation;
 * - padding: a cell with n < 7 vertices keeps interior vertices at their index
 *   and moves the output to slot 6 (`nb101PaddedSlot`); slots n-1..5 are empty;
 * - per-vertex costs come from `nb101NetworkCost` (spaces/nb101Cost.ts): the
 *   1x1 projection of the cell input is charged to the receiving vertex.
 *
 * Layout: the encoder produces NCHW ([B, 19, 7, 7], as in the PyTorch code);
 * tfjs convolutions want NHWC, so the predictor converts with `toNhwc`
 * (fused with standardisation in `RenasStandardizer.applyToNhwc`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Encoder } from '../core/types.js';
import {
  NB101_CONV1X1,
  NB101_CONV3X3,
  NB101_INPUT,
  NB101_MAXPOOL3X3,
  NB101_MAX_VERTICES,
  NB101_OUTPUT,
  nb101PaddedSlot,
  type Nb101Op,
  type Nb101Spec,
} from '../spaces/nb101.js';
import { nb101NetworkCost } from '../spaces/nb101Cost.js';

export const RENAS_SIDE = NB101_MAX_VERTICES;
export const RENAS_CELLS = 9;
export const RENAS_CHANNELS = 1 + 2 * RENAS_CELLS;
/** Floats per encoded architecture (19 · 7 · 7). */
export const RENAS_FEATURES = RENAS_CHANNELS * RENAS_SIDE * RENAS_SIDE;

/** Op type codes of the type channel (keys are the dataset's op codes). */
export const RENAS_OP_CODES: Readonly<Record<Nb101Op, number>> = {
  [NB101_INPUT]: 1,
  [NB101_CONV1X1]: 2,
  [NB101_CONV3X3]: 3,
  [NB101_MAXPOOL3X3]: 4,
  [NB101_OUTPUT]: 5,
} as Record<Nb101Op, number>;
export const RENAS_FLOPS_SCALE = 1e-7;
export const RENAS_PARAMS_SCALE = 1e-5;

/** Channel index of cell k's FLOPs (k = 0..8); its params channel is the next one. */
export function renasFlopsChannel(cell: number): number {
  return 1 + 2 * cell;
}

const PLANE = RENAS_SIDE * RENAS_SIDE;

/**
 * The geometry of a ReNAS-style tensor: `channels` matrices of `side` x
 * `side` per architecture (NAS-Bench-101: 19 x 7 x 7; NAS-Bench-201: 31 x 4 x 4,
 * encoders/renasTensor201.ts). The predictor network, the standardiser and
 * the layout conversion take it from the tensor they are given.
 */
export interface RenasTensorShape {
  readonly channels: number;
  readonly side: number;
}

export const RENAS_NB101_SHAPE: RenasTensorShape = Object.freeze({ channels: RENAS_CHANNELS, side: RENAS_SIDE });

/** Floats per architecture of `shape`. */
export function renasFeatures(shape: RenasTensorShape): number {
  return shape.channels * shape.side * shape.side;
}

/**
 * A ReNAS-style encoder of one search space: what the predictor needs to turn
 * architectures into its input. `name` identifies the construction (it is
 * part of a fitted predictor's state).
 */
export interface RenasTensor<A> {
  readonly name: string;
  readonly shape: RenasTensorShape;
  /** Writes the raw (not standardised) NCHW tensor of `arch` into `out` at `offset`, every float of it. */
  encodeInto(arch: A, out: Float32Array, offset: number): void;
}

/** Raw NCHW tensors of `archs`, one after another, into `out` (allocated when not given). */
export function encodeRenasArchs<A>(tensor: RenasTensor<A>, archs: readonly A[], out?: Float32Array): Float32Array {
  const features = renasFeatures(tensor.shape);
  const buffer = out ?? new Float32Array(archs.length * features);
  if (buffer.length < archs.length * features) {
    throw new RangeError(`${tensor.name}: buffer of ${buffer.length} floats is too small for ${archs.length} architectures (${archs.length * features} needed)`);
  }
  for (let b = 0; b < archs.length; b++) tensor.encodeInto(archs[b]!, buffer, b * features);
  return buffer;
}

/** The NAS-Bench-101 tensor under `encoding` as a `RenasTensor`. */
export function nb101RenasTensor(encoding: RenasEncodingOptions = DEFAULT_RENAS_ENCODING): RenasTensor<Nb101Spec> {
  return {
    name: 'nb101',
    shape: RENAS_NB101_SHAPE,
    encodeInto: (spec, out, offset) => {
      encodeRenasTensor(spec, out, offset, encoding);
    },
  };
}

/** A tensor shape with integer channels ≥ 1 and side ≥ `minSide` (the net's valid conv2 needs 3), or an error naming `where`. */
export function checkRenasShape(where: string, shape: RenasTensorShape, minSide = 1): void {
  if (!(Number.isInteger(shape.channels) && shape.channels >= 1 && Number.isInteger(shape.side) && shape.side >= minSide)) {
    throw new RangeError(`${where}: a tensor shape needs integer channels ≥ 1 and side ≥ ${minSide}, got ${JSON.stringify(shape)}`);
  }
}

export type RenasEncodingOrientation = 'destination' | 'source';

/** The encoder's switches (see the file header). */
export interface RenasEncodingOptions {
  readonly orientation: RenasEncodingOrientation;
  readonly poolAndAddFlops: boolean;
}

/** The public encoder's choices (AlbertiPot/nar), the default where the official one is unknown. */
export const DEFAULT_RENAS_ENCODING: RenasEncodingOptions = Object.freeze({ orientation: 'destination', poolAndAddFlops: true });

/**
 * Writes the [19, 7, 7] tensor of one spec into `out` at `offset` (row-major
 * channel, row, column) and returns `out`. Every one of the 931 floats is
 * written, so `out` may hold stale data.
 */
export function encodeRenasTensor(
  spec: Nb101Spec,
  out: Float32Array = new Float32Array(RENAS_FEATURES),
  offset = 0,
  encoding: RenasEncodingOptions = DEFAULT_RENAS_ENCODING,
): Float32Array {
  const n = spec.numVertices;
  if (!(n >= 2 && n <= RENAS_SIDE) || spec.matrix.length !== n * n || spec.ops.length !== n) {
    throw new Error(
      `encodeRenasTensor: spec with ${n} vertices, a matrix of ${spec.matrix.length} entries and ${spec.ops.length} ops ` +
        `is not a pruned NAS-Bench-101 cell (2..7 vertices, n×n matrix, n ops)`,
    );
  }
  if (offset < 0 || offset + RENAS_FEATURES > out.length) {
    throw new RangeError(`encodeRenasTensor: offset ${offset} + ${RENAS_FEATURES} exceeds the output length ${out.length}`);
  }
  out.fill(0, offset, offset + RENAS_FEATURES);
  const cost = nb101NetworkCost(spec, { poolAndAddFlops: encoding.poolAndAddFlops });
  const byDestination = encoding.orientation === 'destination';
  for (let v = 0; v < n - 1; v++) {
    const row = nb101PaddedSlot(v, n);
    for (let w = v + 1; w < n; w++) {
      if (!spec.matrix[v * n + w]) continue;
      const column = nb101PaddedSlot(w, n);
      // The vertex whose values this edge's entry carries.
      const [vertex, slot] = byDestination ? [w, column] : [v, row];
      const code = RENAS_OP_CODES[spec.ops[vertex]!];
      if (code === undefined) throw new Error(`encodeRenasTensor: vertex ${vertex} has unknown op ${String(spec.ops[vertex])}`);
      const at = offset + row * RENAS_SIDE + column;
      out[at] = code;
      for (let k = 0; k < RENAS_CELLS; k++) {
        const c = cost.cells[k]!;
        out[at + renasFlopsChannel(k) * PLANE] = c.flops[slot]! * RENAS_FLOPS_SCALE;
        out[at + (renasFlopsChannel(k) + 1) * PLANE] = c.params[slot]! * RENAS_PARAMS_SCALE;
      }
    }
  }
  return out;
}

/**
 * Encodes `specs` into `out` ([B, 19, 7, 7] row-major, B = specs.length) for
 * streaming many cells through one reusable buffer. Returns `out`.
 */
export function encodeRenasBatch(
  specs: readonly Nb101Spec[],
  out?: Float32Array,
  encoding: RenasEncodingOptions = DEFAULT_RENAS_ENCODING,
): Float32Array {
  return encodeRenasArchs(nb101RenasTensor(encoding), specs, out);
}

/** [B, C, S, S] → [B, S, S, C] (NCHW → NHWC) for `count` architectures (NAS-Bench-101's 19 x 7 x 7 unless `shape` says otherwise). */
export function toNhwc(nchw: Float32Array, count: number, out?: Float32Array, shape: RenasTensorShape = RENAS_NB101_SHAPE): Float32Array {
  const features = renasFeatures(shape);
  const plane = shape.side * shape.side;
  const channels = shape.channels;
  const target = out ?? new Float32Array(count * features);
  for (let b = 0; b < count; b++) {
    const base = b * features;
    for (let c = 0; c < channels; c++) {
      for (let p = 0; p < plane; p++) target[base + p * channels + c] = nchw[base + c * plane + p]!;
    }
  }
  return target;
}

/**
 * Per-element standardisation (z = (x − mean) / std over the training set, for
 * each position of the tensor, 931 for NAS-Bench-101), with scikit-learn
 * `StandardScaler` semantics: population std (ddof 0), and a position
 * constant on the training set (std 0, e.g. every below-diagonal entry) is
 * only centred (scale 1). Statistics are kept in NCHW order.
 */
export class RenasStandardizer {
  readonly shape: RenasTensorShape;
  private readonly features: number;

  constructor(
    readonly mean: Float32Array,
    readonly scale: Float32Array,
    shape: RenasTensorShape = RENAS_NB101_SHAPE,
  ) {
    checkRenasShape('RenasStandardizer', shape);
    this.shape = { channels: shape.channels, side: shape.side };
    this.features = renasFeatures(shape);
    if (mean.length !== this.features || scale.length !== this.features) {
      throw new Error(`RenasStandardizer: mean and scale need ${this.features} entries (${shape.channels} x ${shape.side} x ${shape.side}), got ${mean.length} and ${scale.length}`);
    }
  }

  /** Standardises `count` NCHW tensors in place. */
  apply(nchw: Float32Array, count: number): Float32Array {
    const features = this.features;
    for (let b = 0; b < count; b++) {
      const base = b * features;
      for (let i = 0; i < features; i++) nchw[base + i] = (nchw[base + i]! - this.mean[i]!) / this.scale[i]!;
    }
    return nchw;
  }

  /** Standardises `count` NCHW tensors into `out` in NHWC order (what the tfjs predictor consumes). */
  applyToNhwc(nchw: Float32Array, count: number, out: Float32Array = new Float32Array(count * this.features)): Float32Array {
    const features = this.features;
    const channels = this.shape.channels;
    const plane = this.shape.side * this.shape.side;
    for (let b = 0; b < count; b++) {
      const base = b * features;
      for (let c = 0; c < channels; c++) {
        const from = base + c * plane;
        for (let p = 0; p < plane; p++) {
          const i = c * plane + p;
          out[base + p * channels + c] = (nchw[from + p]! - this.mean[i]!) / this.scale[i]!;
        }
      }
    }
    return out;
  }

  toJSON(): { mean: number[]; scale: number[]; shape: RenasTensorShape } {
    return { mean: Array.from(this.mean), scale: Array.from(this.scale), shape: this.shape };
  }

  static fromJSON(json: { mean: readonly number[]; scale: readonly number[]; shape?: RenasTensorShape }): RenasStandardizer {
    return new RenasStandardizer(Float32Array.from(json.mean), Float32Array.from(json.scale), json.shape);
  }
}

/** Fits the per-element statistics on `count` NCHW training tensors of `shape` (in double precision). */
export function fitStandardizer(nchw: Float32Array, count: number, shape: RenasTensorShape = RENAS_NB101_SHAPE): RenasStandardizer {
  checkRenasShape('fitStandardizer', shape);
  const features = renasFeatures(shape);
  if (!(count >= 1) || nchw.length < count * features) {
    throw new RangeError(`fitStandardizer: need at least one encoded architecture (${count} given, buffer of ${nchw.length} floats)`);
  }
  const sum = new Float64Array(features);
  for (let b = 0; b < count; b++) {
    const base = b * features;
    for (let i = 0; i < features; i++) sum[i]! += nchw[base + i]!;
  }
  const mean = sum.map((s) => s / count);
  const squares = new Float64Array(features);
  for (let b = 0; b < count; b++) {
    const base = b * features;
    for (let i = 0; i < features; i++) {
      const d = nchw[base + i]! - mean[i]!;
      squares[i]! += d * d;
    }
  }
  const scale = new Float32Array(features);
  for (let i = 0; i < features; i++) {
    const std = Math.sqrt(squares[i]! / count);
    // Constant positions (float noise below 1e-12 of the value range included) are only centred.
    scale[i] = std > 1e-12 ? std : 1;
  }
  return new RenasStandardizer(Float32Array.from(mean), scale, shape);
}

/** The ReNAS encoder behind the shared `Encoder` interface. */
export interface RenasEncoder extends Encoder<Nb101Spec> {
  /** [B, 19, 7, 7] float32, channels [type, f1, p1, …, f9, p9], raw (not standardised). */
  encode(archs: readonly Nb101Spec[]): tf.Tensor4D;
  /** The same values as a flat typed array (no tensor). */
  encodeArray(archs: readonly Nb101Spec[], out?: Float32Array): Float32Array;
}

export function createRenasEncoder(encoding: RenasEncodingOptions = DEFAULT_RENAS_ENCODING): RenasEncoder {
  return {
    name: 'renas-tensor',
    encode: (archs) => tf.tensor4d(encodeRenasBatch(archs, undefined, encoding), [archs.length, RENAS_CHANNELS, RENAS_SIDE, RENAS_SIDE]),
    encodeArray: (archs, out) => encodeRenasBatch(archs, out, encoding),
  };
}
