/**
 * Kendall's tau-b, with ties handled exactly as `scipy.stats.kendalltau`
 * (variant 'b'). simple-statistics has no Kendall tau, and the naive O(n²)
 * pair count is far too slow for all 423,624 NAS-Bench-101 cells, so this is
 * Knight's O(n log n) algorithm:
 *   1. replace x and y by dense integer ranks, with a stable argsort of x
 *      (radix sort, see ranks.ts);
 *   2. count pairs tied in x and in y from the group sizes;
 *   3. walk the items in x order, one x group at a time, counting discordant
 *      pairs (earlier x, larger y) with a Fenwick tree over the y ranks, and
 *      pairs tied in both x and y with a per-group tally.
 * tau-b = (P − Q) / sqrt((n0 − n1)(n0 − n2)), with P − Q = n0 − n1 − n2 + n3 − 2Q.
 * Step 3 uses a Fenwick tree (as scipy does) rather than Knight's merge sort:
 * measured at n = 423,624 it counted the discordant pairs 3–4x faster than an
 * iterative Int32Array merge sort, and it needs no (x, y) ordering, only x order.
 */
import { denseRanks } from './ranks.js';
import { assertPairedSamples } from './validate.js';

/**
 * Kendall's tau-b of two paired samples. Returns NaN where it is undefined,
 * like scipy: fewer than 2 pairs, or either sample constant.
 * Throws if the lengths differ or a value is NaN (naming argument and index).
 */
export function kendallTau(x: ArrayLike<number>, y: ArrayLike<number>): number {
  assertPairedSamples('kendallTau', x, y);
  const n = x.length;
  if (n < 2) return NaN;

  const { counts: countsX, order: byX } = denseRanks(x);
  const { ranks: ry, counts: countsY } = denseRanks(y);

  // Pair counts reach n²/2 ≈ 9e10 for n = 423,624: past int32 but exact in a double (< 2^53).
  const totalPairs = (n * (n - 1)) / 2;
  const tiedX = tiedPairs(countsX);
  const tiedY = tiedPairs(countsY);
  if (tiedX === totalPairs || tiedY === totalPairs) return NaN;

  const { discordant, tiedXY } = countDiscordantAndJointTies(byX, countsX, ry, countsY.length);
  const concordantMinusDiscordant = totalPairs - tiedX - tiedY + tiedXY - 2 * discordant;
  // Same operation order as scipy, so results agree to the last bit in the usual case.
  const tau = concordantMinusDiscordant / Math.sqrt(totalPairs - tiedX) / Math.sqrt(totalPairs - tiedY);
  return Math.min(1, Math.max(-1, tau));
}

/** Σ c(c−1)/2 over group sizes c: the number of pairs sharing a value. */
function tiedPairs(counts: Int32Array): number {
  let pairs = 0;
  for (let d = 0; d < counts.length; d++) {
    const c = counts[d]!;
    pairs += (c * (c - 1)) / 2;
  }
  return pairs;
}

/**
 * `byX` lists the items by ascending x, in consecutive groups of equal x whose
 * sizes are `groupSizes`; `ry` are dense y ranks in 0..distinctY−1.
 * Discordant: pairs with smaller x and strictly larger y. All items of a group
 * are queried before any is inserted, so pairs tied in x are never counted.
 */
function countDiscordantAndJointTies(
  byX: Int32Array,
  groupSizes: Int32Array,
  ry: Int32Array,
  distinctY: number,
): { discordant: number; tiedXY: number } {
  const n = byX.length;
  const yInXOrder = new Int32Array(n); // gathered once so the loops below read sequentially
  for (let j = 0; j < n; j++) yInXOrder[j] = ry[byX[j]!]!;
  // Fenwick tree over 1-based y ranks: prefix sums give "how many inserted items have y ≤ v".
  const tree = new Int32Array(distinctY + 1);
  // Per-group tally of y ranks, for pairs tied in both x and y; cleared after each group.
  const sameYInGroup = new Int32Array(distinctY);
  let discordant = 0;
  let tiedXY = 0;
  let start = 0;
  for (let g = 0; g < groupSizes.length; g++) {
    const end = start + groupSizes[g]!;
    for (let j = start; j < end; j++) {
      let atMost = 0;
      for (let i = yInXOrder[j]! + 1; i > 0; i &= i - 1) atMost += tree[i]!;
      discordant += start - atMost; // `start` items are inserted so far
    }
    if (end - start > 1) {
      for (let j = start; j < end; j++) tiedXY += sameYInGroup[yInXOrder[j]!]!++;
      for (let j = start; j < end; j++) sameYInGroup[yInXOrder[j]!] = 0;
    }
    for (let j = start; j < end; j++) {
      for (let i = yInXOrder[j]! + 1; i <= distinctY; i += i & -i) tree[i]!++;
    }
    start = end;
  }
  return { discordant, tiedXY };
}
