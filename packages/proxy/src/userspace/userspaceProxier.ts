import { ipFamily } from '@svcnet/model';
import type { ProxyOptions } from '../core/proxyOptions.js';
import type { ProxyState, SyncChanges } from '../core/proxyState.js';
import { assertSafeEndpoints, assertSafeServicePort } from '../core/ruleValueGuard.js';
import { categorizeEndpoints } from '../core/topology.js';
import type { EndpointInfo, IPFamily, ServicePortInfo } from '../core/types.js';
import { Proxier } from '../engine/proxier.js';
import type { ProxierOptions, SyncBackend } from '../engine/proxier.js';
import { UserspacePortals, type PortalSpec } from './userspacePortals.js';

export interface PreparedUserspaceSync {
  full: boolean;
  changes: SyncChanges;
  portals: PortalSpec[];
}

/**
 * The portals a node needs (pure): one per ClusterIP, externalIP, LoadBalancer IP and NodePort
 * (on each node IP) of each service port, with the endpoints that traffic policy allows there.
 * Service ports without usable endpoints get no portal, so connections are refused.
 */
export function userspacePortals(state: ProxyState, options: ProxyOptions): PortalSpec[] {
  const out: PortalSpec[] = [];
  for (const [key, svc] of [...state.services].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (svc.protocol === 'SCTP') continue;
    // Portal and endpoint addresses become listen/connect addresses: re-check them.
    assertSafeServicePort(svc);
    assertSafeEndpoints(state.endpoints.get(key));
    const c = categorizeEndpoints(state.endpoints.get(key) ?? [], svc, options.nodeLabels);
    const internal = svc.internalPolicyLocal ? c.localEndpoints : c.clusterEndpoints;
    const external = svc.externalPolicyLocal ? c.localEndpoints : c.clusterEndpoints;
    const add = (host: string, port: number, eps: EndpointInfo[], kind: PortalSpec['kind']) => {
      if (eps.length) out.push({ key: `${kind}/${host}/${port}/${svc.protocol}`, service: svc.nameString, kind, host, port, protocol: svc.protocol, endpoints: eps, affinitySeconds: affinity(svc) });
    };
    add(svc.clusterIP, svc.port, internal, 'cluster');
    for (const ip of svc.externalIPs) add(ip, svc.port, external, 'external');
    for (const ip of svc.loadBalancerVIPs) add(ip, svc.port, external, 'lb');
    if (svc.nodePort) for (const ip of options.nodeIPs) if (ipFamily(ip) === state.family) add(ip, svc.nodePort, external, 'nodeport');
  }
  return out;
}

const affinity = (svc: ServicePortInfo) => (svc.sessionAffinityClientIP ? svc.stickyMaxAgeSeconds : 0);

export function createUserspaceProxier(
  family: IPFamily,
  options: ProxyOptions,
  opts: ProxierOptions = {},
): { proxier: Proxier<PreparedUserspaceSync>; portals: UserspacePortals } {
  const portals = new UserspacePortals(opts.clock);
  let first = true;
  const backend = (state: ProxyState): SyncBackend<PreparedUserspaceSync> => ({
    mode: 'userspace',
    prepare: () => {
      const full = first;
      return { full, changes: state.checkout(), portals: userspacePortals(state, options) };
    },
    apply: (p) => portals.reconcile(p.portals),
    commit: (_p, ok) => {
      if (ok) first = false;
    },
    servingProblems: () => portals.problems(),
  });
  return { proxier: new Proxier(family, options, backend, opts), portals };
}
