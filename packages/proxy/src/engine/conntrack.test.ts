import { describe, expect, it } from 'vitest';
import type { EndpointSlice } from '@svcnet/model';
import { makeService, makeSlice } from '../../test/fixtures.js';
import { ProxyState } from '../core/proxyState.js';
import { conntrackCleanupCommands } from './conntrack.js';

const udpService = (protocol = 'UDP', nodePort?: number) =>
  makeService('ns', 'dns', (s) => {
    s.spec.type = nodePort ? 'NodePort' : 'ClusterIP';
    s.spec.clusterIP = '172.30.0.10';
    s.spec.externalIPs = ['192.168.99.7'];
    s.spec.ports = [{ name: 'dns', port: 53, targetPort: 5353, protocol, ...(nodePort ? { nodePort } : {}) }];
  });

const slice = (ips: string[], protocol = 'UDP', serving: boolean[] = []): EndpointSlice =>
  makeSlice('ns', 'dns', 1, (e) => {
    e.endpoints = ips.map((ip, i) => ({ addresses: [ip], conditions: { ready: serving[i] ?? true, serving: serving[i] ?? true } }));
    e.ports = [{ name: 'dns', port: 5353, protocol }];
  });

function sync(st: ProxyState) {
  const changes = st.checkout();
  return { changes, cmds: conntrackCleanupCommands(st.family, st.services, changes).map((c) => c.join(' ')) };
}

describe('conntrack cleanup (upstream CleanStaleEntries)', () => {
  it('deletes entries NATed to a removed UDP endpoint, from every service address and the NodePort', () => {
    const st = new ProxyState('IPv4', 'n1');
    st.onServiceUpdate(udpService('UDP', 30053));
    st.onEndpointSliceUpdate(slice(['10.1.0.1', '10.1.0.2']));
    sync(st);
    st.onEndpointSliceUpdate(slice(['10.1.0.2']));
    const { changes, cmds } = sync(st);
    expect(changes.staleEndpoints.map((s) => s.endpoint.endpoint)).toEqual(['10.1.0.1:5353']);
    expect(cmds).toEqual([
      '-D -p udp --dport 30053 --dst-nat 10.1.0.1',
      '-D --orig-dst 172.30.0.10 --dst-nat 10.1.0.1 -p udp',
      '-D --orig-dst 192.168.99.7 --dst-nat 10.1.0.1 -p udp',
    ]);
  });

  it('treats an endpoint that stops serving as stale, but not one that was never serving', () => {
    const st = new ProxyState('IPv4', 'n1');
    st.onServiceUpdate(udpService());
    st.onEndpointSliceUpdate(slice(['10.1.0.1', '10.1.0.2', '10.1.0.3'], 'UDP', [true, true, false]));
    sync(st);
    st.onEndpointSliceUpdate(slice(['10.1.0.1', '10.1.0.2'], 'UDP', [true, false]));
    expect(sync(st).changes.staleEndpoints.map((s) => s.endpoint.ip)).toEqual(['10.1.0.2']);
  });

  it('clears un-NATed entries when a UDP service gets its first serving endpoint', () => {
    const st = new ProxyState('IPv4', 'n1');
    st.onServiceUpdate(udpService('UDP', 30053));
    sync(st);
    st.onEndpointSliceUpdate(slice(['10.1.0.1']));
    const { changes, cmds } = sync(st);
    expect(changes.newlyActiveServices).toEqual(['ns/dns:dns/UDP']);
    expect(cmds).toEqual(['-D --orig-dst 172.30.0.10 -p udp', '-D --orig-dst 192.168.99.7 -p udp', '-D -p udp --dport 30053']);
    // A second endpoint is not "first": nothing to clear.
    st.onEndpointSliceUpdate(slice(['10.1.0.1', '10.1.0.2']));
    expect(sync(st).cmds).toEqual([]);
  });

  it('clears every entry to a deleted UDP ClusterIP', () => {
    const st = new ProxyState('IPv4', 'n1');
    st.onServiceUpdate(udpService());
    sync(st);
    st.onServiceDelete(udpService());
    expect(sync(st).cmds).toEqual(['-D --orig-dst 172.30.0.10 -p udp']);
  });

  it('covers SCTP, ignores TCP, and passes -f ipv6 for IPv6', () => {
    for (const [protocol, want] of [['SCTP', ['-D --orig-dst 172.30.0.10 --dst-nat 10.1.0.1 -p sctp', '-D --orig-dst 192.168.99.7 --dst-nat 10.1.0.1 -p sctp']], ['TCP', []]] as const) {
      const st = new ProxyState('IPv4', 'n1');
      st.onServiceUpdate(udpService(protocol));
      st.onEndpointSliceUpdate(slice(['10.1.0.1', '10.1.0.2'], protocol));
      sync(st);
      st.onEndpointSliceUpdate(slice(['10.1.0.2'], protocol));
      expect(sync(st).cmds).toEqual(want);
    }
    const st = new ProxyState('IPv6', 'n1');
    st.onServiceUpdate(makeService('ns', 'dns', (s) => { s.spec.clusterIP = 'fd00::a'; s.spec.ipFamilies = ['IPv6']; s.spec.ports = [{ name: 'dns', port: 53, protocol: 'UDP' }]; }));
    const s6 = makeSlice('ns', 'dns', 1, (e) => { e.addressType = 'IPv6'; e.endpoints = [{ addresses: ['fd00:1::1'], conditions: { ready: true } }, { addresses: ['fd00:1::2'], conditions: { ready: true } }]; e.ports = [{ name: 'dns', port: 53, protocol: 'UDP' }]; });
    st.onEndpointSliceUpdate(s6);
    sync(st);
    st.onEndpointSliceUpdate({ ...s6, endpoints: s6.endpoints.slice(1) });
    expect(sync(st).cmds).toEqual(['-D -f ipv6 --orig-dst fd00::a --dst-nat fd00:1::1 -p udp']);
  });
});
