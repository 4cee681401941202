import { describe, expect, it } from 'vitest';
import { proxyOptions } from '../core/proxyOptions.js';
import { baseRules, nftNodePortIPs } from './nftablesBase.js';

describe('nftables mode has no localhost NodePorts (upstream KEP-3866)', () => {
  const options = proxyOptions({
    nodeName: 'n',
    nodeIPs: ['192.0.2.1'],
    localhostNodePorts: true,
    nodePortAddresses: ['127.0.0.0/8', '192.0.2.0/24'],
    nodeAddresses: ['127.0.0.1', '192.0.2.1'],
  });

  it('leaves loopback addresses out of nodeport-ips even when nodePortAddresses includes them', () => {
    expect(nftNodePortIPs('IPv4', options)).toEqual({ matchAll: false, ips: ['192.0.2.1'] });
    expect(baseRules('IPv4', options).filter((l) => l.startsWith('add element'))).toEqual(['add element ip kube-proxy nodeport-ips { 192.0.2.1 }']);
  });

  it('excludes 127.0.0.0/8 when NodePorts match every local address', () => {
    const all = proxyOptions({ ...options, nodePortAddresses: ['0.0.0.0/0'] });
    expect(baseRules('IPv4', all).filter((l) => l.includes('service-nodeports') && l.startsWith('add rule'))).toEqual([
      'add rule ip kube-proxy services fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports',
    ]);
  });
});
