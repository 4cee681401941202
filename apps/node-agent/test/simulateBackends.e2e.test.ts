import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetNs, curl, describeWith, iptablesRestore, netns, nft } from '@svcnet/testkit';
import { addPod, curlIn, digIn, eventually, makeHost, startAgent, type PodNs, type RunningAgent } from './fixtures.js';

// --simulate-backends: the simulated Pods of the agent's node get their address on the agent's
// machine (here: the host namespace the test made) and an echo server saying which Pod answered,
// so curl through a Service or the Ingress reaches them, live, as they come and go (issue 17).

const NODE = '192.168.90.1';
const CLUSTER_IP = '10.96.90.1';
const yaml = (o: unknown) => `---\n${JSON.stringify(o)}\n`;
const manifests = (replicas: number) => [
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 8080 }] }] } } } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: CLUSTER_IP, selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-headless', namespace: 'default' }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 8080 }] } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'default' }, spec: { rules: [{ host: 'web.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } },
].map(yaml).join('');

interface Echo { pod: string; ip: string; port: number; node: string; path: string }
const echo = (text: string | undefined): Echo | undefined => (text ? (JSON.parse(text) as Echo) : undefined);

describeWith('--simulate-backends: simulated Pods answer, saying which one served', [netns, iptablesRestore, nft, curl], () => {
  for (const mode of ['iptables', 'nftables', 'userspace'] as const) {
    describe(`${mode} mode`, () => {
      let host: NetNs;
      let client: PodNs;
      let dir: string;
      let agent: RunningAgent | undefined;

      beforeAll(async () => {
        dir = mkdtempSync(join(tmpdir(), 'svcnet-simbe-'));
        host = makeHost();
        host.exec('ip', ['addr', 'add', `${NODE}/32`, 'dev', 'lo']);
        host.exec('ip', ['addr', 'add', `${CLUSTER_IP}/32`, 'dev', 'lo']);
        // A real pod as the client: its traffic to the ClusterIP goes through the host.
        client = addPod(host, 'client', '10.250.0.1', '10.250.0.10');
        writeFileSync(join(dir, 'web.yaml'), manifests(3));
        agent = startAgent(host, [
          '-f', dir, '--simulate-backends', '--hostname-override', 'node-1', '--node-ip', NODE, '--proxy-mode', mode, '--iptables-min-sync-period', '50ms',
          '--healthz-bind-address', `${NODE}:10256`, '--metrics-bind-address', `${NODE}:10249`, '--ingress-http-listen', `${NODE}:80`,
          '--dns-listen', `${NODE}:53`, '--dns-upstream', 'none', '--service-cluster-ip-range', '10.96.0.0/12',
        ]);
        await eventually('agent ready', () => (curlIn(host, `http://${NODE}:10256/readyz`) ? true : undefined), 60_000).catch((e: Error) => {
          throw new Error(`${e.message}\n${agent?.logs()}`);
        });
      }, 90_000);

      afterAll(() => {
        agent?.child.kill('SIGKILL');
        for (const ns of [client?.ns, host]) ns?.destroy();
        rmSync(dir, { recursive: true, force: true });
      });

      /** Which Pods answer `n` requests (each answer checked against the Pod's own address). */
      async function answering(n: number, get: () => string | undefined): Promise<Set<string>> {
        const seen = new Set<string>();
        for (let i = 0; i < n; i++) {
          const e = echo(await eventually('an answer', get));
          expect(e?.port).toBe(8080);
          expect(e?.node).toBe('node-1');
          seen.add(`${e!.pod} ${e!.ip}`);
        }
        return seen;
      }

      it('answers through the ClusterIP (from a pod and from the node) and the Ingress, from every ready Pod', async () => {
        const pods = await eventually('three ready Pods in DNS', () => {
          const a = digIn(host, NODE, 'web-headless.default.svc.cluster.local');
          return a && a.split('\n').length === 3 ? a.split('\n').sort() : undefined;
        });
        const byIP = (seen: Set<string>) => [...seen].map((s) => s.split(' ')[1]).sort();
        let seen = new Set<string>();
        for (let round = 0; round < 10 && seen.size < 3; round++) for (const s of await answering(15, () => curlIn(client.ns, `http://${CLUSTER_IP}/x`))) seen.add(s);
        expect(byIP(seen)).toEqual(pods);
        for (const s of seen) expect(s).toMatch(/^default\/web-[a-z0-9]+-[a-z0-9]{5} 10\.244\./);
        seen = new Set();
        for (let round = 0; round < 10 && seen.size < 3; round++) for (const s of await answering(15, () => curlIn(host, `http://${NODE}/i`, ['Host: web.example']))) seen.add(s);
        expect(byIP(seen)).toEqual(pods);
        const status = JSON.parse(curlIn(host, `http://${NODE}:10249/status`)!) as { withheldEndpoints: { simulated: number }; simulatedBackends: { pods: number } };
        expect(status.withheldEndpoints.simulated).toBe(0);
        expect(status.simulatedBackends.pods).toBe(3);
      });

      it('follows the Pods: scaled to one, only that one answers', async () => {
        writeFileSync(join(dir, 'web.yaml'), manifests(1));
        const left = await eventually('one Pod in DNS', () => {
          const a = digIn(host, NODE, 'web-headless.default.svc.cluster.local');
          return a && a.split('\n').length === 1 ? a : undefined;
        });
        await eventually('only the remaining Pod answers', async () => {
          const seen = await answering(10, () => curlIn(client.ns, `http://${CLUSTER_IP}/y`));
          return seen.size === 1 && [...seen][0]!.endsWith(` ${left}`) ? true : undefined;
        });
        expect([...(await answering(6, () => curlIn(host, `http://${NODE}/j`, ['Host: web.example'])))].map((s) => s.split(' ')[1])).toEqual([left]);
      });
    });
  }
});
