// NodePorts answer only on --nodeport-addresses, and never on 127.0.0.1 unless localhostNodePorts
// is enabled (the CVE-2020-8558 lesson): real rules in a network namespace, probed with curl.
import { createIPTablesProxier, createNFTablesProxier, netnsExec, proxyOptions, type ProxyOptions } from '@svcnet/proxy';
import { NetNs, curl, describeWith, iptablesRestore, netns, nft } from '@svcnet/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../support/objects.js';
import { slice } from '../support/proxyObjects.js';
import type { Service } from '@svcnet/model';

const NODEPORT = 30080;
const SVC: Service = {
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'np', namespace: 'default', resourceVersion: '1' },
  spec: { type: 'NodePort', clusterIP: '10.96.5.5', clusterIPs: ['10.96.5.5'], selector: { app: 'np' }, ports: [{ name: 'p', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: NODEPORT }] },
};
const ADDRS = { allowed: '10.1.0.1', other: '10.2.0.1', backend: '10.244.0.5' };

const MODES = [
  { mode: 'iptables', needs: [iptablesRestore], create: (o: ProxyOptions, ns: string) => createIPTablesProxier('IPv4', o, { exec: netnsExec(ns) }).proxier },
  { mode: 'nftables', needs: [nft], create: (o: ProxyOptions, ns: string) => createNFTablesProxier('IPv4', o, { exec: netnsExec(ns) }).proxier },
] as const;

type Case = { name: string; nodePortAddresses: string[]; reachable: string[]; unreachable: string[] };
const CASES: Record<(typeof MODES)[number]['mode'], Case[]> = {
  iptables: [
    { name: '--nodeport-addresses 10.1.0.0/24', nodePortAddresses: ['10.1.0.0/24'], reachable: [ADDRS.allowed], unreachable: [ADDRS.other, '127.0.0.1'] },
    { name: 'no --nodeport-addresses (every address but localhost)', nodePortAddresses: [], reachable: [ADDRS.allowed, ADDRS.other], unreachable: ['127.0.0.1'] },
  ],
  nftables: [
    { name: '--nodeport-addresses 10.1.0.0/24', nodePortAddresses: ['10.1.0.0/24'], reachable: [ADDRS.allowed], unreachable: [ADDRS.other, '127.0.0.1'] },
    // Upstream nftables mode defaults to the node's primary IPs (KEP-3866), not every address.
    { name: 'no --nodeport-addresses (the primary node IP only)', nodePortAddresses: [], reachable: [ADDRS.allowed], unreachable: [ADDRS.other, '127.0.0.1'] },
    { name: '--nodeport-addresses 0.0.0.0/0 (every address but localhost)', nodePortAddresses: ['0.0.0.0/0'], reachable: [ADDRS.allowed, ADDRS.other], unreachable: ['127.0.0.1'] },
  ],
};

for (const m of MODES) {
  for (const c of CASES[m.mode]) {
    describeWith(`${m.mode}: NodePorts with ${c.name}`, [netns, curl, ...m.needs], () => {
      let ns: NetNs;
      beforeAll(async () => {
        ns = NetNs.create(`svn${m.mode[0]}`);
        // Local addresses on lo (this kernel has no dummy links): traffic to them stays in the node.
        for (const a of [ADDRS.allowed, ADDRS.other, ADDRS.backend]) ns.exec('ip', ['addr', 'add', `${a}/32`, 'dev', 'lo']);
        ns.exec('ip', ['route', 'add', '10.96.0.0/16', 'dev', 'lo']);
        ns.spawn(process.execPath, ['-e', `require('http').createServer((q, s) => s.end('backend')).listen(8080, '${ADDRS.backend}')`]);
        const up = await eventually(() => {
          try {
            return ns.exec('curl', ['-s', '--max-time', '1', `http://${ADDRS.backend}:8080/`]) === 'backend';
          } catch {
            return false;
          }
        }, 10_000, 100);
        if (!up) throw new Error('backend did not start in the namespace');
        const options = proxyOptions({
          nodeName: 'node-a', nodeIPs: [ADDRS.allowed], nodePortAddresses: c.nodePortAddresses,
          nodeAddresses: [ADDRS.allowed, ADDRS.other, ADDRS.backend, '127.0.0.1'], serviceCIDRs: ['10.96.0.0/16'],
        });
        expect(options.localhostNodePorts).toBe(false);
        const proxier = m.create(options, ns.name);
        proxier.onServiceUpdate(SVC);
        proxier.onEndpointSliceUpdate(slice('np', [ADDRS.backend], 8080));
        await proxier.syncProxyRules();
      });
      afterAll(() => ns?.destroy());

      const probe = (addr: string) => {
        try {
          return ns.exec('curl', ['-s', '--max-time', '1', `http://${addr}:${NODEPORT}/`]);
        } catch {
          return 'unreachable';
        }
      };
      it.each(c.reachable)('answers on %s', (addr) => expect(probe(addr)).toBe('backend'));
      it.each(c.unreachable)('does not answer on %s', (addr) => expect(probe(addr)).toBe('unreachable'));
      it('the ClusterIP still answers', () => expect(ns.exec('curl', ['-s', '--max-time', '1', 'http://10.96.5.5/'])).toBe('backend'));
    });
  }
}
