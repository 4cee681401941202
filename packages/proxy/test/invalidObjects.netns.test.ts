import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@svcnet/model';
import { describeWith, iptablesRestore, netns, nft } from '@svcnet/testkit';
import { proxyOptions } from '../src/core/proxyOptions.js';
import { netnsExec } from '../src/engine/exec.js';
import { proxyMetrics, type ProxyMetrics } from '../src/engine/metrics.js';
import { createIPTablesProxier } from '../src/iptables/iptablesBackend.js';
import { createNFTablesProxier } from '../src/nftables/nftablesBackend.js';
import type { Cluster } from './dataPlane.js';
import { makeCluster, podsOf, probe, scenarioObjects } from './dataPlane.js';
import { makeService, makeSlice } from './fixtures.js';

// Objects that reach the proxier without the API server's validation (a raw write into a shared
// Redis, a trusted mirror): each is skipped and reported, no rule carries its values, and every
// other Service keeps working. Issue 22, findings 1, 2 and 6.

const MODES = [
  { name: 'iptables', prefix: 'ivi', needs: [netns, iptablesRestore], create: createIPTablesProxier, dump: ['iptables-save'] },
  { name: 'nftables', prefix: 'ivn', needs: [netns, nft], create: createNFTablesProxier, dump: ['nft', 'list', 'ruleset'] },
] as const;

const port80 = (s: Parameters<Parameters<typeof makeService>[2]>[0]) => (s.spec.ports = [{ name: 'http', port: 80, targetPort: 9376, protocol: 'TCP' }]);
const sliceTo = (namespace: string, service: string, n: number, ip: string, targetPort = 9376): EndpointSlice =>
  makeSlice(namespace, service, n, (e) => {
    e.endpoints = [{ addresses: [ip], conditions: { ready: true } }];
    e.ports = [{ name: 'http', port: targetPort, protocol: 'TCP' }];
  });

