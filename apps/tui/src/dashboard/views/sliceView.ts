import type { EndpointSlice } from '@svcnet/model';
import { objectKey } from '@svcnet/model';
import type { Snapshot } from '../clusterModel.js';
import { sliceRows } from './sliceRows.js';
import { age, none, nsOf, type Row, type TableView } from './tableView.js';

/** One row per EndpointSlice of a Service. */
export function sliceRowsOf(svcKey: string, slices: readonly EndpointSlice[], s: Snapshot): Row[] {
  return slices.map((slice) => {
    const addrs = (slice.endpoints ?? []).map((e) => e.addresses?.[0]).filter(Boolean) as string[];
    return {
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
    };
  });
}

export const sliceView: TableView = {
  id: 'eps',
  title: 'EndpointSlices',
  columns: ['NAMESPACE', 'NAME', 'SERVICE', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'],
  ageColumn: 6,
  // A slice's key is its own (namespace/name), not its Service's: the rows are sorted when put together.
  rows: sliceRows(sliceRowsOf, { keyedByService: false }),
};
