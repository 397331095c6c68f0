/**
 * Gradient of GatherNd, which tfjs 4.22 does not define on any backend
 * ("gradient function not found for GatherNd"). As in TensorFlow, it is a
 * ScatterNd of dy into a zero tensor of the params' shape; repeated indices
 * add up. Registered globally (gradients are backend-independent), and only
 * when tfjs itself has none, so a future tfjs gradient wins.
 */
import { getGradient, registerGradient, scatterND, zerosLike } from '@tensorflow/tfjs-core';
import type { GradConfig, Tensor } from '@tensorflow/tfjs-core';

export const gatherNdGradConfig: GradConfig = {
  kernelName: 'GatherNd',
  inputsToSave: ['params', 'indices'],
  gradFunc: (dy, saved) => {
    const [params, indices] = saved as [Tensor, Tensor];
    return {
      params: () => scatterND(indices, dy as Tensor, params.shape),
      indices: () => zerosLike(indices),
    };
  },
};

export function registerGatherNdGradient(): void {
  if (getGradient('GatherNd') == null) registerGradient(gatherNdGradConfig);
}
