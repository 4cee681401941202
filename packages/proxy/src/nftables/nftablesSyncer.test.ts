import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TEST_NODE_IP, TEST_NODE_NAME, makeService, makeSlice } from '../../test/fixtures.js';
import { NFTModel, normaliseExpected } from '../../test/nftModel.js';
import { ProxyState } from '../core/proxyState.js';
import { proxyOptions } from '../core/proxyOptions.js';
import { NFTablesSyncer } from './nftablesSyncer.js';

const options = proxyOptions({ nodeName: TEST_NODE_NAME, nodeIPs: [TEST_NODE_IP], clusterCIDRs: ['10.0.0.0/8'], serviceCIDRs: ['172.30.0.0/16'] });

// Transcribed from upstream pkg/proxy/nftables/proxier_test.go (baseRules + TestOverallNFTablesRules).
const BASE = `
add table ip kube-proxy { comment "rules for kube-proxy" ; }
add set ip kube-proxy cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }
add set ip kube-proxy nodeport-ips { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }
add map ip kube-proxy firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }
add map ip kube-proxy no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }
add map ip kube-proxy no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }
add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }
add map ip kube-proxy service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }
add chain ip kube-proxy cluster-ips-check
add chain ip kube-proxy filter-prerouting-pre-dnat { type filter hook prerouting priority -110 ; }
add chain ip kube-proxy filter-output-pre-dnat { type filter hook output priority -110 ; }
add chain ip kube-proxy filter-forward { type filter hook forward priority 0 ; }
add chain ip kube-proxy filter-input { type filter hook input priority 0 ; }
add chain ip kube-proxy filter-output { type filter hook output priority 0 ; }
add chain ip kube-proxy firewall-check
add chain ip kube-proxy mark-for-masquerade
add chain ip kube-proxy masquerading
add chain ip kube-proxy nat-output { type nat hook output priority -100 ; }
add chain ip kube-proxy nat-postrouting { type nat hook postrouting priority 100 ; }
add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100 ; }
add chain ip kube-proxy nodeport-endpoints-check
add chain ip kube-proxy reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }
add chain ip kube-proxy services
add chain ip kube-proxy service-endpoints-check
add rule ip kube-proxy cluster-ips-check ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"
add rule ip kube-proxy cluster-ips-check ip daddr { 172.30.0.0/16 } drop comment "Drop traffic to unallocated ClusterIPs"
add rule ip kube-proxy filter-prerouting-pre-dnat ct state new jump firewall-check
add rule ip kube-proxy filter-forward ct state new jump service-endpoints-check
add rule ip kube-proxy filter-forward ct state new jump cluster-ips-check
add rule ip kube-proxy filter-input ct state new jump nodeport-endpoints-check
add rule ip kube-proxy filter-input ct state new jump service-endpoints-check
add rule ip kube-proxy filter-output ct state new jump service-endpoints-check
add rule ip kube-proxy filter-output-pre-dnat ct state new jump firewall-check
add rule ip kube-proxy filter-output ct state new jump cluster-ips-check
add rule ip kube-proxy firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips
add rule ip kube-proxy mark-for-masquerade mark set mark or 0x4000
add rule ip kube-proxy masquerading mark and 0x4000 == 0 return
add rule ip kube-proxy masquerading mark set mark xor 0x4000
add rule ip kube-proxy masquerading masquerade fully-random
add rule ip kube-proxy nat-output jump services
add rule ip kube-proxy nat-postrouting jump masquerading
add rule ip kube-proxy nat-prerouting jump services
add rule ip kube-proxy nodeport-endpoints-check ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports
add rule ip kube-proxy reject-chain reject
add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips
add rule ip kube-proxy services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports
add element ip kube-proxy nodeport-ips { 192.168.0.2 }
add rule ip kube-proxy service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services
`;
const SERVICES = `
add chain ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80
add rule ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80 ip daddr 172.30.0.41 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 }
add chain ip kube-proxy endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80
add rule ip kube-proxy endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 ip saddr 10.180.0.1 jump mark-for-masquerade
add rule ip kube-proxy endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 meta l4proto tcp dnat to 10.180.0.1:80
add element ip kube-proxy cluster-ips { 172.30.0.41 }
add element ip kube-proxy service-ips { 172.30.0.41 . tcp . 80 : goto service-ULMVA6XW-ns1/svc1/tcp/p80 }
add chain ip kube-proxy service-42NFTM6N-ns2/svc2/tcp/p80
add rule ip kube-proxy service-42NFTM6N-ns2/svc2/tcp/p80 ip daddr 172.30.0.42 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-42NFTM6N-ns2/svc2/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 }
add chain ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80
add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 ip saddr 10.0.0.0/8 goto service-42NFTM6N-ns2/svc2/tcp/p80 comment "short-circuit pod traffic"
add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"
add rule ip kube-proxy external-42NFTM6N-ns2/svc2/tcp/p80 fib saddr type local goto service-42NFTM6N-ns2/svc2/tcp/p80 comment "short-circuit local traffic"
add chain ip kube-proxy endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80
add rule ip kube-proxy endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 ip saddr 10.180.0.2 jump mark-for-masquerade
add rule ip kube-proxy endpoint-SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80 meta l4proto tcp dnat to 10.180.0.2:80
add element ip kube-proxy cluster-ips { 172.30.0.42 }
add element ip kube-proxy service-ips { 172.30.0.42 . tcp . 80 : goto service-42NFTM6N-ns2/svc2/tcp/p80 }
add element ip kube-proxy service-ips { 192.168.99.22 . tcp . 80 : goto external-42NFTM6N-ns2/svc2/tcp/p80 }
add element ip kube-proxy service-ips { 1.2.3.4 . tcp . 80 : goto external-42NFTM6N-ns2/svc2/tcp/p80 }
add element ip kube-proxy service-nodeports { tcp . 3001 : goto external-42NFTM6N-ns2/svc2/tcp/p80 }
add element ip kube-proxy no-endpoint-nodeports { tcp . 3001 comment "ns2/svc2:p80" : drop }
add element ip kube-proxy no-endpoint-services { 1.2.3.4 . tcp . 80 comment "ns2/svc2:p80" : drop }
add element ip kube-proxy no-endpoint-services { 192.168.99.22 . tcp . 80 comment "ns2/svc2:p80" : drop }
add chain ip kube-proxy service-4AT6LBPK-ns3/svc3/tcp/p80
add rule ip kube-proxy service-4AT6LBPK-ns3/svc3/tcp/p80 ip daddr 172.30.0.43 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-4AT6LBPK-ns3/svc3/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80 }
add chain ip kube-proxy external-4AT6LBPK-ns3/svc3/tcp/p80
add rule ip kube-proxy external-4AT6LBPK-ns3/svc3/tcp/p80 jump mark-for-masquerade
add rule ip kube-proxy external-4AT6LBPK-ns3/svc3/tcp/p80 goto service-4AT6LBPK-ns3/svc3/tcp/p80
add chain ip kube-proxy endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80
add rule ip kube-proxy endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80 ip saddr 10.180.0.3 jump mark-for-masquerade
add rule ip kube-proxy endpoint-UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80 meta l4proto tcp dnat to 10.180.0.3:80
add element ip kube-proxy cluster-ips { 172.30.0.43 }
add element ip kube-proxy service-ips { 172.30.0.43 . tcp . 80 : goto service-4AT6LBPK-ns3/svc3/tcp/p80 }
add element ip kube-proxy service-nodeports { tcp . 3003 : goto external-4AT6LBPK-ns3/svc3/tcp/p80 }
add chain ip kube-proxy service-LAUZTJTB-ns4/svc4/tcp/p80
add rule ip kube-proxy service-LAUZTJTB-ns4/svc4/tcp/p80 ip daddr 172.30.0.44 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-LAUZTJTB-ns4/svc4/tcp/p80 numgen random mod 2 vmap { 0 : goto endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80 , 1 : goto endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 }
add chain ip kube-proxy external-LAUZTJTB-ns4/svc4/tcp/p80
add rule ip kube-proxy external-LAUZTJTB-ns4/svc4/tcp/p80 jump mark-for-masquerade
add rule ip kube-proxy external-LAUZTJTB-ns4/svc4/tcp/p80 goto service-LAUZTJTB-ns4/svc4/tcp/p80
add chain ip kube-proxy endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80
add rule ip kube-proxy endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 ip saddr 10.180.0.5 jump mark-for-masquerade
add rule ip kube-proxy endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 meta l4proto tcp dnat to 10.180.0.5:80
add chain ip kube-proxy endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80
add rule ip kube-proxy endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80 ip saddr 10.180.0.4 jump mark-for-masquerade
add rule ip kube-proxy endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80 meta l4proto tcp dnat to 10.180.0.4:80
add element ip kube-proxy cluster-ips { 172.30.0.44 }
add element ip kube-proxy service-ips { 172.30.0.44 . tcp . 80 : goto service-LAUZTJTB-ns4/svc4/tcp/p80 }
add element ip kube-proxy service-ips { 192.168.99.33 . tcp . 80 : goto external-LAUZTJTB-ns4/svc4/tcp/p80 }
add set ip kube-proxy affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }
add chain ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80
add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 ip daddr 172.30.0.45 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 ip saddr @affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 goto endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80
add rule ip kube-proxy service-HVFWP5L3-ns5/svc5/tcp/p80 numgen random mod 1 vmap { 0 : goto endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 }
add chain ip kube-proxy external-HVFWP5L3-ns5/svc5/tcp/p80
add rule ip kube-proxy external-HVFWP5L3-ns5/svc5/tcp/p80 jump mark-for-masquerade
add rule ip kube-proxy external-HVFWP5L3-ns5/svc5/tcp/p80 goto service-HVFWP5L3-ns5/svc5/tcp/p80
add chain ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80
add rule ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 ip saddr 10.180.0.3 jump mark-for-masquerade
add rule ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 update @affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 { ip saddr }
add rule ip kube-proxy endpoint-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 meta l4proto tcp dnat to 10.180.0.3:80
add chain ip kube-proxy firewall-HVFWP5L3-ns5/svc5/tcp/p80
add rule ip kube-proxy firewall-HVFWP5L3-ns5/svc5/tcp/p80 ip saddr != { 203.0.113.0/25 } drop
add element ip kube-proxy cluster-ips { 172.30.0.45 }
add element ip kube-proxy service-ips { 172.30.0.45 . tcp . 80 : goto service-HVFWP5L3-ns5/svc5/tcp/p80 }
add element ip kube-proxy service-ips { 5.6.7.8 . tcp . 80 : goto external-HVFWP5L3-ns5/svc5/tcp/p80 }
add element ip kube-proxy service-nodeports { tcp . 3002 : goto external-HVFWP5L3-ns5/svc5/tcp/p80 }
add element ip kube-proxy firewall-ips { 5.6.7.8 . tcp . 80 : goto firewall-HVFWP5L3-ns5/svc5/tcp/p80 }
add element ip kube-proxy cluster-ips { 172.30.0.46 }
add element ip kube-proxy no-endpoint-services { 172.30.0.46 . tcp . 80 comment "ns6/svc6:p80" : goto reject-chain }
`;

