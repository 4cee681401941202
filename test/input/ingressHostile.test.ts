// Hostile HTTP over raw sockets to a running IngressServer on 127.0.0.1 with recording backends:
// smuggling, oversized headers and bodies, slowloris, path tricks, Host spoofing, X-Forwarded-For
// from untrusted and trusted peers, WebSocket abuse. Nothing reaches a backend the routes would not
// send it to, and valid requests keep being served.
import { IngressServer, IngressView } from '@svcnet/ingress';
import type { KubeObject } from '@svcnet/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingBackend, rawHttp, statuses } from '../support/httpBackends.js';
import { rssMiB, sleep } from '../support/objects.js';

const L = '127.0.0.1';
let pub: RecordingBackend;
let admin: RecordingBackend;
let view: IngressView;
let server: IngressServer;
let trustingServer: IngressServer;
let port = 0;
let trustingPort = 0;

function objects(pubPort: number, adminPort: number): KubeObject[] {
  const svc = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] } });
  const slice = (name: string, p: number) => ({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: `${name}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4', endpoints: [{ addresses: [L], conditions: { ready: true } }], ports: [{ name: 'http', port: p, protocol: 'TCP' }],
  });
  const path = (p: string, service: string) => ({ path: p, pathType: 'Prefix', backend: { service: { name: service, port: { number: 8080 } } } });
  return [
    svc('public'), slice('public', pubPort), svc('admin'), slice('admin', adminPort),
    {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'site', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
      spec: { rules: [{ host: 'safe.test', http: { paths: [path('/public', 'public')] } }, { host: 'admin.test', http: { paths: [path('/', 'admin')] } }] },
    },
  ] as unknown as KubeObject[];
}

const req = (path: string, host = 'safe.test', extra = '') => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`;
/** Admin requests that came from anything but a legitimate admin.test request. */
const adminLeaks = () => admin.seen.filter((s) => s.headers['x-legit'] !== 'yes');
const publicOutside = () => pub.seen.filter((s) => !s.url.startsWith('/public'));

beforeAll(async () => {
  [pub, admin] = await Promise.all([new RecordingBackend('public').start(), new RecordingBackend('admin').start()]);
  view = new IngressView();
  view.load(objects(pub.port, admin.port));
  server = new IngressServer({ view, listen: { host: L, port: 0 }, maxBodyBytes: 4096, clientHeadersTimeoutMs: 500, clientKeepAliveMs: 500 });
  port = (await server.start()).http!.port;
  trustingServer = new IngressServer({ view, listen: { host: L, port: 0 }, trustedProxies: ['127.0.0.1'] });
  trustingPort = (await trustingServer.start()).http!.port;
});
afterAll(async () => {
  // Bounded: IngressServer.close() waits for upgraded tunnels it does not close itself (reported).
  const bounded = (p: Promise<void> | undefined) => Promise.race([p, sleep(3000)]);
  await bounded(server?.close());
  await bounded(trustingServer?.close());
  await Promise.all([pub?.close(), admin?.close()]);
});

const SMUGGLING: ReadonlyArray<{ name: string; payload: string }> = [
  { name: 'CL.TE: Content-Length and Transfer-Encoding together', payload: 'POST /public HTTP/1.1\r\nHost: safe.test\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: safe.test\r\n\r\n' },
  { name: 'TE.CL: chunked with an obfuscated Transfer-Encoding', payload: 'POST /public HTTP/1.1\r\nHost: safe.test\r\nTransfer-Encoding: xchunked\r\nContent-Length: 4\r\n\r\n5c\r\nGET /admin HTTP/1.1\r\nHost: safe.test\r\n\r\n0\r\n\r\n' },
  { name: 'two Content-Length headers that disagree', payload: 'POST /public HTTP/1.1\r\nHost: safe.test\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\nGET /admin HTTP/1.1\r\nHost: safe.test\r\n\r\n' },
  { name: 'Transfer-Encoding: chunked, identity', payload: 'POST /public HTTP/1.1\r\nHost: safe.test\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: safe.test\r\n\r\n' },
  { name: 'Transfer-Encoding with a space before the colon', payload: 'POST /public HTTP/1.1\r\nHost: safe.test\r\nTransfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: safe.test\r\n\r\n' },
  { name: 'chunk size overflow', payload: 'POST /public HTTP/1.1\r\nHost: safe.test\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF1\r\nGET /admin HTTP/1.1\r\nHost: safe.test\r\n\r\n0\r\n\r\n' },
  { name: 'bare LF line endings', payload: 'POST /public HTTP/1.1\nHost: safe.test\nContent-Length: 0\nTransfer-Encoding: chunked\n\n0\n\nGET /admin HTTP/1.1\nHost: safe.test\n\n' },
  { name: 'header folding (obs-fold) of Transfer-Encoding', payload: 'POST /public HTTP/1.1\r\nHost: safe.test\r\nTransfer-Encoding:\r\n chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: safe.test\r\n\r\n' },
  { name: 'NUL in a header value', payload: 'GET /public HTTP/1.1\r\nHost: safe.test\r\nX-A: a\u0000b\r\n\r\nGET /admin HTTP/1.1\r\nHost: safe.test\r\n\r\n' },
];

describe('request smuggling', () => {
  it.each(SMUGGLING)('$name: no request outside the routes reaches a backend', async ({ payload }) => {
    const r = await rawHttp(port, payload, 800);
    // Either refused (400) or served once; never a smuggled /admin to the public backend.
    expect(statuses(r.text).every((s) => s === 400 || s === 404 || s === 200 || s === 501)).toBe(true);
    expect(publicOutside()).toEqual([]);
    expect(adminLeaks()).toEqual([]);
  });
});

const PATHS = [
  '/public/../admin', '/public/%2e%2e/admin', '/public/%2E%2E/admin', '/public/..%2fadmin', '/public%2f..%2fadmin', '/public/..\\admin',
  '/public/%252e%252e/admin', '//admin', '/./admin', '/public/..;/admin', '/PUBLIC', '/admin', '/public/../../admin', '/%2fpublic/../admin',
  '/public/%00/../../admin', 'http://admin.test/', 'http://safe.test/admin', '*', '/public/\u00e9/../../admin',
];

describe('path tricks and Host spoofing never reach a backend the route would not allow', () => {
  it.each(PATHS)('%s', async (p) => {
    const r = await rawHttp(port, req(p), 800);
    const codes = statuses(r.text);
    expect(codes.length).toBeLessThanOrEqual(1);
    expect(publicOutside()).toEqual([]);
    expect(adminLeaks()).toEqual([]);
  });

  it.each([
    ['two Host headers', 'GET /public HTTP/1.1\r\nHost: safe.test\r\nHost: admin.test\r\n\r\n'],
    ['absolute URI for admin with Host safe.test', 'GET http://admin.test/x HTTP/1.1\r\nHost: safe.test\r\nConnection: close\r\n\r\n'],
    ['Host with a path', 'GET / HTTP/1.1\r\nHost: admin.test/../safe.test\r\nConnection: close\r\n\r\n'],
    ['Host with userinfo', 'GET / HTTP/1.1\r\nHost: safe.test@admin.test\r\nConnection: close\r\n\r\n'],
    ['X-Forwarded-Host: admin.test', 'GET /x HTTP/1.1\r\nHost: safe.test\r\nX-Forwarded-Host: admin.test\r\nConnection: close\r\n\r\n'],
    ['X-Original-URL / X-Rewrite-URL', 'GET /public HTTP/1.1\r\nHost: safe.test\r\nX-Original-URL: /admin\r\nX-Rewrite-URL: /admin\r\nConnection: close\r\n\r\n'],
    ['no Host at all (HTTP/1.1)', 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n'],
    ['HTTP/1.0 without Host', 'GET / HTTP/1.0\r\n\r\n'],
  ])('%s', async (_name, payload) => {
    const r = await rawHttp(port, payload, 800);
    expect(statuses(r.text).length).toBeLessThanOrEqual(1);
    expect(adminLeaks()).toEqual([]);
    expect(publicOutside()).toEqual([]);
  });

  it('the legitimate routes still work (control)', async () => {
    expect(statuses((await rawHttp(port, req('/public/x'))).text)).toEqual([200]);
    expect(statuses((await rawHttp(port, req('/anything', 'ADMIN.test.', 'X-Legit: yes\r\n'))).text)).toEqual([200]);
    expect(admin.seen.length).toBe(1);
  });
});

describe('sizes and slow clients', () => {
  it('oversized headers get 431 (or the connection closed), and the server keeps serving', async () => {
    const before = rssMiB();
    for (const size of [20_000, 100_000, 1_000_000]) {
      const r = await rawHttp(port, `GET /public HTTP/1.1\r\nHost: safe.test\r\nX-Big: ${'a'.repeat(size)}\r\n\r\n`, 1500);
      const codes = statuses(r.text);
      expect(codes.every((c) => c === 431 || c === 400)).toBe(true);
      expect(codes.length > 0 || r.closed).toBe(true);
    }
    const many = Array.from({ length: 5000 }, (_, i) => `X-H${i}: v`).join('\r\n');
    const r = await rawHttp(port, `GET /public HTTP/1.1\r\nHost: safe.test\r\n${many}\r\n\r\n`, 1500);
    expect(statuses(r.text).every((c) => c === 431 || c === 400)).toBe(true);
    expect(statuses((await rawHttp(port, req('/public/ok'))).text)).toEqual([200]);
    expect(rssMiB() - before).toBeLessThan(100);
  });

  it.each([
    ['Content-Length above the limit', 'POST /public HTTP/1.1\r\nHost: safe.test\r\nContent-Length: 10000000\r\nConnection: close\r\n\r\n' + 'x'.repeat(8192)],
    ['chunked body above the limit', 'POST /public HTTP/1.1\r\nHost: safe.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' + `2000\r\n${'x'.repeat(0x2000)}\r\n`.repeat(2) + '0\r\n\r\n'],
  ])('%s: 413 and the backend never sees a body over the limit', async (_n, payload) => {
    const r = await rawHttp(port, payload, 1500);
    expect(statuses(r.text)).toContain(413);
    expect(pub.seen.every((s) => s.body.length <= 4096)).toBe(true);
  });

  it('slowloris: 20 clients trickling headers byte by byte do not stop others being served', async () => {
    const head = 'GET /public HTTP/1.1\r\nHost: safe.test\r\nX-Slow: ' + 'a'.repeat(100);
    const slow = Array.from({ length: 20 }, () => rawHttp(port, head.split(''), 4000, 40));
    await sleep(200);
    expect(statuses((await rawHttp(port, req('/public/during'))).text)).toEqual([200]);
    expect(statuses((await rawHttp(port, req('/public/during-2'))).text)).toEqual([200]);
    const results = await Promise.all(slow);
    // Not asserted (reported): Node checks headersTimeout only every connectionsCheckingInterval
    // (30 s by default), so clientHeadersTimeoutMs: 500 does not cut these clients off in time.
    console.info(`[figures] ingress slowloris: ${results.filter((r) => r.closed).length}/20 slow clients closed by the server within 4 s (clientHeadersTimeoutMs 500)`);
    expect(pub.seen.some((s) => s.headers['x-slow'])).toBe(false);
  });
});

describe('X-Forwarded-For and WebSocket abuse', () => {
  it('an untrusted client cannot set its address; a trusted proxy can', async () => {
    const n = pub.seen.length;
    await rawHttp(port, req('/public/xff', 'safe.test', 'X-Forwarded-For: 6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\nX-Forwarded-Proto: https\r\n'));
    const untrusted = pub.seen[n]!;
    expect(untrusted.headers['x-real-ip']).toBe('127.0.0.1');
    expect(String(untrusted.headers['x-forwarded-for'])).toMatch(/127\.0\.0\.1$/);
    expect(untrusted.headers['x-forwarded-proto']).toBe('http');
    await rawHttp(trustingPort, req('/public/xff', 'safe.test', 'X-Forwarded-For: 6.6.6.6\r\n'));
    const trusted = pub.seen[n + 1]!;
    expect(trusted.headers['x-real-ip']).toBe('6.6.6.6');
  });

  it.each([
    ['upgrade to a path no route allows', 'GET /admin HTTP/1.1\r\nHost: safe.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'],
    ['upgrade without a key', 'GET /public/ws HTTP/1.1\r\nHost: safe.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nGET /admin HTTP/1.1\r\nHost: safe.test\r\n\r\n'],
    ['h2c upgrade smuggling', 'GET /public/h2c HTTP/1.1\r\nHost: safe.test\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n'],
    ['upgrade with a body and a pipelined request', 'POST /public/ws HTTP/1.1\r\nHost: safe.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nContent-Length: 40\r\n\r\nGET /admin HTTP/1.1\r\nHost: safe.test\r\n\r\n'],
  ])('%s: no request outside the routes reaches a backend', async (_n, payload) => {
    await rawHttp(port, payload, 800);
    expect(adminLeaks()).toEqual([]);
    expect(publicOutside()).toEqual([]);
  });

  it('a WebSocket tunnel carries frames, and 100 abandoned upgrades leave the server serving', async () => {
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const up = `GET /public/ws HTTP/1.1\r\nHost: safe.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    const r = await rawHttp(port, [up, Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x69 ^ 1, 0x21 ^ 2])], 600, 100);
    expect(r.text).toContain('101 Switching Protocols');
    await Promise.all(Array.from({ length: 100 }, () => rawHttp(port, up, 100)));
    expect(statuses((await rawHttp(port, req('/public/after-ws'))).text)).toEqual([200]);
  });
});
