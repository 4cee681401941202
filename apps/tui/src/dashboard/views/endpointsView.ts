import { isEndpointReady, joinHostPort, objectKey } from '@svcnet/model';
import { none, type Row, type TableView, yesNo } from './tableView.js';

export const endpointsView: TableView = {
  id: 'ep',
  title: 'Endpoints',
  columns: ['NAMESPACE', 'SERVICE', 'ADDRESS:PORT', 'READY', 'SERVING', 'TERMINATING', 'NODE', 'POD'],
  rows(s, scope) {
    const rows: Row[] = [];
    for (const [svcKey, slices] of s.slicesByService) {
      if (scope.serviceKey && svcKey !== scope.serviceKey) continue;
      const [ns, name] = svcKey.split('/') as [string, string];
      if (scope.namespace !== undefined && ns !== scope.namespace) continue;
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
    }
    return rows.sort((a, b) => (a.key < b.key ? -1 : 1));
  },
};
