import { InvalidObjectError, type Deployment, type Pod, type StatefulSet, cidrContains, isSimulatedPod, seededRandom } from '@svcnet/model';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, MemoryStore } from '@svcnet/store';
import { ALPHANUMS } from './podTemplateHash.js';
import { WorkloadSimulator, type WorkloadSimulatorOptions } from './workloadSimulator.js';

const deployment = (name: string, replicas: number, image = 'nginx:1.25'): Deployment & { kind: 'Deployment' } => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name, tier: 'frontend' } },
      spec: { containers: [{ name: 'main', image, ports: [{ containerPort: 80, name: 'http' }] }] },
    },
  },
});

const statefulSet = (name: string, replicas: number, extra: Partial<StatefulSet['spec']> = {}): StatefulSet & { kind: 'StatefulSet' } => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name, namespace: 'default' },
  spec: {
    serviceName: 'nginx',
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] } },
    ...extra,
  },
});

const ready = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
const alnum = `[${ALPHANUMS}]`;

let sims: WorkloadSimulator[] = [];
afterEach(async () => {
  for (const s of sims) await s.stop();
  sims = [];
});

async function setup(options: WorkloadSimulatorOptions = {}) {
  const store = new MemoryStore();
  const clock = new ManualClock(Date.UTC(2024, 0, 1));
  const sim = new WorkloadSimulator(store, { clock, random: seededRandom(42), readyDelayMs: 1000, ...options });
  sims.push(sim);
  await sim.start();
  const storedPods = async () => (await store.list('Pod')).items;
  const tick = async (ms: number) => {
    clock.advance(ms);
    await sim.settle();
  };
  return { store, clock, sim, storedPods, tick };
}

