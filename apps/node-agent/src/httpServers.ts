import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { joinHostPort } from '@svcnet/model';
import { hostPort } from './config.js';
import { StartupError } from './errors.js';

export type Handler = (url: URL) => Promise<{ status: number; type: string; body: string }>;

export interface HttpEndpoint {
  /** The bound address (`host:port`, with the real port when 0 was asked). */
  address: string;
  close(): Promise<void>;
}

/**
 * Serves a route table on one address. Several bind addresses that are equal share one server (as
 * kube-proxy does when --healthz-bind-address and --metrics-bind-address coincide).
 */
export async function serveRoutes(addresses: Map<string, Map<string, Handler>>): Promise<HttpEndpoint[]> {
  const out: HttpEndpoint[] = [];
  for (const [address, routes] of addresses) {
    const { host, port } = hostPort(address, 'bind address');
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://agent');
      const route = routes.get(url.pathname);
      if (!route || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(route ? 405 : 404, { 'Content-Type': 'text/plain' }).end(route ? 'method not allowed\n' : `not found: try ${[...routes.keys()].join(', ')}\n`);
        return;
      }
      route(url).then(
        (r) => res.writeHead(r.status, { 'Content-Type': r.type, 'X-Content-Type-Options': 'nosniff' }).end(req.method === 'HEAD' ? undefined : r.body),
        (e: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${e.message}\n`),
      );
    });
    server.keepAliveTimeout = 5000;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
    } catch (e) {
      await Promise.all(out.map((o) => o.close()));
      throw new StartupError('http', `cannot listen on ${address}: ${(e as Error).message} (is another agent or kube-proxy running? choose another address)`, e);
    }
    const a = server.address() as AddressInfo;
    out.push({
      address: joinHostPort(a.address, a.port),
      close: () =>
        new Promise<void>((r) => {
          server.close(() => r());
          server.closeIdleConnections();
        }),
    });
  }
  return out;
}
