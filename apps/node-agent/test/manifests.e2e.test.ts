import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NetNs, describeWith, dig, iptablesRestore, netns } from '@svcnet/testkit';
import { addPod, curlIn, digIn, eventually, makeHost, manifestPod, startAgent, type PodNs, type RunningAgent } from './fixtures.js';

const NODE = '192.168.50.1';

const yaml = (o: unknown) => `${JSON.stringify(o)}\n---\n`;

/** The seed's nginx Service (ClusterIP) plus a NodePort one and an Ingress, over two real pods. */
function manifests(podA: PodNs, podB: PodNs): string {
  return [
    manifestPod('nginx-a', 'node-1', podA.ip, { run: 'nginx' }),
    manifestPod('nginx-b', 'node-1', podB.ip, { run: 'nginx' }),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx', namespace: 'default', labels: { run: 'nginx' } }, spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], selector: { run: 'nginx' }, sessionAffinity: 'None', type: 'ClusterIP' } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx-np', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }], selector: { run: 'nginx' } } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'default' }, spec: { rules: [{ host: 'web.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'nginx', port: { number: 80 } } } }] } }] } },
  ].map(yaml).join('');
}

const DEPLOYMENT = yaml({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'sim', namespace: 'default' },
  spec: { replicas: 2, selector: { matchLabels: { app: 'sim' } }, template: { metadata: { labels: { app: 'sim' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
}) + yaml({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'sim', namespace: 'default' }, spec: { clusterIP: 'None', selector: { app: 'sim' }, ports: [{ port: 80 }] } });

describeWith('one host, manifests and the memory store: svcnet-agent end to end', [netns, iptablesRestore, dig], () => {
  let host: NetNs;
  let podA: PodNs;
  let podB: PodNs;
  let dir: string;
  let agent: RunningAgent | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'svcnet-agent-'));
    host = makeHost();
    podA = addPod(host, 'nginx-a', '10.244.0.1', '10.244.0.10');
    podB = addPod(host, 'nginx-b', '10.244.9.1', '10.244.9.10');
    writeFileSync(join(dir, 'app.yaml'), manifests(podA, podB));
    // The node's own address (this kernel has no dummy interfaces: loopback holds it).
    host.exec('ip', ['addr', 'add', `${NODE}/32`, 'dev', 'lo']);
    agent = startAgent(host, [
      '-f', dir, '--hostname-override', 'node-1', '--node-ip', NODE, '--proxy-mode', 'iptables',
      '--iptables-min-sync-period', '50ms', '--healthz-bind-address', `${NODE}:10256`, '--metrics-bind-address', `${NODE}:10249`,
      '--dns-listen', `${NODE}:53`, '--dns-upstream', 'none', '--ingress-http-listen', `${NODE}:80`,
      '--dns-allow', `10.244.0.0/16,${NODE}`,
    ]);
    await eventually('agent ready', () => (curlIn(host, `http://${NODE}:10256/readyz`) ? true : undefined), 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${agent?.logs()}`);
    });
  }, 90_000);

  afterAll(() => {
    agent?.child.kill('SIGKILL');
    for (const ns of [podA?.ns, podB?.ns, host]) ns?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the manifests: ClusterIP from a pod, NodePort, DNS and ingress', async () => {
    const ip = await eventually('DNS A record', () => digIn(host, NODE, 'nginx.default.svc.cluster.local'));
    const seen = new Set<string>();
    for (let i = 0; i < 30 && seen.size < 2; i++) {
      const out = await eventually('ClusterIP from a pod', () => curlIn(podA.ns, `http://${ip}/`));
      seen.add(out.split(' ')[0]!);
    }
    expect([...seen].sort()).toEqual(['nginx-a', 'nginx-b']);
    expect(await eventually('NodePort', () => curlIn(host, `http://${NODE}:30080/np`))).toMatch(/^nginx-[ab] \/np$/);
    expect(await eventually('ingress', () => curlIn(host, `http://${NODE}/i`, ['Host: web.example']))).toMatch(/^nginx-[ab] \/i$/);
  });

  it('DNS answers the pods and the node, and refuses any other client (--dns-allow)', async () => {
    const name = 'nginx.default.svc.cluster.local';
    await eventually('DNS A record', () => digIn(host, NODE, name));
    expect(await eventually('an answer for a pod', () => digIn(podA.ns, NODE, name))).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // A client outside both networks: another address on the host, as the source.
    host.exec('ip', ['addr', 'add', '192.168.51.7/32', 'dev', 'lo']);
    for (const transport of ['+notcp', '+tcp']) {
      const out = host.exec('dig', [transport, '+time=2', '+tries=1', '-b', '192.168.51.7', `@${NODE}`, name]);
      expect(out).toContain('status: REFUSED');
      expect(out).not.toMatch(/ANSWER SECTION/);
    }
  });

  it('re-applies changed manifests: a simulated Deployment behind a headless Service appears in DNS', async () => {
    writeFileSync(join(dir, 'sim.yaml'), DEPLOYMENT);
    const answer = await eventually('headless records for simulated pods', () => {
      const a = digIn(host, NODE, 'sim.default.svc.cluster.local');
      return a && a.split('\n').length === 2 ? a : undefined;
    }, 20_000);
    for (const ip of answer.split('\n')) expect(ip).toMatch(/^10\.244\./);
  });

  it('SIGTERM leaves the rules in place; --cleanup removes them and exits 0', async () => {
    agent!.child.kill('SIGTERM');
    expect(await agent!.exited).toBe(0);
    expect(host.exec('iptables-save', ['-t', 'nat'])).toContain('KUBE-SERVICES');
    const cleanup = startAgent(host, ['--cleanup']);
    expect(await cleanup.exited).toBe(0);
    expect(host.exec('iptables-save', ['-t', 'nat'])).not.toContain('KUBE-');
    expect(host.exec('iptables-save', ['-t', 'filter'])).not.toContain('KUBE-');
  });
});
