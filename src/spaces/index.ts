/** Search spaces: the cell types of each benchmark, their costs, and the search-space contract (sample / mutate / neighbours / id). */
export * from './nb101.js';
export * from './nb101Cost.js';
export * from './nb101Enumerate.js';
export * from './nb101SearchSpace.js';
export * from './nb201.js';
export * from './nb201Cost.js';
export * from './nb201Graph.js';
export * from './nb201SearchSpace.js';
export * from './tinyNb201.js';
export * from './nanobench.js';
export * from './searchSpace.js';
export { SPACES, type SpaceSpec } from './registry.js';
