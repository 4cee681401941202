import { request } from 'node:http';
import { describeWith, reusePort } from '@svcnet/testkit';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IngressServer, IngressView, IngressWorkers } from '../src/index.js';
import { EchoBackend } from './backends.js';
import { ingress, path, rule, service, slice } from './fixtures.js';

// Two routers on one port (SO_REUSEPORT): this thread's, routing from the IngressView, and one
// worker thread's, routing from a replica of it (decision 022). The kernel picks a router by the
// client's address and port, so a client port pins a router: the test finds one port per router
// and asks each through its own.

const L = '127.0.0.1';

/** GET /app for cafe.example.com from client port `localPort` (fresh connection): the backend's name, or the status. */
function who(port: number, localPort?: number): Promise<string | number> {
  return new Promise((resolve) => {
    const req = request({ host: L, port, path: '/app', headers: { host: 'cafe.example.com', connection: 'close' }, agent: false, ...(localPort ? { localPort } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(res.statusCode === 200 ? (JSON.parse(Buffer.concat(chunks).toString()) as { name: string }).name : (res.statusCode ?? 0)));
    });
    req.on('error', () => resolve(-1)); // that client port was busy (or in TIME_WAIT)
    req.end();
  });
}

/** Requests each router has answered: this thread's first, then the workers' in slot order. */
async function perWorker(w: IngressWorkers): Promise<number[]> {
  const all = await w.metricsPerServer();
  return all.map((metrics) => metrics.find((m) => m.name === 'svcnet_ingress_requests_total')?.values.reduce((n, v) => n + v.value, 0) ?? 0);
}

/** A client port for each router: one request from a port, and the router whose count moved answered it. */
async function portPerWorker(w: IngressWorkers, port: number): Promise<Map<number, number>> {
  const found = new Map<number, number>();
  for (let i = 0; i < 40 && found.size < 2; i++) {
    const client = 20000 + Math.floor(Math.random() * 20000);
    const before = await perWorker(w);
    if ((await who(port, client)) === -1) continue;
    const after = await perWorker(w);
    const slot = after.findIndex((n, k) => n > (before[k] ?? 0));
    if (slot >= 0 && !found.has(slot)) found.set(slot, client);
  }
  return found;
}

/** Asks (bounded: 100 x 20 ms) until the answer is `want`; a pinned client moves one port up each time (no TIME_WAIT clash). */
async function eventually(port: number, client: number | undefined, want: string | number): Promise<string | number> {
  let got: string | number = '';
  for (let i = 0; i < 100; i++) {
    got = await who(port, client);
    if (got === want) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return got;
}

describeWith('ingress workers: two SO_REUSEPORT workers routing from one view', [reusePort], () => {
  let a: EchoBackend;
  let b: EchoBackend;
  let view: IngressView;
  let workers: IngressWorkers;
  let single: IngressServer;
  let port = 0;
  let singlePort = 0;
  const registry = new Registry();

  beforeAll(async () => {
    [a, b] = await Promise.all([new EchoBackend('a').start(L), new EchoBackend('b').start(L)]);
    view = new IngressView();
    view.upsert(ingress('cafe', { rules: [rule('cafe.example.com', path('/app', 'Prefix', 'app'))] }));
    view.upsert(service('app', [{ port: 8080, name: 'http' }]));
    view.upsert(slice('app', 'http', a.port, [[L, true]], 'app-1'));
    workers = new IngressWorkers({ view, listen: { host: L, port: 0 }, workers: 2, registry });
    port = (await workers.start()).http!.port;
    single = new IngressServer({ view, listen: { host: L, port: 0 } });
    singlePort = (await single.start()).http!.port;
  });
  afterAll(async () => {
    await workers?.close();
    await single?.close();
    await Promise.all([a?.close(), b?.close()]);
  });

  it('two routers are this thread\'s and one worker thread\'s, and both route, from the table and endpoints of the parent\'s view', async () => {
    expect(workers.pool.workers).toHaveLength(1);
    const ports = await portPerWorker(workers, port);
    expect([...ports.keys()].sort()).toEqual([0, 1]);
    for (const client of ports.values()) expect(await eventually(port, client, 'a')).toBe('a');
  });

  it('/metrics sums every router\'s requests, this thread\'s too', async () => {
    const each = await perWorker(workers);
    expect(each).toHaveLength(2);
    expect(each.every((n) => n > 0)).toBe(true);
    const text = await registry.metrics();
    const scraped = [...text.matchAll(/^svcnet_ingress_requests_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    // No request arrives between the two reads: the scrape is the sum of both routers' counts.
    expect(scraped).toBe(each.reduce((a, b) => a + b, 0));
  });

  it('an endpoint change and a route change reach both workers within the bound one server gets', async () => {
    const ports = [...(await portPerWorker(workers, port)).values()];
    expect(ports).toHaveLength(2);
    view.upsert(slice('app', 'http', b.port, [[L, true]], 'app-1'));
    expect(await eventually(singlePort, undefined, 'b')).toBe('b');
    for (const client of ports) expect(await eventually(port, client, 'b')).toBe('b');
    view.delete(ingress('cafe', { rules: [] }));
    expect(await eventually(singlePort, undefined, 404)).toBe(404);
    for (const client of ports) expect(await eventually(port, client, 404)).toBe(404);
    view.upsert(ingress('cafe', { rules: [rule('cafe.example.com', path('/app', 'Prefix', 'app'))] }));
    for (const client of ports) expect(await eventually(port, client, 'b')).toBe('b');
  });

  it('a worker that dies is replaced, and the replacement routes by the current view', async () => {
    expect(workers.pool.workers).toHaveLength(1);
    await workers.pool.workers[0]!.terminate();
    for (let i = 0; i < 200 && (workers.pool.replacements < 1 || (await perWorker(workers)).length < 2); i++) await new Promise((r) => setTimeout(r, 25));
    expect(workers.pool.replacements).toBe(1);
    view.upsert(slice('app', 'http', a.port, [[L, true]], 'app-1'));
    const ports = await portPerWorker(workers, port);
    expect([...ports.keys()].sort()).toEqual([0, 1]);
    for (const client of ports.values()) expect(await eventually(port, client, 'a')).toBe('a');
  });
});
