import type { Snapshot } from './clusterModel.js';
import { fit, columnWidths } from './tableState.js';
import { cellsAt, servicesView } from './views.js';

/** The services view as plain text: what `svcnet --once` prints and what scripts can read. */
export function snapshotText(s: Snapshot, width = 160): string {
  const rows = servicesView.rows(s, {}).map((r) => ({ fault: r.fault, cells: cellsAt(servicesView, r, s.at) }));
  const widths = columnWidths(servicesView.columns, rows, width);
  const line = (cells: string[]) => cells.map((c, i) => fit(c, widths[i] ?? 8)).join('  ').trimEnd();
  const faults = rows.filter((r) => r.fault).length;
  return [
    `svcnet · ${s.source} · ${rows.length} services${faults ? `, ${faults} without ready endpoints` : ''}`,
    line(servicesView.columns),
    ...rows.map((r) => line(r.cells)),
  ].join('\n');
}
