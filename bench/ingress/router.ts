// The svcnet ingress router on one port for the benchmark: `router.ts PORT BACKEND_PORTS_JSON [workers] [node-http] [TLS_DIR]`.
// With workers > 1, IngressWorkers runs one router thread per worker, each with its own SO_REUSEPORT
// listener (Node 22.12+); `node-http` turns the fast path off (every request through node:http), for
// comparison. With TLS_DIR the port is an HTTPS listener whose default certificate is
// TLS_DIR/cert.pem + key.pem (the one nginx's `ssl` server has). Prints `ready PID [TID...]` (worker
// threads' kernel ids, for their CPU split), or `unsupported REASON`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IngressServer, IngressView, IngressWorkers } from '@svcnet/ingress';
import { reusePortUnsupported } from '@svcnet/model';

const [portArg, backendsArg, workersArg, modeArg, tlsDir] = process.argv.slice(2);
const port = Number(portArg);
const backends = JSON.parse(backendsArg ?? '[]') as number[];
const workers = Number(workersArg ?? '1');

async function serve(): Promise<void> {
  const view = new IngressView();
  view.load([
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'app', namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } },
    ...backends.map((p, i) => ({
      apiVersion: 'discovery.k8s.io/v1' as const,
      kind: 'EndpointSlice' as const,
      metadata: { name: `app-${i}`, namespace: 'default', labels: { 'kubernetes.io/service-name': 'app' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      ports: [{ name: 'http', port: p, protocol: 'TCP' }],
    })),
    {
      apiVersion: 'networking.k8s.io/v1' as const,
      kind: 'Ingress',
      metadata: { name: 'bench', namespace: 'default' },
      spec: {
        rules: [
          { host: 'bench.example.com', http: { paths: [{ path: '/app', pathType: 'Prefix', backend: { service: { name: 'app', port: { number: 80 } } } }] } },
          { host: 'other.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'app', port: { number: 80 } } } }] } },
        ],
      },
    },
  ]);
  const address = { host: '127.0.0.1', port };
  const tls = tlsDir ? { listenTls: address, defaultCertificate: { cert: readFileSync(join(tlsDir, 'cert.pem'), 'utf8'), key: readFileSync(join(tlsDir, 'key.pem'), 'utf8') } } : { listen: address };
  const o = { view, ...tls, fastPath: modeArg !== 'node-http' };
  const unsupported = workers > 1 ? reusePortUnsupported() : undefined;
  if (unsupported) {
    process.stdout.write(`unsupported ${unsupported}\n`);
    return;
  }
  const server = workers > 1 ? new IngressWorkers({ ...o, workers }) : new IngressServer(o);
  await server.start();
  process.stdout.write(`ready ${process.pid}${server instanceof IngressWorkers ? ` ${server.threadIds.join(' ')}` : ''}\n`);
}

await serve();
process.on('SIGTERM', () => process.exit(0));
