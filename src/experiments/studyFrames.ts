/**
 * Every study's results as danfojs DataFrames (rows of runs and of the
 * summary, from studyRows.ts) for `.groupby()`, `.describe()` and `.toCSV()`
 * in a notebook.
 */
import * as dfd from 'danfojs-node';
import type { FairnessAblationResult } from './fairnessAblation.js';
import type { Renas424Result } from './renas424.js';
import type { SiameseSweepResult } from './siameseSweep.js';
import { studyRows, type TidyRow } from './studyRows.js';

export { scalarFields, studyRows, toCsv, type Scalar, type TidyRow } from './studyRows.js';

/**
 * Missing numbers as NaN: danfojs 1.2 aggregates a null as 0 (a group mean
 * of [null] is 0), a silently wrong number; NaN propagates, so a mean over
 * missing values shows as NaN until the rows are dropped (`.dropNa()`).
 */
function nullToNaN(rows: readonly TidyRow[]): Record<string, string | number | boolean>[] {
  const numeric = new Set<string>();
  for (const row of rows) for (const [k, v] of Object.entries(row)) if (typeof v === 'number') numeric.add(k);
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? (numeric.has(k) ? NaN : '') : v])));
}

/**
 * The study's runs and summary as danfojs DataFrames. Missing numbers are
 * NaN (see `nullToNaN`). danfojs' `std` fails on a group of one row; `mean`,
 * `min`, `max` and `count` do not.
 */
export function studyFrames(result: FairnessAblationResult | Renas424Result | SiameseSweepResult): { runs: dfd.DataFrame; summary: dfd.DataFrame } {
  const { runs, summary } = studyRows(result);
  return { runs: new dfd.DataFrame(nullToNaN(runs)), summary: new dfd.DataFrame(nullToNaN(summary)) };
}

