import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '@svcnet/store';
import type { ProxyOptions } from '../core/proxyOptions.js';
import type { ProxyState } from '../core/proxyState.js';
import type { IPFamily } from '../core/types.js';
import { nodePortDestinations } from '../core/ruleHelpers.js';

/** What one health check node port reports (upstream healthcheck.ServiceHealthServer). */
export interface ServiceHealth {
  namespace: string;
  name: string;
  localEndpoints: number;
}

/**
 * Local ready endpoints per Service with a health check node port, from the proxy state of each
 * IP family (upstream EndpointsMap.LocalReadyEndpoints): a dual-stack Service counts the larger.
 */
export function serviceHealthFromState(...states: readonly ProxyState[]): Map<number, ServiceHealth> {
  const out = new Map<number, ServiceHealth>();
  for (const state of states) {
    for (const [key, svc] of state.services) {
      if (!svc.healthCheckNodePort) continue;
      const local = (state.endpoints.get(key) ?? []).filter((e) => e.isLocal && e.ready).length;
      const prev = out.get(svc.healthCheckNodePort);
      out.set(svc.healthCheckNodePort, { namespace: svc.portName.namespace, name: svc.portName.name, localEndpoints: Math.max(local, prev?.localEndpoints ?? 0) });
    }
  }
  return out;
}

/**
 * Where health check node ports listen (upstream newServiceHealthServer): the node addresses
 * --nodeport-addresses selects, or every address (empty) when it selects all for some family.
 */
export function serviceHealthHosts(options: ProxyOptions, families: readonly IPFamily[]): string[] {
  const hosts = new Set<string>();
  for (const family of families) {
    const d = nodePortDestinations(options, family);
    if (d.matchAll) return [];
    for (const ip of d.ips) hosts.add(ip);
  }
  return [...hosts];
}

/**
 * One HTTP server per healthCheckNodePort (externalTrafficPolicy Local LoadBalancers) and listen
 * address, as upstream's ServiceHealthServer: 200 when this node has local ready endpoints and the
 * proxy is healthy, 503 otherwise (hcHandler.ServeHTTP: `count != 0 && kubeProxyHealthy`), with
 * the JSON body and X-Load-Balancing-Endpoint-Weight header upstream sends, so cloud and
 * MetalLB-style load balancers skip nodes without endpoints. Any path answers.
 */
export class ServiceHealthServers {
  private readonly servers = new Map<number, { servers: http.Server[]; health: ServiceHealth }>();
  private readonly hosts: readonly (string | undefined)[];

  /**
   * `hosts`: the addresses to listen on (upstream: the node addresses --nodeport-addresses
   * selects); none means every address of the machine, as upstream when it matches all.
   */
  constructor(
    hosts: string | readonly string[] = [],
    private readonly proxyHealthy: () => boolean = () => true,
  ) {
    const list = typeof hosts === 'string' ? [hosts] : hosts;
    this.hosts = list.length ? list : [undefined];
  }

  /**
   * Opens, updates and closes servers to match `wanted`. A port that cannot be opened (another
   * process holds it) is left out and tried again at the next sync, as upstream, which records
   * an event and carries on; returns those problems (`port`: why).
   */
  async sync(wanted: Map<number, ServiceHealth>): Promise<string[]> {
    for (const [port, s] of this.servers) {
      if (!wanted.has(port)) {
        this.servers.delete(port);
        await Promise.all(s.servers.map((server) => new Promise<void>((r) => server.close(() => r()))));
      }
    }
    const problems: string[] = [];
    for (const [port, health] of wanted) {
      const existing = this.servers.get(port);
      if (existing) {
        existing.health = health;
        continue;
      }
      const entry = { servers: [] as http.Server[], health };
      const handler = (_req: http.IncomingMessage, res: http.ServerResponse) => {
        const h = entry.health;
        const healthy = this.proxyHealthy();
        const body = JSON.stringify({ service: { namespace: h.namespace, name: h.name }, localEndpoints: h.localEndpoints, serviceProxyHealthy: healthy });
        res.writeHead(h.localEndpoints > 0 && healthy ? 200 : 503, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff', 'X-Load-Balancing-Endpoint-Weight': String(h.localEndpoints) });
        res.end(body);
      };
      try {
        for (const host of this.hosts) {
          const server = http.createServer(handler);
          await new Promise<void>((resolve, reject) => {
            server.once('error', reject);
            if (host === undefined) server.listen(port, () => resolve());
            else server.listen(port, host, () => resolve());
          });
          entry.servers.push(server);
        }
        this.servers.set(port, entry);
      } catch (e) {
        await Promise.all(entry.servers.map((server) => new Promise<void>((r) => server.close(() => r()))));
        problems.push(`${port}: health check server for ${health.namespace}/${health.name} could not listen: ${(e as Error).message}`);
      }
    }
    return problems;
  }

  /** The ports served now. */
  ports(): number[] {
    return [...this.servers.keys()];
  }

  async close(): Promise<void> {
    await this.sync(new Map());
  }
}

export interface ProxyHealthSource {
  isHealthy(now?: number): boolean;
  getStatus(): { lastSyncAt?: number; queuedAt?: number; mode: string };
}

/**
 * The proxy's own /healthz and /livez (upstream ProxyHealthServer): 503 when a queued change has
 * waited more than two sync periods without a successful sync.
 */
export async function startProxyHealthServer(sources: readonly ProxyHealthSource[], listen: { host: string; port: number }, clock: Pick<Clock, 'now'> = systemClock): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/healthz' && path !== '/livez') {
      res.writeHead(404).end();
      return;
    }
    const t = clock.now();
    const healthy = sources.every((s) => s.isHealthy(t));
    const last = Math.max(0, ...sources.map((s) => s.getStatus().lastSyncAt ?? 0));
    res.writeHead(healthy ? 200 : 503, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' });
    res.end(JSON.stringify({ lastUpdated: last ? new Date(last).toISOString() : '', currentTime: new Date(t).toISOString(), nodeEligible: true, healthy }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return { url: `http://${listen.host}:${a.port}`, close: () => new Promise((r) => server.close(() => r())) };
}
