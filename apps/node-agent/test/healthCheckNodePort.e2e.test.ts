import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetNs, curl, describeWith, iptablesRestore, netns, nft } from '@svcnet/testkit';
import { addPod, eventually, makeHost, manifestPod, startAgent, type PodNs, type RunningAgent } from './fixtures.js';

// kube-proxy serves each healthCheckNodePort (LoadBalancer Services with externalTrafficPolicy
// Local): 200 with `localEndpoints: N` while this node has N local ready endpoints, 503 with 0.
// Cloud and MetalLB-style load balancers probe it to skip nodes without endpoints (issue 17, item
// 7). A real pod in a namespace behind a host namespace where the agent runs, in both kernel modes.

const NODE = '192.168.70.1';
const yaml = (o: unknown) => `---\n${JSON.stringify(o)}\n`;
const localLB = (name: string, healthCheckNodePort: number, selector?: Record<string, string>) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' },
  spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort, ...(selector ? { selector } : {}), ports: [{ port: 80, targetPort: 8080 }] },
});

interface Answer { status: number; body: { service: { namespace: string; name: string }; localEndpoints: number; serviceProxyHealthy: boolean } }

/** curl -w: the status and the JSON body of a health check node port, or undefined. */
function probe(ns: NetNs, port: number): Answer | undefined {
  try {
    const out = ns.exec('curl', ['-sS', '--max-time', '2', '-w', '\n%{http_code}', `http://${NODE}:${port}/`]);
    const i = out.lastIndexOf('\n');
    return { status: Number(out.slice(i + 1)), body: JSON.parse(out.slice(0, i)) as Answer['body'] };
  } catch {
    return undefined;
  }
}

describeWith('healthCheckNodePort is served as kube-proxy serves it', [netns, iptablesRestore, nft, curl], () => {
  for (const mode of ['iptables', 'nftables'] as const) {
    describe(`${mode} mode`, () => {
      let host: NetNs;
      let pod: PodNs;
      let dir: string;
      let agent: RunningAgent | undefined;

      beforeAll(async () => {
        dir = mkdtempSync(join(tmpdir(), 'svcnet-hc-'));
        host = makeHost();
        pod = addPod(host, 'web-a', '10.244.0.1', '10.244.0.10');
        host.exec('ip', ['addr', 'add', `${NODE}/32`, 'dev', 'lo']);
        writeFileSync(join(dir, 'pods.yaml'), yaml(manifestPod('web-a', 'node-1', pod.ip, { app: 'web' })));
        // One Service with a local endpoint (the pod), one whose selector matches nothing here.
        writeFileSync(join(dir, 'services.yaml'), yaml(localLB('web', 32081, { app: 'web' })) + yaml(localLB('elsewhere', 32082, { app: 'none' })));
        agent = startAgent(host, [
          '-f', dir, '--hostname-override', 'node-1', '--node-ip', NODE, '--proxy-mode', mode, '--iptables-min-sync-period', '50ms',
          '--healthz-bind-address', `${NODE}:10256`, '--metrics-bind-address', '',
        ]);
      }, 60_000);

      afterAll(() => {
        agent?.child.kill('SIGKILL');
        for (const ns of [pod?.ns, host]) ns?.destroy();
        rmSync(dir, { recursive: true, force: true });
      });

      it('answers 200 with localEndpoints: 1 for a Service with a local ready endpoint, 503 with 0 for one without', async () => {
        const web = await eventually('200 from the web health check port', () => {
          const a = probe(host, 32081);
          return a?.status === 200 ? a : undefined;
        }, 60_000).catch((e: Error) => {
          throw new Error(`${e.message}\n${agent?.logs()}`);
        });
        expect(web.body).toEqual({ service: { namespace: 'default', name: 'web' }, localEndpoints: 1, serviceProxyHealthy: true });
        const elsewhere = await eventually('an answer from the other health check port', () => probe(host, 32082));
        expect(elsewhere).toEqual({ status: 503, body: { service: { namespace: 'default', name: 'elsewhere' }, localEndpoints: 0, serviceProxyHealthy: true } });
      });

      it('follows the endpoints: 503 with localEndpoints: 0 once the local pod is gone', async () => {
        writeFileSync(join(dir, 'pods.yaml'), '');
        const gone = await eventually('503 from the web health check port', () => {
          const a = probe(host, 32081);
          return a?.status === 503 ? a : undefined;
        });
        expect(gone.body).toMatchObject({ localEndpoints: 0, serviceProxyHealthy: true });
      });

      it('closes the port when the Service no longer asks for it', async () => {
        writeFileSync(join(dir, 'services.yaml'), yaml(localLB('web', 32081, { app: 'web' })));
        await eventually('32082 closed', () => (probe(host, 32082) === undefined ? true : undefined));
        expect(probe(host, 32081)?.status).toBe(503);
      });
    });
  }
});
