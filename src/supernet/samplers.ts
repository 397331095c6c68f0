/**
 * Path samplers for single-path supernet training (FairNAS, Chu et al. ICCV 2021).
 *
 * A sampler decides which single paths (NAS-Bench-201 cells, shared by every
 * cell of the network) are trained in one optimizer update, and counts how
 * often each (edge, op) choice block has been trained:
 * - `UniformSampler` (SPOS): one uniform path per update. Fair only in expectation.
 * - `ExpectationFairSampler({k})` (the paper's EF baseline): k independent
 *   uniform paths, gradients accumulated, one update. Fair only in expectation.
 * - `StrictFairSampler` (FairNAS): m = 5 paths from an independent random
 *   permutation of the 5 ops on each edge; path k takes the k-th element of
 *   every permutation. Every op of every edge is trained exactly once per update.
 */
import { NB201_NUM_EDGES, NB201_NUM_OPS, validateNb201Arch, type Nb201Arch } from '../spaces/nb201.js';
import { createRng, restoreRng } from '../core/rng.js';
import type { Rng, RngState } from '../core/types.js';
import { checkField, POSITIVE_INTEGER } from '../core/checks.js';

export interface Sampler {
  /** e.g. `uniform`, `ef-3`, `strict-fair`. */
  readonly name: string;
  /** Paths trained (forward + backward passes) per optimizer update. */
  readonly pathsPerStep: number;
  /** The paths trained in update `step`; steps must be asked for in order 0, 1, 2, … */
  next(step: number): Nb201Arch[];
  /** Adds one training of each (edge, op) in `paths` to the counts; call after the update is applied. */
  recordUpdate(paths: readonly Nb201Arch[]): void;
  /** Copy of the counts: `counts()[edge][op]` = how many sampled paths trained that choice so far. */
  counts(): Int32Array[];
  /** JSON-serialisable snapshot (RNG state, next step, counts) for checkpoints. */
  state(): SamplerState;
  /** Continues exactly where `state` was taken; the state must come from a sampler of the same kind. */
  restore(state: SamplerState): void;
}

export interface SamplerState {
  readonly name: string;
  readonly nextStep: number;
  readonly rng: RngState;
  /** Row-major `[edge][op]` counts. */
  readonly counts: readonly (readonly number[])[];
}

/** Which sampler to build; plain data so it can live in a run config. */
export type SamplerSpec = { kind: 'uniform' } | { kind: 'ef'; k: number } | { kind: 'strict-fair' };

/** The spec of a sampler's name as `createSampler(…).name` gives it: `uniform`, `ef-<k>` or `strict-fair`. */
export function samplerSpecFromName(name: string): SamplerSpec {
  if (name === 'uniform' || name === 'strict-fair') return { kind: name };
  const ef = /^ef-(\d+)$/.exec(name);
  if (ef && Number(ef[1]) >= 1) return { kind: 'ef', k: Number(ef[1]) };
  throw new Error(`sampler ${JSON.stringify(name)} is not one of uniform, ef-<k> (k ≥ 1, e.g. ef-5), strict-fair`);
}

export function createSampler(spec: SamplerSpec, seed: number | string): Sampler {
  switch (spec.kind) {
    case 'uniform':
      return new UniformSampler(seed);
    case 'ef':
      return new ExpectationFairSampler({ k: spec.k }, seed);
    case 'strict-fair':
      return new StrictFairSampler(seed);
    default:
      throw new Error(`unknown sampler kind ${JSON.stringify((spec as { kind: unknown }).kind)}; use uniform, ef or strict-fair`);
  }
}

abstract class BaseSampler implements Sampler {
  abstract readonly name: string;
  abstract readonly pathsPerStep: number;
  protected rng: Rng;
  private nextStep = 0;
  private readonly tally: Int32Array[] = Array.from({ length: NB201_NUM_EDGES }, () => new Int32Array(NB201_NUM_OPS));

  constructor(seed: number | string) {
    this.rng = createRng(seed);
  }

  protected abstract draw(): Nb201Arch[];

  next(step: number): Nb201Arch[] {
    // Sampling is a stream: asking for steps out of order would silently desynchronise a resumed run.
    if (step !== this.nextStep) {
      throw new Error(`${this.name} sampler: asked for step ${step} but the next step is ${this.nextStep} (steps must be drawn in order)`);
    }
    this.nextStep++;
    return this.draw();
  }

  recordUpdate(paths: readonly Nb201Arch[]): void {
    for (const path of paths) {
      validateNb201Arch(path);
      path.forEach((op, edge) => this.tally[edge]![op]!++);
    }
  }

  counts(): Int32Array[] {
    return this.tally.map((row) => row.slice());
  }

  state(): SamplerState {
    return { name: this.name, nextStep: this.nextStep, rng: this.rng.state(), counts: this.tally.map((row) => Array.from(row)) };
  }

  restore(state: SamplerState): void {
    if (state?.name !== this.name) {
      throw new Error(`${this.name} sampler: cannot restore a state saved by sampler ${JSON.stringify(state?.name)}`);
    }
    const rows = state.counts;
    if (!Array.isArray(rows) || rows.length !== NB201_NUM_EDGES || rows.some((r) => !Array.isArray(r) || r.length !== NB201_NUM_OPS)) {
      throw new Error(`${this.name} sampler: saved counts must be ${NB201_NUM_EDGES}x${NB201_NUM_OPS}, got ${JSON.stringify(rows)}`);
    }
    if (!Number.isInteger(state.nextStep) || state.nextStep < 0) {
      throw new Error(`${this.name} sampler: saved nextStep must be a non-negative integer, got ${state.nextStep}`);
    }
    this.rng = restoreRng(state.rng);
    this.nextStep = state.nextStep;
    rows.forEach((r, e) => this.tally[e]!.set(r));
  }

  protected uniformPath(): Nb201Arch {
    return Array.from({ length: NB201_NUM_EDGES }, () => this.rng.int(NB201_NUM_OPS));
  }
}

/** SPOS: one uniformly sampled single path per update. */
export class UniformSampler extends BaseSampler {
  readonly name = 'uniform';
  readonly pathsPerStep = 1;
  protected draw(): Nb201Arch[] {
    return [this.uniformPath()];
  }
}

/** The FairNAS EF baseline: k independent uniform paths, one accumulated update. */
export class ExpectationFairSampler extends BaseSampler {
  readonly name: string;
  readonly pathsPerStep: number;
  constructor(opts: { k: number }, seed: number | string) {
    super(seed);
    checkField('ExpectationFairSampler', 'k', opts?.k, POSITIVE_INTEGER);
    this.pathsPerStep = opts.k;
    this.name = `ef-${opts.k}`;
  }
  protected draw(): Nb201Arch[] {
    return Array.from({ length: this.pathsPerStep }, () => this.uniformPath());
  }
}

/** FairNAS strict fairness: 5 paths per update covering every op of every edge exactly once. */
export class StrictFairSampler extends BaseSampler {
  readonly name = 'strict-fair';
  readonly pathsPerStep = NB201_NUM_OPS;
  private static readonly OPS = Array.from({ length: NB201_NUM_OPS }, (_, i) => i);
  protected draw(): Nb201Arch[] {
    const perms = Array.from({ length: NB201_NUM_EDGES }, () => this.rng.shuffle(StrictFairSampler.OPS));
    return Array.from({ length: NB201_NUM_OPS }, (_, k) => perms.map((perm) => perm[k]!));
  }
}
