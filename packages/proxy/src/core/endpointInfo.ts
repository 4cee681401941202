import type { EndpointSlice } from '@svcnet/model';
import { familyOf } from './proxyOptions.js';
import type { EndpointInfo, IPFamily, Protocol } from './types.js';
import { joinHostPort, servicePortKey } from './types.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';

/** The `namespace/name` of the Service an EndpointSlice belongs to, or undefined. */
export function sliceServiceKey(slice: EndpointSlice): string | undefined {
  const svc = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
  if (!svc) return undefined;
  return `${slice.metadata?.namespace ?? 'default'}/${svc}`;
}

/**
 * Merges all EndpointSlices of one Service into endpoints per service port (upstream
 * endpointSliceCache.endpointInfoByServicePort): addresses of the other family and FQDN slices
 * are ignored, duplicates across slices collapse (a local copy wins), and each list is sorted by
 * `ip:port` so output is stable.
 */
export function endpointsFromSlices(
  slices: Iterable<EndpointSlice>,
  family: IPFamily,
  nodeName: string,
): Map<string, EndpointInfo[]> {
  const byPort = new Map<string, Map<string, EndpointInfo>>();
  const sorted = [...slices].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const slice of sorted) {
    if (slice.addressType !== family) continue;
    const namespace = slice.metadata?.namespace ?? 'default';
    const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!name) continue;
    for (const p of slice.ports ?? []) {
      if (p.port === undefined || p.port === null || p.port === 0) continue;
      const key = servicePortKey({ namespace, name, port: p.name ?? '', protocol: (p.protocol ?? 'TCP') as Protocol });
      let set = byPort.get(key);
      if (!set) byPort.set(key, (set = new Map()));
      for (const ep of slice.endpoints ?? []) {
        const ip = ep.addresses?.[0];
        if (!ip || familyOf(ip) !== family) continue;
        const isLocal = ep.nodeName !== undefined && ep.nodeName !== null && ep.nodeName === nodeName && nodeName !== '';
        const c = ep.conditions ?? {};
        const zones = ep.hints?.forZones?.map((z) => z.name);
        const info: EndpointInfo = {
          ip,
          port: p.port,
          endpoint: joinHostPort(ip, p.port),
          isLocal,
          ready: c.ready === undefined || c.ready === null || c.ready,
          serving: c.serving === undefined || c.serving === null || c.serving,
          terminating: c.terminating === true,
          ...(zones && zones.length ? { zoneHints: zones } : {}),
          ...(ep.nodeName ? { nodeName: ep.nodeName } : {}),
        };
        if (!set.has(info.endpoint) || isLocal) set.set(info.endpoint, info);
      }
    }
  }
  const out = new Map<string, EndpointInfo[]>();
  for (const [k, set] of byPort) {
    const list = [...set.values()].sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
    if (list.length) out.set(k, list);
  }
  return out;
}
