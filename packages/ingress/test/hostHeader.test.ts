import { describeWith, openssl } from '@svcnet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useDirectSockets } from '../src/socket/fastSocket.js';
import type { Echo } from './backends.js';
import { exchange, request } from './rawClient.js';
import { routers } from './routerPaths.js';
import type { RouterPath, Routers } from './routerPaths.js';

/**
 * A request whose Host the router cannot route by unambiguously is answered 400 and the connection
 * closed (nginx: "client sent duplicate host header", "client sent invalid host header"; RFC 9112
 * §3.2), on every path a request can take: the fast path (direct and on the public socket API,
 * which hand such heads to node:http), node:http, and HTTPS. Before, `Host: a` then `Host: evil`
 * was routed by the first and forwarded with both and `X-Forwarded-Host: evil`.
 */

const WS_KEY = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';

/** Requests refused with 400 before anything reaches an endpoint. */
const REFUSED: [string, string][] = [
  ['two Host headers', request('/x', 'echo.test', 'Host: evil.attacker\r\n')],
  ['two Host headers naming the same host', request('/x', 'echo.test', 'host: echo.test\r\n')],
  ['two Host headers, the routable one second', request('/x', 'evil.attacker', 'Host: echo.test\r\n')],
  ['two Host headers on a POST with a body', 'POST /x HTTP/1.1\r\nHost: echo.test\r\nHost: evil.attacker\r\nContent-Length: 2\r\n\r\nhi'],
  ['two Host headers on a WebSocket upgrade', request('/ws', 'echo.test', `Host: evil.attacker\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${WS_KEY}`)],
  ['an empty Host', request('/x', '')],
  ['a Host with a character no host holds', request('/x', 'echo.test:80@evil.attacker')],
  ['a Host with a space', request('/x', 'echo.test evil.attacker')],
  ['a Host other than the absolute-form target\'s authority', 'GET http://evil.attacker/x HTTP/1.1\r\nHost: echo.test\r\n\r\n'],
];

/** Requests still served: the checks refuse nothing a conforming client sends. */
const SERVED: [string, string, string][] = [
  ['a Host with a port, in another case', request('/x', 'ECHO.test:80'), '/x'],
  ['a Host with a trailing dot', request('/x', 'echo.test.'), '/x'],
  ['absolute-form naming the Host', 'GET http://echo.test/x?q=1 HTTP/1.1\r\nHost: echo.test\r\n\r\n', '/x?q=1'],
  ['absolute-form with the default port', 'GET http://echo.test:80/x HTTP/1.1\r\nHost: Echo.Test\r\n\r\n', '/x'],
];

function hostChecks(paths: RouterPath[], start: () => Promise<Routers>): void {
  let r: Routers;
  beforeAll(async () => {
    r = await start();
  });
  afterAll(async () => {
    useDirectSockets(true);
    await r?.close();
  });

  describe.each(paths)('$name', (p) => {
    beforeAll(() => useDirectSockets(!p.publicSocketApi));
    afterAll(() => useDirectSockets(true));

    it.each(REFUSED)('%s: 400, the connection closed, nothing sent to the endpoint', async (_name, req) => {
      const before = r.echo.requests;
      // A good request pipelined behind it must not be answered either.
      const res = await exchange(p.port(), [req + request('/after', 'echo.test')], 2, { ...(p.tls ? { tls: p.tls } : {}) });
      res.socket.destroy();
      expect(res.responses.map((x) => x.status)).toEqual([400]);
      expect(res.closed).toBe(true);
      expect(r.echo.requests).toBe(before);
    });

    it('a good request, then one with two Host headers, pipelined: 200, then 400 and close', async () => {
      const before = r.echo.requests;
      const reqs = request('/first', 'echo.test') + request('/second', 'echo.test', 'Host: evil.attacker\r\n') + request('/third', 'echo.test');
      const res = await exchange(p.port(), [reqs], 3, { ...(p.tls ? { tls: p.tls } : {}) });
      res.socket.destroy();
      expect(res.responses.map((x) => x.status)).toEqual([200, 400]);
      expect((JSON.parse(res.responses[0]!.body) as Echo).url).toBe('/first');
      expect(res.closed).toBe(true);
      expect(r.echo.requests).toBe(before + 1);
    });

    it.each(SERVED)('%s: served', async (_name, req, url) => {
      const res = await exchange(p.port(), [req], 1, { ...(p.tls ? { tls: p.tls } : {}) });
      res.socket.destroy();
      expect(res.responses.map((x) => x.status)).toEqual([200]);
      const echo = JSON.parse(res.responses[0]!.body) as Echo;
      expect(echo.url).toBe(url);
      // The endpoint hears of exactly the host the request was routed by.
      expect(String(echo.headers['x-forwarded-host']).toLowerCase()).toMatch(/^echo\.test/);
    });
  });
}

describe('Host checks over plain HTTP', () => {
  const r = routers({});
  hostChecks(r.paths, r.started);
});

describeWith('Host checks over TLS', [openssl], () => {
  const r = routers({ tls: true });
  hostChecks(r.paths, r.started);
});
