import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalIP,
  cidrContains,
  cidrsOverlap,
  formatCIDR,
  formatIP,
  ipFamily,
  ipFromReverseName,
  isLinkLocal,
  isLinkLocalMulticast,
  isLoopback,
  isMulticast,
  isUnspecified,
  parseCIDR,
  parseCIDRStrict,
  parseIP,
  parseIPRange,
  reverseName,
  specialIPRange,
} from './index.js';

describe('parseIP', () => {
  // Cases after Go's net/ip_test.go parseIPTests (Go 1.17+: no leading zeros, no zones).
  it.each([
    ['127.0.1.2', 'IPv4', '127.0.1.2'],
    ['127.0.0.1', 'IPv4', '127.0.0.1'],
    ['255.255.255.255', 'IPv4', '255.255.255.255'],
    ['0.0.0.0', 'IPv4', '0.0.0.0'],
    ['::ffff:127.1.2.3', 'IPv6', '::ffff:127.1.2.3'],
    ['::ffff:7f01:0203', 'IPv6', '::ffff:127.1.2.3'],
    ['0:0:0:0:0000:ffff:127.1.2.3', 'IPv6', '::ffff:127.1.2.3'],
    ['2001:4860:0:2001::68', 'IPv6', '2001:4860:0:2001::68'],
    ['2001:4860:0000:2001:0000:0000:0000:0068', 'IPv6', '2001:4860:0:2001::68'],
    ['FD00::1', 'IPv6', 'fd00::1'],
    ['::', 'IPv6', '::'],
    ['::1', 'IPv6', '::1'],
    ['1::', 'IPv6', '1::'],
    ['1:0:0:1:0:0:0:1', 'IPv6', '1:0:0:1::1'],
    ['1:0:0:0:1:0:0:1', 'IPv6', '1::1:0:0:1'],
    ['2001:db8:0:0:1:0:0:1', 'IPv6', '2001:db8::1:0:0:1'],
    ['1:2:3:4:5:6:7:0', 'IPv6', '1:2:3:4:5:6:7:0'],
  ] as const)('%s is %s, canonical %s', (text, family, canonical) => {
    expect(ipFamily(text)).toBe(family);
    expect(canonicalIP(text)).toBe(canonical);
  });

  it.each([
    '',
    '127.0.0.256',
    '127.0.0.1.1',
    '127.001.2.3',
    '1.2.3',
    '-1.2.3.4',
    'abc',
    '::ffff:127.001.2.3',
    '123456789::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::8',
    '1::2::3',
    'fe80::1%lo0',
    '1.2.3.4::',
    '10.0.0.0/8',
    ' 1.2.3.4',
    ':1:2:3:4:5:6:7',
  ])('%j is not an address', (text) => {
    expect(parseIP(text)).toBeUndefined();
    expect(ipFamily(text)).toBeUndefined();
  });

  it('round-trips format(parse(x)) for any IPv4 and IPv6 value', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }), (value) => {
        const text = formatIP({ family: 'IPv4', value });
        expect(parseIP(text)).toEqual({ family: 'IPv4', value });
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (value) => {
        const text = formatIP({ family: 'IPv6', value });
        expect(parseIP(text)).toEqual({ family: 'IPv6', value });
        expect(canonicalIP(text)).toBe(text);
      }),
    );
  });

  it('agrees with fast-check generated address texts', () => {
    fc.assert(fc.property(fc.ipV4(), (t) => {
      expect(formatIP(parseIP(t)!)).toBe(t);
    }));
    fc.assert(fc.property(fc.ipV6(), (t) => {
      expect(parseIP(t)?.family).toBe('IPv6');
    }));
  });
});

describe('parseCIDR', () => {
  it.each([
    ['10.96.0.0/12', 'IPv4', '10.96.0.0/12', 1n << 20n],
    ['10.96.0.1/12', 'IPv4', '10.96.0.0/12', 1n << 20n],
    ['0.0.0.0/0', 'IPv4', '0.0.0.0/0', 1n << 32n],
    ['192.168.1.7/32', 'IPv4', '192.168.1.7/32', 1n],
    ['fd00:10:96::/108', 'IPv6', 'fd00:10:96::/108', 1n << 20n],
    ['2001:db8::1/64', 'IPv6', '2001:db8::/64', 1n << 64n],
  ] as const)('%s', (text, family, canonical, size) => {
    const c = parseCIDR(text)!;
    expect(c.family).toBe(family);
    expect(formatCIDR(c)).toBe(canonical);
    expect(c.size).toBe(size);
  });

  it.each(['10.0.0.0', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/08', '::/129', 'x/8', '10.0.0.0/'])('%j is not a CIDR', (t) => {
    expect(parseCIDR(t)).toBeUndefined();
  });

  it('strict parsing rejects host bits', () => {
    expect(parseCIDRStrict('10.96.0.1/12')).toBeUndefined();
    expect(parseCIDRStrict('10.96.0.0/12')).toBeDefined();
  });

  it('contains exactly the addresses that share its prefix bits', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }), fc.integer({ min: 0, max: 32 }), fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }), (b, prefix, a) => {
        const c = parseCIDR(`${formatIP({ family: 'IPv4', value: b })}/${prefix}`)!;
        const shift = BigInt(32 - prefix);
        const same = a >> shift === b >> shift;
        expect(cidrContains(c, { family: 'IPv4', value: a })).toBe(same);
        expect(cidrContains(c, { family: 'IPv4', value: c.base })).toBe(true);
        expect(cidrContains(c, { family: 'IPv4', value: c.base + c.size - 1n })).toBe(true);
      }),
    );
  });

  it('never contains an address of the other family', () => {
    expect(cidrContains('::/0', '10.0.0.1')).toBe(false);
    expect(cidrContains('0.0.0.0/0', '::1')).toBe(false);
    expect(cidrContains('not-a-cidr', '10.0.0.1')).toBe(false);
  });

  it('overlap', () => {
    expect(cidrsOverlap(parseCIDR('10.0.0.0/8')!, parseCIDR('10.96.0.0/12')!)).toBe(true);
    expect(cidrsOverlap(parseCIDR('10.0.0.0/16')!, parseCIDR('10.1.0.0/16')!)).toBe(false);
  });
});

