/**
 * Every study's results as tidy rows (one per run, one per summary line) of
 * plain scalars, and as CSV for the CLI's `--csv`. Light on purpose (arquero
 * only): the CLI loads it; the danfojs DataFrames are in studyFrames.ts.
 */
import { from as tableFromRows, op } from 'arquero';
import type { FairnessAblationResult } from './fairnessAblation.js';
import type { Renas424Result } from './renas424.js';
import type { SiameseSweepResult } from './siameseSweep.js';

export type Scalar = string | number | boolean | null;
export type TidyRow = Record<string, Scalar>;

/** The scalar fields of `row` (arrays, typed arrays and nested objects left out); NaN becomes null. */
export function scalarFields(row: object): TidyRow {
  const out: TidyRow = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
    else if (typeof v === 'number') out[k] = Number.isNaN(v) ? null : v;
  }
  return out;
}

/** One row per FairNAS run (sampler × seed). */
export function fairnessRunRows(result: FairnessAblationResult): TidyRow[] {
  return result.runs.map((r) => ({
    ...scalarFields(r),
    meanHeldOutAccuracy: r.accuracy.length ? r.accuracy.reduce((a, b) => a + b, 0) / r.accuracy.length : null,
  }));
}

/** Rows of one run and of the summary, for each study. */
export function studyRows(result: FairnessAblationResult | Renas424Result | SiameseSweepResult): { runs: TidyRow[]; summary: TidyRow[] } {
  if ('archs' in result) return { runs: fairnessRunRows(result), summary: result.summary.map(scalarFields) };
  if ('subsetBest' in result) return { runs: result.rows.map(scalarFields), summary: result.summary.map(scalarFields) };
  return { runs: result.rows.map(scalarFields), summary: result.table.map(scalarFields) };
}

/**
 * `rows` grouped by the values of `keys`, groups in order of first
 * appearance, rows in input order: arquero's groupby + rollup (array_agg of
 * row indices), so each summary only says what it computes per group.
 */
export function groupRows<R extends object>(rows: readonly R[], keys: readonly (keyof R & string)[]): R[][] {
  if (rows.length === 0) return [];
  const keyed = tableFromRows(rows.map((r, i) => ({ ...Object.fromEntries(keys.map((k) => [k, r[k]])), __row: i })));
  const groups = keyed.groupby(...keys).rollup({ rows: op.array_agg('__row') }).array('rows') as number[][];
  return Array.from(groups, (indices) => indices.map((i) => rows[i]!));
}

/** CSV text (header + rows), missing values empty. arquero writes it: light enough for the CLI. */
export function toCsv(rows: readonly TidyRow[]): string {
  return tableFromRows(rows as TidyRow[]).toCSV();
}
