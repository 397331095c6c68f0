/**
 * Tiny-NanoBench (Siamese-NAS) in its released per-cell JSON format: the
 * folder `tiny_nanobench/` of `data/data.zip` in D0352276/Siamese-NAS, read
 * from that zip or from the unpacked folder. Fields, as the Siamese-NAS code
 * reads and writes them (nas_prcss.py, nas_analyst.py): `adj_matrix`
 * (variable size, ≤ 7 nodes), `operations` (op names; integer codes are also
 * accepted through a mapping, see `NanoOpCodes`), `gt_accuracy` (fraction;
 * -1 or 0 marks a cell not trained yet), optional `est_code` (estimation code),
 * `id`, `flops`, `params`.
 */
import { basename, posix } from 'node:path';
import { createBenchmark } from '../core/benchmark.js';
import type { BenchRecord, Benchmark } from '../core/types.js';
import { type NanoCell, type NanoOpCodes, NANO_OPS, nanoCellProblems, nanoOpFromValue } from '../spaces/nanobench.js';
import { describeValue } from '../core/checks.js';
import { CellJsonError, type CellJsonEntry, CellJsonFields, listCellJsonArchive, readCellJsonArchive } from './cellJson.js';
import { findDataPath, readManifest } from './dataFiles.js';
import { statPath } from '../core/files.js';

/** Name of the Tiny-NanoBench folder, in the release zip and on disk. */
export const TINY_NANOBENCH_FOLDER = 'tiny_nanobench';
const MANIFEST_KEY = 'tiny_nanobench';

export interface LoadTinyNanoBenchOptions {
  /** Zip or folder; default: `findTinyNanoBench()`. */
  readonly source?: string;
  /** How integer op codes map to names; default `NANO_OPS` (Siamese-NAS order). */
  readonly opCodes?: NanoOpCodes;
  /** Keep cells whose `gt_accuracy` is ≤ 0 (not trained); they get no `gt_accuracy` metric. Default false. */
  readonly includeUntrained?: boolean;
}

/**
 * Where Tiny-NanoBench is: the manifest's `tiny_nanobench` path, a
 * `tiny_nanobench/` folder, or the release `data.zip` (also inside that
 * folder), in the data folders `findDataPath` searches. Undefined if absent.
 */
export function findTinyNanoBench(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates: string[] = [];
  try {
    const entry = readManifest().find((e) => e.path === MANIFEST_KEY || e.path.startsWith(`${MANIFEST_KEY}/`));
    if (entry) candidates.push(entry.path);
  } catch {
    // No manifest (not run from the repository root): the fixed names below still apply.
  }
  candidates.push(TINY_NANOBENCH_FOLDER, 'data.zip', `${TINY_NANOBENCH_FOLDER}/data.zip`);
  for (const rel of candidates) {
    const path = findDataPath(rel, env);
    if (!path) continue;
    // A folder that only holds the release zip is not itself the data.
    if (statPath(path, 'Tiny-NanoBench source').isDirectory() && listCellJsonArchive(path).length === 0) continue;
    return path;
  }
  return undefined;
}

/** Entry names to read: those in a `tiny_nanobench` folder, else all if they share one folder. */
function tinyNanoBenchNames(source: string): Set<string> {
  const all = listCellJsonArchive(source);
  const inFolder = all.filter((name) => name.split('/').slice(0, -1).includes(TINY_NANOBENCH_FOLDER));
  if (inFolder.length > 0) return new Set(inFolder);
  const folders = new Set(all.map((name) => posix.dirname(name)));
  if (folders.size === 1) return new Set(all);
  if (folders.size === 0) throw new Error(`loadTinyNanoBench: no *.json cell files in ${source}`);
  throw new Error(
    `loadTinyNanoBench: ${source} has no ${TINY_NANOBENCH_FOLDER}/ folder and its cell files are spread over ` +
      `${folders.size} folders (${[...folders].slice(0, 5).join(', ')}${folders.size > 5 ? ', …' : ''}); point source at the Tiny-NanoBench folder`,
  );
}