function overallState(): ProxyState {
  const st = new ProxyState('IPv4', TEST_NODE_NAME);
  const p80 = (nodePort?: number) => [{ name: 'p80', port: 80, protocol: 'TCP', ...(nodePort ? { nodePort } : {}) }];
  st.onServiceUpdate(makeService('ns1', 'svc1', (s) => { s.spec.clusterIP = '172.30.0.41'; s.spec.ports = p80(); }));
  st.onServiceUpdate(makeService('ns2', 'svc2', (s) => {
    s.spec.type = 'LoadBalancer'; s.spec.externalTrafficPolicy = 'Local'; s.spec.clusterIP = '172.30.0.42'; s.spec.ports = p80(3001);
    s.status = { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } }; s.spec.externalIPs = ['192.168.99.22']; s.spec.healthCheckNodePort = 30000;
  }));
  st.onServiceUpdate(makeService('ns3', 'svc3', (s) => { s.spec.type = 'NodePort'; s.spec.clusterIP = '172.30.0.43'; s.spec.ports = p80(3003); }));
  st.onServiceUpdate(makeService('ns4', 'svc4', (s) => { s.spec.type = 'NodePort'; s.spec.clusterIP = '172.30.0.44'; s.spec.externalIPs = ['192.168.99.33']; s.spec.ports = p80(); }));
  st.onServiceUpdate(makeService('ns5', 'svc5', (s) => {
    s.spec.type = 'LoadBalancer'; s.spec.externalTrafficPolicy = 'Cluster'; s.spec.clusterIP = '172.30.0.45'; s.spec.ports = p80(3002);
    s.status = { loadBalancer: { ingress: [{ ip: '5.6.7.8' }] } }; s.spec.healthCheckNodePort = 30000; s.spec.loadBalancerSourceRanges = [' 203.0.113.0/25'];
    s.spec.sessionAffinity = 'ClientIP'; s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }));
  st.onServiceUpdate(makeService('ns6', 'svc6', (s) => { s.spec.type = 'ClusterIP'; s.spec.clusterIP = '172.30.0.46'; s.spec.ports = p80(); }));
  const port = [{ name: 'p80', port: 80, protocol: 'TCP' }];
  const one = (ns: string, name: string, ip: string) => makeSlice(ns, name, 1, (e) => { e.endpoints = [{ addresses: [ip] }]; e.ports = port; });
  st.onEndpointSliceUpdate(one('ns1', 'svc1', '10.180.0.1'));
  st.onEndpointSliceUpdate(one('ns2', 'svc2', '10.180.0.2'));
  st.onEndpointSliceUpdate(one('ns3', 'svc3', '10.180.0.3'));
  st.onEndpointSliceUpdate(makeSlice('ns4', 'svc4', 1, (e) => { e.endpoints = [{ addresses: ['10.180.0.4'] }, { addresses: ['10.180.0.5'], nodeName: TEST_NODE_NAME }]; e.ports = port; }));
  st.onEndpointSliceUpdate(one('ns5', 'svc5', '10.180.0.3'));
  return st;
}

