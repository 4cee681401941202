import { describe, expect, it } from 'vitest';
import { allocateLoadBalancerIP } from './index.js';

describe('allocateLoadBalancerIP (MetalLB-style pools)', () => {
  const pools = ['192.168.1.240-192.168.1.242', '192.168.10.0/30', 'fc00::10-fc00::11'];

  it('gives the lowest free address of the first pool with room', () => {
    const used = new Set<string>();
    const got: string[] = [];
    for (let i = 0; i < 7; i++) {
      const ip = allocateLoadBalancerIP(pools, used, undefined, { family: 'IPv4' });
      used.add(ip);
      got.push(ip);
    }
    expect(got).toEqual(['192.168.1.240', '192.168.1.241', '192.168.1.242', '192.168.10.0', '192.168.10.1', '192.168.10.2', '192.168.10.3']);
    expect(() => allocateLoadBalancerIP(pools, used, undefined, { family: 'IPv4' })).toThrow('range is full');
    expect(allocateLoadBalancerIP(pools, used)).toBe('fc00::10');
  });

  it('honours requests inside a pool and rejects others with upstream wording', () => {
    expect(allocateLoadBalancerIP(pools, new Set(), '192.168.10.2')).toBe('192.168.10.2');
    expect(() => allocateLoadBalancerIP(pools, new Set(['192.168.10.2']), '192.168.10.2')).toThrow('the provided IP (192.168.10.2) is already allocated');
    expect(() => allocateLoadBalancerIP(pools, new Set(), '10.0.0.1')).toThrow(/the provided IP \(10\.0\.0\.1\) is not in the valid range/);
    expect(() => allocateLoadBalancerIP(['bogus'], new Set())).toThrow(/invalid address pool "bogus"/);
  });
});
