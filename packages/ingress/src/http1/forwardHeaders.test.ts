import { describe, expect, it } from 'vitest';
import { TrustedProxies, TrustedProxyError } from './clientAddress.js';
import { forwardRequestHeaders } from './forwardHeaders.js';

const raw = ['Host', 'app.test', 'X-Forwarded-For', '198.51.100.7, 10.0.0.5', 'X-Forwarded-Proto', 'https', 'X-Forwarded-Host', 'public.test', 'Connection', 'close', 'Accept', '*/*'];

/** The router's own forwarding headers, in the order it appends them. */
const OWN = ['X-Forwarded-For', 'X-Real-IP', 'X-Forwarded-Host', 'X-Forwarded-Port', 'X-Forwarded-Proto', 'X-Request-ID'];

function headers(peer: string, trusted: string[]): Record<string, string> {
  const { headers: flat } = forwardRequestHeaders(raw, { peer, proto: 'http', localPort: 8080, requestId: 'rid', trusted: new TrustedProxies(trusted) });
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i]!.toLowerCase()] = flat[i + 1]!;
  return out;
}

describe('forwarded headers and trusted proxies', () => {
  it('an untrusted peer: X-Forwarded-For replaced by the peer, everything else from this connection', () => {
    const h = headers('192.0.2.1', []);
    expect(h).toMatchObject({
      host: 'app.test',
      'x-forwarded-for': '192.0.2.1',
      'x-real-ip': '192.0.2.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'app.test',
      'x-forwarded-port': '8080',
      'x-request-id': 'rid',
      accept: '*/*',
    });
    expect(h['connection']).toBeUndefined();
  });

  it('a trusted peer: the client is the right-most untrusted hop (real_ip_recursive), its X-Forwarded-* kept', () => {
    const h = headers('10.0.0.9', ['10.0.0.0/8']);
    expect(h['x-real-ip']).toBe('198.51.100.7');
    expect(h['x-forwarded-proto']).toBe('https');
    expect(h['x-forwarded-host']).toBe('public.test');
    expect(h['x-forwarded-for']).toBe('198.51.100.7, 10.0.0.5, 10.0.0.9');
  });

  it('drops what any Connection header names as hop-by-hop, but never Host', () => {
    const ctx = { peer: '192.0.2.1', proto: 'http' as const, localPort: 8080, requestId: 'rid', trusted: new TrustedProxies([]) };
    const names = (raw: string[]) => forwardRequestHeaders(raw, ctx).headers.filter((_, i) => i % 2 === 0);
    expect(names(['Host', 'a.test', 'Connection', 'X-Foo', 'Connection', 'close', 'X-Foo', '1', 'X-Bar', '2'])).toEqual(['Host', 'X-Bar', ...OWN]);
    expect(names(['Host', 'a.test', 'Connection', 'close, Host', 'Accept', '*/*'])).toEqual(['Host', 'Accept', ...OWN]);
  });

  it('a peer outside the trusted list is untrusted even when others are trusted', () => {
    const h = headers('192.0.2.1', ['10.0.0.0/8']);
    expect(h['x-forwarded-for']).toBe('192.0.2.1');
    expect(h['x-forwarded-host']).toBe('app.test');
    expect(h['x-forwarded-proto']).toBe('http');
  });

  it.each(['office', '10.0.0.0/33', '10.0.0.0/abc', '010.0.0.1', '10.0.0.0/', 'fe80::1%eth0', ''])('rejects the trusted-proxy entry %j with a clear message', (entry) => {
    expect(() => new TrustedProxies(['10.0.0.0/8', entry])).toThrow(TrustedProxyError);
    expect(() => new TrustedProxies([entry])).toThrow(`trusted proxy ${JSON.stringify(entry)} is not an IP address or CIDR`);
  });

  it('takes addresses and CIDRs of both families (host bits of a CIDR masked off)', () => {
    const t = new TrustedProxies(['10.1.2.3/16', '192.0.2.7', '2001:db8::/32', '::1']);
    expect(['10.1.200.1', '192.0.2.7', '2001:db8:5::9', '::1'].map((a) => t.trusts(a))).toEqual([true, true, true, true]);
    expect(['10.2.0.1', '192.0.2.8', '2001:db9::1', '::2'].map((a) => t.trusts(a))).toEqual([false, false, false, false]);
  });

  it('trusts IPv4-mapped IPv6 peers by their IPv4 address', () => {
    expect(new TrustedProxies(['127.0.0.1']).trusts('::ffff:127.0.0.1')).toBe(true);
  });
});
