/** Fixed-width text tables for the commands' stdout (the notebooks show the same rows with `showTable`). */

/** A header, a rule and the lines, each cell padded to its column's widest entry, columns two spaces apart. */
export function alignedLines(header: readonly string[], lines: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => (l[c] ?? '').length)));
  const fmt = (cells: readonly string[]): string => cells.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)];
}

/** Rows (one object each) as a text table over `columns` (default: the first row's keys); a missing value is empty. */
export function textTable(rows: readonly Record<string, string | number>[], columns: readonly string[] = Object.keys(rows[0] ?? {})): string {
  return alignedLines(
    columns,
    rows.map((r) => columns.map((c) => (r[c] === undefined ? '' : String(r[c])))),
  ).join('\n');
}
