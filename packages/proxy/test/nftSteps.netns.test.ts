import { afterEach, expect, it } from 'vitest';
import { NetNs, describeWith, netns, nft } from '@svcnet/testkit';
import { ProxyState } from '../src/core/proxyState.js';
import { proxyOptions } from '../src/core/proxyOptions.js';
import { netnsExec } from '../src/engine/exec.js';
import type { Exec } from '../src/engine/exec.js';
import { NFTablesApplier } from '../src/nftables/nftablesBackend.js';
import { NFTablesSyncer } from '../src/nftables/nftablesSyncer.js';
import { TEST_NODE_NAME, makeService, makeSlice } from './fixtures.js';

// A cold-start full sync loaded in steps ends in the same table as the one-transaction load,
// for every kind of service artifact (affinity sets, NodePort, LoadBalancer firewall, Local
// policy, no endpoints); with the table already there the applier keeps one transaction.
const options = proxyOptions({ nodeName: TEST_NODE_NAME, nodeIPs: ['192.168.0.2'], clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: ['10.96.0.0/16'] });

function prepared() {
  const st = new ProxyState('IPv4', TEST_NODE_NAME);
  for (let i = 1; i <= 6; i++) {
    st.onServiceUpdate(makeService('ns', `s${i}`, (s) => {
      s.spec.clusterIP = `10.96.0.${i}`;
      s.spec.type = i >= 3 ? (i >= 5 ? 'LoadBalancer' : 'NodePort') : 'ClusterIP';
      s.spec.ports = [{ name: 'p', port: 80, protocol: i === 4 ? 'UDP' : 'TCP', ...(i >= 3 ? { nodePort: 30000 + i } : {}) }];
      if (i === 2) s.spec.sessionAffinity = 'ClientIP';
      if (i === 4) s.spec.externalTrafficPolicy = 'Local';
      if (i >= 5) {
        s.status = { loadBalancer: { ingress: [{ ip: `203.0.113.${i}` }] } };
        s.spec.loadBalancerSourceRanges = ['198.51.100.0/24'];
      }
    }));
    if (i === 6) continue;
    st.onEndpointSliceUpdate(makeSlice('ns', `s${i}`, 1, (e) => {
      e.endpoints = [1, 2, 3].map((k) => ({ addresses: [`10.244.${i}.${k}`], conditions: { ready: true }, ...(k === 1 ? { nodeName: TEST_NODE_NAME } : {}) }));
      e.ports = [{ name: 'p', port: 8080, protocol: i === 4 ? 'UDP' : 'TCP' }];
    }));
  }
  return new NFTablesSyncer(st, options, { steppedLoadMinPorts: 0 }).prepare();
}

const namespaces: NetNs[] = [];
afterEach(() => {
  for (const n of namespaces.splice(0)) n.destroy();
});
const table = (n: NetNs) => n.exec('nft', ['list', 'table', 'ip', 'kube-proxy']).split('\n').map((l) => l.trim()).filter(Boolean).sort().join('\n');
/** netnsExec that records the `nft -f` transactions it runs. */
function recording(n: NetNs): { exec: Exec; loads: string[] } {
  const loads: string[] = [];
  const base = netnsExec(n.name);
  return { loads, exec: (cmd, args, input) => (args[0] === '-f' && loads.push(input ?? ''), base(cmd, args, input)) };
}

describeWith('nftables full sync loaded in steps', [netns, nft], () => {
  it('gives the same table as one transaction on a cold start, and stays atomic when the table exists', async () => {
    const p = prepared();
    expect(p.steps).toHaveLength(3);
    const atomic = NetNs.create('nfa');
    const stepped = NetNs.create('nfs');
    namespaces.push(atomic, stepped);
    await new NFTablesApplier('IPv4', { exec: netnsExec(atomic.name) }).apply(p.text);

    const rec = recording(stepped);
    const applier = new NFTablesApplier('IPv4', { exec: rec.exec });
    await applier.applySync(p);
    expect(rec.loads).toEqual(p.steps);
    expect(table(stepped)).toBe(table(atomic));
    expect(table(stepped)).toContain('numgen random mod 3 vmap');

    // Again, with the table in place: one transaction (the text that replaces the table).
    rec.loads.length = 0;
    await applier.applySync(p);
    expect(rec.loads).toEqual([p.text]);
    expect(table(stepped)).toBe(table(atomic));
  });
});
