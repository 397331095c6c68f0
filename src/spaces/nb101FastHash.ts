/**
 * The official NAS-Bench-101 module hash computed on bytes, for the
 * enumeration (423,624 graphs × ~57 md5 calls). node:crypto costs ~0.7 µs
 * per call for these 30-250 byte strings (a native call, a UTF-8 copy and a
 * hex string each time) and the strings around it as much again; this
 * hasher keeps vertex hashes as hex bytes in preallocated buffers and runs
 * md5 in JavaScript, ~3x faster overall. `nb101Hash` (node:crypto) stays the
 * reference; the tests check both agree.
 */
import { md5Hex } from './nb101.js';

export const IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Lower-case hex text of every byte value as a little-endian 16-bit pair (first digit in the low byte). */
const HEX_PAIR_LE = Uint16Array.from({ length: 256 }, (_, b) => {
  const hex = b.toString(16).padStart(2, '0');
  return hex.charCodeAt(0) | (hex.charCodeAt(1) << 8);
});

/**
 * md5 (RFC 1321) of `m[0..length)`, the 64 steps unrolled with their
 * constants inlined (a loop over step tables runs ~2x slower in V8). `m32`
 * views the same buffer as `m` (message words, so little-endian platforms
 * only: see `IS_LITTLE_ENDIAN`); `m` must have room for the padding (length +
 * 72 bytes). Writes the 4 state words (the digest, little-endian) to `out`.
 */
