import type { EndpointSlice } from '@svcnet/model';
import { isEndpointReady, joinHostPort, objectKey } from '@svcnet/model';
import type { Snapshot } from '../clusterModel.js';
import { sliceRows } from './sliceRows.js';
import { none, type Row, type TableView, yesNo } from './tableView.js';

/** One row per endpoint address and port of a Service's slices. */
export function endpointRows(svcKey: string, slices: readonly EndpointSlice[], s: Snapshot): Row[] {
  const rows: Row[] = [];
  const [ns, name] = svcKey.split('/') as [string, string];
  for (const slice of slices) {
    const ports = slice.ports?.length ? slice.ports : [{ port: undefined, name: '' }];
    for (const e of slice.endpoints ?? []) {
      for (const p of ports) {
        const addr = e.addresses?.[0] ?? '';
        const hostPort = p.port === undefined ? addr : joinHostPort(addr, p.port);
        const ready = isEndpointReady(e);
        rows.push({
          key: `${svcKey}/${slice.metadata?.name}/${addr}/${p.name ?? p.port}`,
          serviceKey: svcKey,
          object: slice,
          fault: ready ? undefined : 'not ready',
          changedAt: s.changedAt.get(`EndpointSlice/${objectKey(slice)}`),
          cells: [
            ns,
            name,
            hostPort + (p.name ? ` (${p.name})` : ''),
            yesNo(e.conditions?.ready, true),
            yesNo(e.conditions?.serving, ready),
            yesNo(e.conditions?.terminating, false),
            e.nodeName ?? none,
            e.targetRef?.kind === 'Pod' ? (e.targetRef.name ?? none) : none,
          ],
        });
      }
    }
  }
  return rows;
}

export const endpointsView: TableView = {
  id: 'ep',
  title: 'Endpoints',
  columns: ['NAMESPACE', 'SERVICE', 'ADDRESS:PORT', 'READY', 'SERVING', 'TERMINATING', 'NODE', 'POD'],
  // Row keys start with the Service's key: 100,000 rows are put together without a sort.
  rows: sliceRows(endpointRows, { keyedByService: true }),
};
