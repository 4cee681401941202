import { afterEach, describe, expect, it } from 'vitest';
import type { EndpointSlice, Pod } from '@svcnet/model';
import { ManualClock, MemoryStore } from '@svcnet/store';
import { ClusterModel, type SourceProblem } from './clusterModel.js';

const stops: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

const slice = (ready: boolean): EndpointSlice & { kind: 'EndpointSlice' } => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'web-abcde', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  ports: [{ name: '', port: 8080, protocol: 'TCP' }],
  endpoints: [{ addresses: ['10.244.1.4'], conditions: { ready } }],
});

async function model(problems: SourceProblem[] = []) {
  const clock = new ManualClock(1_000_000);
  const store = new MemoryStore({ clock });
  const m = new ClusterModel(store, { source: 'test', clock, problems: () => problems });
  m.start();
  await m.waitForSync();
  stops.push(() => store.close(), () => m.stop());
  return { store, m, advance: (ms: number) => clock.advance(ms) };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('ClusterModel', () => {
  it('lag is the age of changes not yet on screen: 0 while idle, however long', async () => {
    const { store, m, advance } = await model();
    m.snapshot();
    advance(30_000);
    m.touch(); // the dashboard's once-a-second redraw
    const idle = m.snapshot();
    expect(idle.watchLagMs).toBe(0);
    expect(idle.idleMs).toBe(30_000);
    await store.create(slice(true));
    await new Promise((r) => setTimeout(r, 20));
    advance(120);
    expect(m.snapshot().watchLagMs).toBe(120);
    m.touch();
    expect(m.snapshot().watchLagMs).toBe(0);
  });

  it('says what changed in an EndpointSlice, not just that it was modified', async () => {
    const { store, m } = await model();
    const created = await store.create(slice(true));
    await store.update({ ...created, kind: 'EndpointSlice', endpoints: [{ addresses: ['10.244.1.4'], conditions: { ready: false } }] });
    await new Promise((r) => setTimeout(r, 20));
    expect(m.snapshot().events.map((e) => e.message)).toEqual(['endpoint 10.244.1.4 added (ready)', 'endpoint 10.244.1.4 not ready']);
  });

  it('counts the source problems in the snapshot and logs each new one once, with where it is', async () => {
    const problems: SourceProblem[] = [{ where: 'examples/bad.yaml:3', message: 'examples/bad.yaml: document 1 (line 3): kind "Servce" is not known: did you mean "Service"?' }];
    const { m } = await model(problems);
    m.snapshot();
    m.snapshot();
    const s = m.snapshot();
    expect(s.problems).toHaveLength(1);
    expect(s.events.filter((e) => e.type === 'PROBLEM').map((e) => [e.key, e.message])).toEqual([['examples/bad.yaml:3', problems[0]!.message]]);
    problems.length = 0;
    expect(m.snapshot().problems).toEqual([]);
  });

  it('reads node agents on its clock: a heartbeat shows after the next poll, and only then', async () => {
    const { store, m, advance } = await model();
    await settle();
    expect(m.snapshot().agents).toEqual([]);
    await store.nodeStatus.heartbeat('node-a', { proxyMode: 'iptables', message: 'ok' } as never);
    await settle();
    expect(m.snapshot().agents).toEqual([]); // the poll is 1 s away on the model's clock, however long we wait
    advance(1000);
    await settle();
    expect(m.snapshot().agents.map((a) => a.node)).toEqual(['node-a']);
  });

  it('forgets the change mark of a deleted object (Pods come and go by name)', async () => {
    const { store, m } = await model();
    const pod = (name: string): Pod & { kind: 'Pod' } => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    for (let i = 0; i < 20; i++) {
      await store.create(pod(`web-${i}`), { trusted: true });
      await store.delete('Pod', 'default', `web-${i}`);
    }
    await store.create(pod('web-live'), { trusted: true });
    await settle();
    expect([...m.snapshot().changedAt.keys()]).toEqual(['Pod/default/web-live']);
  });
});
