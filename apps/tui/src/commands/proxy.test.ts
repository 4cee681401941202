import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { renderProxyCommand } from './render.js';

const MANIFEST = `
apiVersion: v1
kind: Service
metadata: { name: hostnames, namespace: default }
spec:
  clusterIP: 10.0.1.175
  selector: { app: hostnames }
  ports: [{ name: default, protocol: TCP, port: 80, targetPort: 9376 }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: hostnames-abc, namespace: default, labels: { kubernetes.io/service-name: hostnames } }
addressType: IPv4
ports: [{ name: default, port: 9376, protocol: TCP }]
endpoints:
  - addresses: [10.244.1.7]
  - addresses: [10.244.2.3]
  - addresses: [10.244.3.6]
`;

async function run(args: string[]): Promise<{ out: string; code: number }> {
  let out = '';
  let code = -1;
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    await renderProxyCommand((c) => (code = c)).parseAsync(args, { from: 'user' });
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
  return { out, code };
}

describe('svcnet render proxy', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'svcnet-proxy-'));
    await writeFile(join(dir, 'hostnames.yaml'), MANIFEST);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints the seed hostnames example as a three-way probability chain (iptables)', async () => {
    const { out, code } = await run(['--mode', 'iptables', '-f', dir, '--cluster-cidr', '10.244.0.0/16']);
    expect(code).toBe(0);
    const chain = out.split('\n').filter((l) => /^-A KUBE-SVC-\S+ .*->/.test(l));
    expect(chain.map((l) => /--probability (\S+)/.exec(l)?.[1] ?? 'last')).toEqual(['0.3333333333', '0.5000000000', 'last']);
    expect(out).toContain('-A KUBE-SERVICES -m comment --comment "default/hostnames:default cluster IP" -m tcp -p tcp -d 10.0.1.175 --dport 80');
  });

  it('prints nftables and ipvs forms', async () => {
    expect((await run(['--mode', 'nftables', '-f', dir])).out).toContain('numgen random mod 3 vmap');
    expect((await run(['--mode', 'ipvs', '-f', dir])).out).toContain('-a -t 10.0.1.175:80 -r 10.244.3.6:9376 -m -w 1');
  });
});
