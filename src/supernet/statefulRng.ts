/**
 * A seeded generator whose state can be saved and restored, for checkpoints.
 *
 * Why not `createRng` from src/core/rng.ts: it hides seedrandom's state, and a
 * resumed supernet run must continue the exact random stream (path sampling,
 * batch order, augmentation) it would have drawn uninterrupted. This is the
 * same `alea` generator with the same draws (`int`, `shuffle`, `sampleIndices`,
 * `fork` labels), so a fresh `createStatefulRng(s)` yields the same numbers as
 * `createRng(s)`; it only adds `state()` and `restoreRng(state)`.
 */
import seedrandom from 'seedrandom';
import type { Rng } from '../core/types.js';

/** JSON-serialisable snapshot of a `StatefulRng`. */
export interface RngState {
  readonly seed: string;
  readonly alea: { readonly c: number; readonly s0: number; readonly s1: number; readonly s2: number };
}

export interface StatefulRng extends Rng {
  state(): RngState;
}

export function createStatefulRng(seed: number | string): StatefulRng {
  const seedText = String(seed);
  return wrap(seedText, seedrandom.alea(seedText, { state: true }));
}

export function restoreRng(state: RngState): StatefulRng {
  const a = state?.alea;
  if (!a || ![a.c, a.s0, a.s1, a.s2].every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new Error(`restoreRng: not an RNG state (expected {seed, alea: {c, s0, s1, s2}}): ${JSON.stringify(state)}`);
  }
  return wrap(String(state.seed), seedrandom.alea('', { state: { c: a.c, s0: a.s0, s1: a.s1, s2: a.s2 } }));
}

function wrap(seedText: string, prng: seedrandom.StatefulPRNG<seedrandom.State.Alea>): StatefulRng {
  const next = (() => prng()) as StatefulRng;
  const int = (n: number): number => {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(prng() * n);
  };
  Object.defineProperties(next, {
    seed: { value: seedText },
    int: { value: int },
    shuffle: {
      value: <T>(items: readonly T[]): T[] => {
        const out = items.slice();
        for (let i = out.length - 1; i > 0; i--) {
          const j = int(i + 1);
          const t = out[i]!;
          out[i] = out[j]!;
          out[j] = t;
        }
        return out;
      },
    },
    sampleIndices: {
      value: (n: number, k: number): Int32Array => {
        if (k > n || k < 0) throw new RangeError(`rng.sampleIndices: cannot draw ${k} distinct items from ${n}`);
        const swapped = new Map<number, number>();
        const out = new Int32Array(k);
        for (let i = 0; i < k; i++) {
          const j = i + int(n - i);
          const vi = swapped.get(i) ?? i;
          const vj = swapped.get(j) ?? j;
          out[i] = vj;
          swapped.set(j, vi);
        }
        return out;
      },
    },
    fork: { value: (label: string | number): StatefulRng => createStatefulRng(`${seedText}/${label}`) },
    state: {
      value: (): RngState => {
        const s = prng.state();
        return { seed: seedText, alea: { c: s.c, s0: s.s0, s1: s.s1, s2: s.s2 } };
      },
    },
  });
  return next;
}
