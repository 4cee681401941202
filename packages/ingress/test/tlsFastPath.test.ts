import { connect as tlsConnect } from 'node:tls';
import type { AddressInfo, Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngressServer, IngressView } from '../src/index.js';
import { EchoBackend, scriptedBackend } from './backends.js';
import type { Echo } from './backends.js';
import { ingress, path, rule, service, slice } from './fixtures.js';
import { exchange, request, splitResponses } from './rawClient.js';

/**
 * The fast path on the TLS listener (its connections' decrypted side, fastSocket.ts and
 * tlsHandleWrites.ts) against node:http's path on the same routes (`fastPath: false`), over real
 * TLS: the same bytes, the router's own X-Forwarded-* lines, pipelining, and the hand-over to
 * node:http for whatever the fast path does not take. Both routers use the self-signed default
 * certificate (no openssl needed).
 */

const L = '127.0.0.1';
const BIG = 'z'.repeat(200_000);

function answer(method: string, target: string): string {
  switch (target) {
    case '/chunked':
      return 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n';
    case '/no-content':
      return 'HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n';
    case '/big':
      // Well past the 64 KiB a TLS write in flight lets wait behind it.
      return `HTTP/1.1 200 OK\r\nContent-Length: ${BIG.length}\r\n\r\n${BIG}`;
    default:
      return method === 'HEAD' ? 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n' : 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello';
  }
}

let raw: Server;
let echo: EchoBackend;
let fast: IngressServer;
let slow: IngressServer;
let fastPort = 0;
let slowPort = 0;

beforeAll(async () => {
  raw = scriptedBackend((method, target) => ({ text: answer(method, target) }));
  await new Promise<void>((r) => raw.listen(0, L, r));
  echo = await new EchoBackend('e').start();
  const view = new IngressView();
  view.load([
    service('raw', [{ port: 80, name: 'http' }]),
    slice('raw', 'http', (raw.address() as AddressInfo).port, [[L, true]]),
    service('echo', [{ port: 80, name: 'http' }]),
    slice('echo', 'http', echo.port, [[L, true]]),
    ingress('tls', { rules: [rule('raw.test', path('/', 'Prefix', 'raw', 80)), rule('echo.test', path('/', 'Prefix', 'echo', 80))] }),
  ]);
  const common = { view, clientKeepAliveMs: 5000 };
  fast = new IngressServer({ ...common, listenTls: { host: L, port: 0 } });
  slow = new IngressServer({ ...common, listenTls: { host: L, port: 0 }, fastPath: false });
  fastPort = (await fast.start()).https!.port;
  slowPort = (await slow.start()).https!.port;
});

afterAll(async () => {
  await Promise.all([fast?.close(), slow?.close()]);
  await Promise.all([echo?.close(), new Promise<void>((r) => (raw ? raw.close(() => r()) : r()))]);
});

function normalise(head: string): string {
  return head.replace(/\r\nDate: [^\r]*/, '\r\nDate: -').replace(/\r\nx-request-id: [0-9a-f]{32}/i, '\r\nx-request-id: -');
}

const echoUrls = (rs: { body: string }[]) => rs.map((r) => (JSON.parse(r.body) as Echo).url);

