/**
 * Parameters and FLOPs of the NAS-Bench-201 network built around one cell,
 * counted the way NAS-Bench-201 counted them (`count_parameters_in_MB` and
 * `get_model_infos` of D-X-Y/AutoDL-Projects), so the results equal the
 * `params` and `flops` fields of the benchmark's cell files.
 *
 * Network (TinyNetwork of NAS-Bench-201): 3x3 conv stem (no bias) + BN;
 * three stages of `cellsPerStage` cells at C, 2C, 4C channels, joined by
 * residual reduction blocks (ReLU → 3x3 conv stride 2 → BN → ReLU → 3x3 conv →
 * BN, shortcut 2x2 average pool → 1x1 conv without bias or BN); final BN +
 * ReLU, global average pool, linear classifier with bias. Cell ops:
 * nor_conv_kxk = ReLU → kxk conv (no bias) → BN; skip, avg-pool and none carry
 * no parameters. Every BN is affine (2 parameters per channel; running
 * statistics are buffers, not parameters).
 *
 * FLOPs convention: multiply-accumulates of the Conv2d and Linear layers only
 * (plus the classifier's bias additions), for one image. NAS-Bench-201 hooks
 * pooling layers too but `compute_average_flops_cost` sums only Conv2d/Linear
 * modules, so BN, ReLU, pooling and the residual additions count zero. This
 * reproduces all 3 x 15,614 cells of the released data (test/nb201-space.test.ts).
 */
import { type Nb201Arch, type Nb201Dataset, NB201_OPS, validateNb201Arch } from './nb201.js';

/** The network geometry the cost depends on. */
export interface Nb201Network {
  readonly numClasses: number;
  /** Input height = width in pixels. */
  readonly inputSize: number;
  /** Channels of the first stage (doubled at each reduction). */
  readonly channels: number;
  readonly cellsPerStage: number;
}

/** The networks NAS-Bench-201 trained: C = 16, N = 5; ImageNet16-120 is 16x16 with 120 classes. */
export const NB201_NETWORKS: Readonly<Record<Nb201Dataset, Nb201Network>> = {
  cifar10: { numClasses: 10, inputSize: 32, channels: 16, cellsPerStage: 5 },
  cifar100: { numClasses: 100, inputSize: 32, channels: 16, cellsPerStage: 5 },
  imagenet16: { numClasses: 120, inputSize: 16, channels: 16, cellsPerStage: 5 },
};

export interface Nb201Cost {
  /** Trainable parameters, in millions (the benchmark's `params` field). */
  readonly params: number;
  /** FLOPs (multiply-accumulates) for one image, in millions (the benchmark's `flops` field). */
  readonly flops: number;
  readonly paramCount: number;
  readonly flopCount: number;
}

const CONV_KERNEL: Readonly<Partial<Record<(typeof NB201_OPS)[number], number>>> = {
  nor_conv_1x1: 1,
  nor_conv_3x3: 3,
};

/**
 * Parameters and FLOPs of one cell op (an edge) at `channels` channels on a
 * `size` x `size` map, in the convention above: nor_conv_kxk has k²·C² conv
 * weights plus 2·C BN parameters and k²·C²·size² multiply-accumulates; skip,
 * avg-pool and none count zero.
 */
export function nb201OpCost(op: number, channels: number, size: number): { readonly params: number; readonly flops: number } {
  const k = CONV_KERNEL[NB201_OPS[op]!];
  if (k === undefined) return { params: 0, flops: 0 };
  const weights = channels * channels * k * k;
  return { params: weights + 2 * channels, flops: weights * size * size };
}

/** One cell of the network: its stage, channels and map size. */
export interface Nb201CellSite {
  readonly stage: number;
  readonly channels: number;
  readonly size: number;
}

/** Every searched cell of the network in order (stage-major; the reduction blocks are not cells): 15 for NAS-Bench-201. */
export function nb201CellSites(network: Nb201Network | Nb201Dataset): Nb201CellSite[] {
  const net = typeof network === 'string' ? NB201_NETWORKS[network] : network;
  if (!net) throw new Error(`nb201CellSites: unknown dataset ${JSON.stringify(network)}; expected one of ${Object.keys(NB201_NETWORKS).join(', ')}`);
  const sites: Nb201CellSite[] = [];
  for (let stage = 0; stage < 3; stage++) {
    for (let cell = 0; cell < net.cellsPerStage; cell++) sites.push({ stage, channels: net.channels * 2 ** stage, size: net.inputSize / 2 ** stage });
  }
  return sites;
}

/** Parameters and FLOPs of the whole network for `arch`, on a dataset's network or a given geometry. */
export function nb201Cost(arch: Nb201Arch, network: Nb201Network | Nb201Dataset): Nb201Cost {
  validateNb201Arch(arch);
  const net = typeof network === 'string' ? NB201_NETWORKS[network] : network;
  if (!net) throw new Error(`nb201Cost: unknown dataset ${JSON.stringify(network)}; expected one of ${Object.keys(NB201_NETWORKS).join(', ')}`);
  if (net.inputSize % 4 !== 0) throw new Error(`nb201Cost: input size ${net.inputSize} must be divisible by 4 (two stride-2 reductions)`);

  let params = 0;
  let flops = 0;
  const conv = (cin: number, cout: number, k: number, outSize: number): void => {
    const weights = cin * cout * k * k;
    params += weights;
    flops += weights * outSize * outSize;
  };
  const bn = (c: number): void => {
    params += 2 * c;
  };

  let c = net.channels;
  let size = net.inputSize;
  conv(3, c, 3, size);
  bn(c);
  for (let stage = 0; stage < 3; stage++) {
    if (stage > 0) {
      const cin = c;
      c *= 2;
      size /= 2;
      conv(cin, c, 3, size);
      bn(c);
      conv(c, c, 3, size);
      bn(c);
      conv(cin, c, 1, size); // shortcut after the 2x2 average pool
    }
    for (let cell = 0; cell < net.cellsPerStage; cell++) {
      for (const op of arch) {
        const cost = nb201OpCost(op, c, size);
        params += cost.params;
        flops += cost.flops;
      }
    }
  }
  bn(c);
  params += c * net.numClasses + net.numClasses;
  flops += c * net.numClasses + net.numClasses;
  return { params: params / 1e6, flops: flops / 1e6, paramCount: params, flopCount: flops };
}
