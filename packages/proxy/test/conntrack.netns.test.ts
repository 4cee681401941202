import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { binary, describeWith, iptablesRestore, netns, nft } from '@svcnet/testkit';
import type { NetNs } from '@svcnet/testkit';
import { proxyOptions } from '../src/core/proxyOptions.js';
import { netnsExec } from '../src/engine/exec.js';
import { proxyMetrics } from '../src/engine/metrics.js';
import { createIPTablesProxier } from '../src/iptables/iptablesBackend.js';
import { createNFTablesProxier } from '../src/nftables/nftablesBackend.js';
import type { Cluster } from './dataPlane.js';
import { makeCluster, scenarioObjects } from './dataPlane.js';
import { makeService, makeSlice } from './fixtures.js';

/** One datagram from a FIXED source port (so every send is the same conntrack flow); prints the answer. */
const FIXED_PORT_CLIENT = `
const dgram = require('dgram');
const [host, port, sport] = process.argv.slice(1);
const s = dgram.createSocket('udp4');
const t = setTimeout(() => { console.log('ERR TIMEOUT'); s.close(); }, 1500);
s.on('message', (m) => { clearTimeout(t); console.log(m.toString()); s.close(); });
s.bind(+sport, () => s.send('hi', +port, host));
`;

const DNS_IP = '10.96.0.11';
const send = (c: Cluster, sport: number, ip = DNS_IP) => c.client.exec('node', ['-e', FIXED_PORT_CLIENT, ip, '53', String(sport)]).trim();
const entriesTo = (node: NetNs, podIP: string, ip = DNS_IP) =>
  node
    .exec('conntrack', ['-L', '-p', 'udp', '--orig-dst', ip])
    .split('\n')
    .filter((l) => l.includes(`src=${podIP} `));

describeWith('UDP conntrack entries of removed endpoints are cleared (as kube-proxy does)', [netns, iptablesRestore, nft, binary('conntrack', 'conntrack')], () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await makeCluster('ct');
  });
  afterAll(() => c?.destroy());
  afterEach(() => {
    c.node.exec('conntrack', ['-F']);
  });

  for (const [mode, make, sport] of [
    ['iptables', createIPTablesProxier, 40053],
    ['nftables', createNFTablesProxier, 40054],
  ] as const) {
    it(`${mode}: the next datagram of a pinned flow reaches a remaining endpoint`, async () => {
      const objs = scenarioObjects(c.nodeName);
      const options = proxyOptions({ nodeName: c.nodeName, nodeIPs: [c.nodeIP], clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: ['10.96.0.0/16'] });
      const { proxier, applier } = make('IPv4', options, { exec: netnsExec(c.node.name), metrics: proxyMetrics() });
      try {
        for (const s of objs.services) proxier.onServiceUpdate(s);
        for (const s of objs.slices) proxier.onEndpointSliceUpdate(s);
        await proxier.syncProxyRules();

        const first = send(c, sport);
        expect(first).toMatch(/^pod\d /);
        const pod = c.pods.find((p) => first.startsWith(`${p.name} `))!;
        // The flow is pinned: the same source port keeps reaching the same pod.
        expect(send(c, sport).split(' ')[0]).toBe(pod.name);
        expect(entriesTo(c.node, pod.ip)).toHaveLength(1);

        const dnsSlice = structuredClone(objs.slices.find((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === 'dns')!);
        dnsSlice.endpoints = dnsSlice.endpoints.filter((e) => e.addresses[0] !== pod.ip);
        proxier.onEndpointSliceUpdate(dnsSlice);
        await proxier.syncProxyRules();

        expect(entriesTo(c.node, pod.ip)).toEqual([]);
        const metrics = await proxier.metrics.registry.metrics();
        expect(Number(/svcnet_proxy_conntrack_entries_deleted_total\{ip_family="IPv4"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
        expect(metrics).not.toMatch(/svcnet_proxy_conntrack_cleanup_failures_total\{ip_family="IPv4"\} [1-9]/);
        const next = send(c, sport);
        expect(next).toMatch(/^pod\d /);
        expect(next.split(' ')[0]).not.toBe(pod.name);
      } finally {
        proxier.stop();
        await applier.cleanup();
      }
    });
  }

  it('iptables: a flow that started before the service had endpoints is not blackholed once it has one', async () => {
    const LATE_IP = '10.96.0.15';
    const sport = 40055;
    const options = proxyOptions({ nodeName: c.nodeName, nodeIPs: [c.nodeIP], clusterCIDRs: ['10.244.0.0/16'] });
    const { proxier, applier } = createIPTablesProxier('IPv4', options, { exec: netnsExec(c.node.name), metrics: proxyMetrics() });
    try {
      await proxier.syncProxyRules();
      // Nothing programs the VIP yet: the datagram is forwarded un-NATed and conntrack remembers that.
      expect(send(c, sport, LATE_IP)).toBe('ERR TIMEOUT');
      const unNATed = c.node.exec('conntrack', ['-L', '-p', 'udp', '--orig-dst', LATE_IP]);
      expect(unNATed).toContain(`dport=${sport}`);
      expect(unNATed).toContain(`src=${LATE_IP} `);
      proxier.onServiceUpdate(makeService('default', 'late', (s) => {
        s.spec.clusterIP = LATE_IP;
        s.spec.ports = [{ name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' }];
      }));
      proxier.onEndpointSliceUpdate(makeSlice('default', 'late', 1, (e) => {
        e.endpoints = [{ addresses: ['10.244.1.2'], conditions: { ready: true } }];
        e.ports = [{ name: 'dns', port: 5353, protocol: 'UDP' }];
      }));
      await proxier.syncProxyRules();
      expect(c.node.exec('conntrack', ['-L', '-p', 'udp', '--orig-dst', LATE_IP])).not.toContain(`src=${LATE_IP} `);
      expect(send(c, sport, LATE_IP)).toMatch(/^pod1 /);
      expect(entriesTo(c.node, '10.244.1.2', LATE_IP)).toHaveLength(1);
    } finally {
      await applier.cleanup();
    }
  });
});
