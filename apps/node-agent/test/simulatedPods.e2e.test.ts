import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetNs, curl, describeWith, iptablesRestore, netns, nft } from '@svcnet/testkit';
import { addPod, curlIn, digIn, eventually, makeHost, manifestPod, startAgent, type PodNs, type RunningAgent } from './fixtures.js';

// Simulated Pods (the workload simulator's Deployment Pods) have no process behind them and their
// addresses exist on no machine: no data plane sends them a packet (issue 17). One real pod in a
// namespace shares a Service with two simulated ones; a second Service has only simulated Pods.

const NODE = '192.168.80.1';
const yaml = (o: unknown) => `---\n${JSON.stringify(o)}\n`;
const deployment = (name: string, replicas: number, labels: Record<string, string>) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' },
  spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 8080 }] }] } } },
});
const svc = (name: string, selector: Record<string, string>, clusterIP: string) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { clusterIP, selector, ports: [{ port: 80, targetPort: 8080 }] },
});
const ingressTo = (host: string, service: string) => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: service, namespace: 'default' },
  spec: { rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] } }] },
});

/** curl -i, the whole answer (status line, headers, body), or undefined. */
function curlAnswer(ns: NetNs, url: string, headers: string[] = []): string | undefined {
  try {
    return ns.exec('curl', ['-sS', '-i', '--max-time', '2', ...headers.flatMap((h) => ['-H', h]), url]);
  } catch {
    return undefined;
  }
}

describeWith('simulated Pods get no packets, in every mode', [netns, iptablesRestore, nft, curl], () => {
  for (const mode of ['iptables', 'nftables', 'userspace'] as const) {
    describe(`${mode} mode`, () => {
      let host: NetNs;
      let real: PodNs;
      let dir: string;
      let agent: RunningAgent | undefined;
      let simulatedIPs: string[] = [];

      beforeAll(async () => {
        dir = mkdtempSync(join(tmpdir(), 'svcnet-sim-'));
        host = makeHost();
        real = addPod(host, 'real', '10.244.200.1', '10.244.200.10');
        host.exec('ip', ['addr', 'add', `${NODE}/32`, 'dev', 'lo']);
        host.exec('ip', ['addr', 'add', '10.96.80.1/32', 'dev', 'lo']);
        host.exec('ip', ['addr', 'add', '10.96.80.2/32', 'dev', 'lo']);
        writeFileSync(join(dir, 'app.yaml'), [
          manifestPod('real', 'node-1', real.ip, { app: 'mixed' }),
          deployment('mixed', 2, { app: 'mixed' }),
          deployment('ghosts', 2, { app: 'ghosts' }),
          svc('mixed', { app: 'mixed' }, '10.96.80.1'),
          svc('ghosts', { app: 'ghosts' }, '10.96.80.2'),
          // A headless Service over the simulated Pods, to read their addresses from DNS.
          { ...svc('ghosts-headless', { app: 'ghosts' }, 'None') },
          ingressTo('mixed.example', 'mixed'),
          ingressTo('ghosts.example', 'ghosts'),
        ].map(yaml).join(''));
        agent = startAgent(host, [
          '-f', dir, '--hostname-override', 'node-1', '--node-ip', NODE, '--proxy-mode', mode, '--iptables-min-sync-period', '50ms',
          '--healthz-bind-address', `${NODE}:10256`, '--metrics-bind-address', `${NODE}:10249`, '--ingress-http-listen', `${NODE}:80`,
          '--dns-listen', `${NODE}:53`, '--dns-upstream', 'none', '--service-cluster-ip-range', '10.96.0.0/12',
        ]);
        await eventually('agent ready', () => (curlIn(host, `http://${NODE}:10256/readyz`) ? true : undefined), 60_000).catch((e: Error) => {
          throw new Error(`${e.message}\n${agent?.logs()}`);
        });
        const ips = await eventually('two ready simulated Pods in DNS', () => {
          const a = digIn(host, NODE, 'ghosts-headless.default.svc.cluster.local');
          return a && a.split('\n').length === 2 ? a.split('\n') : undefined;
        });
        simulatedIPs = ips;
        // The mixed Service's real pod is programmed (and, with it, whatever else the proxy takes).
        await eventually('the real pod through the ClusterIP', () => curlIn(host, 'http://10.96.80.1/warm'));
      }, 90_000);

      afterAll(() => {
        agent?.child.kill('SIGKILL');
        for (const ns of [real?.ns, host]) ns?.destroy();
        rmSync(dir, { recursive: true, force: true });
      });

      it('programs no rule that sends a packet to a simulated Pod', async () => {
        // Both simulated Deployments are up (4 Pods) and left out: /status says so.
        await eventually('simulated endpoints withheld', () => {
          const s = JSON.parse(curlIn(host, `http://${NODE}:10249/status`) ?? '{}') as { withheldEndpoints?: { simulated: number } };
          return (s.withheldEndpoints?.simulated ?? 0) >= 4 ? true : undefined;
        }, 10_000).catch(() => undefined);
        expect(simulatedIPs.every((ip) => ip.startsWith('10.244.'))).toBe(true);
        const rules = mode === 'iptables' ? host.exec('iptables-save', []) : mode === 'nftables' ? host.exec('nft', ['list', 'ruleset']) : '';
        if (mode !== 'userspace') expect(rules).toContain(real.ip);
        for (const ip of simulatedIPs) expect(rules).not.toContain(ip);
      });

      it('sends every connection to the Service the real pod shares with simulated ones to the real pod', async () => {
        for (let i = 0; i < 12; i++) expect(await eventually('mixed ClusterIP', () => curlIn(host, 'http://10.96.80.1/x'))).toBe('real /x');
        for (let i = 0; i < 6; i++) expect(await eventually('mixed ingress', () => curlIn(host, `http://${NODE}/i`, ['Host: mixed.example']))).toBe('real /i');
      });

      it('refuses connections to a Service with only simulated Pods; the ingress says they are simulated', () => {
        expect(curlIn(host, 'http://10.96.80.2/')).toBeUndefined();
        const answer = curlAnswer(host, `http://${NODE}/`, ['Host: ghosts.example']);
        expect(answer).toMatch(/^HTTP\/1\.1 503 /);
        expect(answer).toContain('Service "default/ghosts" port 80: its 2 endpoints are simulated Pods');
      });
    });
  }
});
