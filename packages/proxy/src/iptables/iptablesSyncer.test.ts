import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@svcnet/model';
import { TEST_NODE_IP, TEST_NODE_NAME, makeService, makeSlice } from '../../test/fixtures.js';
import { ManualClock } from '@svcnet/store';
import { ProxyState } from '../core/proxyState.js';
import { proxyOptions } from '../core/proxyOptions.js';
import { applyRestore, sortIPTablesRules, stateToString } from './iptablesDump.js';
import type { IPTablesState } from './iptablesDump.js';
import { renderIPTables } from './iptablesRenderer.js';
import { IPTablesSyncer } from './iptablesSyncer.js';

const options = proxyOptions({ nodeName: TEST_NODE_NAME, nodeIPs: [TEST_NODE_IP], clusterCIDRs: ['10.0.0.0/8'], localhostNodePorts: true });
const dedent = (s: string) => s.split('\n').map((l) => l.trim()).filter((l) => l).join('\n') + '\n';
const expectRulesEqual = (actual: string, expected: string) => expect(sortIPTablesRules(actual)).toBe(sortIPTablesRules(dedent(expected)));

const clusterIPService = (ns: string, name: string, ip: string, port: number, pname: string) =>
  makeService(ns, name, (s) => {
    s.spec.type = 'ClusterIP';
    s.spec.clusterIP = ip;
    s.spec.ports = [{ name: pname, port, protocol: 'TCP' }];
  });
const slice = (ns: string, name: string, ip: string, port: number, pname: string) =>
  makeSlice(ns, name, 1, (e) => {
    e.endpoints = [{ addresses: [ip] }];
    e.ports = [{ name: pname, port, protocol: 'TCP' }];
  });

const FILTER = `
  *filter
  :KUBE-NODEPORTS - [0:0]
  :KUBE-SERVICES - [0:0]
  :KUBE-EXTERNAL-SERVICES - [0:0]
  :KUBE-FIREWALL - [0:0]
  :KUBE-FORWARD - [0:0]
  :KUBE-PROXY-FIREWALL - [0:0]
  -A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
  -A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
  -A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
  -A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
  COMMIT`;
const NAT_TOP = `
  -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
  -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
  -A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
  -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE`;
const NODEPORTS_LAST = `-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`;

