import { cidrContains, type Deployment, type Pod, type StatefulSet, seededRandom } from '@svcnet/model';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, MemoryStore } from '@svcnet/store';
import { WorkloadSimulator, type WorkloadSimulatorOptions } from './workloadSimulator.js';

// One writer at a time, the next taking over (svcnet-agent runs the simulator under a lease): the
// second simulator must adopt what the first made, never make a second set or reuse an address.

const deployment = (name: string, replicas: number): Deployment & { kind: 'Deployment' } => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
});

const statefulSet = (name: string, replicas: number): StatefulSet & { kind: 'StatefulSet' } => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name, namespace: 'default' },
  spec: { serviceName: name, replicas, podManagementPolicy: 'Parallel', selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
});

const summary = (pods: Pod[]) => pods.map((p) => `${p.metadata!.name} ${p.spec!.nodeName} ${p.status!.podIP}`).sort();
const ips = (pods: Pod[]) => pods.map((p) => p.status!.podIP!);

let sims: WorkloadSimulator[] = [];
afterEach(async () => {
  for (const s of sims) await s.stop();
  sims = [];
});

function simulator(store: MemoryStore, clock: ManualClock, seed: number, options: WorkloadSimulatorOptions): WorkloadSimulator {
  const sim = new WorkloadSimulator(store, { clock, random: seededRandom(seed), readyDelayMs: 1000, ...options });
  sims.push(sim);
  return sim;
}

describe('WorkloadSimulator resume (taking over from an earlier writer)', () => {
  it('adopts the Pods and node subnets left in the store: same names, nodes and addresses, none made twice', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock(Date.UTC(2024, 0, 1));
    const first = simulator(store, clock, 1, { nodes: [{ name: 'node-a', address: '192.0.2.10' }] });
    first.apply(deployment('web', 3));
    first.apply(statefulSet('db', 2));
    await first.start();
    clock.advance(1000);
    await first.settle();
    await first.stop();
    const before = (await store.list('Pod')).items;
    expect(before).toHaveLength(5);

    const second = simulator(store, clock, 2, { nodes: [{ name: 'node-b', address: '192.0.2.11' }], resume: true });
    await second.start();
    second.apply(deployment('web', 3));
    second.apply(statefulSet('db', 2));
    await second.settle();
    const after = (await store.list('Pod')).items;
    expect(summary(after)).toEqual(summary(before));
    expect(second.status()).toMatchObject({ pods: 5, readyPods: 5 });

    // Scaling up after the takeover: new Pods on the new writer's node, in a subnet of its own.
    second.apply(deployment('web', 5));
    await second.settle();
    const scaled = (await store.list('Pod')).items;
    expect(scaled).toHaveLength(7);
    expect(new Set(ips(scaled)).size).toBe(7);
    const nodeA = await store.get('Node', undefined, 'node-a');
    const nodeB = await store.get('Node', undefined, 'node-b');
    expect(nodeB!.spec!.podCIDR).not.toBe(nodeA!.spec!.podCIDR);
    for (const p of scaled.filter((p) => p.spec!.nodeName === 'node-b')) expect(cidrContains(nodeB!.spec!.podCIDR!, p.status!.podIP!)).toBe(true);
    expect(scaled.filter((p) => p.spec!.nodeName === 'node-b')).toHaveLength(2);

    // Scaling down removes the same Pods the ReplicaSet controller would: it knows the adopted ones.
    second.apply(deployment('web', 1));
    await second.settle();
    expect((await store.list('Pod', { labelSelector: { app: 'web' } })).items).toHaveLength(1);
  });

  it('gives a bare Pod back its address, and deletes the Pods of workloads no longer applied', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock(Date.UTC(2024, 0, 1));
    const bare = { apiVersion: 'v1' as const, kind: 'Pod' as const, metadata: { name: 'solo', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } };
    const first = simulator(store, clock, 1, { nodes: ['node-a'] });
    await first.start();
    first.apply(deployment('gone', 2));
    const adopted = first.adoptPod(bare)!;
    await store.apply(adopted.pod);
    await store.updateStatus(adopted.pod);
    await first.settle();
    await first.stop();
    const soloIP = (await store.get('Pod', 'default', 'solo'))!.status!.podIP;

    const second = simulator(store, clock, 2, { nodes: ['node-b'], resume: true });
    await second.start();
    expect(second.adoptPod(bare)!.pod.status!.podIP).toBe(soloIP);
    expect(second.pruneUnclaimed()).toBe(2);
    await second.settle();
    expect((await store.list('Pod')).items.map((p) => p.metadata!.name)).toEqual(['solo']);
  });

  it('writes only spec.podCIDRs to a Node someone else registered (registerNodes: false)', async () => {
    const store = new MemoryStore();
    await store.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } });
    await store.updateStatus({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' }, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'AgentReady' }] } });
    const sim = simulator(store, new ManualClock(0), 1, { nodes: ['node-a'], registerNodes: false });
    await sim.start();
    const node = await store.get('Node', undefined, 'node-a');
    expect(node!.spec).toEqual({ podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] });
    expect(node!.status!.conditions).toEqual([{ type: 'Ready', status: 'True', reason: 'AgentReady' }]);
  });
});