describe('nftables renderer (transcribed from upstream TestOverallNFTablesRules)', () => {
  it('produces the same table as kube-proxy', () => {
    const syncer = new NFTablesSyncer(overallState(), options);
    const p = syncer.prepare();
    expect(p.full).toBe(true);
    const model = new NFTModel();
    model.apply(p.text);
    expect(model.dump()).toEqual(normaliseExpected(BASE + SERVICES));
  });
});

describe('nftables partial transactions', () => {
  const names = ['a', 'b', 'c'];
  const op = fc.record({ name: fc.constantFrom(...names), svc: fc.boolean(), del: fc.boolean(), eps: fc.uniqueArray(fc.integer({ min: 1, max: 5 }), { maxLength: 3 }), affinity: fc.boolean(), nodePort: fc.boolean() });
  it('partial transactions in order == one full sync (and every transaction is valid)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 }), (batches) => {
        const st = new ProxyState('IPv4', TEST_NODE_NAME);
        const syncer = new NFTablesSyncer(st, options);
        const kernel = new NFTModel();
        for (const batch of batches) {
          for (const o of batch) {
            const i = names.indexOf(o.name) + 1;
            if (o.svc) {
              const svc = makeService('ns', o.name, (s) => {
                s.spec.type = o.nodePort ? 'NodePort' : 'ClusterIP';
                s.spec.clusterIP = `172.30.1.${i}`;
                s.spec.ports = [{ name: 'p', port: 80, protocol: 'TCP', ...(o.nodePort ? { nodePort: 30000 + i } : {}) }];
                if (o.affinity) s.spec.sessionAffinity = 'ClientIP';
              });
              if (o.del) st.onServiceDelete(svc);
              else st.onServiceUpdate(svc);
            } else {
              const sl = makeSlice('ns', o.name, 1, (e) => { e.endpoints = o.eps.map((n) => ({ addresses: [`10.1.${i}.${n}`] })); e.ports = [{ name: 'p', port: 8080, protocol: 'TCP' }]; });
              if (o.del) st.onEndpointSliceDelete(sl);
              else st.onEndpointSliceUpdate(sl);
            }
          }
          const p = syncer.prepare();
          kernel.apply(p.text);
          syncer.commit(p, true);
        }
        const fresh = new NFTModel();
        syncer.forceFullSync();
        fresh.apply(syncer.prepare().text);
        expect(kernel.dump()).toEqual(fresh.dump());
      }),
      { numRuns: 150 },
    );
  });
});

