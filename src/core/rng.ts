/**
 * Seeded randomness. seedrandom's `alea` is fast and reproducible across
 * platforms; everything random in the project draws from an `Rng` made here.
 * Its state can be saved and restored, so a resumed run (a supernet
 * checkpoint, say) continues the exact random stream it would have drawn.
 */
import seedrandom from 'seedrandom';
import type { Rng, RngState } from './types.js';

export function createRng(seed: number | string): Rng {
  const seedText = String(seed);
  return wrapAlea(seedText, seedrandom.alea(seedText, { state: true }));
}

/** The generator `rng.state()` was taken from, at that point of its stream. */
export function restoreRng(state: RngState): Rng {
  const a = state?.alea;
  if (!a || ![a.c, a.s0, a.s1, a.s2].every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new Error(`restoreRng: not an RNG state (expected {seed, alea: {c, s0, s1, s2}}): ${JSON.stringify(state)}`);
  }
  return wrapAlea(String(state.seed), seedrandom.alea('', { state: { c: a.c, s0: a.s0, s1: a.s1, s2: a.s2 } }));
}

function wrapAlea(seedText: string, prng: seedrandom.StatefulPRNG<seedrandom.State.Alea>): Rng {
  const next = (() => prng()) as Rng;
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
        // Partial Fisher–Yates over a sparse map: O(k) memory, so drawing 424 of 423,624 is cheap.
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
    fork: { value: (label: string | number): Rng => createRng(`${seedText}/${label}`) },
    state: {
      value: (): RngState => {
        const st = prng.state();
        return { seed: seedText, alea: { c: st.c, s0: st.s0, s1: st.s1, s2: st.s2 } };
      },
    },
  });
  return next;
}
