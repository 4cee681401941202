import { specialIPRange, type Endpoints, type EndpointSlice } from '@svcnet/model';

/**
 * An EndpointSlice or Endpoints without loopback, link-local or unspecified addresses. The store
 * refuses them on every write; this is the router's own check for what reaches it anyway (a raw write
 * into a shared Redis): an endpoint on 127.0.0.1 would hand the node's localhost-only ports to
 * whoever can write one object. Other objects pass through unchanged.
 */
export function withoutSpecialAddresses<T>(obj: T, report?: (e: Error) => void): T {
  const o = obj as { kind?: string; metadata?: { namespace?: string; name?: string } };
  const skip = (ip: unknown): boolean => {
    const range = typeof ip === 'string' ? specialIPRange(ip) : undefined;
    if (range) report?.(new Error(`ingress: ${o.kind} "${o.metadata?.namespace ?? 'default'}/${o.metadata?.name}": endpoint ${String(ip)} is ${range}: not routed to`));
    return range !== undefined;
  };
  if (o.kind === 'EndpointSlice') {
    const slice = obj as EndpointSlice;
    const endpoints = slice.endpoints ?? [];
    const kept = endpoints.filter((ep) => !(ep.addresses ?? []).some(skip));
    return kept.length === endpoints.length ? obj : ({ ...slice, endpoints: kept } as T);
  }
  if (o.kind === 'Endpoints') {
    const ep = obj as Endpoints;
    let changed = false;
    const subsets = (ep.subsets ?? []).map((s) => {
      const addresses = (s.addresses ?? []).filter((a) => !skip(a.ip));
      const notReadyAddresses = (s.notReadyAddresses ?? []).filter((a) => !skip(a.ip));
      if (addresses.length === (s.addresses ?? []).length && notReadyAddresses.length === (s.notReadyAddresses ?? []).length) return s;
      changed = true;
      return { ...s, addresses, notReadyAddresses };
    });
    return changed ? ({ ...ep, subsets } as T) : obj;
  }
  return obj;
}
