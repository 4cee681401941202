// Three HTTP backends on 127.0.0.1 (one process), for the ingress benchmark. Prints their ports as JSON.
import { createServer } from 'node:http';

const ports = [];
for (const name of ['a', 'b', 'c']) {
  const body = Buffer.from(`hello from backend ${name}\n`);
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 120_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  ports.push(server.address().port);
}
process.stdout.write(JSON.stringify(ports) + '\n');
process.on('SIGTERM', () => process.exit(0));