describe('partial sync (transcribed from upstream TestSyncProxyRulesRepeated)', () => {
  it('writes only changed services and deletes stale chains', () => {
    const st = new ProxyState('IPv4', TEST_NODE_NAME);
    const syncer = new IPTablesSyncer(st, options, { clock: new ManualClock(1_000_000) });
    const sync = () => {
      const p = syncer.prepare();
      syncer.commit(p, true);
      return p;
    };
    st.onServiceUpdate(clusterIPService('ns1', 'svc1', '172.30.0.41', 80, 'p80'));
    const svc2 = clusterIPService('ns2', 'svc2', '172.30.0.42', 8080, 'p8080');
    st.onServiceUpdate(svc2);
    st.onEndpointSliceUpdate(slice('ns1', 'svc1', '10.0.1.1', 80, 'p80'));
    st.onEndpointSliceUpdate(slice('ns2', 'svc2', '10.0.2.1', 8080, 'p8080'));
    let p = sync();
    expect(p.full).toBe(true);
    expectRulesEqual(p.text, `${FILTER}
      *nat
      :KUBE-NODEPORTS - [0:0]
      :KUBE-SERVICES - [0:0]
      :KUBE-MARK-MASQ - [0:0]
      :KUBE-POSTROUTING - [0:0]
      :KUBE-SEP-SNQ3ZNILQDEJNDQO - [0:0]
      :KUBE-SEP-UHEGFW77JX3KXTOV - [0:0]
      :KUBE-SVC-2VJB64SDSIJUP5T6 - [0:0]
      :KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]
      -A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
      -A KUBE-SERVICES -m comment --comment "ns2/svc2:p8080 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 8080 -j KUBE-SVC-2VJB64SDSIJUP5T6
      ${NODEPORTS_LAST}
      ${NAT_TOP}
      -A KUBE-SEP-SNQ3ZNILQDEJNDQO -m comment --comment ns1/svc1:p80 -s 10.0.1.1 -j KUBE-MARK-MASQ
      -A KUBE-SEP-SNQ3ZNILQDEJNDQO -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.1.1:80
      -A KUBE-SEP-UHEGFW77JX3KXTOV -m comment --comment ns2/svc2:p8080 -s 10.0.2.1 -j KUBE-MARK-MASQ
      -A KUBE-SEP-UHEGFW77JX3KXTOV -m comment --comment ns2/svc2:p8080 -m tcp -p tcp -j DNAT --to-destination 10.0.2.1:8080
      -A KUBE-SVC-2VJB64SDSIJUP5T6 -m comment --comment "ns2/svc2:p8080 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 8080 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
      -A KUBE-SVC-2VJB64SDSIJUP5T6 -m comment --comment "ns2/svc2:p8080 -> 10.0.2.1:8080" -j KUBE-SEP-UHEGFW77JX3KXTOV
      -A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
      -A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.0.1.1:80" -j KUBE-SEP-SNQ3ZNILQDEJNDQO
      COMMIT`);

    // Add a new service and its endpoints: only its SVC and SEP chains are written.
    st.onServiceUpdate(clusterIPService('ns3', 'svc3', '172.30.0.43', 80, 'p80'));
    const eps3 = slice('ns3', 'svc3', '10.0.3.1', 80, 'p80');
    st.onEndpointSliceUpdate(eps3);
    p = sync();
    expect(p.full).toBe(false);
    expectRulesEqual(p.text, `${FILTER}
      *nat
      :KUBE-NODEPORTS - [0:0]
      :KUBE-SERVICES - [0:0]
      :KUBE-MARK-MASQ - [0:0]
      :KUBE-POSTROUTING - [0:0]
      :KUBE-SEP-BSWRHOQ77KEXZLNL - [0:0]
      :KUBE-SVC-X27LE4BHSL4DOUIK - [0:0]
      -A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
      -A KUBE-SERVICES -m comment --comment "ns2/svc2:p8080 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 8080 -j KUBE-SVC-2VJB64SDSIJUP5T6
      -A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK
      ${NODEPORTS_LAST}
      ${NAT_TOP}
      -A KUBE-SEP-BSWRHOQ77KEXZLNL -m comment --comment ns3/svc3:p80 -s 10.0.3.1 -j KUBE-MARK-MASQ
      -A KUBE-SEP-BSWRHOQ77KEXZLNL -m comment --comment ns3/svc3:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.3.1:80
      -A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
      -A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.0.3.1:80" -j KUBE-SEP-BSWRHOQ77KEXZLNL
      COMMIT`);

    // Delete a service: its chains are flushed and deleted, nothing else is rewritten.
    st.onServiceDelete(svc2);
    p = sync();
    expectRulesEqual(p.text, `${FILTER}
      *nat
      :KUBE-NODEPORTS - [0:0]
      :KUBE-SERVICES - [0:0]
      :KUBE-MARK-MASQ - [0:0]
      :KUBE-POSTROUTING - [0:0]
      :KUBE-SEP-UHEGFW77JX3KXTOV - [0:0]
      :KUBE-SVC-2VJB64SDSIJUP5T6 - [0:0]
      -A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
      -A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK
      ${NODEPORTS_LAST}
      ${NAT_TOP}
      -X KUBE-SEP-UHEGFW77JX3KXTOV
      -X KUBE-SVC-2VJB64SDSIJUP5T6
      COMMIT`);

    // Add a service without endpoints: only a REJECT rule.
    st.onServiceUpdate(clusterIPService('ns4', 'svc4', '172.30.0.44', 80, 'p80'));
    p = sync();
    expect(p.text).toContain('-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j REJECT');
    expect(p.text).not.toContain(':KUBE-SVC-');

    // Change an endpoint of an existing service: its SVC and SEP chains are rewritten.
    const upd = structuredClone(eps3);
    (upd.endpoints[0] as { addresses: string[] }).addresses = ['10.0.3.2'];
    st.onEndpointSliceUpdate(upd);
    p = sync();
    expect(p.text).toContain(':KUBE-SVC-X27LE4BHSL4DOUIK - [0:0]');
    expect(p.text).toContain('-X KUBE-SEP-BSWRHOQ77KEXZLNL');
    expect(p.text).toContain('-j DNAT --to-destination 10.0.3.2:80');
    expect(p.text).not.toContain(':KUBE-SVC-XPGD46QRK7WJZT7O');
  });

  it('goes back to a full sync after a failed restore', () => {
    const st = new ProxyState('IPv4', TEST_NODE_NAME);
    const syncer = new IPTablesSyncer(st, options, { clock: new ManualClock(1_000_000) });
    st.onServiceUpdate(clusterIPService('ns1', 'svc1', '172.30.0.41', 80, 'p80'));
    st.onEndpointSliceUpdate(slice('ns1', 'svc1', '10.0.1.1', 80, 'p80'));
    syncer.commit(syncer.prepare(), true);
    st.onServiceUpdate(clusterIPService('ns2', 'svc2', '172.30.0.42', 80, 'p80'));
    const failed = syncer.prepare();
    expect(failed.full).toBe(false);
    syncer.commit(failed, false);
    const retry = syncer.prepare();
    expect(retry.full).toBe(true);
    expect(retry.text).toContain(':KUBE-SVC-XPGD46QRK7WJZT7O');
  });

  it('deletes leftover service chains found at startup in the first sync, rendering it once', () => {
    const st = new ProxyState('IPv4', TEST_NODE_NAME);
    const syncer = new IPTablesSyncer(st, options, { clock: new ManualClock(1_000_000) });
    st.onServiceUpdate(clusterIPService('ns1', 'svc1', '172.30.0.41', 80, 'p80'));
    st.onEndpointSliceUpdate(slice('ns1', 'svc1', '10.0.1.1', 80, 'p80'));
    const first = syncer.prepare();
    const rendered = first.text;
    const active = [...first.result.activeNatChains].filter((c) => c.startsWith('KUBE-SVC-'));
    syncer.deleteLeftovers(first, [...active, 'OTHER-CHAIN']);
    expect(first.text).toBe(rendered); // nothing left over: the text is untouched
    syncer.deleteLeftovers(first, ['KUBE-SVC-AAAAAAAAAAAAAAAA', ...active, 'OTHER-CHAIN']);
    expect(syncer.cache.rendered).toBe(1);
    expect(first.text).toBe(`${rendered}*nat\n:KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]\n-X KUBE-SVC-AAAAAAAAAAAAAAAA\nCOMMIT\n`);
    expect(first.result.deletedChains).toEqual(['KUBE-SVC-AAAAAAAAAAAAAAAA']);
    // A failed first sync leaves them noted: the full retry renders their deletion itself.
    syncer.commit(first, false);
    const retry = syncer.prepare();
    expect(retry.text).toContain('-X KUBE-SVC-AAAAAAAAAAAAAAAA\n');
    expect(retry.text).not.toContain('-X OTHER-CHAIN');
  });
});

