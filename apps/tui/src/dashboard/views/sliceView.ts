import { objectKey } from '@svcnet/model';
import { age, inScope, none, nsOf, type Row, type TableView } from './tableView.js';

export const sliceView: TableView = {
  id: 'eps',
  title: 'EndpointSlices',
  columns: ['NAMESPACE', 'NAME', 'SERVICE', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'],
  ageColumn: 6,
  rows(s, scope) {
    const rows: Row[] = [];
    for (const [svcKey, slices] of s.slicesByService) {
      if (scope.serviceKey && svcKey !== scope.serviceKey) continue;
      for (const slice of slices) {
        if (!inScope(slice, scope)) continue;
        const addrs = (slice.endpoints ?? []).map((e) => e.addresses?.[0]).filter(Boolean) as string[];
        rows.push({
          key: objectKey(slice),
          serviceKey: svcKey,
          object: slice,
          changedAt: s.changedAt.get(`EndpointSlice/${objectKey(slice)}`),
          cells: [
            nsOf(slice),
            slice.metadata?.name ?? '',
            svcKey.split('/')[1] ?? '',
            slice.addressType,
            (slice.ports ?? []).map((p) => String(p.port ?? '')).join(',') || none,
            addrs.length > 3 ? `${addrs.slice(0, 3).join(',')} + ${addrs.length - 3} more...` : addrs.join(',') || '<unset>',
            age(slice, s.at),
          ],
        });
      }
    }
    return rows.sort((a, b) => (a.key < b.key ? -1 : 1));
  },
};
