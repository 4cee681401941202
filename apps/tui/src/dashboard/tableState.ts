import type { Row } from './views.js';

export interface TableQuery {
  filter: string;
  faultsOnly: boolean;
  /** Column index to sort by, or -1 for the view's own order. */
  sortColumn: number;
  sortDescending: boolean;
}

/**
 * Filters and sorts rows: the text filter matches any cell (case-insensitive), or the fault text.
 * `cellsOf` gives the cells as drawn (views/tableView.ts cellsAt: a current AGE); it is called only
 * when a filter or a sort reads the cells.
 */
export function queryRows(rows: readonly Row[], q: TableQuery, cellsOf: (r: Row) => readonly string[] = (r) => r.cells): readonly Row[] {
  const needle = q.filter.toLowerCase();
  // Neither a filter nor faults-only: the view's own rows, not a 10,000-row copy per refresh.
  let out: readonly Row[] =
    !needle && !q.faultsOnly ? rows : rows.filter((r) => (!q.faultsOnly || r.fault !== undefined) && (!needle || cellsOf(r).some((c) => c.toLowerCase().includes(needle)) || (r.fault ?? '').includes(needle)));
  if (q.sortColumn >= 0) {
    const col = q.sortColumn;
    const keyed = out.map((r) => [cellsOf(r)[col] ?? '', r] as const);
    out = keyed.sort((a, b) => compareCells(a[0], b[0])).map(([, r]) => r);
  }
  if (q.sortDescending) out = [...out].reverse();
  return out;
}

/** Numeric-aware comparison so `9/10` sorts before `10/10` and ages sort sensibly. */
function compareCells(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' });
}

/** The first row to draw so that `cursor` stays visible in a window of `height` rows. */
export function scrollOffset(previous: number, cursor: number, height: number, total: number): number {
  if (height <= 0) return 0;
  let top = previous;
  if (cursor < top) top = cursor;
  if (cursor >= top + height) top = cursor - height + 1;
  return Math.max(0, Math.min(top, Math.max(0, total - height)));
}

/** Column widths that fit `width`: each column as wide as its widest visible cell, the last one flexible. */
export function columnWidths<R extends Pick<Row, 'cells'>>(columns: readonly string[], rows: readonly R[], width: number): number[] {
  const w = columns.map((c) => c.length);
  for (const r of rows) r.cells.forEach((c, i) => (w[i] = Math.max(w[i] ?? 0, Math.min(c.length, 48))));
  const gap = 2 * (columns.length - 1);
  let total = w.reduce((a, b) => a + b, 0) + gap;
  // Shrink the widest columns first until the table fits.
  while (total > width && w.some((x) => x > 6)) {
    const i = w.indexOf(Math.max(...w));
    w[i] = (w[i] ?? 0) - 1;
    total--;
  }
  return w;
}

export function fit(text: string, width: number): string {
  if (text.length <= width) return text.padEnd(width);
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}
