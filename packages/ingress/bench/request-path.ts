// The router's own work on one request head, in process, without sockets: what the fast path does
// from the client's bytes to the endpoint's request head. Prints ns per request for each step, for
// a wrk-like request (Host only) and a browser-like one (a dozen headers).
// The string path as it was (the regex parser kept in packages/ingress/test/legacyRequestHead.ts,
// routeTarget, forwardRequestHeaders + requestHead: what node:http's path still does) is measured beside the fast path's bytes path (scanRequestHead, the route cache,
// UpstreamHeadWriter) in the same run; each figure is the best of --rounds runs.
//   node --conditions=@svcnet/source --import tsx packages/ingress/bench/request-path.ts [--iterations 200000] [--rounds 5]
import { LABEL_SERVICE_NAME } from '@svcnet/model';
import { TrustedProxies } from '../src/http1/clientAddress.js';
import { forwardRequestHeaders, requestHead } from '../src/http1/forwardHeaders.js';
import { IngressView } from '../src/view/ingressView.js';
import type { ProxyContext } from '../src/proxy/proxyContext.js';
import { routeTarget } from '../src/proxy/proxyHandler.js';
import { scanRequestHead } from '../src/http1/requestHeadParser.js';
import { randomFillSync } from 'node:crypto';
import { ConnectionRoutes, viewRoutes } from '../src/fastpath/routeCache.js';
import { UpstreamHeadWriter } from '../src/http1/upstreamRequestHead.js';
import { legacyParseRequestHead as parseRequestHead } from '../test/legacyRequestHead.js';

const args = process.argv.slice(2);
const at = args.indexOf('--iterations');
const iterations = at >= 0 ? Number(args[at + 1]) : 200_000;
const ra = args.indexOf('--rounds');
const rounds = ra >= 0 ? Number(args[ra + 1]) : 5;

const view = new IngressView();
view.load([
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'app', namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } },
  {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'app-0', namespace: 'default', labels: { [LABEL_SERVICE_NAME]: 'app' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'bench', namespace: 'default' },
    spec: { rules: [{ host: 'bench.example.com', http: { paths: [{ path: '/app', pathType: 'Prefix', backend: { service: { name: 'app', port: { number: 80 } } } }] } }] },
  },
]);
// The request id as it was made before (one hex encoding per id), for the string path's figure.
const idPool = Buffer.alloc(16 * 1024);
let idAt = idPool.length;
function newRequestId(): string {
  if (idAt + 16 > idPool.length) {
    randomFillSync(idPool);
    idAt = 0;
  }
  idAt += 16;
  return idPool.toString('hex', idAt - 16, idAt);
}

const ctx = { view, trusted: new TrustedProxies([]) } as unknown as ProxyContext;

const requests = {
  wrk: 'GET /app/items?id=1 HTTP/1.1\r\nHost: bench.example.com\r\n\r\n',
  browser:
    'GET /app/items/42?view=full&lang=en HTTP/1.1\r\nHost: bench.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n' +
    'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\n' +
    'Connection: keep-alive\r\nCookie: session=0123456789abcdef0123456789abcdef; theme=dark\r\nUpgrade-Insecure-Requests: 1\r\nSec-Fetch-Dest: document\r\n' +
    'Sec-Fetch-Mode: navigate\r\nSec-Fetch-Site: none\r\nPriority: u=0, i\r\n\r\n',
};
function time(label: string, fn: () => unknown): number {
  for (let i = 0; i < 20_000; i++) fn(); // warm up
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / iterations);
  }
  console.log(`${label.padEnd(52)}${best.toFixed(0).padStart(8)} ns`);
  return best;
}

for (const [name, text] of Object.entries(requests)) {
  const buf = Buffer.from(text, 'latin1');
  // The string path.
  const parse = time(`request (${name}): strings: parse head`, () => parseRequestHead(buf, 0));
  const head = parseRequestHead(buf, 0);
  if (typeof head === 'string') throw new Error(`the ${name} request is not fast-path: ${head}`);
  const route = time(`request (${name}): strings: route`, () => routeTarget(ctx, head.target, head.host, 'http'));
  const routed = routeTarget(ctx, head.target, head.host, 'http');
  if (routed.kind !== 'proxy') throw new Error(`the ${name} request does not route: ${JSON.stringify(routed)}`);
  const build = time(`request (${name}): strings: upstream head`, () => {
    const fwd = forwardRequestHeaders(head.rawHeaders, { peer: '127.0.0.1', proto: 'http', localPort: 8080, requestId: newRequestId(), trusted: ctx.trusted });
    return requestHead(head.method, routed.forward, fwd.headers, false);
  });
  // The fast path's bytes path: one connection repeating the request, and one whose route is not
  // the connection's last (the view-wide cache).
  const scanned = scanRequestHead(buf, 0);
  if (typeof scanned === 'string') throw new Error(`the ${name} request is not fast-path: ${scanned}`);
  const scan = time(`request (${name}): bytes: scan head`, () => scanRequestHead(buf, 0));
  const shared = viewRoutes(view);
  const routes = new ConnectionRoutes(ctx, shared);
  const cached = time(`request (${name}): bytes: route (connection's last)`, () => routes.find(scanned));
  // A connection alternating between two targets: its last route never matches, the view-wide cache answers.
  const other = scanRequestHead(Buffer.from(text.replace(' HTTP/1.1', '&other HTTP/1.1'), 'latin1'), 0);
  if (typeof other === 'string') throw new Error(`the other ${name} request is not fast-path: ${other}`);
  let flip = false;
  const alternating = new ConnectionRoutes(ctx, shared);
  time(`request (${name}): bytes: route (view cache)`, () => alternating.find((flip = !flip) ? scanned : other));
  const writer = new UpstreamHeadWriter('127.0.0.1', ctx.trusted, 8080, 'http');
  const forward = routes.find(scanned)!.forward;
  const write = time(`request (${name}): bytes: upstream head`, () => writer.write(scanned, forward));
  const all = time(`request (${name}): bytes: all three`, () => {
    const s = scanRequestHead(buf, 0) as Exclude<ReturnType<typeof scanRequestHead>, string>;
    return writer.write(s, routes.find(s)!.forward);
  });
  console.log(`request (${name}): strings ${(parse + route + build).toFixed(0)} ns, bytes ${(scan + cached + write).toFixed(0)} ns (all three in one loop ${all.toFixed(0)} ns): ${((parse + route + build) / all).toFixed(1)}x\n`);
}
