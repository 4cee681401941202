import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngressServer, IngressView } from '../src/index.js';
import { EchoBackend, scriptedBackend } from './backends.js';
import type { Echo } from './backends.js';
import { ingress, path, rule, service, slice } from './fixtures.js';
import { exchange, request, splitResponses } from './rawClient.js';

/**
 * The plain-HTTP fast path (fastConnection.ts) against node:http's path (`fastPath: false`) on the
 * same routes: the same bytes for the same requests, pipelining, keep-alive, and the hand-over to
 * node:http for anything the fast path does not take.
 */

const L = '127.0.0.1';

/** A raw endpoint answering by path, to produce every response shape the router passes on. */
function answer(method: string, target: string): string {
  switch (target) {
    case '/chunked':
      return 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Kind: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n';
    case '/empty-chunked':
      return 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n';
    case '/continue':
      return 'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok';
    case '/no-content':
      return 'HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n';
    case '/not-modified':
      return 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n';
    case '/reason':
      return 'HTTP/1.1 299 Quite Fine\r\nContent-Length: 1\r\n\r\nx';
    case '/no-reason':
      return 'HTTP/1.1 418\r\nContent-Length: 0\r\n\r\n';
    case '/badheader':
      return 'HTTP/1.1 200 OK\r\nX-Evil: a\x01b\r\nContent-Length: 0\r\n\r\n';
    case '/big-head':
      // Head and body in one write, over the 32 KiB buffer answers are built in.
      return `HTTP/1.1 200 OK\r\nX-Big: ${'h'.repeat(16_300)}\r\nContent-Length: 16384\r\n\r\n${'b'.repeat(16_384)}`;
    case '/big':
      return `HTTP/1.1 200 OK\r\nContent-Length: 40000\r\nX-Multi: a\r\nX-Multi: b\r\n\r\n${'y'.repeat(40000)}`;
    default:
      return method === 'HEAD' ? 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n' : 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello';
  }
}

let raw: Server;
let echo: EchoBackend;
/** Never answers; counts the requests it got and the connections it still has. */
let silent: Server;
const silentOpen = new Set<Socket>();
let silentRequests = 0;
/** Upgrades every request (101) and echoes the bytes after its head. */
let tunnel: Server;
let view: IngressView;
let fast: IngressServer;
let slow: IngressServer;
let fastPort = 0;
let slowPort = 0;

beforeAll(async () => {
  raw = scriptedBackend((method, target) => ({ text: answer(method, target) }));
  await new Promise<void>((r) => raw.listen(0, L, r));
  echo = await new EchoBackend('e').start();
  silent = createServer((s: Socket) => {
    silentOpen.add(s);
    s.on('error', () => undefined);
    s.on('data', () => silentRequests++);
    s.on('close', () => silentOpen.delete(s));
  });
  await new Promise<void>((r) => silent.listen(0, L, r));
  tunnel = createServer((s: Socket) => {
    s.on('error', () => undefined);
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      const at = head.indexOf('\r\n\r\n');
      if (at < 0) return;
      s.removeListener('data', onData);
      s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: raw\r\nConnection: Upgrade\r\n\r\n');
      s.write(head.slice(at + 4), 'latin1');
      s.pipe(s);
    };
    s.on('data', onData);
  });
  await new Promise<void>((r) => tunnel.listen(0, L, r));
  view = new IngressView();
  view.load([
    service('raw', [{ port: 80, name: 'http' }]),
    slice('raw', 'http', (raw.address() as AddressInfo).port, [[L, true]]),
    service('echo', [{ port: 80, name: 'http' }]),
    slice('echo', 'http', echo.port, [[L, true]]),
    service('silent', [{ port: 80, name: 'http' }]),
    slice('silent', 'http', (silent.address() as AddressInfo).port, [[L, true]]),
    service('tunnel', [{ port: 80, name: 'http' }]),
    slice('tunnel', 'http', (tunnel.address() as AddressInfo).port, [[L, true]]),
    ingress('fast', { rules: [rule('tunnel.test', path('/', 'Prefix', 'tunnel', 80)), rule('raw.test', path('/', 'Prefix', 'raw', 80)), rule('echo.test', path('/', 'Prefix', 'echo', 80)), rule('silent.test', path('/', 'Prefix', 'silent', 80))] }),
  ]);
  const common = { view, headersTimeoutMs: 300, clientHeadersTimeoutMs: 400, clientKeepAliveMs: 5000 };
  fast = new IngressServer({ ...common, listen: { host: L, port: 0 } });
  slow = new IngressServer({ ...common, listen: { host: L, port: 0 }, fastPath: false });
  fastPort = (await fast.start()).http!.port;
  slowPort = (await slow.start()).http!.port;
});

afterAll(async () => {
  await Promise.all([fast?.close(), slow?.close()]);
  for (const s of silentOpen) s.destroy();
  await Promise.all([echo?.close(), ...[raw, silent, tunnel].map((srv) => new Promise<void>((r) => (srv ? srv.close(() => r()) : r())))]);
});

