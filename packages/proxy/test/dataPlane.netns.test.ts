import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith, iptablesRestore, netns, nft } from '@svcnet/testkit';
import { proxyOptions } from '../src/core/proxyOptions.js';
import { netnsExec } from '../src/engine/exec.js';
import { proxyMetrics } from '../src/engine/metrics.js';
import { createIPTablesProxier } from '../src/iptables/iptablesBackend.js';
import { createNFTablesProxier } from '../src/nftables/nftablesBackend.js';
import type { Cluster } from './dataPlane.js';
import { makeCluster, podsOf, probe, scenarioObjects } from './dataPlane.js';

/** The same packets through each kernel mode: what kube-proxy's users rely on does not depend on it. */
const MODES = [
  { name: 'iptables', prefix: 'ipt', needs: [netns, iptablesRestore], create: createIPTablesProxier },
  { name: 'nftables', prefix: 'nft', needs: [netns, nft], create: createNFTablesProxier },
] as const;

for (const mode of MODES) {
  describeWith(`${mode.name} mode moves real packets in network namespaces`, mode.needs, () => {
    let c: Cluster;
    let proxier: ReturnType<(typeof mode)['create']>['proxier'];
    let objs: ReturnType<typeof scenarioObjects>;

    beforeAll(async () => {
      c = await makeCluster(mode.prefix);
      objs = scenarioObjects(c.nodeName);
      const options = proxyOptions({ nodeName: c.nodeName, nodeIPs: [c.nodeIP], clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: ['10.96.0.0/16'] });
      ({ proxier } = mode.create('IPv4', options, { exec: netnsExec(c.node.name), metrics: proxyMetrics() }));
      for (const s of objs.services) proxier.onServiceUpdate(s);
      for (const s of objs.slices) proxier.onEndpointSliceUpdate(s);
      await proxier.syncProxyRules();
    });
    afterAll(() => c?.destroy());

    it('balances a ClusterIP over every endpoint', () => {
      expect(podsOf(probe(c.client, 'tcp', '10.96.0.10', 80, 30))).toEqual(new Set(['pod1', 'pod2', 'pod3']));
    });

    it('balances a NodePort and an externalIP over every endpoint', () => {
      expect(podsOf(probe(c.client, 'tcp', c.nodeIP, 30080, 30))).toEqual(new Set(['pod1', 'pod2', 'pod3']));
      expect(podsOf(probe(c.client, 'tcp', '192.168.99.100', 80, 30))).toEqual(new Set(['pod1', 'pod2', 'pod3']));
    });

    it('forwards UDP to the endpoints', () => {
      const answers = probe(c.client, 'udp', '10.96.0.11', 53, 15);
      expect(answers.every((a) => a.startsWith('pod'))).toBe(true);
      expect(podsOf(answers).size).toBeGreaterThan(1);
    });

    it('keeps ClientIP affinity', () => {
      const answers = probe(c.client, 'tcp', '10.96.0.12', 80, 10);
      expect(podsOf(answers).size).toBe(1);
    });

    it('rejects a service without endpoints', () => {
      expect(probe(c.client, 'tcp', '10.96.0.13', 80, 1)).toEqual(['ERR ECONNREFUSED']);
    });

    it('keeps the client source IP with externalTrafficPolicy Local (and SNATs with Cluster)', () => {
      const local = probe(c.client, 'tcp', c.nodeIP, 30081, 10);
      expect(new Set(local)).toEqual(new Set([`pod3 ${c.clientIP}`]));
      const cluster = probe(c.client, 'tcp', c.nodeIP, 30080, 5);
      expect(cluster.some((a) => a.endsWith(c.clientIP))).toBe(false);
    });

    it('stops sending new connections to a removed endpoint after the next sync', async () => {
      const upd = structuredClone(objs.hostnamesSlice);
      upd.endpoints = upd.endpoints.filter((e) => e.addresses[0] !== '10.244.2.2');
      proxier.onEndpointSliceUpdate(upd);
      await proxier.syncProxyRules();
      expect(proxier.getStatus().lastSyncFull).toBe(false);
      expect(podsOf(probe(c.client, 'tcp', '10.96.0.10', 80, 30))).toEqual(new Set(['pod1', 'pod3']));
    });
  });
}
