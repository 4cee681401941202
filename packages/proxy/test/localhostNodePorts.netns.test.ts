import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith, iptablesRestore, netns, type NetNs } from '@svcnet/testkit';
import { proxyOptions } from '../src/core/proxyOptions.js';
import { netnsExec } from '../src/engine/exec.js';
import { proxyMetrics } from '../src/engine/metrics.js';
import { createIPTablesProxier } from '../src/iptables/iptablesBackend.js';
import type { Cluster } from './dataPlane.js';
import { makeCluster, podsOf, probe, scenarioObjects } from './dataPlane.js';

// --localhost-nodeports as kube-proxy does it (iptables mode, IPv4): route_localnet=1 so that a
// connection to 127.0.0.1:NODEPORT can be DNATed to a pod, and KUBE-FIREWALL, reached from INPUT
// and OUTPUT, dropping what route_localnet would otherwise let in: packets from other hosts to
// 127.0.0.0/8 (issue 90259).

/** A localhost-only service on the node (as the agent's own 127.0.0.1:10249). */
const LOCAL_ONLY_PORT = 10249;
const LOCAL_ONLY = `require('net').createServer((s) => s.end('local-only\\n')).listen(${LOCAL_ONLY_PORT}, '127.0.0.1', () => console.log('ready'));`;

function firewallDrops(node: NetNs): number {
  const out = node.exec('iptables', ['-w', '-t', 'filter', '-L', 'KUBE-FIREWALL', '-n', '-v', '-x']);
  const line = out.split('\n').find((l) => l.includes('DROP') && l.includes('127.0.0.0/8'));
  return line ? Number(line.trim().split(/\s+/)[0]) : Number.NaN;
}

describeWith('--localhost-nodeports (iptables): NodePorts on 127.0.0.1, and nothing else reachable there', [netns, iptablesRestore], () => {
  let c: Cluster;

  beforeAll(async () => {
    c = await makeCluster('lnp');
    const objs = scenarioObjects(c.nodeName);
    const options = proxyOptions({ nodeName: c.nodeName, nodeIPs: [c.nodeIP], clusterCIDRs: ['10.244.0.0/16'], localhostNodePorts: true });
    const { proxier } = createIPTablesProxier('IPv4', options, { exec: netnsExec(c.node.name), metrics: proxyMetrics() });
    for (const s of objs.services) proxier.onServiceUpdate(s);
    for (const s of objs.slices) proxier.onEndpointSliceUpdate(s);
    await proxier.syncProxyRules();
    await new Promise<void>((resolve, reject) => {
      const child = c.node.spawn('node', ['-e', LOCAL_ONLY]);
      const t = setTimeout(() => reject(new Error('local-only server did not start')), 10_000);
      child.stdout?.once('data', () => {
        clearTimeout(t);
        resolve();
      });
    });
    // The client routes 127.0.0.0/8 to the node, as a neighbour on the node's link could (without
    // its own 127.0.0.1, or it would take the node's answers for martians).
    c.client.exec('ip', ['addr', 'del', '127.0.0.1/8', 'dev', 'lo']);
    c.client.exec('sysctl', ['-qw', 'net.ipv4.conf.all.route_localnet=1']);
    c.client.exec('ip', ['route', 'add', '127.0.0.0/8', 'via', c.nodeIP]);
  }, 60_000);
  afterAll(() => c?.destroy());

  it('sets route_localnet and answers 127.0.0.1:NODEPORT from the node with a pod', () => {
    expect(c.node.exec('sysctl', ['-n', 'net.ipv4.conf.all.route_localnet']).trim()).toBe('1');
    expect(podsOf(probe(c.node, 'tcp', '127.0.0.1', 30080, 30))).toEqual(new Set(['pod1', 'pod2', 'pod3']));
  });

  it('jumps to KUBE-FIREWALL from INPUT and OUTPUT before anything else', () => {
    for (const chain of ['INPUT', 'OUTPUT']) {
      const first = c.node.exec('iptables', ['-w', '-t', 'filter', '-S', chain]).split('\n').find((l) => l.startsWith('-A '));
      expect(first).toContain('-j KUBE-FIREWALL');
    }
  });

  it('drops packets from another host to 127.0.0.0/8 (the localhost-only service stays unreachable)', () => {
    expect(probe(c.node, 'tcp', '127.0.0.1', LOCAL_ONLY_PORT, 1)).toEqual(['local-only']);
    const before = firewallDrops(c.node);
    expect(probe(c.client, 'tcp', '127.0.0.1', LOCAL_ONLY_PORT, 1)).toEqual(['ERR TIMEOUT']);
    expect(firewallDrops(c.node)).toBeGreaterThan(before);
  });
});
