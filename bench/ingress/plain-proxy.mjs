// The reference the issue names: a plain Node http proxy with a keep-alive agent (no routing), to
// put the router's figure in context. `plain-proxy.mjs PORT BACKEND_PORTS_JSON`.
import { Agent, createServer, request } from 'node:http';

const [port, backendsArg] = process.argv.slice(2);
const backends = JSON.parse(backendsArg);
const agent = new Agent({ keepAlive: true, maxSockets: 128 });
let i = 0;
const server = createServer((req, res) => {
  const up = request({ host: '127.0.0.1', port: backends[i++ % backends.length], method: req.method, path: req.url, headers: req.headers, agent }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  up.on('error', () => {
    res.writeHead(502);
    res.end();
  });
  req.pipe(up);
});
server.keepAliveTimeout = 75_000;
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
