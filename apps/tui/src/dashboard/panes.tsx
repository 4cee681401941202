/** @jsxRuntime automatic */
/** @jsxImportSource react */
import { Box, Text } from 'ink';
import { Line } from './line.js';
import { TableBody } from './tableBody.js';
import type { Snapshot } from './clusterModel.js';
import type { Binding } from './keymap.js';
import { columnWidths, fit } from './tableState.js';
import { cellsAt, type Row, type TableView } from './views.js';

// The dashboard's body, one of three panes: key help, a detail pane, or the table. They draw what
// App hands them and keep no state of their own.

/** How long a changed row stays highlighted. */
const HIGHLIGHT_MS = 2000;

/** Every key binding with its help, in as many columns as the height needs. */
export function HelpPane({ bindings, width, height }: { bindings: readonly Binding[]; width: number; height: number }) {
  const entries = bindings.map((b) => `${b.keys.map((k) => (k === 'escape' ? 'esc' : k)).join(', ').padEnd(17)} ${b.help}`);
  const perColumn = Math.max(1, height - 4);
  const columns: string[][] = [];
  for (let i = 0; i < entries.length; i += perColumn) columns.push(entries.slice(i, i + perColumn));
  const colWidth = Math.floor((width - 2) / columns.length);
  return (
    <Box flexDirection="column">
      {columns[0]!.map((_, r) => (
        <Line key={r} text={columns.map((c) => fit(c[r] ?? '', colWidth - 1)).join(' ')} width={width} />
      ))}
    </Box>
  );
}

/** The visible lines of a detail (tree, yaml, describe, rules, dns). */
export function DetailPane({ lines, width }: { lines: readonly string[]; width: number }) {
  return (
    <Box flexDirection="column">
      {lines.map((l, i) => (
        <Line key={i} text={l} width={width} />
      ))}
    </Box>
  );
}

export interface TableInput {
  view: TableView;
  rows: readonly Row[];
  /** The first row shown, and the selected row (both indexes into rows). */
  offset: number;
  cursor: number;
  tableHeight: number;
  width: number;
  snap: Snapshot;
}

/** One drawn table line: its text and how it is marked. */
export interface TableLine {
  key: string;
  text: string;
  /** The cells as drawn, each as wide as its column (`text` is them joined, with the marks). */
  cells: readonly string[];
  selected: boolean;
  fault: boolean;
  changed: boolean;
}

/** What the table pane draws, as data: App compares it between refreshes to skip frames that would not change. */
export interface TableLines {
  columns: string;
  /** Each column's width. */
  widths: readonly number[];
  /** The line shown when there are no rows. */
  empty: string | undefined;
  lines: TableLine[];
}

/** The visible rows of a table as text: the selected one marked `>`, faults `!`, changed in the last 2 s flagged. */
export function tableLines({ view, rows, offset, cursor, tableHeight, width, snap }: TableInput): TableLines {
  const visible = rows.slice(offset, offset + tableHeight).map((r) => ({ row: r, cells: cellsAt(view, r, snap.at) }));
  const widths = columnWidths(view.columns, visible, width - 2);
  const fitted = (cells: readonly string[]) => cells.map((c, i) => fit(c, widths[i] ?? 8));
  return {
    columns: fitted(view.columns).join('  '),
    widths,
    empty: visible.length === 0 ? (snap.synced ? 'no rows (esc clears the filter)' : 'loading...') : undefined,
    lines: visible.map(({ row: r, cells }, i) => {
      const selected = offset + i === cursor;
      const drawn = fitted(cells);
      return {
        key: r.key,
        text: `${selected ? '>' : ' '}${drawn.join('  ')}${r.fault ? '  !' : ''}`,
        cells: drawn,
        selected,
        fault: Boolean(r.fault),
        changed: r.changedAt !== undefined && snap.at - r.changedAt < HIGHLIGHT_MS,
      };
    }),
  };
}

/** The table: the selected row inverse, faults red, rows changed in the last 2 s yellow. */
export function TablePane({ table, color, width }: { table: TableLines; color: boolean; width: number }) {
  return (
    <Box flexDirection="column">
      <Text bold>{table.columns}</Text>
      {table.empty !== undefined ? <Text dimColor>{table.empty}</Text> : null}
      <TableBody lines={table.lines} widths={table.widths} color={color} width={width} />
    </Box>
  );
}
