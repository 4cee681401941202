// The floor for any Node proxy, as a reference row in the ingress benchmark: per request it reads the
// client's bytes, writes one fixed request head upstream, reads the answer and writes its bytes back
// unchanged, on one dedicated upstream connection per client connection. No parsing, routing,
// pooling or header work: what is left is Node's and the kernel's cost of two reads and two writes.
// Only correct for the benchmark's one-request-at-a-time keep-alive GETs. `null-proxy.mjs PORT BACKEND_PORTS_JSON`.
import net from 'node:net';

const [port, backendsArg] = process.argv.slice(2);
const backends = JSON.parse(backendsArg);
const head = 'GET /app/items?id=1 HTTP/1.1\r\nHost: bench.example.com\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n';
let next = 0;
const server = net.createServer({ noDelay: true }, (client) => {
  const upstream = net.connect({ host: '127.0.0.1', port: backends[next++ % backends.length], noDelay: true });
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  client.on('data', () => upstream.write(head, 'latin1'));
  upstream.on('data', (bytes) => client.write(bytes));
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
