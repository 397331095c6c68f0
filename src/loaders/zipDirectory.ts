/**
 * The central directory of a zip held in memory: each entry's name, sizes and
 * CRC-32. fflate inflates the entries but never checks their CRC-32, so a
 * flipped byte inside a stored or deflated entry would be read as data; this
 * small reader (the directory format is a few fixed fields) supplies the
 * checksums, and `checkZipEntry` compares them with node's native crc32.
 */
import { crc32 } from 'node:zlib';

export interface ZipDirectoryEntry {
  readonly name: string;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
}

/** A zip whose directory or entry is damaged; names the archive and, where known, the entry. */
export class ZipFormatError extends Error {
  constructor(readonly source: string, readonly entry: string | undefined, reason: string) {
    super(`zip archive ${source}${entry === undefined ? '' : `, entry "${entry}"`}: ${reason}`);
    this.name = 'ZipFormatError';
  }
}

const EOCD = 0x06054b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Entries of the central directory by name. */
export function readZipDirectory(bytes: Uint8Array, source: string): Map<string, ZipDirectoryEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (reason: string): never => {
    throw new ZipFormatError(source, undefined, `${reason}: the archive is truncated, damaged or not a zip file`);
  };
  // The end record is 22 bytes plus a comment of at most 65,535; the comment may itself hold the
  // signature, so the record is the one whose comment length reaches exactly the end of the file.
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 65535); at--) {
    if (view.getUint32(at, true) === EOCD && at + 22 + view.getUint16(at + 20, true) === bytes.length) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) fail('no end-of-central-directory record ending the file');
  const zip64 = eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_LOCATOR;
  // fflate reads the count of this disk's entries, the format also stores the total: they must agree.
  if (view.getUint16(eocd + 8, true) !== view.getUint16(eocd + 10, true) || (!zip64 && (view.getUint16(eocd + 4, true) !== 0 || view.getUint16(eocd + 6, true) !== 0))) {
    fail('the end-of-central-directory record is inconsistent (entry counts or disk numbers)');
  }
  let count = view.getUint16(eocd + 10, true);
  let dirSize = view.getUint32(eocd + 12, true);
  let dirOffset = view.getUint32(eocd + 16, true);
  if (zip64 && (count === 0xffff || dirOffset === 0xffffffff || dirSize === 0xffffffff)) {
    const z64 = Number(view.getBigUint64(eocd - 12, true));
    if (z64 + 56 > bytes.length || view.getUint32(z64, true) !== ZIP64_EOCD) fail('bad zip64 end record');
    count = Number(view.getBigUint64(z64 + 32, true));
    dirSize = Number(view.getBigUint64(z64 + 40, true));
    dirOffset = Number(view.getBigUint64(z64 + 48, true));
  }
  if (dirOffset + dirSize > bytes.length) fail(`the central directory (bytes ${dirOffset}..${dirOffset + dirSize}) lies past the end of the file (${bytes.length} bytes)`);
  const entries = new Map<string, ZipDirectoryEntry>();
  const decoder = new TextDecoder();
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL) fail(`central directory record ${i} of ${count} is damaged`);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const nameBytes = bytes.subarray(at + 46, at + 46 + nameLength);
    // As fflate decodes it: UTF-8 when general-purpose bit 11 says so, else latin1 (zips from Windows and macOS tools).
    const name = view.getUint16(at + 8, true) & 0x800 ? decoder.decode(nameBytes) : Buffer.from(nameBytes).toString('latin1');
    let localOffset = view.getUint32(at + 42, true);
    if (size === 0xffffffff || compressedSize === 0xffffffff || localOffset === 0xffffffff) {
      // zip64 extra field (id 1): the 8-byte sizes that overflowed, in this order.
      for (let x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength; ) {
        const id = view.getUint16(x, true);
        const len = view.getUint16(x + 2, true);
        if (id === 1) {
          let y = x + 4;
          if (size === 0xffffffff) (size = Number(view.getBigUint64(y, true))), (y += 8);
          if (compressedSize === 0xffffffff) (compressedSize = Number(view.getBigUint64(y, true))), (y += 8);
          if (localOffset === 0xffffffff) localOffset = Number(view.getBigUint64(y, true));
          break;
        }
        x += 4 + len;
      }
    }
    // The local header must name the same entry: fflate finds the data through it, and a
    // damaged name in either copy would otherwise drop or rename an entry without a word.
    const localName = localOffset + 30 + nameLength <= bytes.length && view.getUint32(localOffset, true) === LOCAL ? bytes.subarray(localOffset + 30, localOffset + 30 + view.getUint16(localOffset + 26, true)) : undefined;
    if (!localName || Buffer.compare(localName, nameBytes) !== 0) {
      throw new ZipFormatError(source, name, 'its local header is missing or names another entry: the archive is damaged');
    }
    if (entries.has(name)) throw new ZipFormatError(source, name, 'appears twice in the central directory');
    entries.set(name, { name, crc32: view.getUint32(at + 16, true), compressedSize, size });
    at += 46 + nameLength + extraLength + commentLength;
  }
  if (at !== dirOffset + dirSize) fail(`the central directory holds ${at - dirOffset} bytes of ${count} records, but the end record says ${dirSize}`);
  return entries;
}

/** Throws when an inflated entry's length or CRC-32 differs from its directory record. */
export function checkZipEntry(source: string, entry: ZipDirectoryEntry | undefined, name: string, data: Uint8Array): void {
  if (!entry) throw new ZipFormatError(source, name, 'is not in the central directory: the archive is damaged');
  if (data.length !== entry.size) {
    throw new ZipFormatError(source, name, `inflates to ${data.length} bytes, the directory says ${entry.size}: the archive is damaged`);
  }
  const actual = crc32(data) >>> 0;
  if (actual !== entry.crc32) {
    throw new ZipFormatError(
      source,
      name,
      `CRC-32 ${actual.toString(16).padStart(8, '0')} does not match the stored ${entry.crc32.toString(16).padStart(8, '0')}: the archive is damaged; get it again`,
    );
  }
}
