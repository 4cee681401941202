import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hostnamesExample, makeService, makeSlice } from '../../test/fixtures.js';
import { ProxyState } from '../core/proxyState.js';
import { proxyOptions } from '../core/proxyOptions.js';
import { chooseProxyMode, hostKernel } from './ipvsSupport.js';
import { renderIPVS } from './ipvsRenderer.js';

describe('IPVS mode', () => {
  it('falls back to iptables, and says why, when the kernel has no IPVS', () => {
    const d = chooseProxyMode('ipvs', { ipvs: () => false });
    expect(d.mode).toBe('iptables');
    expect(d.fallbackReason).toContain('falling back to iptables');
    expect(chooseProxyMode('ipvs', { ipvs: () => true })).toEqual({ mode: 'ipvs', requested: 'ipvs' });
    expect(chooseProxyMode('nftables', { ipvs: () => false }).mode).toBe('nftables');
  });

  it('probes this kernel the way the decision needs', () => {
    // This machine's kernel has no IPVS: the probe must agree with /proc.
    expect(hostKernel.ipvs()).toBe(existsSync('/proc/net/ip_vs'));
  });

  it('renders virtual servers, ipsets and the remaining iptables rules', () => {
    const st = new ProxyState('IPv4', 'node-a');
    const { service, slice } = hostnamesExample();
    st.onServiceUpdate(service);
    st.onEndpointSliceUpdate(slice);
    st.onServiceUpdate(makeService('default', 'np', (s) => {
      s.spec.type = 'NodePort';
      s.spec.clusterIP = '10.0.1.176';
      s.spec.sessionAffinity = 'ClientIP';
      s.spec.ports = [{ name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }];
    }));
    st.onEndpointSliceUpdate(makeSlice('default', 'np', 1, (e) => { e.endpoints = [{ addresses: ['10.244.1.7'], nodeName: 'node-a' }]; e.ports = [{ name: 'dns', port: 5353, protocol: 'UDP' }]; }));
    st.checkout();
    const r = renderIPVS({ family: 'IPv4', services: st.services, endpoints: st.endpoints, options: proxyOptions({ nodeName: 'node-a', nodeIPs: ['192.168.0.2'], clusterCIDRs: ['10.244.0.0/16'] }) });
    expect(r.ipvsadm.split('\n').filter(Boolean)).toEqual([
      '-A -t 10.0.1.175:80 -s rr',
      '-a -t 10.0.1.175:80 -r 10.244.1.7:9376 -m -w 1',
      '-a -t 10.0.1.175:80 -r 10.244.2.3:9376 -m -w 1',
      '-a -t 10.0.1.175:80 -r 10.244.3.6:9376 -m -w 1',
      '-A -u 10.0.1.176:53 -s rr -p 10800',
      '-a -u 10.0.1.176:53 -r 10.244.1.7:5353 -m -w 1',
      '-A -u 192.168.0.2:30053 -s rr -p 10800',
      '-a -u 192.168.0.2:30053 -r 10.244.1.7:5353 -m -w 1',
    ]);
    expect(r.ipset).toContain('add KUBE-CLUSTER-IP 10.0.1.175,tcp:80 ');
    expect(r.ipset).toContain('add KUBE-NODE-PORT-UDP 30053 ');
    expect(r.ipset).toContain('add KUBE-LOOP-BACK 10.244.1.7,udp:5353,10.244.1.7 ');
    expect(r.dummyAddresses).toEqual(['10.0.1.175', '10.0.1.176']);
    expect(r.iptables).toContain('-A KUBE-SERVICES ! -s 10.244.0.0/16 -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ');
  });
});
