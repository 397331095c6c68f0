/** Loaders: benchmark files → records (each checks its file and names what is wrong). */
export * from './nb101.js';
export * from './cellJson.js';
export * from './tinyNanoBench.js';
export * from './cifar10.js';
export * from './dataFiles.js';
