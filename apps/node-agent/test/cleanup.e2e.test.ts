import { afterEach, expect, it } from 'vitest';
import { createIPTablesProxier, netnsExec, proxyMetrics, proxyOptions } from '@svcnet/proxy';
import { NetNs, binary, describeWith, iptablesRestore, netns } from '@svcnet/testkit';
import { AddressAnnouncer } from '../src/controllers/addressAnnouncer.js';
import { startAgent } from './fixtures.js';

// `svcnet-agent --cleanup` removes what the agent created and nothing that merely looks alike:
// issue 22, finding 6. Everything happens in a namespace the test makes; the agent runs there.

const POOL = '10.99.0.0/24';
const silent = { info: () => undefined, warn: () => undefined };
const ipset = binary('ipset', 'ipset');

let ns: NetNs | undefined;
afterEach(() => {
  ns?.destroy();
  ns = undefined;
});

const addresses = (n: NetNs) => n.exec('ip', ['addr', 'show', 'dev', 'lo']);

async function cleanup(n: NetNs): Promise<void> {
  const agent = startAgent(n, ['--cleanup', '--loadbalancer-pool', POOL, '--log-level', 'warn']);
  const code = await agent.exited;
  expect(code, agent.logs()).toBe(0);
}

describeWith('--cleanup removes only what the agent created', [netns, iptablesRestore, ipset], () => {
  it('removes the LoadBalancer addresses it announced and leaves foreign host addresses inside the pool', async () => {
    const n = (ns = NetNs.create('svcl'));
    await new AddressAnnouncer(netnsExec(n.name), 'lo', silent).announce(['10.99.0.10', 'fd00:99::10']);
    n.exec('ip', ['addr', 'add', '10.99.0.11/32', 'dev', 'lo']);
    n.exec('ip', ['addr', 'add', 'fd00:99::11/128', 'dev', 'lo']);
    expect(addresses(n)).toContain('10.99.0.10/32');

    await cleanup(n);

    const left = addresses(n);
    expect(left).toContain('10.99.0.11/32');
    expect(left).toContain('fd00:99::11/128');
    expect(left).not.toContain('10.99.0.10/32');
    expect(left).not.toContain('fd00:99::10/128');
  }, 60_000);

  it('destroys the IPVS ipsets by name and leaves a foreign KUBE-* ipset', async () => {
    const n = (ns = NetNs.create('svcl'));
    n.exec('ipset', ['create', 'KUBE-CLUSTER-IP', 'hash:ip,port']);
    n.exec('ipset', ['create', 'KUBE-FOREIGN', 'hash:ip']);

    await cleanup(n);

    expect(n.exec('ipset', ['list', '-n']).split('\n').filter(Boolean)).toEqual(['KUBE-FOREIGN']);
  }, 60_000);

  it('leaves kubelet\'s KUBE-FIREWALL (and its jump) alone, and still succeeds', async () => {
    const n = (ns = NetNs.create('svcl'));
    n.exec('iptables', ['-w', '-N', 'KUBE-FIREWALL']);
    n.exec('iptables', ['-w', '-A', 'KUBE-FIREWALL', '-d', '127.0.0.0/8', '!', '-s', '127.0.0.0/8', '-j', 'DROP']);
    n.exec('iptables', ['-w', '-I', 'INPUT', '-j', 'KUBE-FIREWALL']);

    await cleanup(n);

    expect(n.exec('iptables', ['-w', '-S', 'INPUT'])).toContain('-A INPUT -j KUBE-FIREWALL');
    expect(n.exec('iptables', ['-w', '-S', 'KUBE-FIREWALL'])).toContain('-j DROP');
  }, 60_000);

  it('undoes --localhost-nodeports: its KUBE-FIREWALL jumps and chain go, and route_localnet is off again', async () => {
    const n = (ns = NetNs.create('svcl'));
    const options = proxyOptions({ nodeName: 'n1', nodeIPs: ['192.0.2.1'], clusterCIDRs: ['10.244.0.0/16'], localhostNodePorts: true });
    const { proxier } = createIPTablesProxier('IPv4', options, { exec: netnsExec(n.name), metrics: proxyMetrics() });
    await proxier.syncProxyRules();
    expect(n.exec('sysctl', ['-n', 'net.ipv4.conf.all.route_localnet']).trim()).toBe('1');
    expect(n.exec('iptables', ['-w', '-S', 'INPUT'])).toContain('-j KUBE-FIREWALL');

    await cleanup(n);

    expect(n.exec('iptables-save', ['-t', 'filter'])).not.toContain('KUBE-');
    expect(n.exec('iptables-save', ['-t', 'nat'])).not.toContain('KUBE-');
    expect(n.exec('sysctl', ['-n', 'net.ipv4.conf.all.route_localnet']).trim()).toBe('0');
  }, 60_000);
});
