import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngressServer, IngressView } from '../src/index.js';
import { useDirectSockets } from '../src/socket/fastSocket.js';
import { scriptedBackend } from './backends.js';
import { ingress, path, rule, service, slice } from './fixtures.js';
import { exchange, request } from './rawClient.js';

/**
 * The router as it runs on a Node whose stream internals fastSocket.ts does not recognise: every
 * FastSocket (client and endpoint side) on the socket's public API. The same answers, and the
 * endpoint's reads still count as activity for its timeouts.
 */

const L = '127.0.0.1';
const BIG = 'q'.repeat(200_000);

let raw: Server;
/** Sends a 200 head at once, then its 15-byte body one byte per 100 ms (1.5 s in all). */
let trickle: Server;
const trickling = new Set<Socket>();
let router: IngressServer;
let port = 0;

beforeAll(async () => {
  useDirectSockets(false);
  raw = scriptedBackend((_method, target) => ({
    text: target === '/big' ? `HTTP/1.1 200 OK\r\nContent-Length: ${BIG.length}\r\n\r\n${BIG}` : 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
  }));
  trickle = createServer((s: Socket) => {
    trickling.add(s);
    s.on('error', () => undefined);
    s.on('close', () => trickling.delete(s));
    s.once('data', () => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n');
      let sent = 0;
      const tick = setInterval(() => {
        if (s.destroyed || sent === 15) return clearInterval(tick);
        s.write(String.fromCharCode(97 + sent++));
      }, 100);
    });
  });
  await Promise.all([raw, trickle].map((srv) => new Promise<void>((r) => srv.listen(0, L, r))));
  const view = new IngressView();
  view.load([
    service('raw', [{ port: 80, name: 'http' }]),
    slice('raw', 'http', (raw.address() as AddressInfo).port, [[L, true]]),
    service('trickle', [{ port: 80, name: 'http' }]),
    slice('trickle', 'http', (trickle.address() as AddressInfo).port, [[L, true]]),
    ingress('public', { rules: [rule('raw.test', path('/', 'Prefix', 'raw', 80)), rule('trickle.test', path('/', 'Prefix', 'trickle', 80))] }),
  ]);
  // Each byte of the trickled body comes well within the body timeout; the whole body does not.
  router = new IngressServer({ view, listen: { host: L, port: 0 }, headersTimeoutMs: 500, bodyTimeoutMs: 500 });
  port = (await router.start()).http!.port;
});

afterAll(async () => {
  useDirectSockets(true);
  await router?.close();
  for (const s of trickling) s.destroy();
  await Promise.all([raw, trickle].map((srv) => new Promise<void>((r) => (srv ? srv.close(() => r()) : r()))));
});

describe('fast path on the public socket API', () => {
  it('answers pipelined requests in order, small and large bodies whole', async () => {
    const r = await exchange(port, [request('/a', 'raw.test') + request('/big', 'raw.test') + request('/c', 'raw.test')], 3);
    expect(r.responses.map((x) => [x.status, x.body.length])).toEqual([
      [200, 5],
      [200, BIG.length],
      [200, 5],
    ]);
    expect(r.closed).toBe(false);
    r.socket.destroy();
  });

  it("an endpoint's reads push its body timeout back (a slow body arrives whole)", async () => {
    const r = await exchange(port, [request('/slow', 'trickle.test')], 1, { timeoutMs: 5000 });
    expect(r.responses[0]?.status).toBe(200);
    expect(r.responses[0]?.body).toBe('abcdefghijklmno');
    r.socket.destroy();
  });
});
