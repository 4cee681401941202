import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProxyState } from '../core/proxyState.js';

/** What one health check node port reports (upstream healthcheck.ServiceHealthServer). */
export interface ServiceHealth {
  namespace: string;
  name: string;
  localEndpoints: number;
}

/** Local ready endpoints per Service with a health check node port, from the proxy state. */
export function serviceHealthFromState(state: ProxyState): Map<number, ServiceHealth> {
  const out = new Map<number, ServiceHealth>();
  for (const [key, svc] of state.services) {
    if (!svc.healthCheckNodePort) continue;
    const local = (state.endpoints.get(key) ?? []).filter((e) => e.isLocal && e.ready).length;
    const prev = out.get(svc.healthCheckNodePort);
    out.set(svc.healthCheckNodePort, { namespace: svc.portName.namespace, name: svc.portName.name, localEndpoints: Math.max(local, prev?.localEndpoints ?? 0) });
  }
  return out;
}

/**
 * One HTTP server per healthCheckNodePort (externalTrafficPolicy Local LoadBalancers): 200 when
 * this node has local endpoints, 503 otherwise, with the JSON body and
 * X-Load-Balancing-Endpoint-Weight header upstream sends, so cloud LBs skip empty nodes.
 */
export class ServiceHealthServers {
  private readonly servers = new Map<number, { server: http.Server; health: ServiceHealth }>();

  constructor(
    private readonly host = '0.0.0.0',
    private readonly proxyHealthy: () => boolean = () => true,
  ) {}

  async sync(wanted: Map<number, ServiceHealth>): Promise<void> {
    for (const [port, s] of this.servers) {
      if (!wanted.has(port)) {
        this.servers.delete(port);
        await new Promise<void>((r) => s.server.close(() => r()));
      }
    }
    for (const [port, health] of wanted) {
      const existing = this.servers.get(port);
      if (existing) {
        existing.health = health;
        continue;
      }
      const entry = { server: http.createServer(), health };
      entry.server.on('request', (_req, res) => {
        const h = entry.health;
        const body = JSON.stringify({ service: { namespace: h.namespace, name: h.name }, localEndpoints: h.localEndpoints, serviceProxyHealthy: this.proxyHealthy() });
        res.writeHead(h.localEndpoints > 0 ? 200 : 503, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff', 'X-Load-Balancing-Endpoint-Weight': String(h.localEndpoints) });
        res.end(body);
      });
      await new Promise<void>((resolve, reject) => {
        entry.server.once('error', reject);
        entry.server.listen(port, this.host, () => resolve());
      });
      this.servers.set(port, entry);
    }
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
export async function startProxyHealthServer(sources: readonly ProxyHealthSource[], listen: { host: string; port: number }, now: () => number = Date.now): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/healthz' && path !== '/livez') {
      res.writeHead(404).end();
      return;
    }
    const t = now();
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
