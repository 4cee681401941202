import { describeWith, openssl } from '@svcnet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useDirectSockets } from '../src/socket/fastSocket.js';
import type { Echo } from './backends.js';
import { exchange, request } from './rawClient.js';
import { routers } from './routerPaths.js';
import type { RouterPath, Routers } from './routerPaths.js';

/**
 * What the endpoint is told about the client, on every path a request can take: a client's own
 * X-Forwarded-For, -Host, -Port, -Proto and X-Real-IP count only when it connects from a trusted
 * proxy (ingress-nginx: `use-forwarded-headers` with `proxy-real-ip-cidr`); from any other peer
 * X-Forwarded-For is replaced by the peer's address. Before, any peer's X-Forwarded-For was appended
 * to, so a backend reading its left-most hop believed whatever the client wrote.
 */

const SPOOF = 'X-Forwarded-For: 6.6.6.6, 7.7.7.7\r\nX-Real-IP: 6.6.6.6\r\nX-Forwarded-Host: evil.attacker\r\nX-Forwarded-Port: 1\r\nX-Forwarded-Proto: https\r\n';

async function seen(p: RouterPath, extra: string): Promise<Echo['headers']> {
  const res = await exchange(p.port(), [request('/x', 'echo.test', extra)], 1, { ...(p.tls ? { tls: p.tls } : {}) });
  res.socket.destroy();
  expect(res.responses.map((x) => x.status)).toEqual([200]);
  return (JSON.parse(res.responses[0]!.body) as Echo).headers;
}

function forwardedChecks(trusted: boolean, paths: RouterPath[], start: () => Promise<Routers>): void {
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
    const proto = p.tls ? 'https' : 'http';

    if (!trusted) {
      it.each([
        ['spoofed forwarding headers', SPOOF],
        ['two X-Forwarded-For lines', 'X-Forwarded-For: 6.6.6.6\r\nx-forwarded-for: 7.7.7.7\r\n'],
        ['X-Forwarded-For with the client\'s X-Request-ID', 'X-Forwarded-For: 6.6.6.6\r\nX-Request-ID: abc\r\n'],
      ])('an untrusted peer\'s %s are replaced by what this connection says', async (_name, extra) => {
        const h = await seen(p, extra);
        expect(h['x-forwarded-for']).toBe('127.0.0.1');
        expect(h['x-real-ip']).toBe('127.0.0.1');
        expect(h['x-forwarded-host']).toBe('echo.test');
        expect(h['x-forwarded-port']).toBe(String(p.port()));
        expect(h['x-forwarded-proto']).toBe(proto);
      });
    } else {
      it('a trusted peer\'s X-Forwarded-For is appended to and its other X-Forwarded-* headers kept', async () => {
        const h = await seen(p, SPOOF);
        expect(h['x-forwarded-for']).toBe('6.6.6.6, 7.7.7.7, 127.0.0.1');
        expect(h['x-real-ip']).toBe('7.7.7.7'); // the right-most hop that is not a trusted proxy
        expect(h['x-forwarded-host']).toBe('evil.attacker');
        expect(h['x-forwarded-port']).toBe('1');
        expect(h['x-forwarded-proto']).toBe('https');
      });
    }

    it('without forwarding headers the endpoint hears of this connection', async () => {
      const h = await seen(p, '');
      expect([h['x-forwarded-for'], h['x-real-ip'], h['x-forwarded-host'], h['x-forwarded-proto']]).toEqual(['127.0.0.1', '127.0.0.1', 'echo.test', proto]);
    });
  });
}

describe('X-Forwarded-* from an untrusted peer', () => {
  const r = routers({});
  forwardedChecks(false, r.paths, r.started);
});

describe('X-Forwarded-* from a trusted peer', () => {
  const r = routers({ trustedProxies: ['10.0.0.0/8', '127.0.0.0/8'] });
  forwardedChecks(true, r.paths, r.started);
});

describeWith('X-Forwarded-* over TLS', [openssl], () => {
  describe('from an untrusted peer', () => {
    const r = routers({ tls: true });
    forwardedChecks(false, r.paths, r.started);
  });
  describe('from a trusted peer', () => {
    const r = routers({ tls: true, trustedProxies: ['127.0.0.1'] });
    forwardedChecks(true, r.paths, r.started);
  });
});
