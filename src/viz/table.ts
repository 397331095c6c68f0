/**
 * Tables for notebooks and logs: arquero tables (or arrays of row objects)
 * rendered as HTML in a notebook and as GitHub Markdown elsewhere, with
 * numbers shown to a sensible precision.
 */
import { from as tableFromRows, table as tableFromColumns, type ColumnTable } from 'arquero';
import { notebookOutput } from './jupyter.js';

/** An arquero table or an array of plain row objects. */
// `object` rather than Record<string, unknown>: typed row interfaces (no index signature) must be accepted.
export type TableInput = ColumnTable | readonly object[];

/** A per-column formatter overriding the automatic number format. */
export type CellFormat = (value: unknown) => string;

export interface TableOptions {
  /** Significant digits kept for typical values of non-integer number columns (default 4). */
  digits?: number;
  /** Most rows written; a note says how many were left out. */
  limit?: number;
  /** Columns to include, in order (default all). */
  columns?: string[];
  /** Explicit formatters by column name. */
  format?: Record<string, CellFormat>;
  /** Caption written above the table. */
  title?: string;
}

function isArqueroTable(value: unknown): value is ColumnTable {
  const t = value as Partial<ColumnTable> | null;
  return typeof t === 'object' && t !== null && typeof t.columnNames === 'function' && typeof t.toHTML === 'function' && typeof t.numRows === 'function';
}

/** The input as an arquero table (row arrays are converted; tables pass through). */
export function toTable(input: TableInput): ColumnTable {
  if (isArqueroTable(input)) return input;
  if (!Array.isArray(input)) throw new TypeError('table: expected an arquero table or an array of row objects');
  input.forEach((row, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new TypeError(`table: row ${i} must be a plain object of column values`);
  });
  return tableFromRows(input as Record<string, unknown>[]);
}

/**
 * Fixed decimals per non-integer number column, chosen so the column's median
 * magnitude keeps `digits` significant digits (τ ≈ 0.71 → 4 decimals,
 * accuracy ≈ 93.4 → 2). Arquero's own inference prints every float with up to
 * 6 decimals, which buries the meaningful ones.
 */
export function numberFormats(table: ColumnTable, digits = 4): Record<string, { digits: number }> {
  if (!Number.isInteger(digits) || digits < 1 || digits > 15) throw new RangeError(`table: digits must be an integer in 1..15, got ${digits}`);
  const formats: Record<string, { digits: number }> = {};
  for (const name of table.columnNames()) {
    const magnitudes: number[] = [];
    let fractional = false;
    for (const v of Array.from(table.array(name) as ArrayLike<unknown>)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      if (!Number.isInteger(v)) fractional = true;
      if (v !== 0) magnitudes.push(Math.abs(v));
    }
    if (!fractional || magnitudes.length === 0) continue;
    magnitudes.sort((a, b) => a - b);
    const median = magnitudes[Math.floor(magnitudes.length / 2)]!;
    const decimals = digits - 1 - Math.floor(Math.log10(median));
    formats[name] = { digits: Math.min(8, Math.max(0, decimals)) };
  }
  return formats;
}

function arqueroOptions(table: ColumnTable, opts: TableOptions) {
  const columns = opts.columns ?? table.columnNames();
  const known = new Set(table.columnNames());
  for (const c of columns) {
    if (!known.has(c)) throw new RangeError(`table: no column "${c}"; columns are ${[...known].join(', ')}`);
  }
  const limit = opts.limit ?? Infinity;
  if (!(limit >= 0)) throw new RangeError(`table: limit must be ≥ 0, got ${limit}`);
  // A user formatter never sees the missing mark (it would get '—' where it expects a number).
  const userFormats = Object.fromEntries(Object.entries(opts.format ?? {}).map(([c, f]) => [c, (v: unknown) => (v === MISSING_MARK ? MISSING_MARK : f(v))]));
  // Number columns stay right-aligned when missing values turn some cells into text.
  const align = Object.fromEntries(
    columns.filter((c) => Array.from(table.array(c) as ArrayLike<unknown>).every((v) => isMissing(v) || typeof v === 'number')).map((c) => [c, 'r' as const]),
  );
  return { columns, limit, align, format: { ...numberFormats(table, opts.digits), ...userFormats } };
}

/** What a table shows for a missing value (null, undefined, NaN). */
export const MISSING_MARK = '—';

const isMissing = (v: unknown): boolean => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));

/**
 * The table with every missing value replaced by {@link MISSING_MARK}, and
 * whether there was one: arquero would print `null` and `NaN`, which read as
 * data. Number formats are inferred on the original table.
 */
function markMissing(table: ColumnTable, shown: readonly string[], limit: number): { table: ColumnTable; marked: boolean } {
  let changed = false;
  let marked = false; // a missing value among the cells actually shown
  const columns: Record<string, unknown[]> = {};
  for (const name of table.columnNames()) {
    const values = Array.from(table.array(name) as ArrayLike<unknown>);
    const visible = shown.includes(name);
    columns[name] = values.map((v, row) => {
      if (!isMissing(v) || !visible) return v;
      changed = true;
      if (row < limit) marked = true;
      return MISSING_MARK;
    });
  }
  return changed ? { table: tableFromColumns(columns, table.columnNames()), marked } : { table, marked };
}

function tableNotes(table: ColumnTable, limit: number, marked: boolean): string {
  const rows = table.numRows();
  const notes = [rows > limit ? `(showing the first ${limit} of ${rows} rows)` : '', marked ? `(${MISSING_MARK} = no value: not measured or not defined for that row)` : ''];
  return notes.filter((n) => n !== '').join(' ');
}

/** GitHub-flavoured Markdown for logs, notes and plain-text notebook output. */
export function tableToMarkdown(input: TableInput, opts: TableOptions = {}): string {
  const original = toTable(input);
  const options = arqueroOptions(original, opts);
  const { table, marked } = markMissing(original, options.columns, options.limit);
  const note = tableNotes(table, options.limit, marked);
  return (opts.title ? `**${opts.title}**\n\n` : '') + table.toMarkdown(options) + (note ? `\n${note}\n` : '');
}

/** An HTML <table> (with an optional caption) for notebook display. */
export function tableToHtml(input: TableInput, opts: TableOptions = {}): string {
  const original = toTable(input);
  const options = arqueroOptions(original, opts);
  const { table, marked } = markMissing(original, options.columns, options.limit);
  const note = tableNotes(table, options.limit, marked);
  const html = table.toHTML({
    ...options,
    style: {
      table: 'border-collapse: collapse; font-variant-numeric: tabular-nums;',
      th: 'padding: 4px 10px; border-bottom: 1px solid #444;',
      td: 'padding: 3px 10px;',
    },
  });
  const caption = opts.title ? `<p><strong>${escapeHtml(opts.title)}</strong></p>\n` : '';
  return caption + html + (note ? `\n<p><em>${note}</em></p>` : '');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Shows a table: as HTML (with a Markdown text fallback) in a notebook, as
 * Markdown on stdout elsewhere. Shows at most 50 rows unless `limit` says otherwise.
 */
export function showTable(input: TableInput, opts: TableOptions = {}): void {
  const options = { limit: 50, ...opts };
  const markdown = tableToMarkdown(input, options);
  const out = notebookOutput();
  if (!out) {
    console.log(markdown);
    return;
  }
  out.display({ 'text/html': tableToHtml(input, options), 'text/plain': markdown });
}
