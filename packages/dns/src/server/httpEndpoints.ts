import http from 'node:http';
import type net from 'node:net';
import type { Registry } from 'prom-client';

/**
 * The HTTP side of the server (CoreDNS health, ready and prometheus plugins): /health always OK,
 * /ready once the index has synced, /metrics from the registry.
 */
export function startHttpEndpoints(at: { host: string; port: number }, registry: Registry, synced: () => boolean): Promise<{ server: http.Server; address: string; port: number }> {
  const srv = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') res.writeHead(200).end('OK');
    else if (path === '/ready') res.writeHead(synced() ? 200 : 503).end(synced() ? 'OK' : 'plugin/kubernetes: not synced yet');
    else if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (e: Error) => res.writeHead(500).end(e.message),
      );
    } else res.writeHead(404).end('not found: try /health, /ready or /metrics');
  });
  return new Promise((res, rej) => {
    srv.once('error', rej);
    srv.listen(at.port, at.host, () => {
      const a = srv.address() as net.AddressInfo;
      res({ server: srv, address: a.address, port: a.port });
    });
  });
}
