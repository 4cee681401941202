import { getHeapStatistics } from 'node:v8';
import { exposedGc } from '@svcnet/testkit';
import { describe, expect, it } from 'vitest';
import { portProtoHash, servicePortEndpointChainName, servicePortPolicyClusterChain } from './chainNames.js';

describe('chain names', () => {
  it('are upstream\'s: prefix + the first 16 base32 characters of sha256', () => {
    // The same sha256+base32 as kube-proxy's portProtoHash/servicePortEndpointChainName.
    expect(portProtoHash('ns1/svc1:p80', 'tcp')).toMatch(/^[A-Z2-7]{16}$/);
    expect(servicePortPolicyClusterChain('ns1/svc1:p80', 'tcp')).toBe(`KUBE-SVC-${portProtoHash('ns1/svc1:p80', 'tcp')}`);
    expect(servicePortEndpointChainName('ns1/svc1:p80', 'tcp', '10.180.0.1:80')).toMatch(/^KUBE-SEP-[A-Z2-7]{16}$/);
  });

  it('cost one flat string each, as the proxier keeps ~11 per Service (issue 18)', () => {
    const gc = exposedGc();
    const count = 20_000;
    const kept: string[] = new Array(count);
    gc();
    const before = getHeapStatistics().used_heap_size;
    for (let i = 0; i < count; i++) kept[i] = servicePortEndpointChainName(`ns-${i % 50}/svc-${i}:http`, 'tcp', `10.1.${i >> 8}.${i & 255}:8080`);
    gc();
    const perName = (getHeapStatistics().used_heap_size - before) / count;
    expect(new Set(kept).size).toBe(count);
    // A flat 25-character string is 48 bytes; built a character at a time it was a rope of ~5 nodes
    // and pieces (~200 bytes).
    expect(perName).toBeLessThan(100);
  });
});
