import { describe, expect, it } from 'vitest';
import { cidrContainsIP, cidrFamily, familyOf } from './proxyOptions.js';

describe('address helpers (on @svcnet/model net utilities)', () => {
  it('tells the family of an address or CIDR', () => {
    expect(familyOf(' 10.0.0.1 ')).toBe('IPv4');
    expect(familyOf('fd00::5')).toBe('IPv6');
    expect(familyOf('010.0.0.1')).toBeUndefined();
    expect(familyOf('None')).toBeUndefined();
    expect(cidrFamily(' 203.0.113.0/25')).toBe('IPv4');
    expect(cidrFamily('2001:db8::/64')).toBe('IPv6');
  });
  it('checks containment within one family', () => {
    expect(cidrContainsIP('192.168.0.0/16', '192.168.7.2')).toBe(true);
    expect(cidrContainsIP(' 192.168.1.7/24', '192.168.1.200')).toBe(true);
    expect(cidrContainsIP('192.168.0.0/24', '192.168.1.1')).toBe(false);
    expect(cidrContainsIP('0.0.0.0/0', '1.2.3.4')).toBe(true);
    expect(cidrContainsIP('fd00::/8', 'fd12::1')).toBe(true);
    expect(cidrContainsIP('fd00::/8', '10.0.0.1')).toBe(false);
    expect(cidrContainsIP('10.0.0.1', '10.0.0.1')).toBe(false);
  });
});
