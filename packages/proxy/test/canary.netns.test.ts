import { expect, it } from 'vitest';
import { NetNs, describeWith, iptablesRestore, netns, nft } from '@svcnet/testkit';
import { proxyOptions } from '../src/core/proxyOptions.js';
import { netnsExec } from '../src/engine/exec.js';
import { proxyMetrics } from '../src/engine/metrics.js';
import type { Proxier } from '../src/engine/proxier.js';
import { createIPTablesProxier } from '../src/iptables/iptablesBackend.js';
import { createNFTablesProxier } from '../src/nftables/nftablesBackend.js';
import { netnsScope, webWithOneEndpoint } from './fixtures.js';

/** Rules flushed or deleted from outside (as firewalld reloads do) come back via the monitor. */
const MONITOR_MS = 100;

const { service: web, slice: webSlice } = webWithOneEndpoint();

const scope = netnsScope();

/** Polls `cond` every 50 ms, at most 100 times (5 s). */
async function waitFor(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const missingCount = async (p: Proxier<never> | { metrics: { registry: { metrics(): Promise<string> } } }) =>
  Number(/svcnet_proxy_rules_missing_total\{ip_family="IPv4"\} (\d+)/.exec(await p.metrics.registry.metrics())?.[1] ?? 0);

async function startIn(make: typeof createIPTablesProxier | typeof createNFTablesProxier) {
  const ns = (scope.ns = NetNs.create('cny'));
  const options = proxyOptions({ nodeName: 'node-a', nodeIPs: ['192.168.50.1'], clusterCIDRs: ['10.244.0.0/16'] });
  const { proxier } = make('IPv4', options, { exec: netnsExec(ns.name), metrics: proxyMetrics(), monitorIntervalMs: MONITOR_MS });
  proxier.onServiceUpdate(web);
  proxier.onEndpointSliceUpdate(webSlice);
  proxier.start();
  scope.running = proxier;
  await waitFor('the first sync', () => proxier.getStatus().syncs > 0);
  return { proxier, ns };
}

describeWith('the rule monitor restores rules flushed from outside (iptables)', [netns, iptablesRestore], () => {
  const natRules = (n: NetNs) => n.exec('iptables', ['-t', 'nat', '-S']);
  const serviceRule = /-A KUBE-SERVICES -d 10\.96\.0\.10\/32 .*-j KUBE-SVC-/;

  it('creates canaries in mangle, nat and filter and restores rules after `iptables -t nat -F`', async () => {
    const { proxier, ns } = await startIn(createIPTablesProxier);
    for (const t of ['mangle', 'nat', 'filter']) expect(ns.exec('iptables', ['-t', t, '-S', 'KUBE-PROXY-CANARY'])).toContain('-A KUBE-PROXY-CANARY');
    expect(natRules(ns)).toMatch(serviceRule);
    ns.exec('iptables', ['-t', 'nat', '-F']);
    expect(natRules(ns)).not.toMatch(serviceRule);
    await waitFor('the nat rules to come back', () => serviceRule.test(natRules(ns)) && natRules(ns).includes('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'));
    expect(ns.exec('iptables', ['-t', 'nat', '-S', 'KUBE-PROXY-CANARY'])).toContain('-A KUBE-PROXY-CANARY');
    expect(await missingCount(proxier)).toBe(1);
    expect(proxier.getStatus().rulesRestored).toBe(1);
  });

  it('notices a deleted mangle canary (a firewall reload) and forces a full sync', async () => {
    const { proxier, ns } = await startIn(createIPTablesProxier);
    const before = proxier.getStatus().syncs;
    ns.exec('iptables', ['-t', 'mangle', '-F', 'KUBE-PROXY-CANARY']);
    ns.exec('iptables', ['-t', 'mangle', '-X', 'KUBE-PROXY-CANARY']);
    await waitFor('the mangle canary to come back', () => {
      if (proxier.getStatus().syncs === before) return false;
      try {
        return ns.exec('iptables', ['-t', 'mangle', '-S', 'KUBE-PROXY-CANARY']).includes('-A KUBE-PROXY-CANARY');
      } catch {
        return false;
      }
    });
    expect(proxier.getStatus().syncs).toBeGreaterThan(before);
    expect(proxier.getStatus().lastSyncFull).toBe(true);
    expect(await missingCount(proxier)).toBe(1);
  });
});

describeWith('the rule monitor restores rules flushed from outside (nftables)', [netns, nft], () => {
  const table = (n: NetNs) => {
    try {
      return n.exec('nft', ['list', 'table', 'ip', 'kube-proxy']);
    } catch {
      return '';
    }
  };
  const serviceElement = /10\.96\.0\.10 \. tcp \. 80 : goto service-/;

  it('restores the table after `nft flush table` and after `nft delete table`', async () => {
    const { proxier, ns } = await startIn(createNFTablesProxier);
    expect(table(ns)).toMatch(serviceElement);
    expect(table(ns)).toContain('vmap @service-ips');
    ns.exec('nft', ['flush', 'table', 'ip', 'kube-proxy']);
    expect(table(ns)).not.toContain('vmap @service-ips');
    await waitFor('the flushed rules to come back', () => table(ns).includes('vmap @service-ips'));
    expect(table(ns)).toMatch(serviceElement);
    expect(await missingCount(proxier)).toBe(1);

    ns.exec('nft', ['delete', 'table', 'ip', 'kube-proxy']);
    expect(table(ns)).toBe('');
    await waitFor('the deleted table to come back', () => serviceElement.test(table(ns)));
    expect(table(ns)).toContain('vmap @service-ips');
    expect(await missingCount(proxier)).toBe(2);
    expect(proxier.getStatus().rulesRestored).toBe(2);
  });
});
