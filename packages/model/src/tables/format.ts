import { PRINTERS, type PrintableKind, type PrintableOfKind } from './rows.js';

export interface TableOptions {
  /** `-o wide`: extra columns, and load balancer addresses not cut short. */
  readonly wide?: boolean;
  /** `-A`: a NAMESPACE column first. */
  readonly allNamespaces?: boolean;
  /** The clock for AGE, in ms since the epoch (injected so output is reproducible). Defaults to Date.now(). */
  readonly now?: number;
}

export interface Table {
  readonly columns: string[];
  readonly rows: string[][];
}

/** Whether `kind` has a kubectl-style table. */
export function isPrintableKind(kind: string): kind is PrintableKind {
  return Object.prototype.hasOwnProperty.call(PRINTERS, kind);
}

/** The header and cells of kubectl's `get` table for objects of one kind, for renderers other than text. */
export function tableFor<K extends PrintableKind>(kind: K, objects: readonly PrintableOfKind[K][], options: TableOptions = {}): Table {
  const printer = PRINTERS[kind] as unknown as { columns: { name: string; wide?: boolean }[]; row(o: unknown, ctx: { wide: boolean; now: number }): string[] };
  const ctx = { wide: options.wide ?? false, now: options.now ?? Date.now() };
  const keep = printer.columns.map((c) => ctx.wide || !c.wide);
  const columns = printer.columns.filter((_, i) => keep[i]).map((c) => c.name);
  const rows = objects.map((o) => printer.row(o, ctx).filter((_, i) => keep[i]));
  if (options.allNamespaces) {
    columns.unshift('NAMESPACE');
    objects.forEach((o, i) => rows[i]!.unshift((o as { metadata?: { namespace?: string } }).metadata?.namespace ?? ''));
  }
  return { columns, rows };
}

/** Lays a table out as kubectl's tabwriter does: columns padded to their widest cell plus three spaces. */
export function renderTable(table: Table): string {
  const widths = table.columns.map((c, i) => Math.max(c.length, ...table.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 3)))
      .join('')
      .trimEnd();
  return [line(table.columns), ...table.rows.map(line)].join('\n') + '\n';
}

/**
 * kubectl `get` output for objects of one kind: `formatTable('Service', services, { wide, allNamespaces, now })`.
 * An empty list gives kubectl's `No resources found` line.
 */
export function formatTable<K extends PrintableKind>(kind: K, objects: readonly PrintableOfKind[K][], options: TableOptions = {}): string {
  if (objects.length === 0) return 'No resources found\n';
  return renderTable(tableFor(kind, objects, options));
}