// Property: partial syncs applied in order to a model of iptables-restore --noflush leave the
// same rules as one full sync of the final state.
const svcNames = ['a', 'b', 'c', 'd'];
type Op = { kind: 'svc'; name: string; type: 'ClusterIP' | 'NodePort' | 'LoadBalancer'; local: boolean; affinity: boolean; del: boolean } | { kind: 'eps'; name: string; ips: number[]; local: number[]; ready: boolean; del: boolean };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('svc' as const), name: fc.constantFrom(...svcNames), type: fc.constantFrom('ClusterIP' as const, 'NodePort' as const, 'LoadBalancer' as const), local: fc.boolean(), affinity: fc.boolean(), del: fc.boolean() }),
  fc.record({ kind: fc.constant('eps' as const), name: fc.constantFrom(...svcNames), ips: fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { maxLength: 4 }), local: fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { maxLength: 2 }), ready: fc.boolean(), del: fc.boolean() }),
);

function toObjects(op: Op): { svc?: Service; slice?: EndpointSlice } {
  const i = svcNames.indexOf(op.name) + 1;
  if (op.kind === 'svc') {
    return {
      svc: makeService('ns', op.name, (s) => {
        s.spec.type = op.type;
        s.spec.clusterIP = `172.30.0.${i}`;
        s.spec.ports = [{ name: 'p', port: 80, protocol: 'TCP', ...(op.type !== 'ClusterIP' ? { nodePort: 30000 + i } : {}) }];
        if (op.local && op.type !== 'ClusterIP') s.spec.externalTrafficPolicy = 'Local';
        if (op.type === 'LoadBalancer') {
          s.status = { loadBalancer: { ingress: [{ ip: `1.2.3.${i}` }] } };
          s.spec.loadBalancerSourceRanges = op.affinity ? ['203.0.113.0/25'] : [];
        }
        if (op.affinity) s.spec.sessionAffinity = 'ClientIP';
      }),
    };
  }
  return {
    slice: makeSlice('ns', op.name, 1, (e) => {
      e.endpoints = op.ips.map((n, k) => ({ addresses: [`10.${i}.0.${n}`], conditions: { ready: op.ready || k > 0, serving: true, terminating: !op.ready && k === 0 }, ...(op.local.includes(n) ? { nodeName: TEST_NODE_NAME } : {}) }));
      e.ports = [{ name: 'p', port: 8080, protocol: 'TCP' }];
    }),
  };
}