describe('nftables partial sync cost', () => {
  it('renders only the changed service after one endpoint change', () => {
    const st = new ProxyState('IPv4', TEST_NODE_NAME);
    const syncer = new NFTablesSyncer(st, options);
    const port = [{ name: 'p', port: 8080, protocol: 'TCP' }];
    const slices = Array.from({ length: 20 }, (_, i) => makeSlice('ns', `s${i}`, 1, (e) => { e.endpoints = [{ addresses: [`10.1.${i}.1`] }]; e.ports = port; }));
    for (let i = 0; i < 20; i++) {
      st.onServiceUpdate(makeService('ns', `s${i}`, (s) => { s.spec.clusterIP = `172.30.2.${i}`; s.spec.ports = [{ name: 'p', port: 80, protocol: 'TCP' }]; }));
      st.onEndpointSliceUpdate(slices[i]!);
    }
    syncer.commit(syncer.prepare(), true);
    expect(syncer.rendered).toBe(20);
    const upd = makeSlice('ns', 's7', 1, (e) => { e.endpoints = [{ addresses: ['10.1.7.2'] }]; e.ports = port; });
    st.onEndpointSliceUpdate(upd);
    const p = syncer.prepare();
    syncer.commit(p, true);
    expect(p.full).toBe(false);
    expect(syncer.rendered).toBe(21);
    expect(p.text).toContain('dnat to 10.1.7.2:8080');
    expect(p.text).not.toContain('ns/s8/');
    // A forced full sync writes every service from the cache without rendering again.
    syncer.forceFullSync();
    const full = syncer.prepare();
    expect(syncer.rendered).toBe(21);
    expect(full.text.match(/^add chain ip kube-proxy service-[A-Z2-7]{8}-/gm)).toHaveLength(20);
  });
});
