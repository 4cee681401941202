import type { EndpointSlice, Service } from '@svcnet/model';
import { formatServicePorts, isEndpointReady, objectKey } from '@svcnet/model';
import type { Snapshot } from '../clusterModel.js';
import { age, inScope, none, nsOf, type Row, type TableView } from './tableView.js';

const countCache = new WeakMap<readonly EndpointSlice[], { ready: number; total: number }>();
const NO_ENDPOINTS = { ready: 0, total: 0 } as const;

/**
 * Ready and total endpoint counts of a Service, from its EndpointSlices (deduplicated by address).
 * Cached per slices array: the model hands out a new array only when that Service's slices change.
 */
export function endpointCounts(slices: readonly EndpointSlice[] | undefined): { ready: number; total: number } {
  if (!slices) return NO_ENDPOINTS;
  let c = countCache.get(slices);
  if (!c) countCache.set(slices, (c = countEndpoints(slices)));
  return c;
}

function countEndpoints(slices: readonly EndpointSlice[]): { ready: number; total: number } {
  const all = new Set<string>();
  const ready = new Set<string>();
  for (const s of slices ?? []) {
    for (const e of s.endpoints ?? []) {
      const addr = e.addresses?.[0];
      if (!addr) continue;
      all.add(addr);
      if (isEndpointReady(e)) ready.add(addr);
    }
  }
  return { ready: ready.size, total: all.size };
}

export function externalIPs(svc: Service): string {
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName') return spec.externalName ?? none;
  const ips = [...(spec.externalIPs ?? [])];
  for (const i of svc.status?.loadBalancer?.ingress ?? []) ips.push(i.ip ?? i.hostname ?? '');
  if (ips.length) return ips.join(',');
  return spec.type === 'LoadBalancer' ? '<pending>' : none;
}

/** Why a Service needs attention, or undefined. Selectorless and ExternalName Services are not judged. */
export function serviceFault(svc: Service, slices: readonly EndpointSlice[] | undefined): string | undefined {
  if (svc.spec?.type === 'ExternalName') return undefined;
  const { ready, total } = endpointCounts(slices);
  if (ready > 0) return undefined;
  if (!svc.spec?.selector && total === 0) return undefined;
  return total === 0 ? 'no endpoints' : 'no ready endpoints';
}

interface CachedServiceRow {
  key: string;
  changeKey: string;
  slices: readonly EndpointSlice[] | undefined;
  changedAt: number | undefined;
  row: Row;
}
const serviceRowCache = new WeakMap<Service, CachedServiceRow>();

/**
 * One :svc row, rebuilt only when the Service, its slices or its change mark moved (AGE is brought up
 * to date where the row is drawn: cellsAt). With 10,000 Services a refresh tick is then a few map
 * lookups per Service, and a clock tick allocates nothing per Service.
 */
function serviceRow(s: Snapshot, svc: Service): Row {
  let hit = serviceRowCache.get(svc);
  const key = hit?.key ?? objectKey(svc);
  const changeKey = hit?.changeKey ?? `Service/${key}`;
  const slices = s.slicesByService.get(key);
  const changedAt = s.changedAt.get(changeKey);
  if (hit && hit.slices === slices && hit.changedAt === changedAt) return hit.row;
  const { ready, total } = endpointCounts(slices);
  const fault = serviceFault(svc, slices);
  const row: Row = {
    key,
    serviceKey: key,
    object: svc,
    fault,
    changedAt,
    cells: [
      nsOf(svc),
      svc.metadata?.name ?? '',
      svc.spec?.type ?? 'ClusterIP',
      svc.spec?.clusterIP ?? none,
      externalIPs(svc),
      formatServicePorts(svc),
      svc.spec?.type === 'ExternalName' ? '-' : `${ready}/${total}${fault ? ` (${fault})` : ''}`,
      age(svc, s.at),
    ],
  };
  hit = { key, changeKey, slices, changedAt, row };
  serviceRowCache.set(svc, hit);
  return row;
}

/** The rows built from the last snapshot seen, with where each Service's row is. */
interface BuiltRows {
  services: readonly Service[];
  version: number;
  namespace: string | undefined;
  rows: readonly Row[];
  indexOf: ReadonlyMap<string, number>;
}
let built: BuiltRows | undefined;

/**
 * The :svc rows. From the snapshot after the one the last rows came from (same Services, same
 * namespace), only the Services whose slices changed are visited: at 10,000 Services and 100
 * endpoint changes/s a refresh costs the changed rows and a copy of the array, not 10,000 lookups.
 * Returned arrays are never changed afterwards (a patch copies), so callers may keep them.
 */
function serviceRows(s: Snapshot, namespace: string | undefined): readonly Row[] {
  const prev = built;
  const same = prev !== undefined && prev.services === s.services && prev.namespace === namespace;
  if (same && prev.version === s.version) return prev.rows;
  if (same && prev.version === s.version - 1) {
    let rows: Row[] | undefined;
    for (const key of s.slicesChanged) {
      const i = prev.indexOf.get(key);
      if (i === undefined) continue;
      rows ??= prev.rows.slice();
      rows[i] = serviceRow(s, prev.rows[i]!.object as Service);
    }
    built = { ...prev, version: s.version, rows: rows ?? prev.rows };
    return built.rows;
  }
  const rows: Row[] = [];
  const indexOf = new Map<string, number>();
  for (const svc of s.services) {
    if (!inScope(svc, { namespace })) continue;
    const row = serviceRow(s, svc);
    indexOf.set(row.key, rows.length);
    rows.push(row);
  }
  built = { services: s.services, version: s.version, namespace, rows, indexOf };
  return rows;
}

export const servicesView: TableView = {
  id: 'svc',
  title: 'Services',
  columns: ['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'ENDPOINTS', 'AGE'],
  ageColumn: 7,
  rows: (s, scope) => serviceRows(s, scope.namespace),
};
