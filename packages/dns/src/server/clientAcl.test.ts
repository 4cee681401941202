import { describe, expect, it } from 'vitest';
import { ClientAcl, openResolverWarning } from './clientAcl.js';

describe('ClientAcl (CoreDNS acl: allow net ...; block)', () => {
  const acl = new ClientAcl(['10.244.0.0/16', '10.0.0.11', 'fd00:10::/64', ' 192.168.1.0/24 ']);

  it.each([
    ['10.244.3.7', true],
    ['10.245.0.1', false],
    ['10.0.0.11', true], // a bare address is a /32
    ['10.0.0.12', false],
    ['192.168.1.200', true],
    ['fd00:10::5', true],
    ['fd00:11::5', false],
    ['::ffff:10.244.0.9', true], // IPv4-mapped, as a dual-stack socket reports an IPv4 client
    ['::ffff:10.9.0.9', false],
    ['127.0.0.1', false],
    ['', false],
    ['not-an-address', false],
  ])('%s -> %s', (address, want) => {
    expect(acl.allows(address)).toBe(want);
    expect(acl.allows(address)).toBe(want); // the remembered verdict is the same
  });

  it('keeps its verdicts right past its memory of client addresses', () => {
    const small = new ClientAcl(['10.1.0.0/16']);
    for (let i = 0; i < 10_000; i++) {
      const inside = i % 2 === 0;
      expect(small.allows(`10.${inside ? 1 : 2}.${(i >> 8) & 255}.${i & 255}`)).toBe(inside);
    }
  });

  it('normalises its networks and refuses what is not a CIDR or an address, naming it', () => {
    expect(acl.networks).toEqual(['10.244.0.0/16', '10.0.0.11/32', 'fd00:10::/64', '192.168.1.0/24']);
    for (const bad of ['10.0.0.0/33', '10.0.0', 'example.com', '', '10.0.0.0/8/8']) {
      expect(() => new ClientAcl([bad])).toThrow(expect.objectContaining({ code: 'BadAcl', message: expect.stringContaining(`plugin/acl: ${JSON.stringify(bad)} is not a CIDR`) }));
    }
  });
});

describe('openResolverWarning', () => {
  const acl = new ClientAcl(['10.244.0.0/16']);
  it.each([
    ['0.0.0.0', true, undefined, true],
    ['::', true, undefined, true],
    ['10.0.0.11', true, undefined, true],
    ['10.0.0.11', true, acl, false], // restricted
    ['10.0.0.11', false, undefined, false], // no forwarding: the cluster zone only
    ['127.0.0.1', true, undefined, false],
    ['::1', true, undefined, false],
    ['localhost', true, undefined, false],
  ] as const)('listen %s, forwarding %s, acl %s -> warns %s', (host, forwarding, a, warns) => {
    const w = openResolverWarning(host, forwarding, a, '--dns-allow');
    if (warns) expect(w).toMatch(new RegExp(`open resolver: .*${host.replace(/[.:]/g, '\\$&')}; restrict it .* with --dns-allow CIDR`));
    else expect(w).toBeUndefined();
  });
});
