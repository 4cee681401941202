import { SIMULATED_ENDPOINTS_ANNOTATION, type EndpointSlice, type Endpoints, type Service, isEndpointReady, ipFamily, joinHostPort, LABEL_SERVICE_NAME } from '@svcnet/model';
import type { BackendRef } from './routeTypes.js';

/** One ready endpoint of a backend Service port. */
export interface Upstream {
  readonly address: string;
  readonly port: number;
  /** `address:port` (`[v6]:port`): the key of its connection pool. */
  readonly key: string;
}

export type BackendResolution =
  | { readonly kind: 'ok'; readonly upstreams: readonly Upstream[] }
  | {
      readonly kind: 'missing';
      readonly reason: string;
      /** Said to the client in the 503 body too (the endpoints exist but are simulated Pods). */
      readonly detail?: string;
    };

// Compiled routes keep their BackendRef objects, so the key is built once per ref, not per request
// (and the same string object then hashes and compares in O(1) in the maps keyed by it).
const keys = new WeakMap<BackendRef, string>();

export function backendKey(b: BackendRef): string {
  let k = keys.get(b);
  if (k === undefined) {
    k = `${b.namespace}/${b.service}:${b.port}`;
    keys.set(b, k);
  }
  return k;
}

function upstream(address: string, port: number): Upstream {
  return { address, port, key: joinHostPort(address, port) };
}

/**
 * The ready endpoints behind an Ingress backend, from the Service and its EndpointSlices.
 * The Ingress names a Service port by number (`spec.ports[].port`) or by name; the slices name
 * their ports after the Service port's name and carry the resolved target port (so named
 * targetPorts work per Pod). Endpoints with `conditions.ready` unset count as ready (the API says
 * nil means unknown and consumers should treat it as ready). Duplicates across slices are dropped.
 */
export function resolveBackend(ref: BackendRef, service: Service | undefined, slices: Iterable<EndpointSlice>): BackendResolution {
  const name = `Service "${ref.namespace}/${ref.service}"`;
  if (!service) return { kind: 'missing', reason: `${name} not found` };
  const sp = (service.spec?.ports ?? []).find((p) => (typeof ref.port === 'number' ? p.port === ref.port : p.name === ref.port));
  if (!sp) return { kind: 'missing', reason: `${name} has no port ${ref.port}` };
  if ((sp.protocol ?? 'TCP') !== 'TCP') return { kind: 'missing', reason: `${name} port ${ref.port} is not TCP` };
  const portName = sp.name ?? '';
  const seen = new Set<string>();
  const out: Upstream[] = [];
  let simulated = 0;
  for (const slice of slices) {
    simulated += Number(slice.metadata?.annotations?.[SIMULATED_ENDPOINTS_ANNOTATION] ?? 0) || 0;
    if (slice.addressType === 'FQDN') continue;
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === 'TCP');
    if (!port?.port) continue;
    for (const ep of slice.endpoints ?? []) {
      if (!isEndpointReady(ep)) continue;
      for (const addr of ep.addresses ?? []) {
        const u = upstream(addr, port.port);
        if (seen.has(u.key)) continue;
        seen.add(u.key);
        out.push(u);
      }
    }
  }
  if (out.length === 0 && simulated > 0) {
    // Left out by the data plane's filter (@svcnet/store dataPlaneObjects): the workload
    // simulator's Pods have an address on no machine and nothing behind it.
    const reason = `${name} port ${ref.port}: its ${simulated === 1 ? 'endpoint is a simulated Pod' : `${simulated} endpoints are simulated Pods`} (svcnet's workload simulator: no process behind the address, so nothing is sent there)`;
    return { kind: 'missing', reason, detail: reason };
  }
  if (out.length === 0) return { kind: 'missing', reason: `${name} port ${ref.port} has no ready endpoints` };
  return { kind: 'ok', upstreams: out };
}

/**
 * A legacy Endpoints object seen as EndpointSlices (one per subset, ready addresses only), for
 * manifests and stores that carry Endpoints but no slices (Services without selector, by hand).
 */
export function slicesFromEndpoints(ep: Endpoints): EndpointSlice[] {
  const ns = ep.metadata?.namespace ?? 'default';
  const svc = ep.metadata?.name ?? '';
  const simulated = ep.metadata?.annotations?.[SIMULATED_ENDPOINTS_ANNOTATION];
  return (ep.subsets ?? []).map((s, i) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    // The count of simulated addresses left out, said once (on the first slice).
    metadata: { name: `${svc}-endpoints-${i}`, namespace: ns, labels: { [LABEL_SERVICE_NAME]: svc }, ...(simulated && i === 0 ? { annotations: { [SIMULATED_ENDPOINTS_ANNOTATION]: simulated } } : {}) },
    addressType: (s.addresses ?? []).some((a) => ipFamily(a.ip) === 'IPv6') ? 'IPv6' : 'IPv4',
    endpoints: (s.addresses ?? []).map((a) => ({ addresses: [a.ip], conditions: { ready: true } })),
    ports: (s.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
  }));
}
