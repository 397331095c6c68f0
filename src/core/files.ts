/**
 * Reading data files as regular files only. Every loader reads through here:
 * a directory, a named pipe (which would block the reader forever), a socket
 * or a device where a file is expected is an error naming the path, as is a
 * file larger than the loader's bound (a sign of the wrong file, and what
 * keeps a huge file from taking the machine's memory).
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';

export class DataFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataFileError';
  }
}

/** What a non-regular file is, in words. */
export function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** An fs error as a sentence that names the path and the remedy. */
export function fsErrorMessage(path: string, what: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return `${what} ${path} does not exist (or is a symbolic link to a missing file)`;
    case 'EACCES':
    case 'EPERM':
      return `${what} ${path} cannot be read: permission denied (give this user read access, e.g. chmod u+r)`;
    case 'ELOOP':
      return `${what} ${path} is a loop of symbolic links`;
    case 'EISDIR':
      return `${what} ${path} is a directory, expected a file`;
    default:
      return `${what} ${path} cannot be read: ${(err as Error).message}`;
  }
}

/**
 * Opens `path` for reading (following symbolic links) and checks it is a
 * regular file no larger than `maxBytes`. O_NONBLOCK keeps open() of a FIFO
 * from waiting for a writer; the fstat then refuses it.
 */
export function openRegularFile(path: string, what: string, maxBytes = Infinity): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new DataFileError(fsErrorMessage(path, what, err));
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new DataFileError(`${what} ${path} is ${fileKind(st)}, expected a regular file`);
    if (st.size > maxBytes) {
      throw new DataFileError(`${what} ${path} is ${st.size} bytes, more than the ${maxBytes} this file can be: it is not the expected file`);
    }
    return { fd, size: st.size };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** The bytes of a regular file (see `openRegularFile`). */
export function readRegularFile(path: string, what: string, maxBytes = Infinity): Buffer {
  const { fd, size } = openRegularFile(path, what, maxBytes);
  try {
    const bytes = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      let n: number;
      try {
        n = readSync(fd, bytes, off, size - off, off);
      } catch (err) {
        throw new DataFileError(fsErrorMessage(path, what, err));
      }
      if (n === 0) throw new DataFileError(`${what} ${path} shrank while it was read (${off} of ${size} bytes): it is being written; try again when it is complete`);
      off += n;
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}

/** The text of a regular file, as UTF-8. */
export function readRegularText(path: string, what: string, maxBytes = Infinity): string {
  return readRegularFile(path, what, maxBytes).toString('utf8');
}

/** stat (following links) that names the path and the remedy when it fails. */
export function statPath(path: string, what: string): Stats {
  try {
    return statSync(path);
  } catch (err) {
    throw new DataFileError(fsErrorMessage(path, what, err));
  }
}

/** Parses JSON text; a failure names the file. */
export function parseJsonText(text: string, path: string, what: string): unknown {
  if (text.trim() === '') throw new DataFileError(`${what} ${path} is empty`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DataFileError(`${what} ${path} is not valid JSON (${(err as Error).message})`);
  }
}