/** The response with the values that differ per request (Date, X-Request-ID) blanked. */
function normalise(head: string): string {
  return head.replace(/\r\nDate: [^\r]*/, '\r\nDate: -').replace(/\r\nx-request-id: [0-9a-f]{32}/i, '\r\nx-request-id: -');
}

describe('fast path: the same bytes as node:http', () => {
  it.each([
    ['GET /plain', request('/plain', 'raw.test'), false],
    ['HEAD /plain', request('/plain', 'raw.test', '', 'HEAD'), true],
    ['chunked upstream body', request('/chunked', 'raw.test'), false],
    ['empty chunked upstream body', request('/empty-chunked', 'raw.test'), false],
    ['interim 103 then 201', request('/continue', 'raw.test'), false],
    ['204', request('/no-content', 'raw.test'), false],
    ['304', request('/not-modified', 'raw.test'), false],
    ['own reason phrase', request('/reason', 'raw.test'), false],
    ['no reason phrase', request('/no-reason', 'raw.test'), false],
    ['invalid upstream header -> 502', request('/badheader', 'raw.test'), false],
    ['a body larger than one write, repeated headers', request('/big', 'raw.test'), false],
    ['head and whole body over 32 KiB', request('/big-head', 'raw.test'), false],
    ['upstream timeout -> 504', request('/', 'silent.test'), false],
    ['no rule -> 404', request('/', 'nowhere.test'), false],
    ['keep-alive spelled out', request('/plain', 'raw.test', 'Connection: keep-alive\r\n'), false],
  ])('%s', async (_name, req, head) => {
    const [f, s] = await Promise.all([exchange(fastPort, [req], 1, { noBody: [head] }), exchange(slowPort, [req], 1, { noBody: [head] })]);
    f.socket.destroy();
    s.socket.destroy();
    expect(f.responses).toHaveLength(1);
    expect(normalise(f.responses[0]!.head)).toBe(normalise(s.responses[0]!.head));
    expect(f.responses[0]!.body).toBe(s.responses[0]!.body);
    expect(f.responses[0]!.head).toMatch(/\r\nDate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT/);
  });

  it('the forwarded request is the same too', async () => {
    const req = request('/p/../q?x=1', 'echo.test:80', 'X-Forwarded-For: 10.0.0.9\r\nX-Request-ID: abc\r\nAccept: */*\r\n');
    const [f, s] = await Promise.all([exchange(fastPort, [req], 1), exchange(slowPort, [req], 1)]);
    f.socket.destroy();
    s.socket.destroy();
    const fe = JSON.parse(f.responses[0]!.body) as Echo;
    const se = JSON.parse(s.responses[0]!.body) as Echo;
    expect(fe.url).toBe('/q?x=1');
    expect({ ...fe.headers, 'x-forwarded-port': '-' }).toEqual({ ...se.headers, 'x-forwarded-port': '-' });
    expect(fe.headers['x-forwarded-port']).toBe(String(fastPort));
  });
});