describe('WorkloadSimulator', () => {
  it('turns a Deployment into pods named as the ReplicaSet controller names them, spread over nodes', async () => {
    const { sim, store, storedPods } = await setup();
    sim.apply(deployment('web', 4));
    await sim.settle();
    const pods = await storedPods();
    expect(pods).toHaveLength(4);
    const hash = pods[0]!.metadata!.labels!['pod-template-hash']!;
    expect(hash).toMatch(new RegExp(`^${alnum}{1,10}$`));
    for (const p of pods) {
      expect(p.metadata!.name).toMatch(new RegExp(`^web-${hash}-${alnum}{5}$`));
      expect(p.metadata!.generateName).toBe(`web-${hash}-`);
      expect(p.metadata!.labels).toEqual({ app: 'web', tier: 'frontend', 'pod-template-hash': hash });
      expect(p.metadata!.ownerReferences![0]).toMatchObject({ kind: 'ReplicaSet', name: `web-${hash}`, controller: true });
      expect(p.spec!.containers[0]!.ports).toMatchObject([{ containerPort: 80, name: 'http' }]);
      expect(p.status!.phase).toBe('Running');
    }
    expect(pods.map((p) => p.spec!.nodeName).sort()).toEqual(['node-1', 'node-1', 'node-2', 'node-2']);

    const nodes = (await store.list('Node')).items;
    expect(nodes.map((n) => n.metadata!.name).sort()).toEqual(['node-1', 'node-2']);
    for (const n of nodes) {
      expect(n.status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('True');
      expect(n.status!.addresses!.find((a) => a.type === 'InternalIP')!.address).toMatch(/^172\.18\.0\.\d+$/);
      expect(cidrContains('10.244.0.0/16', n.spec!.podCIDR!.split('/')[0]!)).toBe(true);
      expect(n.spec!.podCIDR).toMatch(/\/24$/);
    }
    // Each pod's IP is unique, inside its node's /24, and its hostIP is that node's address.
    const ips = pods.map((p) => p.status!.podIP!);
    expect(new Set(ips).size).toBe(ips.length);
    for (const p of pods) {
      const node = nodes.find((n) => n.metadata!.name === p.spec!.nodeName)!;
      expect(cidrContains(node.spec!.podCIDR!, p.status!.podIP!)).toBe(true);
      expect(p.status!.podIPs).toEqual([{ ip: p.status!.podIP }]);
      expect(p.status!.hostIP).toBe(node.status!.addresses![0]!.address);
    }
  });

  it('keeps IPs unique and inside the CIDRs across many pods, and gives dual-stack pods one IP per family', async () => {
    const { sim, storedPods } = await setup({ nodes: ['a', 'b', 'c'], podCIDRs: ['10.8.0.0/16', 'fd00:10:8::/56'] });
    sim.apply(deployment('many', 300));
    await sim.settle();
    const pods = await storedPods();
    expect(pods).toHaveLength(300);
    const v4 = pods.map((p) => p.status!.podIPs![0]!.ip!);
    const v6 = pods.map((p) => p.status!.podIPs![1]!.ip!);
    expect(new Set(v4).size).toBe(300);
    expect(new Set(v6).size).toBe(300);
    for (const ip of v4) expect(cidrContains('10.8.0.0/16', ip) && !/\.(0|1|255)$/.test(ip)).toBe(true);
    for (const ip of v6) expect(cidrContains('fd00:10:8::/56', ip)).toBe(true);
  });

  it('turns pods Ready only after the configured delay (injected clock)', async () => {
    const { sim, storedPods, tick } = await setup({ readyDelayMs: 5000 });
    sim.apply(deployment('web', 2));
    await sim.settle();
    expect((await storedPods()).filter(ready)).toHaveLength(0);
    await tick(4999);
    expect((await storedPods()).filter(ready)).toHaveLength(0);
    await tick(1);
    const pods = await storedPods();
    expect(pods.filter(ready)).toHaveLength(2);
    expect(pods[0]!.status!.containerStatuses![0]!.ready).toBe(true);
    expect(sim.status()).toMatchObject({ pods: 2, readyPods: 2, running: true });
    expect(sim.status().lastError).toBeUndefined();
  });

  it('creates StatefulSet pods web-0, web-1... in order, each waiting for the previous to be Ready', async () => {
    const { sim, storedPods, tick } = await setup();
    sim.apply(statefulSet('web', 3));
    await sim.settle();
    expect((await storedPods()).map((p) => p.metadata!.name)).toEqual(['web-0']);
    await tick(1000);
    expect((await storedPods()).map((p) => p.metadata!.name).sort()).toEqual(['web-0', 'web-1']);
    await tick(1000);
    await tick(1000);
    const pods = (await storedPods()).sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
    expect(pods.map((p) => p.metadata!.name)).toEqual(['web-0', 'web-1', 'web-2']);
    expect(pods.every(ready)).toBe(true);
    pods.forEach((p, i) => {
      expect(p.spec!.hostname).toBe(`web-${i}`);
      expect(p.spec!.subdomain).toBe('nginx');
      expect(p.metadata!.labels).toMatchObject({ app: 'web', 'statefulset.kubernetes.io/pod-name': `web-${i}`, 'apps.kubernetes.io/pod-index': String(i) });
      expect(p.metadata!.ownerReferences![0]).toMatchObject({ kind: 'StatefulSet', name: 'web' });
    });

    // Scale down removes the highest ordinals.
    sim.apply(statefulSet('web', 1));
    await sim.settle();
    expect((await storedPods()).map((p) => p.metadata!.name)).toEqual(['web-0']);
  });

  it('rolls a StatefulSet template change from the highest ordinal, one pod at a time, recreating each', async () => {
    const { sim, store, storedPods, tick } = await setup({ podCIDRs: ['10.244.0.0/16'] });
    const sts = statefulSet('web', 2, { podManagementPolicy: 'Parallel' });
    sim.apply(sts);
    await tick(1000);
    const uid1 = (await store.get('Pod', 'default', 'web-1'))!.metadata!.uid;
    const rev = (p: Pod | undefined) => p?.metadata?.labels?.['controller-revision-hash'];
    const oldRev = rev(await store.get('Pod', 'default', 'web-0'));
    const next = structuredClone(sts);
    next.spec!.template.spec!.containers[0]!.image = 'nginx:2';
    sim.apply(next);
    await sim.settle();
    const web1 = await store.get('Pod', 'default', 'web-1');
    expect(rev(web1)).not.toBe(oldRev);
    expect(web1!.metadata!.uid).not.toBe(uid1); // deleted and created anew, as the controller does
    expect(rev(await store.get('Pod', 'default', 'web-0'))).toBe(oldRev); // waits for web-1 to be Ready
    await tick(1000);
    await tick(1000);
    const pods = await storedPods();
    expect(pods.map((p) => [p.metadata!.name, p.spec!.containers[0]!.image, ready(p)]).sort()).toEqual([
      ['web-0', 'nginx:2', true],
      ['web-1', 'nginx:2', true],
    ]);
  });

  it('creates all StatefulSet pods at once with podManagementPolicy Parallel', async () => {
    const { sim, storedPods } = await setup();
    sim.apply(statefulSet('db', 3, { podManagementPolicy: 'Parallel' }));
    await sim.settle();
    expect((await storedPods()).map((p) => p.metadata!.name).sort()).toEqual(['db-0', 'db-1', 'db-2']);
  });

  it('reflects scale changes and deletion, and rolls a new template without losing every ready pod', async () => {
    const { sim, storedPods, tick } = await setup();
    sim.apply(deployment('web', 3));
    await tick(1000);
    sim.apply(deployment('web', 1));
    await sim.settle();
    expect(await storedPods()).toHaveLength(1);

    sim.apply(deployment('web', 2));
    await tick(1000);
    const before = await storedPods();
    const oldHash = before[0]!.metadata!.labels!['pod-template-hash'];
    sim.apply(deployment('web', 2, 'nginx:1.27'));
    await sim.settle();
    const during = await storedPods();
    expect(during.filter((p) => p.metadata!.labels!['pod-template-hash'] === oldHash && ready(p))).toHaveLength(2);
    await tick(1000);
    const after = await storedPods();
    expect(after).toHaveLength(2);
    expect(after.every((p) => p.metadata!.labels!['pod-template-hash'] !== oldHash && p.spec!.containers[0]!.image === 'nginx:1.27')).toBe(true);

    sim.remove('Deployment', 'default', 'web');
    await sim.settle();
    expect(await storedPods()).toHaveLength(0);
    expect(sim.status().pods).toBe(0);
  });

  it('flaps readiness at the configured rate, never more than maxPerInterval pods per round', async () => {
    const { sim, storedPods, tick } = await setup({ flap: { intervalMs: 10_000, probability: 1, maxPerInterval: 2, downMs: 3000 } });
    sim.apply(deployment('web', 10));
    await tick(1000);
    expect((await storedPods()).filter(ready)).toHaveLength(10);
    // Flap rounds run every 10 s from start(); a flapped pod is back after downMs (3 s).
    for (let round = 1; round <= 5; round++) {
      await tick(round === 1 ? 9000 : 7000);
      expect((await storedPods()).filter((p) => !ready(p))).toHaveLength(2);
      expect(sim.status().flaps).toBe(round * 2);
      await tick(2999);
      expect((await storedPods()).filter((p) => !ready(p))).toHaveLength(2);
      await tick(1);
      expect((await storedPods()).filter(ready)).toHaveLength(10);
    }
  });

  it('flaps at a low probability only some rounds, drawing from the injected random', async () => {
    const { sim, tick } = await setup({ flap: { intervalMs: 1000, probability: 0.05, maxPerInterval: 3, downMs: 500 }, readyDelayMs: 100 });
    sim.apply(deployment('web', 10));
    await tick(100);
    const perRound: number[] = [];
    for (let round = 0; round < 40; round++) {
      const before = sim.status().flaps;
      await tick(1000);
      perRound.push(sim.status().flaps - before);
    }
    expect(Math.max(...perRound)).toBeLessThanOrEqual(3);
    const total = perRound.reduce((a, b) => a + b, 0);
    // 40 rounds x 10 pods x 0.05 = 20 expected; a seeded run lands near that, far from 0 and from 120.
    expect(total).toBeGreaterThan(5);
    expect(total).toBeLessThan(40);
  });

  it('is deterministic for a seed, bounded by maxPods, and rejects invalid workloads', async () => {
    const a = await setup({ maxPods: 5 });
    const b = await setup({ maxPods: 5 });
    a.sim.apply(deployment('web', 8));
    b.sim.apply(deployment('web', 8));
    await a.sim.settle();
    await b.sim.settle();
    const names = async (s: typeof a) => (await s.storedPods()).map((p) => `${p.metadata!.name}@${p.status!.podIP}`).sort();
    expect(await names(a)).toEqual(await names(b));
    expect(await a.storedPods()).toHaveLength(5);
    expect(a.sim.status()).toMatchObject({ pods: 5, unplaced: 3 });
    expect(a.sim.status().lastError).toContain('maxPods (5)');

    const bad = deployment('bad', 1);
    bad.spec!.selector = { matchLabels: { app: 'other' } };
    expect(() => a.sim.apply(bad)).toThrow(InvalidObjectError);
    expect(() => a.sim.apply(bad)).toThrow('Deployment "bad" is invalid: spec.template.metadata.labels');
  });

  it('writes pod status as the kubelet does, through updateStatus; a readiness flip is one status write', async () => {
    const store = new MemoryStore();
    const ops: string[] = [];
    const observed = Object.create(store) as MemoryStore;
    for (const op of ['apply', 'updateStatus', 'create', 'update'] as const) {
      observed[op] = ((o: Parameters<MemoryStore[typeof op]>[0], opts?: Parameters<MemoryStore[typeof op]>[1]) => {
        if (o.kind === 'Pod') ops.push(`${op} ${'status' in o ? 'with' : 'without'} status`);
        return (store[op] as (...a: unknown[]) => unknown).call(store, o, opts);
      }) as never;
    }
    const clock = new ManualClock(Date.UTC(2024, 0, 1));
    const sim = new WorkloadSimulator(observed, { clock, random: seededRandom(42), readyDelayMs: 1000 });
    sims.push(sim);
    await sim.start();
    sim.apply(deployment('web', 1));
    await sim.settle();
    expect(ops).toEqual(['apply without status', 'updateStatus with status']);
    const [pod] = (await store.list('Pod')).items;
    expect(pod!.status?.podIP).toMatch(/^10\.244\./);
    ops.length = 0;
    clock.advance(1000);
    await sim.settle();
    expect(ops).toEqual(['updateStatus with status']);
    expect(ready((await store.list('Pod')).items[0]!)).toBe(true);
  });

  it('marks the Pods it gives an address from its pod CIDRs as simulated, never a Pod that names its own address', async () => {
    const { sim, storedPods, tick } = await setup();
    sim.apply(deployment('web', 2));
    sim.apply(statefulSet('db', 1));
    const bare = (name: string, annotations?: Record<string, string>): Pod & { kind: 'Pod' } => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    const free = sim.adoptPod(bare('free'))!.pod;
    const real = sim.adoptPod(bare('real', { 'svcnet.io/pod-ips': '10.244.99.10' }))!.pod;
    await tick(0);
    const pods = await storedPods();
    expect(pods).toHaveLength(3);
    for (const p of pods) expect(isSimulatedPod(p), p.metadata?.name).toBe(true);
    expect(isSimulatedPod(free)).toBe(true);
    expect(isSimulatedPod(real)).toBe(false);
    expect(real.metadata?.annotations).toEqual({ 'svcnet.io/pod-ips': '10.244.99.10' });
  });
});
