import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '@svcnet/model';
import { openStore, type NodeStatusStore, type Store } from '@svcnet/store';
import { RedisServer, describeWith, redisServer } from '@svcnet/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startLocalAgent, type RunningAgent } from './fixtures.js';

// Issue 17: two agents, one Redis, the same -f. The manifests and the workload simulator are
// cluster-wide writers under the lease svcnet-manifests: one set of Pods, never one address twice,
// and the other agent takes over (adopting the Pods, not making new ones) when the writer dies.

const LEASE_MS = 2000;
const yaml = (o: unknown) => `${JSON.stringify(o)}\n---\n`;
const labels = (app: string) => ({ matchLabels: { app } });
const template = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'x' }] } });

function manifests(webReplicas: number): string {
  return [
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: webReplicas, selector: labels('web'), template: template('web') } },
    { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default' }, spec: { serviceName: 'db', replicas: 2, podManagementPolicy: 'Parallel', selector: labels('db'), template: template('db') } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo', namespace: 'default', labels: { app: 'solo' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
  ].map(yaml).join('');
}

const running = (pods: Pod[]) => pods.filter((p) => p.status?.podIP);
const names = (pods: Pod[]) => pods.map((p) => `${p.metadata!.name} ${p.spec!.nodeName} ${p.status!.podIP}`).sort();
const duplicates = (ips: string[]) => ips.length - new Set(ips).size;

describeWith('many agents, one truth: two svcnet-agents with the same -f on one redis-server', [redisServer], () => {
  let redis: RedisServer;
  let store: Store & NodeStatusStore;
  let dir: string;
  const agents = new Map<string, Omit<RunningAgent, 'ns'>>();

  const args = (node: string, ip: string) => [
    '-f', dir, '--redis', redis.url, '--hostname-override', node, '--node-ip', ip,
    '--proxy-mode', 'none', '--healthz-bind-address', '', '--metrics-bind-address', '',
    '--leader-elect-lease-duration', `${LEASE_MS}ms`, '--node-status-update-frequency', '500ms', '--node-monitor-grace-period', '2s',
  ];
  const pods = async () => (await store.list('Pod')).items;
  const writer = async () => (await store.leases.get('svcnet-manifests'))?.holder.replace(/-\d+$/, '');

  beforeAll(async () => {
    redis = await RedisServer.start();
    store = openStore(redis.url);
    dir = mkdtempSync(join(tmpdir(), 'svcnet-agents-'));
    writeFileSync(join(dir, 'app.yaml'), manifests(2));
    agents.set('node-a', startLocalAgent(args('node-a', '203.0.113.11')));
    agents.set('node-b', startLocalAgent(args('node-b', '203.0.113.12')));
  }, 30_000);

  afterAll(async () => {
    for (const a of agents.values()) a.child.kill('SIGKILL');
    await Promise.all([...agents.values()].map((a) => a.exited));
    await store?.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const logs = () => [...agents].map(([n, a]) => `--- ${n}\n${a.logs()}`).join('\n');

  it('makes one set of Pods (count = replicas), each address once, while both agents run', async () => {
    await eventually('both agents heartbeating', async () => ((await store.nodeStatus.list()).length === 2 ? true : undefined), 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${logs()}`);
    });
    const first = await eventually('2 web + 2 db + 1 bare Pod running', async () => {
      const r = running(await pods());
      return r.length >= 5 ? r : undefined;
    }, 30_000);
    // Give the standby several lease periods in which it could (wrongly) write a second set.
    await new Promise((r) => setTimeout(r, 3 * LEASE_MS));
    const all = await pods();
    expect(all).toHaveLength(5);
    expect(names(all)).toEqual(names(first));
    expect(duplicates(all.map((p) => p.status!.podIP!))).toBe(0);
    expect(await writer()).toMatch(/^node-[ab]$/);
    const slice = await eventually('the web EndpointSlice with both Pods', async () => {
      const items = (await store.list('EndpointSlice', { labelSelector: { 'kubernetes.io/service-name': 'web' } })).items;
      const addrs = items.flatMap((s) => s.endpoints.flatMap((e) => e.addresses));
      return addrs.length === 2 ? addrs : undefined;
    });
    expect(duplicates(slice)).toBe(0);
  }, 120_000);

  it('takes over when the writer is killed: adopts its Pods, then follows the manifests', async () => {
    const before = await pods();
    const dead = (await writer())!;
    const heir = dead === 'node-a' ? 'node-b' : 'node-a';
    const killedAt = Date.now();
    agents.get(dead)!.child.kill('SIGKILL');
    await eventually(`${heir} holding the manifests lease`, async () => ((await writer()) === heir ? true : undefined), 30_000);
    console.log(`[figure] manifests lease taken over ${Date.now() - killedAt} ms after SIGKILL of the writer (lease ${LEASE_MS} ms)`);

    // The heir's first pass is done once it follows a change: scale web to 3.
    writeFileSync(join(dir, 'app.yaml'), manifests(3));
    const after = await eventually('a third web Pod, made by the heir', async () => {
      const r = running(await pods());
      return r.length === 6 ? r : undefined;
    }, 30_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${logs()}`);
    });
    console.log(`[figure] change applied by the new writer ${Date.now() - killedAt} ms after SIGKILL`);
    // The five Pods the dead writer made are still there, same names, nodes and addresses.
    expect(names(after)).toEqual(expect.arrayContaining(names(before)));
    const added = after.filter((p) => !before.some((b) => b.metadata!.name === p.metadata!.name));
    expect(added.map((p) => p.spec!.nodeName)).toEqual([heir]);
    expect(duplicates(after.map((p) => p.status!.podIP!))).toBe(0);

    // The killed agent's Node turns NotReady (Ready=Unknown), marked by the lease holder.
    const cond = await eventually(`Node ${dead} marked by the node lifecycle controller`, async () => {
      const c = (await store.get('Node', undefined, dead))?.status?.conditions?.find((x) => x.type === 'Ready');
      return c?.status === 'Unknown' ? c : undefined;
    }, 30_000);
    expect(cond.message).toBe('svcnet-agent stopped posting node status.');
    const live = (await store.get('Node', undefined, heir))!;
    expect(live.status!.conditions!.find((x) => x.type === 'Ready')!.status).toBe('True');
    expect(live.status!.addresses).toContainEqual({ type: 'InternalIP', address: heir === 'node-a' ? '203.0.113.11' : '203.0.113.12' });
  }, 120_000);
});