describe('parseIPRange', () => {
  it.each([
    ['192.168.1.240-192.168.1.250', 'IPv4', 11n],
    ['192.168.1.240 - 192.168.1.250', 'IPv4', 11n],
    ['192.168.10.0/24', 'IPv4', 256n],
    ['fc00:f853:ccd:e799::-fc00:f853:ccd:e799::ff', 'IPv6', 256n],
    ['10.0.0.1', 'IPv4', 1n],
  ] as const)('%s', (text, family, count) => {
    const r = parseIPRange(text)!;
    expect(r.family).toBe(family);
    expect(r.last - r.first + 1n).toBe(count);
  });
  it.each(['10.0.0.9-10.0.0.1', '10.0.0.1-::1', 'a-b', ''])('%j is not a range', (t) => expect(parseIPRange(t)).toBeUndefined());
});

describe('address classes', () => {
  it.each([
    ['127.0.0.1', { loopback: true }],
    ['127.255.0.9', { loopback: true }],
    ['::1', { loopback: true }],
    ['::ffff:127.0.0.1', { loopback: true }],
    ['0.0.0.0', { unspecified: true }],
    ['::', { unspecified: true }],
    ['169.254.169.254', { linkLocal: true }],
    ['fe80::1', { linkLocal: true }],
    ['224.0.0.251', { linkLocal: true, linkLocalMulticast: true, multicast: true }],
    ['ff02::fb', { linkLocal: true, linkLocalMulticast: true, multicast: true }],
    ['239.1.1.1', { multicast: true }],
    ['10.1.2.3', {}],
    ['2001:db8::1', {}],
  ] as const)('%s', (ip, want: { loopback?: boolean; unspecified?: boolean; linkLocal?: boolean; linkLocalMulticast?: boolean; multicast?: boolean }) => {
    expect(isLoopback(ip)).toBe(!!want.loopback);
    expect(isUnspecified(ip)).toBe(!!want.unspecified);
    expect(isLinkLocal(ip)).toBe(!!want.linkLocal);
    expect(isLinkLocalMulticast(ip)).toBe(!!want.linkLocalMulticast);
    expect(isMulticast(ip)).toBe(!!want.multicast);
  });
});

describe('specialIPRange', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['::ffff:169.254.0.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['224.0.0.251', 'link-local multicast'],
    ['ff02::fb', 'link-local multicast'],
    ['224.0.1.1', undefined],
    ['169.253.255.255', undefined],
    ['126.255.255.255', undefined],
    ['0.0.0.1', undefined],
    ['10.1.2.3', undefined],
    ['2001:db8::1', undefined],
    ['10.1.2.3\n', undefined],
    ['not an address', undefined],
  ] as const)('%j -> %s', (ip, want) => expect(specialIPRange(ip)).toBe(want));

  it('agrees with the Go-style classifiers on every IPv4 and IPv4-mapped address', () => {
    const classify = (ip: string) =>
      isUnspecified(ip) ? 'unspecified' : isLoopback(ip) ? 'loopback' : isLinkLocalMulticast(ip) ? 'link-local multicast' : isLinkLocal(ip) ? 'link-local' : undefined;
    const quad = fc.tuple(fc.constantFrom(0, 10, 126, 127, 128, 169, 223, 224, 225, 255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
    const any = fc.nat(0xffffffff).map((n) => formatIP({ family: 'IPv4', value: BigInt(n) }));
    fc.assert(
      fc.property(fc.oneof(quad, any), (ip) => {
        expect(specialIPRange(ip)).toBe(classify(ip));
        expect(specialIPRange(`::ffff:${ip}`)).toBe(classify(ip));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('reverseName', () => {
  it.each([
    ['10.96.0.10', '10.0.96.10.in-addr.arpa.'],
    ['127.0.0.1', '1.0.0.127.in-addr.arpa.'],
    ['2001:db8::567:89ab', 'b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.'],
  ])('%s -> %s', (ip, name) => {
    expect(reverseName(ip)).toBe(name);
    expect(ipFromReverseName(name)).toBe(ip);
  });
  it('is undefined for non-addresses and partial names', () => {
    expect(reverseName('nope')).toBeUndefined();
    expect(ipFromReverseName('0.96.10.in-addr.arpa.')).toBeUndefined();
    expect(ipFromReverseName('example.com.')).toBeUndefined();
  });
  it('round-trips any IPv6 address', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (value) => {
        const ip = { family: 'IPv6' as const, value };
        expect(ipFromReverseName(reverseName(ip)!)).toBe(formatIP(ip));
      }),
    );
  });
});
