/**
 * NAS-Bench-201 behind the search-space contract: all 5⁶ = 15,625 cells
 * (NAS-Bench-201 keeps isomorphic cells apart, so every op list is its own
 * architecture); one edit changes the op of one edge (6 × 4 = 24 neighbours).
 */
import type { Rng } from '../core/types.js';
import { NB201_NUM_EDGES, NB201_NUM_OPS, NB201_SPACE_SIZE, nb201FromOrdinal, nb201ToString, validateNb201Arch, type Nb201Arch } from './nb201.js';
import { mutateByNeighbours, type SearchSpace } from './searchSpace.js';

export function nb201SearchSpace(): SearchSpace<Nb201Arch> {
  const space: SearchSpace<Nb201Arch> = {
    name: 'nas-bench-201',
    sample: (rng: Rng) => nb201FromOrdinal(rng.int(NB201_SPACE_SIZE)),
    neighbours(arch) {
      validateNb201Arch(arch);
      const out: Nb201Arch[] = [];
      for (let e = 0; e < NB201_NUM_EDGES; e++) {
        for (let op = 0; op < NB201_NUM_OPS; op++) {
          if (op === arch[e]) continue;
          const next = arch.slice();
          next[e] = op;
          out.push(next);
        }
      }
      return out;
    },
    mutate: (arch, rng) => mutateByNeighbours(space, arch, rng),
    id: (arch) => nb201ToString(arch),
  };
  return space;
}