describe('fast path: connections', () => {
  const echoUrls = (rs: { body: string }[]) => rs.map((r) => (JSON.parse(r.body) as Echo).url);

  it('answers pipelined requests in order on one kept-alive connection', async () => {
    const reqs = ['/1', '/2', '/3', '/4'].map((p) => request(p, 'echo.test')).join('');
    const r = await exchange(fastPort, [reqs], 4);
    expect(r.closed).toBe(false);
    expect(echoUrls(r.responses)).toEqual(['/1', '/2', '/3', '/4']);
    r.socket.destroy();
  });

  it('a flood of pipelined requests from a client that reads slowly: every answer, whole and in order', async () => {
    const n = 150;
    const sock = connect(fastPort, L);
    sock.on('error', () => undefined);
    // ~6 MB of answers to ~5 KB... 150 heads (beyond the 64 KiB the router buffers), unread for a while.
    const reqs = Array.from({ length: n }, (_, i) => request('/big', 'raw.test', `X-Pad: ${i} ${'p'.repeat(500)}\r\n`)).join('');
    sock.pause();
    sock.write(reqs);
    await new Promise((r) => setTimeout(r, 300));
    let rest = '';
    let whole = 0;
    let seen = 0;
    const done = new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`only ${seen} answers`)), 8000);
      sock.on('data', (d: Buffer) => {
        const r = splitResponses(rest + d.toString('latin1'), [], false);
        rest = r.rest;
        seen += r.responses.length;
        whole += r.responses.filter((x) => x.status === 200 && x.body === 'y'.repeat(40000)).length;
        if (seen >= n) {
          clearTimeout(t);
          resolve(whole);
        }
      });
    });
    sock.resume();
    expect(await done).toBe(n);
    sock.destroy();
  }, 12_000);

  it('hands a connection to node:http at the first request it does not take, losing nothing', async () => {
    const post = 'POST /2 HTTP/1.1\r\nHost: echo.test\r\nContent-Length: 2\r\n\r\nhi';
    const r = await exchange(fastPort, [request('/1', 'echo.test') + post + request('/3', 'echo.test'), request('/4', 'echo.test')], 4, { gapMs: 20 });
    expect(echoUrls(r.responses)).toEqual(['/1', '/2', '/3', '/4']);
    expect((JSON.parse(r.responses[1]!.body) as Echo).body).toBe('hi');
    r.socket.destroy();
  });

  it('connections read into one shared buffer: bytes after an upgrade head survive other reads', async () => {
    // The upgrade's first bytes come in the same read as its head, from the read buffer every
    // accepted socket shares; node:http hands them over as a view, sent once the endpoint connects.
    const payload = (i: number) => `${i}:${String.fromCharCode(97 + (i % 26)).repeat(3000 + i)}`;
    const rs = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const sock = connect(fastPort, L);
        sock.on('error', () => undefined);
        const want = payload(i);
        let got = '';
        const text = await new Promise<string>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`only ${JSON.stringify(got.slice(0, 200))}`)), 5000);
          sock.on('data', (d: Buffer) => {
            got += d.toString('latin1');
            const at = got.indexOf('\r\n\r\n');
            if (at >= 0 && got.length - at - 4 >= want.length) {
              clearTimeout(t);
              resolve(got.slice(at + 4));
            }
          });
          sock.write(`GET /u${i} HTTP/1.1\r\nHost: tunnel.test\r\nConnection: Upgrade\r\nUpgrade: raw\r\n\r\n${want}`, 'latin1');
        });
        sock.destroy();
        return text === want;
      }),
    );
    expect(rs.filter((ok) => !ok)).toHaveLength(0);
  });

  it('a head split across writes is still served', async () => {
    const req = request('/split', 'echo.test');
    const r = await exchange(fastPort, [req.slice(0, 10), req.slice(10), request('/after', 'echo.test')], 2, { gapMs: 30 });
    expect(echoUrls(r.responses)).toEqual(['/split', '/after']);
    r.socket.destroy();
  });

  it('a malformed head after a served request gets 400 and the connection closes', async () => {
    const r = await exchange(fastPort, [request('/ok', 'echo.test') + 'BLAH\r\n\r\n'], 3);
    expect(r.responses.map((x) => x.status)).toEqual([200, 400]);
    expect(r.closed).toBe(true);
  });

  it('a head beyond 16 KiB gets what node:http answers', async () => {
    const big = request('/', 'echo.test', `X-Big: ${'a'.repeat(17 * 1024)}\r\n`);
    const [f, s] = await Promise.all([exchange(fastPort, [big], 1), exchange(slowPort, [big], 1)]);
    expect(f.responses[0]!.status).toBe(s.responses[0]!.status);
    expect(f.responses[0]!.status).toBeGreaterThanOrEqual(400);
  });

  it.each([
    ['bodiless requests', request('/a', 'echo.test') + request('/b', 'echo.test')],
    ['a request for node:http among them', request('/a', 'echo.test') + 'POST /b HTTP/1.1\r\nHost: echo.test\r\nContent-Length: 2\r\n\r\nhi'],
  ])('a client that half-closes after %s: the connection ends as node:http ends it', async (_name, reqs) => {
    const [f, s] = await Promise.all([exchange(fastPort, [reqs], 3, { end: true }), exchange(slowPort, [reqs], 3, { end: true })]);
    expect(f.closed).toBe(true);
    expect(s.closed).toBe(true);
    expect(f.responses.map((r) => r.status)).toEqual(s.responses.map((r) => r.status));
  });

  it('an idle kept-alive connection is closed after clientKeepAliveMs', async () => {
    const short = new IngressServer({ view: view, listen: { host: L, port: 0 }, clientKeepAliveMs: 300 });
    try {
      const port = (await short.start()).http!.port;
      const r = await exchange(port, [request('/k', 'echo.test')], 2, { timeoutMs: 3000 });
      expect(r.responses.map((x) => x.status)).toEqual([200]);
      expect(r.responses[0]!.head).toMatch(/\r\nKeep-Alive: timeout=0$/);
      expect(r.closed).toBe(true);
    } finally {
      await short.close();
    }
  });

  it('a connection that sends nothing gets 408 after the headers timeout, as from node:http', async () => {
    const [f, s] = await Promise.all([exchange(fastPort, [], 2), exchange(slowPort, [], 2)]);
    expect(f.responses.map((x) => x.status)).toEqual([408]);
    expect(s.responses.map((x) => x.status)).toEqual([408]);
    expect(f.closed).toBe(true);
  });

  it('a client that goes away mid-request makes the router drop the upstream connection', async () => {
    const before = silentRequests;
    const client = connect(fastPort, L);
    client.on('error', () => undefined);
    client.write(request('/', 'silent.test'));
    // Bounded waits: the request reaches the endpoint, then the client leaves.
    for (let i = 0; i < 100 && silentRequests === before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(silentRequests).toBe(before + 1);
    const open = [...silentOpen].filter((s) => !s.destroyed);
    expect(open.length).toBeGreaterThan(0);
    const closed = Promise.all(open.map((s) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())))));
    client.destroy();
    await Promise.race([closed, new Promise((_, rej) => setTimeout(() => rej(new Error('upstream connection kept')), 2000))]);
  });
});
