/** Registry specs of the built-in search spaces (registered in src/registrations.ts). */
import { loadNb101Space } from './nb101Enumerate.js';
import { nb101SearchSpace } from './nb101SearchSpace.js';
import { nb201SearchSpace } from './nb201SearchSpace.js';
import type { SearchSpace } from './searchSpace.js';
import type { SpaceSpec } from './registry.js';

export const NB101_SPACE: SpaceSpec = {
  name: 'nas-bench-101',
  description: "all 423,624 NAS-Bench-101 cells (enumerated once, then cached; the data's subset holds the known values)",
  cells: 'nb101',
  create: () => nb101SearchSpace(loadNb101Space()) as SearchSpace<unknown>,
};

export const NB201_SPACE: SpaceSpec = {
  name: 'nas-bench-201',
  description: 'all 15,625 NAS-Bench-201 cells (one edit: the op of one edge)',
  cells: 'nb201',
  create: () => nb201SearchSpace() as SearchSpace<unknown>,
};
