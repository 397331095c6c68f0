/**
 * The network behind the GCN and siamese predictors (official
 * neural_predictor.py): an embedding block of three GCN groups (NSAM optionally
 * between the 2nd and 3rd), a coarse branch (embedding → head) and, for the
 * siamese predictor, a fine branch (embedding → estimation fusion → the SAME head).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { createRng } from '../core/rng.js';
import {
  ModelParams,
  createAccuracyHead,
  createEstimationFusion,
  createGcnGroup,
  createNodeSelfAttention,
  type BatchNormOptions,
  type GraphAdjacency,
} from './layers.js';

export interface GraphNetOptions {
  readonly nodes: number;
  readonly numOpTypes: number;
  readonly hidden: number;
  /** Node self-attention between the 2nd and 3rd GCN groups. */
  readonly nsam: boolean;
  /** Build the fine (estimation-code) branch: the siamese predictor. */
  readonly fineBranch: boolean;
  readonly codeLength: number;
  readonly separateFusionValue: boolean;
  readonly bn: BatchNormOptions;
  readonly seed: number;
}

export interface GraphNetInputs {
  /** Adjacency tensors (see `adjacencyTensors`). */
  readonly graph: GraphAdjacency;
  readonly features: tf.Tensor3D;
  /** Standardised estimation codes [B, codeLength]; required by the fine branch. */
  readonly code?: tf.Tensor2D;
}

export interface GraphNet {
  readonly options: GraphNetOptions;
  readonly params: ModelParams;
  coarse(inputs: GraphNetInputs, training: boolean): tf.Tensor1D;
  fine(inputs: GraphNetInputs, training: boolean): tf.Tensor1D;
  /** Both branches from one embedding pass (training). */
  both(inputs: GraphNetInputs, training: boolean): { coarse: tf.Tensor1D; fine?: tf.Tensor1D };
  dispose(): void;
}

export function createGraphNet(options: GraphNetOptions): GraphNet {
  const { nodes, numOpTypes, hidden, bn } = options;
  const params = new ModelParams(createRng(`graphNet/${options.seed}`));
  const group1 = createGcnGroup(params, numOpTypes, hidden, bn);
  const group2 = createGcnGroup(params, hidden, hidden, bn);
  const attention = options.nsam ? createNodeSelfAttention(params, hidden, bn) : undefined;
  const group3 = createGcnGroup(params, hidden, hidden, bn);
  const fusion = options.fineBranch
    ? createEstimationFusion(params, {
        nodes,
        units: hidden,
        codeLength: options.codeLength,
        bn,
        separateValue: options.separateFusionValue,
      })
    : undefined;
  const head = createAccuracyHead(params, nodes);

  const embed = (g: GraphAdjacency, inputs: GraphNetInputs, training: boolean): tf.Tensor3D => {
    let x = group1(g, inputs.features, training);
    x = group2(g, x, training);
    if (attention) x = attention(g, x, training);
    return group3(g, x, training);
  };
  const fineFrom = (g: GraphAdjacency, emb: tf.Tensor3D, inputs: GraphNetInputs, training: boolean): tf.Tensor1D => {
    if (!fusion) throw new Error('graph net: this predictor has no fine (estimation-code) branch');
    if (!inputs.code) throw new Error('graph net: the fine branch needs estimation codes');
    return head(fusion(g, emb, inputs.code, training));
  };

  return {
    options,
    params,
    coarse(inputs, training) {
      return head(embed(inputs.graph, inputs, training));
    },
    fine(inputs, training) {
      const g = inputs.graph;
      return fineFrom(g, embed(g, inputs, training), inputs, training);
    },
    both(inputs, training) {
      const g = inputs.graph;
      const emb = embed(g, inputs, training);
      return { coarse: head(emb), fine: fusion ? fineFrom(g, emb, inputs, training) : undefined };
    },
    dispose: () => params.dispose(),
  };
}
