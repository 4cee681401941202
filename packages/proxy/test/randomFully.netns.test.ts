import { expect, it } from 'vitest';
import { NetNs, describeWith, iptablesRestore, netns } from '@svcnet/testkit';
import { proxyOptions } from '../src/core/proxyOptions.js';
import { netnsExec } from '../src/engine/exec.js';
import { proxyMetrics } from '../src/engine/metrics.js';
import { createIPTablesProxier } from '../src/iptables/iptablesBackend.js';
import { hostIPTablesVersion, supportsRandomFully } from '../src/engine/iptablesVersion.js';
import { netnsScope, webWithOneEndpoint } from './fixtures.js';

// iptables mode masquerades with --random-fully when this iptables supports it (>= 1.6.2, as
// upstream detects it), and the kernel takes the rule: issue 17, item 7.
const scope = netnsScope();

describeWith('MASQUERADE --random-fully (iptables)', [netns, iptablesRestore], () => {
  it('is detected from `iptables --version` and applied in KUBE-POSTROUTING', async () => {
    const version = hostIPTablesVersion('IPv4');
    expect(version).toMatch(/^iptables v\d+\.\d+/);
    const hasRandomFully = supportsRandomFully(version);
    const ns = (scope.ns = NetNs.create('rfu'));
    const { service, slice } = webWithOneEndpoint();
    const options = proxyOptions({ nodeName: 'node-a', nodeIPs: ['192.168.0.2'], clusterCIDRs: ['10.244.0.0/16'] });
    const { proxier } = createIPTablesProxier('IPv4', options, { exec: netnsExec(ns.name), metrics: proxyMetrics(), hasRandomFully });
    scope.running = proxier;
    proxier.onServiceUpdate(service);
    proxier.onEndpointSliceUpdate(slice);
    await proxier.syncProxyRules();

    const masquerade = ns.exec('iptables-save', ['-t', 'nat']).split('\n').filter((l) => l.startsWith('-A KUBE-POSTROUTING') && l.includes('-j MASQUERADE'));
    expect(masquerade).toEqual([`-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${hasRandomFully ? ' --random-fully' : ''}`]);
    // This machine's iptables (1.8.x) has it: the rule above is the one with the flag.
    if (/v1\.(8|9)\./.test(version ?? '')) expect(hasRandomFully).toBe(true);
  });
});
