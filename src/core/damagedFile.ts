import { renameSync } from 'node:fs';

/**
 * Moves a damaged cache file or checkpoint out of the way (to
 * `<path>.damaged-<time>`) and says so, naming both paths: the caller then
 * recomputes what it held, and the file stays on disk for inspection.
 * Returns where it went, or undefined when another process moved it first.
 */
export function moveAsideDamaged(path: string, why: string, what: string, warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): string | undefined {
  const aside = `${path}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    renameSync(path, aside);
  } catch {
    return undefined;
  }
  warn(`${what}: ${path} could not be used (${why}); moved it to ${aside} and it will be recomputed`);
  return aside;
}
