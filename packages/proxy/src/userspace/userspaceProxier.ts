import type { Clock } from '../core/clock.js';
import { realClock } from '../core/clock.js';
import type { ProxyOptions } from '../core/proxyOptions.js';
import type { ProxyState, SyncChanges } from '../core/proxyState.js';
import { assertSafeEndpoints, assertSafeServicePort } from '../core/ruleValueGuard.js';
import { categorizeEndpoints } from '../core/topology.js';
import type { EndpointInfo, IPFamily, Protocol, ServicePortInfo } from '../core/types.js';
import { Proxier } from '../engine/proxier.js';
import type { ProxierOptions, SyncBackend } from '../engine/proxier.js';
import { Portal } from './portal.js';

export interface PortalSpec {
  key: string;
  host: string;
  port: number;
  protocol: Protocol;
  endpoints: EndpointInfo[];
  affinitySeconds: number;
}

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
    const add = (host: string, port: number, eps: EndpointInfo[], kind: string) => {
      if (eps.length) out.push({ key: `${kind}/${host}/${port}/${svc.protocol}`, host, port, protocol: svc.protocol, endpoints: eps, affinitySeconds: affinity(svc) });
    };
    add(svc.clusterIP, svc.port, internal, 'cluster');
    for (const ip of svc.externalIPs) add(ip, svc.port, external, 'external');
    for (const ip of svc.loadBalancerVIPs) add(ip, svc.port, external, 'lb');
    if (svc.nodePort) for (const ip of options.nodeIPs) if (ip.includes(':') === (state.family === 'IPv6')) add(ip, svc.nodePort, external, 'nodeport');
  }
  return out;
}

const affinity = (svc: ServicePortInfo) => (svc.sessionAffinityClientIP ? svc.stickyMaxAgeSeconds : 0);

/**
 * The userspace engine: a real TCP/UDP proxy in this process. Needs no root; it listens on each
 * portal address (which must be local to the host, e.g. loopback addresses in tests).
 */
export class UserspacePortals {
  private readonly portals = new Map<string, Portal>();
  constructor(private readonly clock: Clock = realClock) {}

  async reconcile(specs: PortalSpec[]): Promise<void> {
    const want = new Map(specs.map((s) => [s.key, s]));
    for (const [k, p] of this.portals) {
      if (!want.has(k)) {
        this.portals.delete(k);
        await p.close();
      }
    }
    const errors: string[] = [];
    for (const s of specs) {
      let p = this.portals.get(s.key);
      if (!p) {
        p = new Portal(s.host, s.port, s.protocol, this.clock);
        try {
          await p.open();
        } catch (e) {
          errors.push(`${s.host}:${s.port}/${s.protocol}: ${(e as Error).message}`);
          continue;
        }
        this.portals.set(s.key, p);
      }
      p.setEndpoints(s.endpoints, s.affinitySeconds);
    }
    if (errors.length) throw new Error(`userspace proxy could not listen on ${errors.join('; ')}`);
  }

  async close(): Promise<void> {
    for (const p of this.portals.values()) {
      p.destroyConnections();
      await p.close();
    }
    this.portals.clear();
  }

  listening(): string[] {
    return [...this.portals.keys()];
  }
}

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
  });
  return { proxier: new Proxier(family, options, backend, opts), portals };
}