describe('TLS fast path: routing and forwarded headers', () => {
  it('serves a request routed by Host on the fast path, with X-Forwarded-Proto https and the client address', async () => {
    expect(fast.tlsFastPathActive).toBe(true);
    expect(slow.tlsFastPathActive).toBe(false);
    const req = request('/who', 'echo.test', 'X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: http\r\n');
    const r = await exchange(fastPort, [req], 1, { tls: 'echo.test' });
    // Still the fast path's after the answer (a connection node:http took is no longer counted).
    expect(fast.fastConnectionCount).toBe(1);
    r.socket.destroy();
    const e = JSON.parse(r.responses[0]!.body) as Echo;
    expect(e.name).toBe('e');
    expect(e.url).toBe('/who');
    expect(e.headers['x-forwarded-proto']).toBe('https');
    expect(e.headers['x-forwarded-port']).toBe(String(fastPort));
    // The client is not a trusted proxy: its X-Forwarded-For is replaced, not extended.
    expect(e.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('a client without SNI is routed by Host too', async () => {
    const r = await exchange(fastPort, [request('/x', 'raw.test')], 1, { tls: '' });
    r.socket.destroy();
    expect(r.responses.map((x) => [x.status, x.body])).toEqual([[200, 'hello']]);
  });

  it('the forwarded request equals node:http path\'s', async () => {
    const req = request('/p/../q?x=1', 'echo.test', 'X-Request-ID: abc\r\nAccept: */*\r\n');
    const [f, s] = await Promise.all([exchange(fastPort, [req], 1, { tls: 'echo.test' }), exchange(slowPort, [req], 1, { tls: 'echo.test' })]);
    f.socket.destroy();
    s.socket.destroy();
    const fe = JSON.parse(f.responses[0]!.body) as Echo;
    const se = JSON.parse(s.responses[0]!.body) as Echo;
    expect(fe.url).toBe('/q?x=1');
    expect({ ...fe.headers, 'x-forwarded-port': '-' }).toEqual({ ...se.headers, 'x-forwarded-port': '-' });
  });
});

describe('TLS fast path: the same bytes as node:http', () => {
  it.each([
    ['GET', request('/plain', 'raw.test'), false],
    ['HEAD', request('/plain', 'raw.test', '', 'HEAD'), true],
    ['chunked upstream body', request('/chunked', 'raw.test'), false],
    ['204', request('/no-content', 'raw.test'), false],
    ['a 200 KB body', request('/big', 'raw.test'), false],
    ['no rule -> 404', request('/', 'nowhere.test'), false],
    ['Connection: close', request('/plain', 'raw.test', 'Connection: close\r\n'), false],
  ])('%s', async (_name, req, head) => {
    const [f, s] = await Promise.all([exchange(fastPort, [req], 1, { noBody: [head], tls: 'raw.test' }), exchange(slowPort, [req], 1, { noBody: [head], tls: 'raw.test' })]);
    f.socket.destroy();
    s.socket.destroy();
    expect(f.responses).toHaveLength(1);
    expect(normalise(f.responses[0]!.head)).toBe(normalise(s.responses[0]!.head));
    expect(f.responses[0]!.body).toBe(s.responses[0]!.body);
  });
});

describe('TLS fast path: connections', () => {
  it('answers pipelined requests in order on one kept-alive connection', async () => {
    const reqs = ['/1', '/2', '/3', '/4'].map((p) => request(p, 'echo.test')).join('');
    const r = await exchange(fastPort, [reqs, request('/5', 'echo.test')], 5, { tls: 'echo.test', gapMs: 20 });
    expect(r.closed).toBe(false);
    expect(echoUrls(r.responses)).toEqual(['/1', '/2', '/3', '/4', '/5']);
    r.socket.destroy();
  });

  it('hands the connection to node:http at a request it does not take, losing nothing', async () => {
    const post = 'POST /2 HTTP/1.1\r\nHost: echo.test\r\nContent-Length: 2\r\n\r\nhi';
    const r = await exchange(fastPort, [request('/1', 'echo.test') + post + request('/3', 'echo.test'), request('/4', 'echo.test')], 4, { tls: 'echo.test', gapMs: 20 });
    expect(echoUrls(r.responses)).toEqual(['/1', '/2', '/3', '/4']);
    expect((JSON.parse(r.responses[1]!.body) as Echo).body).toBe('hi');
    r.socket.destroy();
  });

  it.each([
    ['a duplicate Host', request('/', 'echo.test', 'Host: raw.test\r\n')],
    ['a malformed head', 'BLAH\r\n\r\n'],
    ['a NUL in a header value', request('/', 'echo.test', 'X-A: a\0b\r\n')],
  ])('%s after a served request gets 400, the connection closes and the listener serves on', async (_name, bad) => {
    const r = await exchange(fastPort, [request('/ok', 'echo.test') + bad], 3, { tls: 'echo.test' });
    expect(r.responses.map((x) => x.status)).toEqual([200, 400]);
    expect(r.closed).toBe(true);
    const next = await exchange(fastPort, [request('/after', 'echo.test')], 1, { tls: 'echo.test' });
    next.socket.destroy();
    expect(echoUrls(next.responses)).toEqual(['/after']);
  });

  it('Connection: close: the answer says so, the connection ends, a request pipelined after it gets nothing', async () => {
    const r = await exchange(fastPort, [request('/c', 'echo.test', 'Connection: close\r\n') + request('/never', 'echo.test')], 2, { tls: 'echo.test' });
    expect(r.closed).toBe(true);
    expect(echoUrls(r.responses)).toEqual(['/c']);
    expect(r.responses[0]!.head).toMatch(/\r\nConnection: close$/);
  });

  it('a flood of pipelined requests from a client that reads slowly: every answer, whole and in order', async () => {
    const n = 40;
    const sock = tlsConnect({ host: L, port: fastPort, servername: 'raw.test', rejectUnauthorized: false });
    sock.on('error', () => undefined);
    await new Promise<void>((r) => sock.once('secureConnect', () => r()));
    // 8 MB of answers to 40 pipelined heads, unread for a while: TLS writes wait behind each other.
    const reqs = Array.from({ length: n }, (_, i) => request('/big', 'raw.test', `X-Pad: ${i} ${'p'.repeat(500)}\r\n`)).join('');
    sock.pause();
    sock.write(reqs);
    await new Promise((r) => setTimeout(r, 300));
    let rest = '';
    let whole = 0;
    let seen = 0;
    const done = new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`only ${seen} answers`)), 15_000);
      sock.on('data', (d: Buffer) => {
        const r = splitResponses(rest + d.toString('latin1'), [], false);
        rest = r.rest;
        seen += r.responses.length;
        whole += r.responses.filter((x) => x.status === 200 && x.body === BIG).length;
        if (seen >= n) {
          clearTimeout(t);
          resolve(whole);
        }
      });
    });
    sock.resume();
    expect(await done).toBe(n);
    sock.destroy();
  }, 20_000);
});