describe('partial sync property', () => {
  it('partial syncs in order == one full sync', () => {
    fc.assert(
      fc.property(fc.array(fc.array(opArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }), (batches) => {
        const st = new ProxyState('IPv4', TEST_NODE_NAME);
        const syncer = new IPTablesSyncer(st, options, { clock: new ManualClock(1_000_000) });
        const kernel: IPTablesState = new Map();
        for (const batch of batches) {
          for (const op of batch) {
            const { svc, slice: sl } = toObjects(op);
            if (svc) (op.del ? st.onServiceDelete(svc) : st.onServiceUpdate(svc));
            if (sl) (op.del ? st.onEndpointSliceDelete(sl) : st.onEndpointSliceUpdate(sl));
          }
          const p = syncer.prepare();
          applyRestore(kernel, p.text);
          syncer.commit(p, true);
        }
        const fresh: IPTablesState = new Map();
        applyRestore(fresh, renderIPTables({ family: 'IPv4', services: st.services, endpoints: st.endpoints, options, full: true }).text);
        expect(stateToString(kernel)).toBe(stateToString(fresh));
      }),
      { numRuns: 150 },
    );
  });
});

describe('partial sync cost', () => {
  it('renders only the changed service after one endpoint change, reusing the others from the cache', () => {
    const st = new ProxyState('IPv4', TEST_NODE_NAME);
    const syncer = new IPTablesSyncer(st, options, { clock: new ManualClock(1_000_000) });
    const slices = Array.from({ length: 20 }, (_, i) => slice('ns', `svc${i}`, `10.0.${i}.1`, 80, 'p80'));
    for (let i = 0; i < 20; i++) {
      st.onServiceUpdate(clusterIPService('ns', `svc${i}`, `172.30.1.${i}`, 80, 'p80'));
      st.onEndpointSliceUpdate(slices[i]!);
    }
    syncer.commit(syncer.prepare(), true);
    expect(syncer.cache.rendered).toBe(20);
    const before = new Map(syncer.cache.ports.fragments);

    const upd = structuredClone(slices[7]!);
    (upd.endpoints[0] as { addresses: string[] }).addresses = ['10.0.7.2'];
    st.onEndpointSliceUpdate(upd);
    const p = syncer.prepare();
    syncer.commit(p, true);
    expect(p.full).toBe(false);
    expect(syncer.cache.rendered).toBe(21);
    for (const [key, frag] of syncer.cache.ports.fragments) {
      if (key === 'ns/svc7:p80/TCP') expect(frag).not.toBe(before.get(key));
      else expect(frag).toBe(before.get(key));
    }
    // Every service's KUBE-SERVICES rule is still written; only svc7's own chains are.
    expect(p.text.match(/^-A KUBE-SERVICES .* cluster IP/gm)).toHaveLength(20);
    expect(p.text.match(/^:KUBE-SVC-/gm)).toHaveLength(1);
    expect(p.text).toContain('--to-destination 10.0.7.2:80');

    // A periodic full sync writes everything again, rendering every service's own chains anew (as
    // upstream: their text is not kept, issue 18); the kept fragments of unchanged ports stay.
    const kept = new Map(syncer.cache.ports.fragments);
    syncer.forceFullSync();
    const full = syncer.prepare();
    expect(full.full).toBe(true);
    expect(syncer.cache.rendered).toBe(41);
    for (const [key, frag] of syncer.cache.ports.fragments) expect(frag).toBe(kept.get(key));
    expect(full.text.match(/^:KUBE-SVC-/gm)).toHaveLength(20);
    expect(full.text).toBe(renderIPTables({ family: 'IPv4', services: st.services, endpoints: st.endpoints, options, full: true }).text);
  });
});
