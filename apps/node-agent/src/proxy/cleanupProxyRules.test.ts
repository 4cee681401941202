import { describe, expect, it } from 'vitest';
import { IPVS_IPSETS } from '@svcnet/proxy';
import { ownedIpsets } from './proxyEngine.js';

describe('ownedIpsets: --cleanup destroys the IPVS sets by name, as upstream CleanupLeftovers', () => {
  it('keeps every other set, KUBE- prefix or not', () => {
    const list = ['KUBE-CLUSTER-IP', 'KUBE-FOREIGN', 'KUBE-NODE-PORT-TCP', 'cali40all-ipam-pools', 'KUBE-LOOP-BACK-X', ''].join('\n');
    expect(ownedIpsets(list)).toEqual(['KUBE-CLUSTER-IP', 'KUBE-NODE-PORT-TCP']);
    expect(ownedIpsets(IPVS_IPSETS.map(([n]) => n).join('\n'))).toHaveLength(IPVS_IPSETS.length);
  });
});
