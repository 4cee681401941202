import { systemClock, type Clock } from '@svcnet/store';
import { joinHostPort } from '@svcnet/model';
import type { ServingProblem } from '../core/servingProblem.js';
import type { EndpointInfo, Protocol } from '../core/types.js';
import { Portal } from './portal.js';

/**
 * Where a Service port below 1024 is served when this process may not bind it (not root, no
 * CAP_NET_BIND_SERVICE, net.ipv4.ip_unprivileged_port_start at its default 1024): port + 10000 on
 * the same address (80 -> 10080, 443 -> 10443). Each Service has its own ClusterIP, so two
 * Services never meet on one remapped port; one Service asking for both 80 and 10080 gets the
 * second refused, and reported.
 */
export const PRIVILEGED_PORT_OFFSET = 10_000;
const FIRST_UNPRIVILEGED_PORT = 1024;

const errnoOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

/** One address and port the userspace engine listens on, and the endpoints it proxies to. */
export interface PortalSpec {
  key: string;
  /** The service port it serves (`ns/name:port`). */
  service: string;
  /** Which address of the Service this is. */
  kind: 'cluster' | 'external' | 'lb' | 'nodeport';
  host: string;
  port: number;
  protocol: Protocol;
  endpoints: EndpointInfo[];
  affinitySeconds: number;
}

/**
 * The userspace engine's listeners: one Portal per PortalSpec, opened and closed to match the
 * specs of each sync. An address that cannot be listened on does not fail the sync (the others
 * are served); it becomes a ServingProblem, and is tried again at the next sync.
 */
export class UserspacePortals {
  private readonly portals = new Map<string, Portal>();
  private readonly problemsByKey = new Map<string, ServingProblem>();

  constructor(private readonly clock: Clock = systemClock) {}

  async reconcile(specs: readonly PortalSpec[]): Promise<void> {
    const want = new Map(specs.map((s) => [s.key, s]));
    for (const [k, p] of this.portals) {
      if (!want.has(k)) {
        this.portals.delete(k);
        await p.close();
      }
    }
    for (const k of [...this.problemsByKey.keys()]) if (!want.has(k)) this.problemsByKey.delete(k);
    for (const s of specs) {
      let p = this.portals.get(s.key);
      if (!p) {
        p = await this.open(s);
        if (!p) continue;
        this.portals.set(s.key, p);
      }
      p.setEndpoints(s.endpoints, s.affinitySeconds);
    }
  }

  /** Opens the portal for `s`, at port + PRIVILEGED_PORT_OFFSET when its port is refused as privileged. */
  private async open(s: PortalSpec): Promise<Portal | undefined> {
    const address = `${joinHostPort(s.host, s.port)}/${s.protocol}`;
    const problem = (reason: ServingProblem['reason'], message: string, servedAt?: string): void => {
      const unhealthy = reason === 'listen_failed';
      this.problemsByKey.set(s.key, { service: s.service, address, reason, unhealthy, message, ...(servedAt ? { servedAt } : {}) });
    };
    const first = new Portal(s.host, s.port, s.protocol, this.clock);
    let err: unknown;
    try {
      await first.open();
      this.problemsByKey.delete(s.key);
      return first;
    } catch (e) {
      err = e;
    }
    const code = errnoOf(err);
    const why = (err as Error).message;
    if (code === 'EADDRNOTAVAIL' && (s.kind === 'external' || s.kind === 'lb')) {
      // As kube-proxy on a node that does not hold the address: another node (or the LB) owns it.
      problem('not_local', `not an address of this machine: another node serves it (${why})`);
      return undefined;
    }
    if (code === 'EACCES' && s.port < FIRST_UNPRIVILEGED_PORT) {
      const port = s.port + PRIVILEGED_PORT_OFFSET;
      const second = new Portal(s.host, port, s.protocol, this.clock);
      try {
        await second.open();
        const at = `${joinHostPort(s.host, port)}/${s.protocol}`;
        problem('privileged_port', `ports below ${FIRST_UNPRIVILEGED_PORT} need root or CAP_NET_BIND_SERVICE (or sysctl net.ipv4.ip_unprivileged_port_start=${s.port}); served at ${at} instead`, at);
        return second;
      } catch (e) {
        problem('listen_failed', `${why}; and at port ${port} instead: ${(e as Error).message}`);
        return undefined;
      }
    }
    const hint =
      code === 'EADDRNOTAVAIL'
        ? s.kind === 'cluster'
          ? ': the userspace proxy listens on each ClusterIP itself, so ClusterIPs must be addresses of this machine (the one-machine setup allocates them from 127.100.0.0/16; a kernel mode serves any)'
          : ': the node IP is not an address of this machine (check --node-ip)'
        : code === 'EADDRINUSE'
          ? ': another process listens there'
          : '';
    problem('listen_failed', `cannot listen: ${why}${hint}`);
    return undefined;
  }

  /** What is not served as asked, sorted by address. */
  problems(): ServingProblem[] {
    return [...this.problemsByKey.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  }

  async close(): Promise<void> {
    for (const p of this.portals.values()) {
      p.destroyConnections();
      await p.close();
    }
    this.portals.clear();
    this.problemsByKey.clear();
  }

  /** The keys of the open portals. */
  listening(): string[] {
    return [...this.portals.keys()];
  }
}
