/**
 * The first cell of every notebook: choose the tfjs backend before any tensor
 * exists, name the figure folder, and say what this run is (backend, profile,
 * where results go) so an executed notebook documents its own conditions.
 */
import { initBackend, type BackendInfo } from '../backend.js';
import { currentProfile, resultsDir, type Profile } from '../config.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { dataSearchDirs, readManifest } from '../loaders/dataFiles.js';
import { figureDir, setFigureGroup } from '../viz/index.js';

export interface NotebookSession {
  readonly name: string;
  readonly profile: Profile;
  readonly backend: BackendInfo;
  readonly resultsDir: string;
  readonly figureDir: string;
  /** The first searched data folder holding any manifest file, or undefined. */
  readonly dataDir: string | undefined;
}

export async function startNotebook(name: string): Promise<NotebookSession> {
  const backend = await initBackend();
  setFigureGroup(name);
  const files = readManifest().map((e) => e.path);
  const dataDir = dataSearchDirs().find((d) => files.some((f) => existsSync(join(d.dir, f))))?.dir;
  const session: NotebookSession = {
    name,
    profile: currentProfile(),
    backend,
    resultsDir: resultsDir(),
    figureDir: figureDir(),
    dataDir,
  };
  console.log(
    [
      `notebook: ${name}`,
      `backend:  ${backend.describe()}`,
      `profile:  ${session.profile} (NAS_PROFILE=smoke|paper|long|full)`,
      `results:  ${session.resultsDir}/ (runs cached by config; figures in ${session.figureDir}/)`,
      `data:     ${dataDir ?? 'no data folder found (NAS_DATA_DIR, ./data, ../shared/data)'}`,
    ].join('\n'),
  );
  return session;
}

/**
 * The value an earlier cell computes, checked to be there, e.g.
 * `need(result, "result", "Run the sweep")`. A cell that failed or was
 * interrupted can leave its `const` undefined, and the next cell would fail
 * with "Cannot read properties of undefined", hiding the cause; this says
 * which cell to rerun instead. `cell` is the heading above the cell that
 * computes it. (Positional, not `{ result }`: tslab does not rewrite a
 * shorthand property that names another cell's variable.)
 */
export function need<T>(value: T | undefined | null, name: string, cell: string): T {
  if (value !== undefined && value !== null) return value;
  throw new Error(
    `${name} is not set: the cell under "${cell}" failed, was interrupted or has not run yet. ` +
      'Rerun that cell (finished runs come from the cache), then this one.',
  );
}
