/**
 * Registry specs of the built-in trained predictors (registered in
 * src/registrations.ts). Settings each reads: the graph predictors and
 * BRP-NAS take a partial config of their own (`GraphPredictorConfig`,
 * `BrpNasConfig`), ReNAS its overrides (`RenasPredictorOverrides`); the
 * encoders are the official ones of each space.
 */
import type { Predictor } from '../core/types.js';
import { nb201BrpEncoder, withGlobalNode, type BrpGraphEncoder } from '../encoders/brpGraph.js';
import type { GraphEncoder } from '../encoders/graphOneHot.js';
import { nb201RenasTensor } from '../encoders/renasTensor201.js';
import { createNanoGraphEncoder, createNb201GraphEncoder } from '../encoders/siameseGraphs.js';
import { createBrpNasPredictor, type BrpNasConfig } from './brpNas.js';
import type { GraphPredictorConfig } from './config.js';
import { createGcnPredictor } from './gcn.js';
import type { PredictorContext, PredictorSpace, PredictorSpec } from './registry.js';
import { RenasPredictor, type RenasPredictorOverrides } from './renas.js';
import { createSiamesePredictor } from './siamese.js';

// One encoder per space and thread: they are stateless, and the one-hot tables are worth keeping.
let nb201Graph: GraphEncoder<unknown> | undefined;
let nanoGraph: GraphEncoder<unknown> | undefined;
let nanoBrp: BrpGraphEncoder<unknown> | undefined;

/** The official ops-as-nodes graph encoder of a graph-predictor space. */
export function graphEncoderOf(space: PredictorSpace): GraphEncoder<unknown> {
  if (space === 'nb201') return (nb201Graph ??= createNb201GraphEncoder() as GraphEncoder<unknown>);
  if (space === 'nanobench') return (nanoGraph ??= createNanoGraphEncoder() as GraphEncoder<unknown>);
  throw new RangeError(`graph predictors: no graph encoder for the ${space} space`);
}

/** BRP-NAS's graph (eagle's for NAS-Bench-201; the ops-as-nodes graph with a global node otherwise). */
export function brpEncoderOf(space: PredictorSpace): BrpGraphEncoder<unknown> {
  if (space === 'nb201') return nb201BrpEncoder as BrpGraphEncoder<unknown>;
  if (space === 'nanobench') return (nanoBrp ??= withGlobalNode(graphEncoderOf('nanobench')));
  throw new RangeError(`brp-nas: no graph encoder for the ${space} space`);
}

const settingsOf = <T>(context: PredictorContext): Partial<T> => (context.settings ?? {}) as Partial<T>;

function graphSpec(name: string, description: string, make: (context: PredictorContext) => Predictor<unknown>): PredictorSpec {
  return { name, description, spaces: ['nb201', 'nanobench'], create: make };
}

export const GCN_PREDICTOR = graphSpec('gcn', 'GCN accuracy predictor (the Siamese-NAS baseline, official NeuralPredictor)', (c) =>
  createGcnPredictor({ encoder: graphEncoderOf(c.space), seed: c.seed, config: settingsOf<GraphPredictorConfig>(c), name: 'gcn' }),
);

export const SIAMS_PREDICTOR = graphSpec('siams', 'Siamese-NAS predictor: GCN coarse branch re-ranked by the estimation-code fine branch', (c) =>
  createSiamesePredictor({ encoder: graphEncoderOf(c.space), seed: c.seed, nsam: false, config: settingsOf<GraphPredictorConfig>(c), name: 'siams' }),
);

export const SIAMS_NSAM_PREDICTOR = graphSpec('siams+nsam', 'Siamese-NAS predictor with node self-attention', (c) =>
  createSiamesePredictor({ encoder: graphEncoderOf(c.space), seed: c.seed, nsam: true, config: settingsOf<GraphPredictorConfig>(c), name: 'siams+nsam' }),
);

export const BRP_NAS_PREDICTOR: PredictorSpec = {
  name: 'brp-nas',
  description: 'BRP-NAS binary relation predictor (GCN, soft pair targets, KL; eagle)',
  spaces: ['nb201', 'nanobench'],
  create: (c) => createBrpNasPredictor({ encoder: brpEncoderOf(c.space), seed: c.seed, config: settingsOf<BrpNasConfig>(c), name: 'brp-nas' }),
};

export const RENAS_PREDICTOR: PredictorSpec = {
  name: 'renas',
  description: 'ReNAS relativistic predictor on the 19x7x7 (NAS-Bench-101) or 31x4x4 (NAS-Bench-201) tensor',
  spaces: ['nb101', 'nb201'],
  create: (c) =>
    c.space === 'nb201'
      ? (new RenasPredictor(c.seed, settingsOf<RenasPredictorOverrides>(c) as RenasPredictorOverrides, nb201RenasTensor(c.dataset ?? 'cifar10')) as Predictor<unknown>)
      : (new RenasPredictor(c.seed, settingsOf<RenasPredictorOverrides>(c) as RenasPredictorOverrides) as Predictor<unknown>),
};
