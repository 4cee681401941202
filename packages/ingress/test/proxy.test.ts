import { connect } from 'node:net';
import { Registry } from 'prom-client';
import { Pool, WebSocket } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngressServer, IngressView } from '../src/index.js';
import { EchoBackend, badBackend, refusedPort } from './backends.js';
import type { Echo } from './backends.js';
import { ingress, path, rule, service, slice } from './fixtures.js';

const L = '127.0.0.1';
let a: EchoBackend, b: EchoBackend, c: EchoBackend;
let reset: Awaited<ReturnType<typeof badBackend>>;
let silent: Awaited<ReturnType<typeof badBackend>>;
let refused: number;
let view: IngressView;
let server: IngressServer;
let registry: Registry;
let pool: Pool;
let port = 0;

async function get(host: string, p: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const res = await pool.request({ method: (init.method ?? 'GET') as 'GET', path: p, headers: { host, ...init.headers }, ...(init.body !== undefined ? { body: init.body } : {}) });
  const text = await res.body.text();
  const echo = res.headers['content-type'] === 'application/json' ? (JSON.parse(text) as Echo) : undefined;
  return { status: res.statusCode, headers: res.headers, text, echo };
}

/** One request over a raw socket (undici drops Connection headers, so hop-by-hop tests need this). */
async function raw(text: string): Promise<{ head: string; echo: Echo }> {
  const sock = connect(port, L);
  const data = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`timeout: ${buf}`)), 5000);
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.trimEnd().endsWith('}')) {
        clearTimeout(t);
        resolve(buf);
      }
    });
    sock.on('error', reject);
    sock.write(text);
  });
  sock.destroy();
  const [head, body] = data.split('\r\n\r\n');
  return { head: head!, echo: JSON.parse(body!) as Echo };
}

beforeAll(async () => {
  [a, b, c] = await Promise.all([new EchoBackend('a').start(), new EchoBackend('b').start(), new EchoBackend('c').start()]);
  reset = await badBackend('reset');
  silent = await badBackend('silent');
  refused = await refusedPort();
  view = new IngressView();
  const svc = (name: string, ...ports: [string, number, boolean][]) => [
    service(name, [{ port: 8080, name: 'http' }]),
    slice(name, 'http', ports[0]?.[1] ?? 1, ports.map(([addr, , ready]) => [addr, ready])),
  ];
  view.load([
    ...svc('foo-exact', [L, a.port, true]),
    ...svc('foo-prefix', [L, b.port, true]),
    ...svc('aaa-prefix', [L, c.port, true]),
    ...svc('echo-service', [L, a.port, true]),
    ...svc('public', [L, b.port, true]),
    ...svc('reset', [L, reset.port, true]),
    ...svc('silent', [L, silent.port, true]),
    ...svc('unready', [L, a.port, false]),
    // three endpoints on one port number cannot share a slice port here: one slice per endpoint
    service('rr', [{ port: 8080, name: 'http' }]),
    slice('rr', 'http', a.port, [[L, true]], 'rr-a'),
    slice('rr', 'http', b.port, [[L, true]], 'rr-b'),
    slice('rr', 'http', c.port, [[L, true]], 'rr-c'),
    service('flaky', [{ port: 8080, name: 'http' }]),
    slice('flaky', 'http', refused, [[L, true]], 'flaky-dead'),
    slice('flaky', 'http', c.port, [[L, true]], 'flaky-live'),
    service('dead', [{ port: 8080, name: 'http' }]),
    slice('dead', 'http', refused, [[L, true]], 'dead'),
    ingress('path-rules', {
      rules: [
        rule('exact-path-rules', path('/foo', 'Exact', 'foo-exact')),
        rule('prefix-path-rules', path('/foo', 'Prefix', 'foo-prefix'), path('/aaa', 'Prefix', 'aaa-prefix')),
        rule('mixed-path-rules', path('/foo', 'Prefix', 'foo-prefix'), path('/foo', 'Exact', 'foo-exact')),
        rule('*.wild.test', path('/', 'Prefix', 'aaa-prefix')),
        rule('errors.test', path('/missing', 'Prefix', 'no-such-service'), path('/unready', 'Prefix', 'unready'), path('/reset', 'Prefix', 'reset'), path('/silent', 'Prefix', 'silent'), path('/dead', 'Prefix', 'dead'), path('/flaky', 'Prefix', 'flaky'), path('/rr', 'Prefix', 'rr')),
        rule('safe.test', path('/public', 'Prefix', 'public')),
        rule(undefined, path('/ws', 'Prefix', 'foo-prefix')),
      ],
    }),
    ingress('default-backend', { defaultBackend: { service: { name: 'echo-service', port: { name: 'http' } } } }),
  ]);
  registry = new Registry();
  server = new IngressServer({ view, listen: { host: L, port: 0 }, headersTimeoutMs: 500, maxBodyBytes: 1024, registry });
  port = (await server.start()).http!.port;
  pool = new Pool(`http://${L}:${port}`, { connections: 4 });
});

