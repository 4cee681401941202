import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrContains, parseIP } from '../net/index.js';
import { seededRandom } from '../random.js';
import { AllocationError, allocateClusterIP, serviceIPRange } from './index.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof AllocationError) return e.code;
    throw e;
  }
  return undefined;
}

describe('serviceIPRange (upstream ipallocator.NewInMemory / calculateRangeOffset)', () => {
  // TestCalculateRangeOffset, and the usable size from TestAllocate (free = size - network - broadcast).
  it.each([
    ['192.168.1.0/24', 254n, 16n],
    ['192.168.1.0/28', 14n, 0n],
    ['192.168.1.0/27', 30n, 16n],
    ['10.96.0.0/12', 1048574n, 256n],
    ['10.0.0.0/16', 65534n, 256n],
    ['192.168.1.0/22', 1022n, 64n],
    ['192.168.1.1/32', 0n, 0n],
    ['192.168.1.0/31', 0n, 0n],
    ['2001:db8:1::/123', 31n, 16n],
    ['fd00:10:96::/108', 1048575n, 256n],
    ['2001:db8::/64', (1n << 64n) - 1n, 256n],
  ] as const)('%s: %d usable, static band %d', (cidr, max, offset) => {
    const r = serviceIPRange(cidr);
    expect(r.max).toBe(max);
    expect(r.offset).toBe(offset);
  });

  it('rejects a malformed CIDR with InvalidRange', () => {
    expect(code(() => serviceIPRange('10.96.0.0'))).toBe('InvalidRange');
  });
});

describe('allocateClusterIP', () => {
  const cidr = '10.96.0.0/12';

  it('gives requested addresses with upstream wording for conflicts', () => {
    expect(allocateClusterIP(cidr, new Set(), '10.96.0.10')).toBe('10.96.0.10');
    expect(() => allocateClusterIP(cidr, new Set(['10.96.0.5']), '10.96.0.5')).toThrow('the provided IP (10.96.0.5) is already allocated');
    expect(() => allocateClusterIP(cidr, new Set(), '1.2.3.4')).toThrow(
      'the provided IP (1.2.3.4) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
    );
    expect(code(() => allocateClusterIP(cidr, new Set(['10.96.0.5']), '10.96.0.5'))).toBe('AlreadyAllocated');
    expect(code(() => allocateClusterIP(cidr, new Set(), '1.2.3.4'))).toBe('NotInRange');
  });

  it('never gives the network or IPv4 broadcast address, even on request', () => {
    expect(code(() => allocateClusterIP(cidr, new Set(), '10.96.0.0'))).toBe('NotInRange');
    expect(code(() => allocateClusterIP(cidr, new Set(), '10.111.255.255'))).toBe('NotInRange');
    expect(allocateClusterIP(cidr, new Set(), '10.111.255.254')).toBe('10.111.255.254');
    expect(code(() => allocateClusterIP('fd00::/120', new Set(), 'fd00::'))).toBe('NotInRange');
    expect(allocateClusterIP('fd00::/120', new Set(), 'fd00::ff')).toBe('fd00::ff');
  });

  it('allocates from the dynamic band, so 10.96.0.1 and 10.96.0.10 stay free', () => {
    const used = new Set<string>();
    const random = seededRandom(1);
    for (let i = 0; i < 300; i++) used.add(allocateClusterIP(cidr, used, undefined, { random }));
    expect(used.has('10.96.0.1')).toBe(false);
    expect(used.has('10.96.0.10')).toBe(false);
    for (const ip of used) expect(parseIP(ip)!.value - parseIP('10.96.0.0')!.value).toBeGreaterThan(256n);
  });

  it('falls back to the static band only when the dynamic band is full, then reports range is full', () => {
    // /27: 30 usable, 16 static (.1-.16), 14 dynamic (.17-.30).
    const c = '192.168.1.0/27';
    const used = new Set<string>();
    const random = seededRandom(7);
    const order: number[] = [];
    for (let i = 0; i < 30; i++) {
      const ip = allocateClusterIP(c, used, undefined, { random });
      used.add(ip);
      order.push(Number(parseIP(ip)!.value & 0xffn));
    }
    expect(order.slice(0, 14).every((o) => o >= 17 && o <= 30)).toBe(true);
    expect(order.slice(14).every((o) => o >= 1 && o <= 16)).toBe(true);
    expect(new Set(order).size).toBe(30);
    expect(() => allocateClusterIP(c, used, undefined, { random })).toThrow('range is full');
    expect(code(() => allocateClusterIP(c, used))).toBe('RangeFull');
  });

  it('is deterministic for an injected random source', () => {
    const a = allocateClusterIP(cidr, new Set(), undefined, { random: seededRandom(42) });
    const b = allocateClusterIP(cidr, new Set(), undefined, { random: seededRandom(42) });
    expect(a).toBe(b);
  });

  it('allocates IPv6 in huge ranges without walking them', () => {
    const used = new Set<string>();
    const random = seededRandom(3);
    for (let i = 0; i < 200; i++) used.add(allocateClusterIP('2001:db8::/64', used, undefined, { random }));
    expect(used.size).toBe(200);
    for (const ip of used) expect(cidrContains('2001:db8::/64', ip)).toBe(true);
    // random() at its maximum lands on the last usable address.
    expect(allocateClusterIP('fd00:10:96::/108', new Set(), undefined, { random: () => 0.9999999999999999 })).toBe('fd00:10:96::f:ffff');
  });

  it('treats used addresses by value, whatever their spelling', () => {
    expect(code(() => allocateClusterIP('fd00::/64', new Set(['FD00:0:0:0::a']), 'fd00::a'))).toBe('AlreadyAllocated');
  });

  it('property: many dynamic allocations never repeat and stay in the dynamic band while it has room', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.constantFrom('10.0.0.0/24', '10.1.0.0/26', 'fd00::/118'), fc.integer({ min: 1, max: 100 }), (seed, c, n) => {
        const r = serviceIPRange(c);
        const random = seededRandom(seed);
        const used = new Set<string>();
        const dynamicSize = Number(r.max - r.offset);
        for (let i = 0; i < Math.min(n, Number(r.max)); i++) {
          const ip = allocateClusterIP(c, used, undefined, { random });
          expect(used.has(ip)).toBe(false);
          const index = parseIP(ip)!.value - parseCIDRBase(c) - 1n;
          if (i < dynamicSize) expect(index >= r.offset).toBe(true);
          used.add(ip);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('property: a requested address that is taken is always rejected, a free one in range always given', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 0, max: 300 }), (seed, pick) => {
        const c = '10.0.0.0/23';
        const random = seededRandom(seed);
        const used = new Set<string>();
        for (let i = 0; i < 30; i++) used.add(allocateClusterIP(c, used, undefined, { random }));
        const list = [...used];
        const taken = list[pick % list.length]!;
        expect(code(() => allocateClusterIP(c, used, taken))).toBe('AlreadyAllocated');
        const candidate = `10.0.${pick >> 8}.${(pick & 0xff) || 1}`;
        if (!used.has(candidate)) expect(allocateClusterIP(c, used, candidate)).toBe(candidate);
      }),
      { numRuns: 50 },
    );
  });
});

function parseCIDRBase(c: string): bigint {
  return parseIP(c.slice(0, c.indexOf('/')))!.value;
}
