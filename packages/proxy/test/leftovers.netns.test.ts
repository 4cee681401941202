import { expect, it } from 'vitest';
import { NetNs, describeWith, iptablesRestore, netns } from '@svcnet/testkit';
import { proxyOptions } from '../src/core/proxyOptions.js';
import { netnsExec } from '../src/engine/exec.js';
import { proxyMetrics } from '../src/engine/metrics.js';
import { createIPTablesProxier } from '../src/iptables/iptablesBackend.js';
import { netnsScope, webWithOneEndpoint } from './fixtures.js';

// A proxier restarted after its Services changed finds service chains of the earlier run in the
// kernel (iptables-save at startup): its first sync deletes them, and leaves other chains alone.
const { service: web, slice: webSlice } = webWithOneEndpoint();

const scope = netnsScope();

describeWith('leftover service chains at startup (iptables)', [netns, iptablesRestore], () => {
  it('deletes KUBE-SVC/SEP chains of an earlier run in the first sync, keeping chains it does not own', async () => {
    const ns = (scope.ns = NetNs.create('lft'));
    const leftovers = ['KUBE-SVC-AAAAAAAAAAAAAAAA', 'KUBE-SEP-BBBBBBBBBBBBBBBB'];
    ns.exec('iptables-restore', ['--noflush'], [
      '*nat',
      ...leftovers.map((c) => `:${c} - [0:0]`),
      ':OTHER-CHAIN - [0:0]',
      `-A ${leftovers[0]} -j ${leftovers[1]}`,
      `-A ${leftovers[1]} -p tcp -j DNAT --to-destination 10.244.9.9:80`,
      'COMMIT',
      '',
    ].join('\n'));
    const options = proxyOptions({ nodeName: 'node-a', nodeIPs: ['192.168.50.1'], clusterCIDRs: ['10.244.0.0/16'] });
    const { proxier } = createIPTablesProxier('IPv4', options, { exec: netnsExec(ns.name), metrics: proxyMetrics() });
    proxier.onServiceUpdate(web);
    proxier.onEndpointSliceUpdate(webSlice);
    await proxier.syncProxyRules();
    scope.running = proxier;

    const nat = ns.exec('iptables', ['-t', 'nat', '-S']);
    for (const c of leftovers) expect(nat).not.toContain(c);
    expect(nat).toContain('-N OTHER-CHAIN');
    expect(nat).toMatch(/-A KUBE-SERVICES -d 10\.96\.0\.10\/32 .*-j KUBE-SVC-/);
  });
});