afterAll(async () => {
  await pool?.close();
  await server?.close();
  await Promise.all([a?.close(), b?.close(), c?.close(), reset?.close(), silent?.close()]);
});

describe('conformance features through the running proxy', () => {
  it.each([
    ['exact-path-rules', '/foo', 200, 'a', '/foo'],
    ['exact-path-rules', '/foo/', 404],
    ['exact-path-rules', '/FOO', 404],
    ['prefix-path-rules', '/foo/', 200, 'b', '/foo/'],
    ['prefix-path-rules', '/aaa/ccc?x=1', 200, 'c', '/aaa/ccc?x=1'],
    ['prefix-path-rules', '/aaaccc', 404],
    ['mixed-path-rules', '/foo', 200, 'a', '/foo'],
    ['bar.wild.test', '/', 200, 'c', '/'],
    ['baz.bar.wild.test', '/', 200, 'a', '/'], // no host match: the catch-all default backend
    ['some-host', '/resource', 200, 'a', '/resource'],
  ] as const)('%s%s -> %i %s', async (host, p, status, backend?: string, seenPath?: string) => {
    const r = await get(host, p);
    expect(r.status).toBe(status);
    expect(r.headers['server']).toBe('svcnet-ingress');
    if (backend) {
      expect(r.echo?.name).toBe(backend);
      expect(r.echo?.url).toBe(seenPath);
      expect(r.echo?.headers['host']).toBe(host);
    }
  });
});

describe('answers of the router itself', () => {
  it.each([
    ['/missing', 503],
    ['/unready', 503],
    ['/reset', 502],
    ['/silent', 504],
    ['/dead', 502],
  ])('%s -> %i with a short body and Server header', async (p, status) => {
    const r = await get('errors.test', p);
    expect(r.status).toBe(status);
    expect(r.headers['server']).toBe('svcnet-ingress');
    expect(r.text.length).toBeLessThan(200);
    expect(r.text).toMatch(String(status));
  });

  it('404 when nothing matches and there is no default backend', async () => {
    const r = await get('exact-path-rules', '/nothing');
    expect(r.status).toBe(404);
    expect(r.text).toMatch(/no Ingress rule/);
  });

  it('413 above the body-size limit; smaller bodies are streamed through', async () => {
    expect((await get('prefix-path-rules', '/foo', { method: 'POST', body: 'x'.repeat(2000) })).status).toBe(413);
    const ok = await get('prefix-path-rules', '/foo', { method: 'POST', body: 'hello' });
    expect(ok.echo?.body).toBe('hello');
    expect(ok.echo?.method).toBe('POST');
  });
});

describe('load balancing and retries', () => {
  it('round-robins over ready endpoints', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push((await get('errors.test', '/rr')).echo!.name);
    expect(seen.filter((n) => n === 'a')).toHaveLength(2);
    expect(seen.filter((n) => n === 'b')).toHaveLength(2);
    expect(seen.filter((n) => n === 'c')).toHaveLength(2);
  });

  it('retries on connect failure with another endpoint', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await get('errors.test', '/flaky', { method: 'POST', body: `n${i}` });
      expect(r.status).toBe(200);
      expect(r.echo?.body).toBe(`n${i}`);
    }
    const text = await registry.metrics();
    expect(text).toMatch(/svcnet_ingress_upstream_retries_total [1-9]/);
  });

  it('never retries a request that reached an endpoint (the reset backend gets it once)', async () => {
    const before = (await registry.getSingleMetric('svcnet_ingress_upstream_retries_total')!.get()).values[0]!.value;
    expect((await get('errors.test', '/reset')).status).toBe(502);
    const after = (await registry.getSingleMetric('svcnet_ingress_upstream_retries_total')!.get()).values[0]!.value;
    expect(after).toBe(before);
  });

  it('reuses upstream connections (keep-alive pools)', async () => {
    const before = c.connections;
    for (let i = 0; i < 20; i++) await get('prefix-path-rules', '/aaa');
    expect(c.connections - before).toBeLessThanOrEqual(1);
  });
});

