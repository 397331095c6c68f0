/** The core pieces a notebook or script may need: seeded randomness, atomic writes, argument checks, registries, benchmarks. */
export { createRng, restoreRng } from './rng.js';
export { writeFileAtomic } from './atomicWrite.js';
export { createBenchmark } from './benchmark.js';
export { Registry, type RegistryEntry } from './registry.js';
export * from './checks.js';
export { isSurrogate, tableOf } from './types.js';
