/**
 * The one text form of task specs and results, whatever carries them (a
 * worker thread, a Redis job, a cache file). Plain JSON loses what studies
 * return: NaN and ±Infinity become null, -0 becomes 0 and typed arrays become
 * objects with numeric keys. Every executor hands results back through
 * `fromWireText(toWireText(x))`, so in-thread, pool and queue runs give the
 * same values bit for bit, and a cached result reads back exactly as computed.
 * (Hand-written: JSON with a replacer is the whole job; no serialisation
 * library here keeps -0 and typed arrays and stays readable JSON.)
 */

const TYPED_ARRAYS = {
  Float32Array,
  Float64Array,
  Int8Array,
  Int16Array,
  Int32Array,
  Uint8Array,
  Uint16Array,
  Uint32Array,
  Uint8ClampedArray,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;

const NUM_TAG = '$num';
const TYPED_TAG = '$typed';

function isTypedName(name: string): name is TypedArrayName {
  return Object.prototype.hasOwnProperty.call(TYPED_ARRAYS, name);
}

/** Deep copy of `value` as plain JSON data, special numbers and typed arrays tagged. */
export function toWire(value: unknown, path = '$'): unknown {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return { [NUM_TAG]: 'NaN' };
    if (value === Infinity) return { [NUM_TAG]: 'Infinity' };
    if (value === -Infinity) return { [NUM_TAG]: '-Infinity' };
    if (Object.is(value, -0)) return { [NUM_TAG]: '-0' };
    return value;
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value === undefined) return undefined;
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor.name;
    if (!isTypedName(name)) throw new TypeError(`wire: ${path} is a ${name}, which cannot be sent (typed arrays of numbers only)`);
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return { [TYPED_TAG]: name, base64: Buffer.from(bytes).toString('base64') };
  }
  if (Array.isArray(value)) return value.map((v, i) => toWire(v, `${path}[${i}]`) ?? null);
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(`wire: ${path} is a ${(value as object).constructor?.name ?? 'non-plain object'}; task specs and results must be plain data`);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const w = toWire(v, `${path}.${k}`);
      if (w !== undefined) out[k] = w;
    }
    return out;
  }
  throw new TypeError(`wire: ${path} is a ${typeof value}, which cannot be sent`);
}

/** Inverse of `toWire`. */
export function fromWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromWire);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && typeof obj[NUM_TAG] === 'string') {
      const s = obj[NUM_TAG];
      if (s === 'NaN') return NaN;
      if (s === 'Infinity') return Infinity;
      if (s === '-Infinity') return -Infinity;
      if (s === '-0') return -0;
    }
    if (keys.length === 2 && typeof obj[TYPED_TAG] === 'string' && typeof obj['base64'] === 'string' && isTypedName(obj[TYPED_TAG])) {
      const Ctor = TYPED_ARRAYS[obj[TYPED_TAG]];
      const bytes = Buffer.from(obj['base64'], 'base64');
      // Copy into a fresh, aligned buffer (Buffer's pool slice may be unaligned).
      const copy = new Uint8Array(bytes.byteLength);
      copy.set(bytes);
      return new Ctor(copy.buffer, 0, copy.byteLength / Ctor.BYTES_PER_ELEMENT);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = fromWire(v);
    return out;
  }
  return value;
}

export function toWireText(value: unknown): string {
  return JSON.stringify(toWire(value));
}

export function fromWireText<T = unknown>(text: string): T {
  return fromWire(JSON.parse(text)) as T;
}