describe('forwarded headers', () => {
  it('sets X-Forwarded-*, X-Real-IP, X-Request-ID and drops hop-by-hop headers', async () => {
    const r = await raw(
      'GET /foo HTTP/1.1\r\nHost: prefix-path-rules:8080\r\nX-Forwarded-For: 203.0.113.9\r\nConnection: keep-alive, X-Hop\r\n' +
        'X-Hop: secret\r\nProxy-Connection: x\r\nTE: trailers\r\nKeep-Alive: timeout=5\r\nX-Forwarded-Proto: https\r\n\r\n',
    );
    const h = r.echo.headers;
    // The peer is not a trusted proxy: its X-Forwarded-For is replaced, not appended to.
    expect(h['x-forwarded-for']).toBe('127.0.0.1');
    expect(h['x-real-ip']).toBe('127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h['x-forwarded-host']).toBe('prefix-path-rules:8080');
    expect(h['x-forwarded-port']).toBe(String(port));
    expect(h['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(h['host']).toBe('prefix-path-rules:8080');
    expect(h['x-hop']).toBeUndefined();
    expect(h['proxy-connection']).toBeUndefined();
    expect(h['te']).toBeUndefined();
    expect(h['keep-alive']).toBeUndefined();
    expect(r.head).toMatch(/\r\nServer: svcnet-ingress\r\n/);
    expect(r.head).not.toMatch(/\r\nServer: echo/);
    expect(r.head).toMatch(/\r\nx-backend: b\r\n/);
  });

  it('keeps a client X-Request-ID', async () => {
    const r = await get('prefix-path-rules', '/foo', { headers: { 'x-request-id': 'abc' } });
    expect(r.echo!.headers['x-request-id']).toBe('abc');
  });
});

describe('path normalisation safety', () => {
  it.each([
    ['/public/../admin', 404, undefined],
    ['/public/%2e%2e/admin', 404, undefined],
    ['/public%2f..%2f..%2fadmin', 400, undefined],
    ['/public/./x//y', 200, '/public/x/y'],
    ['//public/x', 200, '/public/x'],
    ['/x/../public/a%20b', 200, '/public/a%20b'],
    ['/../public', 400, undefined],
  ] as const)('%s -> %i (backend sees %s)', async (p, status, seen?: string) => {
    const r = await get('safe.test', p);
    expect(r.status).toBe(status);
    if (seen) expect(r.echo?.url).toBe(seen);
  });
});

describe('connections', () => {
  it('keeps the client connection alive across requests', async () => {
    const sock = connect(port, L);
    const reqs = 'GET /foo HTTP/1.1\r\nHost: exact-path-rules\r\n\r\nGET /foo HTTP/1.1\r\nHost: exact-path-rules\r\n\r\n';
    const data = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const t = setTimeout(() => reject(new Error(`timeout: ${buf}`)), 5000);
      sock.on('data', (d) => {
        buf += d.toString();
        if ((buf.match(/HTTP\/1\.1 200/g) ?? []).length === 2 && buf.trimEnd().endsWith('}')) {
          clearTimeout(t);
          resolve(buf);
        }
      });
      sock.on('error', reject);
      sock.write(reqs);
    });
    sock.destroy();
    expect(data.match(/"name":"a"/g)).toHaveLength(2);
  });

  it('proxies a WebSocket upgrade both ways', async () => {
    const ws = new WebSocket(`ws://${L}:${port}/ws/chat`);
    const reply = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no reply')), 5000);
      ws.onopen = () => ws.send('ping');
      ws.onmessage = (e) => {
        clearTimeout(t);
        resolve(String(e.data));
      };
      ws.onerror = (e) => reject(new Error(`websocket error ${String((e as { message?: string }).message)}`));
    });
    ws.close();
    expect(reply).toBe('b:ping');
  });
});

describe('metrics', () => {
  it('counts requests by status and times them', async () => {
    const text = await registry.metrics();
    expect(text).toMatch(/svcnet_ingress_requests_total\{status="200"\} [1-9]/);
    expect(text).toMatch(/svcnet_ingress_requests_total\{status="404"\} [1-9]/);
    expect(text).toMatch(/svcnet_ingress_request_duration_seconds_bucket\{le="\+Inf",status="200"\} [1-9]/);
  });
});
