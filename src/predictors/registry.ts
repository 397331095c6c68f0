/**
 * The predictor registry: every study, the CLI and notebook configs name a
 * predictor and get it from here (src/registrations.ts registers the
 * built-in ones). A predictor spec builds a fresh, unfitted predictor for a
 * space from a seed and the study's settings for it.
 */
import { Registry, type RegistryEntry } from '../core/registry.js';
import type { Predictor, PredictorFactory } from '../core/types.js';
import type { Nb201Dataset } from '../spaces/nb201.js';

/** The spaces whose records predictors see (NAS-Bench-101 cells, NAS-Bench-201 cells, Tiny-NanoBench cells). */
export const PREDICTOR_SPACES = ['nb101', 'nb201', 'nanobench'] as const;
export type PredictorSpace = (typeof PREDICTOR_SPACES)[number];

export interface PredictorContext {
  /** Seeds the initialisation (a searcher passes one per run). */
  readonly seed: number;
  readonly space: PredictorSpace;
  /** NAS-Bench-201's dataset, where the encoding depends on it (ReNAS's FLOPs and parameter channels). */
  readonly dataset?: Nb201Dataset;
  /** The study's settings for this predictor (e.g. the sweep's schedule); each spec says which keys it reads and ignores the rest. */
  readonly settings?: Readonly<Record<string, unknown>>;
}

export interface PredictorSpec extends RegistryEntry {
  /** The spaces it can encode. */
  readonly spaces: readonly PredictorSpace[];
  create(context: PredictorContext): Predictor<unknown>;
}

export const PREDICTORS = new Registry<PredictorSpec>('predictors');

/** The registered predictor `name` for `context`; fails naming the spaces it supports. */
export function createPredictor(name: string, context: PredictorContext, where = 'predictor'): Predictor<unknown> {
  const { seed, ...rest } = context;
  return registeredPredictorFactory(name, rest, where)(seed);
}

/** A `PredictorFactory` (seed → fresh predictor) of the registered predictor `name`. */
export function registeredPredictorFactory(name: string, context: Omit<PredictorContext, 'seed'>, where = 'predictor'): PredictorFactory<unknown> {
  const spec = PREDICTORS.get(name, where);
  if (!spec.spaces.includes(context.space)) throw new RangeError(`${where}: predictor ${JSON.stringify(name)} does not support the ${context.space} space (it supports ${spec.spaces.join(', ')})`);
  return (seed) => spec.create({ ...context, seed });
}
