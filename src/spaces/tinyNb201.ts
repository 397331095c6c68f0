/**
 * Tiny-NASBench-201 (Siamese-NAS, arXiv 2210.00546): the NAS-Bench-201 cells
 * of the smallest FLOPs group, "about ≤ 35 MFLOPs" on CIFAR-10.
 *
 * The threshold is derived, not typed in. A cell's FLOPs are a fixed base
 * plus one term per 1x1 conv and a 9x larger term per 3x3 conv, so the
 * distinct FLOPs values form a lattice: values step by one 1x1 conv inside a
 * group and jump where one more 3x3 conv starts the next group. Rule: sort the
 * distinct values, take the median step between neighbours as the typical
 * step, and cut in the middle of the FIRST step longer than `gapFactor` (2)
 * typical steps. On CIFAR-10 this is the gap between 31.38 and 43.17 MFLOPs:
 * the group is exactly the cells without a 3x3 conv.
 */
import type { Benchmark } from '../core/types.js';
import type { Nb201Arch } from './nb201.js';

export interface FlopsBreak {
  /** Cut between the first group and the rest (midpoint of the gap), in the metric's unit (MFLOPs). */
  readonly threshold: number;
  /** Largest value of the first group. */
  readonly lowerGroupMax: number;
  /** Smallest value above the gap. */
  readonly upperGroupMin: number;
  /** Median step between neighbouring distinct values. */
  readonly typicalStep: number;
  /** Number of values at or below the threshold. */
  readonly lowerGroupSize: number;
}

export interface FlopsHistogram {
  /** Left edge of each bin; bin i is [binStarts[i], binStarts[i] + binWidth). */
  readonly binStarts: readonly number[];
  readonly counts: readonly number[];
  readonly binWidth: number;
}

// FLOPs in the files carry float noise in the last digits; values closer than this are the same.
const SAME_VALUE = 1e-6;

function distinctSorted(values: ArrayLike<number>): number[] {
  const sorted = Array.from(values).sort((a, b) => a - b);
  const out: number[] = [];
  for (const v of sorted) {
    if (!Number.isFinite(v)) throw new Error(`FLOPs values must be finite numbers, got ${v}`);
    if (out.length === 0 || v - out[out.length - 1]! > SAME_VALUE) out.push(v);
  }
  return out;
}

/** The first natural break of a discrete FLOPs distribution (rule in the module comment). */
export function firstFlopsBreak(values: ArrayLike<number>, gapFactor = 2): FlopsBreak {
  const distinct = distinctSorted(values);
  if (distinct.length < 3) throw new Error(`firstFlopsBreak: need at least 3 distinct values, got ${distinct.length}`);
  const steps = distinct.slice(1).map((v, i) => v - distinct[i]!);
  const sortedSteps = steps.slice().sort((a, b) => a - b);
  const typicalStep = sortedSteps[Math.floor((sortedSteps.length - 1) / 2)]!;
  const cut = steps.findIndex((s) => s > gapFactor * typicalStep);
  if (cut < 0) throw new Error(`firstFlopsBreak: no gap longer than ${gapFactor} x the typical step ${typicalStep}; the values form one group`);
  const lowerGroupMax = distinct[cut]!;
  const upperGroupMin = distinct[cut + 1]!;
  const threshold = (lowerGroupMax + upperGroupMin) / 2;
  let lowerGroupSize = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! <= threshold) lowerGroupSize++;
  return { threshold, lowerGroupMax, upperGroupMin, typicalStep, lowerGroupSize };
}

/** Fixed-width histogram from 0 to the largest value (for the FLOPs figure of notebook 03). */
export function flopsHistogram(values: ArrayLike<number>, binWidth = 1): FlopsHistogram {
  if (!(binWidth > 0)) throw new Error(`flopsHistogram: bin width must be positive, got ${binWidth}`);
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]!);
  const bins = Math.floor(max / binWidth) + 1;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < 0) throw new Error(`flopsHistogram: negative value ${v}`);
    counts[Math.floor(v / binWidth)]!++;
  }
  return { binStarts: counts.map((_, i) => i * binWidth), counts, binWidth };
}

export interface TinyNb201Options {
  /** Keep cells with `flops` ≤ this (MFLOPs); default: the derived `firstFlopsBreak` threshold. */
  readonly maxFlops?: number;
}

/** The FLOPs threshold Tiny-NASBench-201 uses on this benchmark (derived from its `flops` metric). */
export function tinyNb201Break(bench: Benchmark<Nb201Arch>): FlopsBreak {
  return firstFlopsBreak(bench.metric('flops'));
}

/** Tiny-NASBench-201: the records of `bench` in the smallest FLOPs group. Build it from the CIFAR-10 benchmark to match the paper. */
export function tinyNb201(bench: Benchmark<Nb201Arch>, opts: TinyNb201Options = {}): Benchmark<Nb201Arch> {
  const maxFlops = opts.maxFlops ?? tinyNb201Break(bench).threshold;
  if (!Number.isFinite(maxFlops)) throw new Error(`tinyNb201: maxFlops must be a finite number, got ${maxFlops}`);
  bench.metric('flops'); // throws naming a record without flops
  return bench.filter((r) => r.metrics['flops']! <= maxFlops, `tiny-${bench.name}`);
}