/** One record from a parsed Tiny-NanoBench cell file, or undefined for an untrained cell when those are skipped. */
export function nanoRecordFromCellJson(
  entry: CellJsonEntry,
  opts: { opCodes?: NanoOpCodes; includeUntrained?: boolean } = {},
): BenchRecord<NanoCell> | undefined {
  const f = new CellJsonFields(entry.location, entry.json);
  const adjacency = f.binaryMatrix('adj_matrix');
  const ops = f.array('operations').map((value, i) => {
    try {
      return nanoOpFromValue(value, opts.opCodes ?? NANO_OPS);
    } catch (err) {
      return f.fail('operations', `node ${i}: ${(err as Error).message}`);
    }
  });
  const problems = nanoCellProblems({ adjacency, ops });
  if (problems.length > 0) f.fail(problems[0]!.field, problems.map((p) => p.message).join('; '));

  // Siamese-NAS marks a cell not trained yet with -1 or 0; any other value must be a fraction.
  const gtAccuracy = f.number('gt_accuracy', { min: -1, max: 1 });
  if (gtAccuracy < 0 && gtAccuracy !== -1) f.fail('gt_accuracy', `is ${gtAccuracy}, expected a fraction in (0, 1], or -1 or 0 for a cell not trained yet`);
  const trained = gtAccuracy > 0;
  if (!trained && !opts.includeUntrained) return undefined;

  let id = basename(entry.name, '.json');
  if (f.has('id')) {
    const raw = f.raw('id');
    if (typeof raw !== 'string' && !(typeof raw === 'number' && Number.isInteger(raw))) {
      f.fail('id', `expected an integer or a string, got ${describeValue(raw)}`);
    }
    id = String(raw);
  }
  const metrics: Record<string, number> = {};
  if (trained) metrics['gt_accuracy'] = gtAccuracy;
  for (const field of ['flops', 'params']) {
    // Siamese-NAS writes -1 for "not computed"; any other negative value is damage.
    if (!f.has(field)) continue;
    const value = f.number(field, { min: -1 });
    if (value < 0 && value !== -1) f.fail(field, `is ${value}, expected a count ≥ 0, or -1 for "not computed"`);
    if (value >= 0) metrics[field] = value;
  }
  // Siamese-NAS treats any non-list `est_code` as "not computed yet" (nas_prcss.py).
  const estimationCode = Array.isArray(f.has('est_code') ? f.raw('est_code') : undefined) ? f.numberArray('est_code', 1) : undefined;
  return { id, arch: { adjacency, ops }, metrics, ...(estimationCode ? { extras: { estimationCode } } : {}) };
}

/**
 * Tiny-NanoBench as a `Benchmark<NanoCell>` named `tiny-nanobench`: metric
 * `gt_accuracy` (CIFAR-10, 80 epochs), plus `flops`/`params` where the files
 * have them; extras.estimationCode = `est_code` where present. Throws naming
 * the file and field on malformed cells, and saying where it looked when the
 * data is absent.
 */
export async function loadTinyNanoBench(opts: LoadTinyNanoBenchOptions = {}): Promise<Benchmark<NanoCell>> {
  const source = opts.source ?? findTinyNanoBench();
  if (!source) {
    throw new Error(
      'Tiny-NanoBench not found: put the Siamese-NAS release data.zip, or its unpacked tiny_nanobench/ folder, in a data folder ' +
        '(NAS_DATA_DIR, ./data or ../shared/data), or pass { source }. Get it from data/data.zip of github.com/D0352276/Siamese-NAS.',
    );
  }
  const names = tinyNanoBenchNames(source);
  const records: BenchRecord<NanoCell>[] = [];
  const fileOfId = new Map<string, string>();
  for (const entry of readCellJsonArchive(source, { filter: (name) => names.has(name) })) {
    const record = nanoRecordFromCellJson(entry, opts);
    if (!record) continue;
    const other = fileOfId.get(record.id);
    if (other !== undefined) throw new CellJsonError(entry.location, 'id', `id ${record.id} also appears in ${other}`);
    fileOfId.set(record.id, entry.location);
    records.push(record);
  }
  if (records.length === 0) throw new Error(`loadTinyNanoBench: no trained cells in ${source} (every gt_accuracy is ≤ 0)`);
  return createBenchmark('tiny-nanobench', records);
}
