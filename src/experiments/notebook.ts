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
      `profile:  ${session.profile} (NAS_PROFILE=smoke|paper|full)`,
      `results:  ${session.resultsDir}/ (runs cached by config; figures in ${session.figureDir}/)`,
      `data:     ${dataDir ?? 'no data folder found (NAS_DATA_DIR, ./data, ../shared/data)'}`,
    ].join('\n'),
  );
  return session;
}