for (const mode of MODES) {
  describeWith(`${mode.name} mode skips and reports objects whose values cannot go into rules`, mode.needs, () => {
    let c: Cluster;
    let proxier: ReturnType<(typeof mode)['create']>['proxier'];
    let metrics: ProxyMetrics;
    const rules = () => c.node.exec(mode.dump[0], mode.dump.slice(1));
    const add = async (services: Service[], slices: EndpointSlice[]) => {
      for (const s of services) proxier.onServiceUpdate(s);
      for (const s of slices) proxier.onEndpointSliceUpdate(s);
      await proxier.syncProxyRules();
    };
    const reported = () => proxier.invalidObjects().map((o) => `${o.kind} ${JSON.stringify(o.key)} ${o.reason}`);
    const goodServiceStillWorks = () => expect(podsOf(probe(c.client, 'tcp', '10.96.0.10', 80, 30))).toEqual(new Set(['pod1', 'pod2', 'pod3']));

    beforeAll(async () => {
      c = await makeCluster(mode.prefix);
      const objs = scenarioObjects(c.nodeName);
      metrics = proxyMetrics();
      const options = proxyOptions({ nodeName: c.nodeName, nodeIPs: [c.nodeIP], clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: ['10.96.0.0/16'] });
      ({ proxier } = mode.create('IPv4', options, { exec: netnsExec(c.node.name), metrics }));
      await add(objs.services, objs.slices);
    }, 60_000);
    afterAll(() => c?.destroy());

    it('a LoadBalancer Service with status IPs 169.254.169.254, 127.0.0.1 and "10.1.2.3\\n": no rule for them, the rest applied, reported', async () => {
      const evil = makeService('default', 'evil', (s) => {
        s.spec.type = 'LoadBalancer';
        s.spec.clusterIP = '10.96.0.30';
        s.spec.ports = [{ name: 'http', port: 80, targetPort: 9376, protocol: 'TCP', nodePort: 30090 }];
        s.status = { loadBalancer: { ingress: [{ ip: '169.254.169.254' }, { ip: '127.0.0.1' }, { ip: '10.1.2.3\n' }] } };
      });
      await add([evil], [sliceTo('default', 'evil', 1, '10.244.1.2')]);
      const text = rules();
      for (const bad of ['169.254.169.254', '10.1.2.3', '10.96.0.30']) expect(text).not.toContain(bad);
      goodServiceStillWorks();
      expect(reported()).toContain('Service "default/evil" forbidden_address');
      expect(proxier.invalidObjects().find((o) => o.key === 'default/evil')?.message).toBe(
        'Service "default/evil" is invalid: status.loadBalancer.ingress[0].ip: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
      );
      expect(await metrics.registry.getSingleMetricAsString('svcnet_proxy_invalid_objects')).toContain('svcnet_proxy_invalid_objects{kind="Service",reason="forbidden_address",ip_family="IPv4"} 1');
    });

    it('a ClusterIP Service with status IP 169.254.169.254 and an endpoint: traffic to 169.254.169.254 is not DNATed', async () => {
      const meta = makeService('default', 'meta', (s) => {
        s.spec.clusterIP = '10.96.0.31';
        port80(s);
        s.status = { loadBalancer: { ingress: [{ ip: '169.254.169.254' }] } };
      });
      // pod1 stands for the attacker's server.
      await add([meta], [sliceTo('default', 'meta', 1, '10.244.1.2')]);
      expect(rules()).not.toContain('169.254.169.254');
      for (const from of [c.client, c.node]) expect(probe(from, 'tcp', '169.254.169.254', 80, 1)[0]).toMatch(/^ERR /);
      // The status is ignored, not the Service: its ClusterIP is served (as kube-proxy does).
      expect(podsOf(probe(c.client, 'tcp', '10.96.0.31', 80, 3))).toEqual(new Set(['pod1']));
      expect(reported().some((r) => r.includes('default/meta'))).toBe(false);
    });

    it('an EndpointSlice with address 127.0.0.1: no DNAT to 127.0.0.1, the Service\'s other slice still served, reported', async () => {
      const loop = makeService('default', 'loop', (s) => {
        s.spec.clusterIP = '10.96.0.32';
        port80(s);
      });
      await add([loop], [sliceTo('default', 'loop', 1, '127.0.0.1', 10249), sliceTo('default', 'loop', 2, '10.244.2.2')]);
      const text = rules();
      expect(text).not.toMatch(/DNAT --to-destination 127\.|dnat to 127\./);
      expect(podsOf(probe(c.client, 'tcp', '10.96.0.32', 80, 6))).toEqual(new Set(['pod2']));
      expect(reported()).toContain('EndpointSlice "default/loop-1" forbidden_address');
    });

    it('a namespace or name with a quote or a newline: no injected rule line, the other rules applied, reported', async () => {
      const INJECTED = '-A KUBE-SERVICES -j ACCEPT';
      const quoted = makeService('a"b', 'web', (s) => {
        s.spec.clusterIP = '10.96.0.33';
        port80(s);
      });
      const newline = makeService('default', `x\n${INJECTED}\n`, (s) => {
        s.spec.clusterIP = '10.96.0.34';
        port80(s);
      });
      await add([quoted, newline], [sliceTo('a"b', 'web', 1, '10.244.3.2'), sliceTo('default', `x\n${INJECTED}\n`, 1, '10.244.3.2')]);
      const text = rules();
      expect(text).not.toContain('a"b');
      expect(text).not.toContain('10.96.0.33');
      expect(text).not.toContain('10.96.0.34');
      expect(text.split('\n').filter((l) => l.trim() === INJECTED)).toEqual([]);
      goodServiceStillWorks();
      expect(reported()).toEqual(expect.arrayContaining([
        'Service "a\\"b/web" invalid_name',
        `Service ${JSON.stringify(`default/x\n${INJECTED}\n`)} invalid_name`,
        'EndpointSlice "a\\"b/web-1" invalid_name',
        `EndpointSlice ${JSON.stringify(`default/x\n${INJECTED}\n-1`)} invalid_name`,
      ]));
    });
  });
}
