import { SIMULATED_ENDPOINTS_ANNOTATION, type EndpointSlice, type Endpoints, type Service, isEndpointReady, joinHostPort, LABEL_SERVICE_NAME, mirroredSlices } from '@svcnet/model';
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
 * A legacy Endpoints object seen as EndpointSlices, for manifests and stores that carry Endpoints but
 * no slices (Services without selector, by hand): the slices the mirroring controller would keep
 * (model's mirroredSlices: one per port mapping and address family, not-ready addresses with
 * ready=false, invalid IPs left out). The count of simulated addresses the data plane filter left out
 * (an annotation mirroring copies to every slice) is said once, on the first slice, or on an empty
 * slice when none is left, so the 503 still says why.
 */
export function slicesFromEndpoints(ep: Endpoints): EndpointSlice[] {
  const slices = mirroredSlices(ep);
  const simulated = ep.metadata?.annotations?.[SIMULATED_ENDPOINTS_ANNOTATION];
  if (simulated === undefined) return slices;
  for (const s of slices) {
    const annotations = { ...s.metadata!.annotations };
    delete annotations[SIMULATED_ENDPOINTS_ANNOTATION];
    s.metadata!.annotations = annotations;
  }
  if (slices.length === 0 && (ep.subsets?.length ?? 0) > 0) {
    const name = ep.metadata?.name ?? '';
    slices.push({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `${name}-mirror-0`, namespace: ep.metadata?.namespace ?? 'default', labels: { [LABEL_SERVICE_NAME]: name } }, addressType: 'IPv4', endpoints: [] });
  }
  if (slices[0]) slices[0].metadata!.annotations = { ...slices[0].metadata!.annotations, [SIMULATED_ENDPOINTS_ANNOTATION]: simulated };
  return slices;
}