export function md5Words(m: Uint8Array, m32: Int32Array, length: number, out: Int32Array): void {
  // Padding: 0x80, zeros to 56 mod 64, then the bit length as a 64-bit little-endian integer.
  let padded = length + 1;
  m[length] = 0x80;
  while (padded % 64 !== 56) m[padded++] = 0;
  const bitLength = length * 8;
  m[padded++] = bitLength & 0xff;
  m[padded++] = (bitLength >>> 8) & 0xff;
  m[padded++] = (bitLength >>> 16) & 0xff;
  m[padded++] = (bitLength >>> 24) & 0xff;
  for (let k = 0; k < 4; k++) m[padded++] = 0;

  let a0 = 0x67452301;
  let b0 = 0xefcdab89 | 0;
  let c0 = 0x98badcfe | 0;
  let d0 = 0x10325476;
  for (let base = 0; base < padded >> 2; base += 16) {
    const w0 = m32[base + 0]!;
    const w1 = m32[base + 1]!;
    const w2 = m32[base + 2]!;
    const w3 = m32[base + 3]!;
    const w4 = m32[base + 4]!;
    const w5 = m32[base + 5]!;
    const w6 = m32[base + 6]!;
    const w7 = m32[base + 7]!;
    const w8 = m32[base + 8]!;
    const w9 = m32[base + 9]!;
    const w10 = m32[base + 10]!;
    const w11 = m32[base + 11]!;
    const w12 = m32[base + 12]!;
    const w13 = m32[base + 13]!;
    const w14 = m32[base + 14]!;
    const w15 = m32[base + 15]!;
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    let t: number;
    t = (a + ((b & c) | (~b & d)) + w0 + -680876936) | 0;
    a = (b + ((t << 7) | (t >>> 25))) | 0;
    t = (d + ((a & b) | (~a & c)) + w1 + -389564586) | 0;
    d = (a + ((t << 12) | (t >>> 20))) | 0;
    t = (c + ((d & a) | (~d & b)) + w2 + 606105819) | 0;
    c = (d + ((t << 17) | (t >>> 15))) | 0;
    t = (b + ((c & d) | (~c & a)) + w3 + -1044525330) | 0;
    b = (c + ((t << 22) | (t >>> 10))) | 0;
    t = (a + ((b & c) | (~b & d)) + w4 + -176418897) | 0;
    a = (b + ((t << 7) | (t >>> 25))) | 0;
    t = (d + ((a & b) | (~a & c)) + w5 + 1200080426) | 0;
    d = (a + ((t << 12) | (t >>> 20))) | 0;
    t = (c + ((d & a) | (~d & b)) + w6 + -1473231341) | 0;
    c = (d + ((t << 17) | (t >>> 15))) | 0;
    t = (b + ((c & d) | (~c & a)) + w7 + -45705983) | 0;
    b = (c + ((t << 22) | (t >>> 10))) | 0;
    t = (a + ((b & c) | (~b & d)) + w8 + 1770035416) | 0;
    a = (b + ((t << 7) | (t >>> 25))) | 0;
    t = (d + ((a & b) | (~a & c)) + w9 + -1958414417) | 0;
    d = (a + ((t << 12) | (t >>> 20))) | 0;
    t = (c + ((d & a) | (~d & b)) + w10 + -42063) | 0;
    c = (d + ((t << 17) | (t >>> 15))) | 0;
    t = (b + ((c & d) | (~c & a)) + w11 + -1990404162) | 0;
    b = (c + ((t << 22) | (t >>> 10))) | 0;
    t = (a + ((b & c) | (~b & d)) + w12 + 1804603682) | 0;
    a = (b + ((t << 7) | (t >>> 25))) | 0;
    t = (d + ((a & b) | (~a & c)) + w13 + -40341101) | 0;
    d = (a + ((t << 12) | (t >>> 20))) | 0;
    t = (c + ((d & a) | (~d & b)) + w14 + -1502002290) | 0;
    c = (d + ((t << 17) | (t >>> 15))) | 0;
    t = (b + ((c & d) | (~c & a)) + w15 + 1236535329) | 0;
    b = (c + ((t << 22) | (t >>> 10))) | 0;
    t = (a + ((d & b) | (~d & c)) + w1 + -165796510) | 0;
    a = (b + ((t << 5) | (t >>> 27))) | 0;
    t = (d + ((c & a) | (~c & b)) + w6 + -1069501632) | 0;
    d = (a + ((t << 9) | (t >>> 23))) | 0;
    t = (c + ((b & d) | (~b & a)) + w11 + 643717713) | 0;
    c = (d + ((t << 14) | (t >>> 18))) | 0;
    t = (b + ((a & c) | (~a & d)) + w0 + -373897302) | 0;
    b = (c + ((t << 20) | (t >>> 12))) | 0;
    t = (a + ((d & b) | (~d & c)) + w5 + -701558691) | 0;
    a = (b + ((t << 5) | (t >>> 27))) | 0;
    t = (d + ((c & a) | (~c & b)) + w10 + 38016083) | 0;
    d = (a + ((t << 9) | (t >>> 23))) | 0;
    t = (c + ((b & d) | (~b & a)) + w15 + -660478335) | 0;
    c = (d + ((t << 14) | (t >>> 18))) | 0;
    t = (b + ((a & c) | (~a & d)) + w4 + -405537848) | 0;
    b = (c + ((t << 20) | (t >>> 12))) | 0;
    t = (a + ((d & b) | (~d & c)) + w9 + 568446438) | 0;
    a = (b + ((t << 5) | (t >>> 27))) | 0;
    t = (d + ((c & a) | (~c & b)) + w14 + -1019803690) | 0;
    d = (a + ((t << 9) | (t >>> 23))) | 0;
    t = (c + ((b & d) | (~b & a)) + w3 + -187363961) | 0;
    c = (d + ((t << 14) | (t >>> 18))) | 0;
    t = (b + ((a & c) | (~a & d)) + w8 + 1163531501) | 0;
    b = (c + ((t << 20) | (t >>> 12))) | 0;
    t = (a + ((d & b) | (~d & c)) + w13 + -1444681467) | 0;
    a = (b + ((t << 5) | (t >>> 27))) | 0;
    t = (d + ((c & a) | (~c & b)) + w2 + -51403784) | 0;
    d = (a + ((t << 9) | (t >>> 23))) | 0;
    t = (c + ((b & d) | (~b & a)) + w7 + 1735328473) | 0;
    c = (d + ((t << 14) | (t >>> 18))) | 0;
    t = (b + ((a & c) | (~a & d)) + w12 + -1926607734) | 0;
    b = (c + ((t << 20) | (t >>> 12))) | 0;
    t = (a + (b ^ c ^ d) + w5 + -378558) | 0;
    a = (b + ((t << 4) | (t >>> 28))) | 0;
    t = (d + (a ^ b ^ c) + w8 + -2022574463) | 0;
    d = (a + ((t << 11) | (t >>> 21))) | 0;
    t = (c + (d ^ a ^ b) + w11 + 1839030562) | 0;
    c = (d + ((t << 16) | (t >>> 16))) | 0;
    t = (b + (c ^ d ^ a) + w14 + -35309556) | 0;
    b = (c + ((t << 23) | (t >>> 9))) | 0;
    t = (a + (b ^ c ^ d) + w1 + -1530992060) | 0;
    a = (b + ((t << 4) | (t >>> 28))) | 0;
    t = (d + (a ^ b ^ c) + w4 + 1272893353) | 0;
    d = (a + ((t << 11) | (t >>> 21))) | 0;
    t = (c + (d ^ a ^ b) + w7 + -155497632) | 0;
    c = (d + ((t << 16) | (t >>> 16))) | 0;
    t = (b + (c ^ d ^ a) + w10 + -1094730640) | 0;
    b = (c + ((t << 23) | (t >>> 9))) | 0;
    t = (a + (b ^ c ^ d) + w13 + 681279174) | 0;
    a = (b + ((t << 4) | (t >>> 28))) | 0;
    t = (d + (a ^ b ^ c) + w0 + -358537222) | 0;
    d = (a + ((t << 11) | (t >>> 21))) | 0;
    t = (c + (d ^ a ^ b) + w3 + -722521979) | 0;
    c = (d + ((t << 16) | (t >>> 16))) | 0;
    t = (b + (c ^ d ^ a) + w6 + 76029189) | 0;
    b = (c + ((t << 23) | (t >>> 9))) | 0;
    t = (a + (b ^ c ^ d) + w9 + -640364487) | 0;
    a = (b + ((t << 4) | (t >>> 28))) | 0;
    t = (d + (a ^ b ^ c) + w12 + -421815835) | 0;
    d = (a + ((t << 11) | (t >>> 21))) | 0;
    t = (c + (d ^ a ^ b) + w15 + 530742520) | 0;
    c = (d + ((t << 16) | (t >>> 16))) | 0;
    t = (b + (c ^ d ^ a) + w2 + -995338651) | 0;
    b = (c + ((t << 23) | (t >>> 9))) | 0;
    t = (a + (c ^ (b | ~d)) + w0 + -198630844) | 0;
    a = (b + ((t << 6) | (t >>> 26))) | 0;
    t = (d + (b ^ (a | ~c)) + w7 + 1126891415) | 0;
    d = (a + ((t << 10) | (t >>> 22))) | 0;
    t = (c + (a ^ (d | ~b)) + w14 + -1416354905) | 0;
    c = (d + ((t << 15) | (t >>> 17))) | 0;
    t = (b + (d ^ (c | ~a)) + w5 + -57434055) | 0;
    b = (c + ((t << 21) | (t >>> 11))) | 0;
    t = (a + (c ^ (b | ~d)) + w12 + 1700485571) | 0;
    a = (b + ((t << 6) | (t >>> 26))) | 0;
    t = (d + (b ^ (a | ~c)) + w3 + -1894986606) | 0;
    d = (a + ((t << 10) | (t >>> 22))) | 0;
    t = (c + (a ^ (d | ~b)) + w10 + -1051523) | 0;
    c = (d + ((t << 15) | (t >>> 17))) | 0;
    t = (b + (d ^ (c | ~a)) + w1 + -2054922799) | 0;
    b = (c + ((t << 21) | (t >>> 11))) | 0;
    t = (a + (c ^ (b | ~d)) + w8 + 1873313359) | 0;
    a = (b + ((t << 6) | (t >>> 26))) | 0;
    t = (d + (b ^ (a | ~c)) + w15 + -30611744) | 0;
    d = (a + ((t << 10) | (t >>> 22))) | 0;
    t = (c + (a ^ (d | ~b)) + w6 + -1560198380) | 0;
    c = (d + ((t << 15) | (t >>> 17))) | 0;
    t = (b + (d ^ (c | ~a)) + w13 + 1309151649) | 0;
    b = (c + ((t << 21) | (t >>> 11))) | 0;
    t = (a + (c ^ (b | ~d)) + w4 + -145523070) | 0;
    a = (b + ((t << 6) | (t >>> 26))) | 0;
    t = (d + (b ^ (a | ~c)) + w11 + -1120210379) | 0;
    d = (a + ((t << 10) | (t >>> 22))) | 0;
    t = (c + (a ^ (d | ~b)) + w2 + 718787259) | 0;
    c = (d + ((t << 15) | (t >>> 17))) | 0;
    t = (b + (d ^ (c | ~a)) + w9 + -343485551) | 0;
    b = (c + ((t << 21) | (t >>> 11))) | 0;
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  out[0] = a0;
  out[1] = b0;
  out[2] = c0;
  out[3] = d0;
}

/** Bytes and 32-bit words of a hash's hex text. */
const HEX = 32;
const HEX_WORDS = 8;
const NUM_LABELS = 3;

/**
 * Reusable hasher for graphs of up to `maxVertices` vertices. Not re-entrant:
 * one instance per thread of work.
 *
 * Vertex hashes are kept as hex text in 32-bit words and copied into the md5
 * message word by word (shifted when a '|' left the message unaligned).
 * Labellings of one graph share work: after refinement round r a vertex's
 * hash depends only on the labels within r + 1 hops of it, so `setGraph`
 * notes those neighbourhoods and `hashLabelling` reuses a vertex hash when
 * the labels around it repeat (mostly in the first rounds).
 */
export class Nb101FastHasher {
  private readonly message: Uint8Array;
  private readonly message32: Int32Array;
  private readonly state = new Int32Array(4);
  /** Hex text (8 words) of every vertex's current and next hash, and byte views of them. */
  private current: Int32Array;
  private next: Int32Array;
  private currentBytes: Uint8Array;
  private nextBytes: Uint8Array;
  /** First 4 digest bytes of each vertex hash (big-endian), the sort key of the hex text. */
  private currentKey: Uint32Array;
  private nextKey: Uint32Array;
  private readonly order: Int32Array;
  private readonly vertexIds: Int32Array;
  private readonly initial = new Map<number, { hex: Int32Array; key: number }>();

  // The graph set by `setGraph`.
  private n = 0;
  private inLists: readonly ArrayLike<number>[] = [];
  private outLists: readonly ArrayLike<number>[] = [];
  /** Per (round, vertex): label weights of the interior vertices within reach (0 elsewhere), or null when that is all of them. */
  private reach: (Int32Array | null)[] = [];
  // Memo of vertex hashes per (round, vertex, labels in reach), valid while `memoStamp` equals `graphStamp`.
  private readonly labelCombos: number;
  private readonly memoHex: Int32Array;
  private readonly memoKey: Uint32Array;
  private readonly memoStamp: Int32Array;
  private graphStamp = 0;

  constructor(private readonly maxVertices = 7) {
    if (!IS_LITTLE_ENDIAN) throw new Error('Nb101FastHasher needs a little-endian platform; use the node:crypto engine');
    // Largest message: the final list text, n × (32 + 4) + 2 bytes, or a vertex with every neighbour; + padding.
    const bytes = Math.ceil((maxVertices * (HEX + 4) + 2 * HEX + 128) / 64) * 64;
    const buffer = new ArrayBuffer(bytes);
    this.message = new Uint8Array(buffer);
    this.message32 = new Int32Array(buffer);
    this.current = new Int32Array(maxVertices * HEX_WORDS);
    this.next = new Int32Array(maxVertices * HEX_WORDS);
    this.currentBytes = new Uint8Array(this.current.buffer);
    this.nextBytes = new Uint8Array(this.next.buffer);
    this.currentKey = new Uint32Array(maxVertices);
    this.nextKey = new Uint32Array(maxVertices);
    this.order = new Int32Array(maxVertices);
    this.vertexIds = Int32Array.from({ length: maxVertices }, (_, v) => v);
    this.labelCombos = NUM_LABELS ** Math.max(0, maxVertices - 2);
    const slots = maxVertices * maxVertices * this.labelCombos;
    this.memoHex = new Int32Array(slots * HEX_WORDS);
    this.memoKey = new Uint32Array(slots);
    this.memoStamp = new Int32Array(slots);
  }

  /** Hex words and sort key of md5(`(out, in, label)`): few distinct values, so node:crypto once each. */
  private initialHash(out: number, inDegree: number, label: number): { hex: Int32Array; key: number } {
    const id = (out * 16 + inDegree) * 8 + label + 2;
    let entry = this.initial.get(id);
    if (!entry) {
      const hex = md5Hex(`(${out}, ${inDegree}, ${label})`);
      const words = new Int32Array(HEX_WORDS);
      new Uint8Array(words.buffer).set(Array.from(hex, (ch) => ch.charCodeAt(0)));
      entry = { hex: words, key: parseInt(hex.slice(0, 8), 16) >>> 0 };
      this.initial.set(id, entry);
    }
    return entry;
  }

  /** Does vertex i's current hex sort before vertex j's? (Hex text order equals digest byte order.) */
  private before(i: number, j: number): boolean {
    const ki = this.currentKey[i]!;
    const kj = this.currentKey[j]!;
    if (ki !== kj) return ki < kj;
    const hex = this.currentBytes;
    for (let k = 8; k < HEX; k++) {
      const d = hex[i * HEX + k]! - hex[j * HEX + k]!;
      if (d !== 0) return d < 0;
    }
    return false;
  }

  /** Sorts `count` vertices of `list` by current hash into `this.order`. */
  private sortVertices(list: ArrayLike<number>, count: number): void {
    const order = this.order;
    for (let k = 0; k < count; k++) {
      const v = list[k]!;
      let p = k;
      while (p > 0 && this.before(v, order[p - 1]!)) {
        order[p] = order[p - 1]!;
        p--;
      }
      order[p] = v;
    }
  }

  /** Copies vertex v's current hex into the message at byte `at`; returns the end. */
  private copyHex(v: number, at: number): number {
    const words = this.message32;
    const hex = this.current;
    const from = v * HEX_WORDS;
    const q = at >> 2;
    const shift = (at & 3) * 8;
    if (shift === 0) {
      for (let k = 0; k < HEX_WORDS; k++) words[q + k] = hex[from + k]!;
    } else {
      // Little-endian: byte p of the message is byte p - at of the text, so each word takes
      // the top bytes of one text word and the bottom bytes of the next.
      const back = 32 - shift;
      let carry = words[q]! & ((1 << shift) - 1);
      for (let k = 0; k < HEX_WORDS; k++) {
        const w = hex[from + k]!;
        words[q + k] = carry | (w << shift);
        carry = w >>> back;
      }
      words[q + HEX_WORDS] = carry;
    }
    return at + HEX;
  }

  /** Appends the current hex of the listed vertices in sorted order; returns the end. */
  private appendSorted(list: ArrayLike<number>, at: number): number {
    const count = list.length;
    this.sortVertices(list, count);
    for (let k = 0; k < count; k++) at = this.copyHex(this.order[k]!, at);
    return at;
  }

  /** Runs md5 over `length` message bytes and writes the hex text and sort key of vertex `v` into `next`. */
  private digestInto(length: number, v: number): void {
    const state = this.state;
    md5Words(this.message, this.message32, length, state);
    const hex = this.next;
    const to = v * HEX_WORDS;
    for (let w = 0; w < 4; w++) {
      const word = state[w]!;
      hex[to + 2 * w] = HEX_PAIR_LE[word & 0xff]! | (HEX_PAIR_LE[(word >>> 8) & 0xff]! << 16);
      hex[to + 2 * w + 1] = HEX_PAIR_LE[(word >>> 16) & 0xff]! | (HEX_PAIR_LE[word >>> 24]! << 16);
    }
    const a = state[0]!;
    this.nextKey[v] = (((a & 0xff) << 24) | (((a >>> 8) & 0xff) << 16) | (((a >>> 16) & 0xff) << 8) | (a >>> 24)) >>> 0;
  }

  private swap(): void {
    const hex = this.current;
    this.current = this.next;
    this.next = hex;
    const bytes = this.currentBytes;
    this.currentBytes = this.nextBytes;
    this.nextBytes = bytes;
    const key = this.currentKey;
    this.currentKey = this.nextKey;
    this.nextKey = key;
  }

  /**
   * Sets the graph whose labellings `hashLabelling` hashes next: n vertices,
   * `inLists[v]`/`outLists[v]` the neighbour lists (kept by reference).
   */
  setGraph(n: number, inLists: readonly ArrayLike<number>[], outLists: readonly ArrayLike<number>[]): void {
    if (n > this.maxVertices || n < 2) throw new RangeError(`Nb101FastHasher: ${n} vertices, expected 2..${this.maxVertices}`);
    this.n = n;
    this.inLists = inLists;
    this.outLists = outLists;
    this.graphStamp++;
    // reachable[v]: bit mask of the vertices within `round + 1` hops of v, grown one hop per round.
    let reachable = Array.from({ length: n }, (_, v) => {
      let mask = 1 << v;
      for (let k = 0; k < inLists[v]!.length; k++) mask |= 1 << inLists[v]![k]!;
      for (let k = 0; k < outLists[v]!.length; k++) mask |= 1 << outLists[v]![k]!;
      return mask;
    });
    const interiorMask = ((1 << (n - 1)) - 1) & ~1;
    this.reach = [];
    for (let round = 0; round < n; round++) {
      for (let v = 0; v < n; v++) {
        const mask = reachable[v]!;
        if ((mask & interiorMask) === interiorMask) {
          this.reach.push(null);
          continue;
        }
        const weights = new Int32Array(n);
        for (let u = 1; u < n - 1; u++) if ((mask >>> u) & 1) weights[u] = NUM_LABELS ** (u - 1);
        this.reach.push(weights);
      }
      reachable = reachable.map((mask) => {
        let grown = mask;
        for (let u = 0; u < n; u++) if ((mask >>> u) & 1) grown |= reachable[u]!;
        return grown;
      });
    }
  }

  /**
   * The module hash of the graph set by `setGraph` with op codes `labels`
   * (same algorithm as `hashModuleLists`), written as 16 digest bytes to `out` at `outOffset`.
   */
  hashLabelling(labels: ArrayLike<number>, out: Uint8Array, outOffset: number): void {
    const n = this.n;
    const inLists = this.inLists;
    const outLists = this.outLists;
    for (let v = 0; v < n; v++) {
      const init = this.initialHash(outLists[v]!.length, inLists[v]!.length, labels[v]!);
      this.current.set(init.hex, v * HEX_WORDS);
      this.currentKey[v] = init.key;
    }
    const message = this.message;
    const stamp = this.graphStamp;
    const memoHex = this.memoHex;
    for (let round = 0; round < n; round++) {
      for (let v = 0; v < n; v++) {
        const weights = this.reach[round * n + v]!;
        let slot = -1;
        if (weights !== null) {
          let combo = 0;
          for (let u = 1; u < n - 1; u++) combo += weights[u]! * labels[u]!;
          slot = (round * this.maxVertices + v) * this.labelCombos + combo;
          if (this.memoStamp[slot] === stamp) {
            const next = this.next;
            for (let k = 0, from = slot * HEX_WORDS, to = v * HEX_WORDS; k < HEX_WORDS; k++) next[to + k] = memoHex[from + k]!;
            this.nextKey[v] = this.memoKey[slot]!;
            continue;
          }
        }
        let at = this.appendSorted(inLists[v]!, 0);
        message[at++] = 0x7c; // |
        at = this.appendSorted(outLists[v]!, at);
        message[at++] = 0x7c;
        this.digestInto(this.copyHex(v, at), v);
        if (slot >= 0) {
          const next = this.next;
          for (let k = 0, from = v * HEX_WORDS, to = slot * HEX_WORDS; k < HEX_WORDS; k++) memoHex[to + k] = next[from + k]!;
          this.memoKey[slot] = this.nextKey[v]!;
          this.memoStamp[slot] = stamp;
        }
      }
      this.swap();
    }
    // Python str() of the sorted list: ['h1', 'h2', …]
    this.sortVertices(this.vertexIds, n);
    let at = 0;
    message[at++] = 0x5b; // [
    for (let k = 0; k < n; k++) {
      if (k > 0) {
        message[at++] = 0x2c; // ,
        message[at++] = 0x20;
      }
      message[at++] = 0x27; // '
      at = this.copyHex(this.order[k]!, at);
      message[at++] = 0x27;
    }
    message[at++] = 0x5d; // ]
    md5Words(message, this.message32, at, this.state);
    for (let w = 0; w < 4; w++) {
      const word = this.state[w]!;
      for (let b = 0; b < 4; b++) out[outOffset + w * 4 + b] = (word >>> (8 * b)) & 0xff;
    }
  }

  /** `setGraph` + `hashLabelling` for a single labelling. */
  hashInto(
    n: number,
    inLists: readonly ArrayLike<number>[],
    outLists: readonly ArrayLike<number>[],
    labels: ArrayLike<number>,
    out: Uint8Array,
    outOffset: number,
  ): void {
    this.setGraph(n, inLists, outLists);
    this.hashLabelling(labels, out, outOffset);
  }
}
