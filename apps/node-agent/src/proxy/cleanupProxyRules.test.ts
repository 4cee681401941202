import { describe, expect, it } from 'vitest';
import { IPVS_IPSETS } from '@svcnet/proxy';
import { leftoversOfOtherModes, ownedIpsets } from './proxyLeftovers.js';

describe('ownedIpsets: --cleanup destroys the IPVS sets by name, as upstream CleanupLeftovers', () => {
  it('keeps every other set, KUBE- prefix or not', () => {
    const list = ['KUBE-CLUSTER-IP', 'KUBE-FOREIGN', 'KUBE-NODE-PORT-TCP', 'cali40all-ipam-pools', 'KUBE-LOOP-BACK-X', ''].join('\n');
    expect(ownedIpsets(list)).toEqual(['KUBE-CLUSTER-IP', 'KUBE-NODE-PORT-TCP']);
    expect(ownedIpsets(IPVS_IPSETS.map(([n]) => n).join('\n'))).toHaveLength(IPVS_IPSETS.length);
  });
});

describe('leftoversOfOtherModes: what a mode removes at start, as kube-proxy platformCleanup', () => {
  it.each([
    ['nftables', ['iptables', 'ipvs']],
    ['iptables', ['nftables']],
    ['ipvs', ['nftables']],
    ['userspace', []],
    ['none', []],
  ] as const)('%s removes %j', (mode, kinds) => {
    expect(leftoversOfOtherModes(mode)).toEqual(kinds);
  });
});
