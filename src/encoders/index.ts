/** Encoders: architectures → the tensors predictors take. */
export * from './graphOneHot.js';
export * from './siameseGraphs.js';
export * from './brpGraph.js';
export * from './renasTensor.js';
export * from './renasTensor201.js';
export * from './estimationCode.js';
