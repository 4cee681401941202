import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '@svcnet/store';
import type { Pod, Service } from '@svcnet/model';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME, MIRRORING_CONTROLLER_NAME } from '@svcnet/model';
import { EndpointsController } from '../src/index.js';
import { seededRandom, testPod, putPod } from './fixtures.js';

const stores: MemoryStore[] = [];
const controllers: EndpointsController[] = [];
afterEach(async () => {
  for (const c of controllers.splice(0)) await c.stop();
  for (const s of stores.splice(0)) await s.close();
});

function setup(extra: ConstructorParameters<typeof EndpointsController>[1] = {}) {
  // Frozen objects: the controller reads the store's own objects (shared) and hands it its own
  // (immutable); any in-place change by either side throws here instead of corrupting state.
  const store = new MemoryStore({ freezeObjects: true });
  stores.push(store);
  const c = new EndpointsController(store, { random: seededRandom(1), leaseTtlMs: 300, holder: 'a', ...extra });
  controllers.push(c);
  return { store, c };
}

const web: Service = {
  apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web', labels: { app: 'web' } },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
};
const pod = (i: number, ready = true): Pod => {
  const p = testPod('default', i, 0, ready);
  p.metadata!.labels = { app: 'web' };
  p.spec!.nodeName = 'node-1';
  return p;
};

async function settle(c: EndpointsController) {
  // two rounds: our own writes come back as events and are recognised without new writes
  await c.whenIdle();
  await new Promise((r) => setTimeout(r, 20));
  await c.whenIdle();
}

describe('EndpointsController on MemoryStore', () => {
  it('writes Endpoints and slices for a selector Service, follows pod changes, deletes on Service delete', async () => {
    const { store, c } = setup();
    await store.create({ ...web, kind: 'Service' });
    for (let i = 0; i < 3; i++) await putPod(store, pod(i, i < 2));
    await c.start();
    await settle(c);
    const ep = (await store.get('Endpoints', 'default', 'web'))!;
    expect(ep.subsets?.[0]?.addresses?.map((a) => a.ip)).toEqual(['1.2.3.4', '1.2.3.5']);
    expect(ep.subsets?.[0]?.notReadyAddresses?.map((a) => a.ip)).toEqual(['1.2.3.6']);
    let slices = (await store.list('EndpointSlice', { labelSelector: { [LABEL_SERVICE_NAME]: 'web' } })).items;
    expect(slices).toHaveLength(1);
    expect(slices[0]!.endpoints).toHaveLength(3);

    const writes = c.stats().writes;
    await putPod(store, pod(2, true));
    await settle(c);
    expect((await store.get('Endpoints', 'default', 'web'))!.subsets?.[0]?.addresses).toHaveLength(3);
    const after = c.stats().writes;
    expect(after.update - writes.update).toBe(2); // one Endpoints, one slice
    expect(after.create).toBe(writes.create);

    await store.delete('Service', 'default', 'web');
    await settle(c);
    expect(await store.get('Endpoints', 'default', 'web')).toBeUndefined();
    slices = (await store.list('EndpointSlice', { labelSelector: { [LABEL_SERVICE_NAME]: 'web' } })).items;
    expect(slices).toEqual([]);
    expect(c.stats()).toMatchObject({ leader: true, queueDepth: 0, errors: 0 });
  });

  it('leaves selectorless Services alone but mirrors their Endpoints into slices; deletes hand-written Endpoints without a Service', async () => {
    const { store, c } = setup();
    await store.create({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'db' }, spec: { ports: [{ port: 5432 }] } });
    await store.create({
      apiVersion: 'v1', kind: 'Endpoints', metadata: { namespace: 'default', name: 'db' },
      subsets: [{ addresses: [{ ip: '192.168.1.10' }], ports: [{ port: 5432, protocol: 'TCP' }] }],
    });
    await store.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { namespace: 'default', name: 'orphan' }, subsets: [] });
    await c.start();
    await settle(c);
    expect((await store.get('Endpoints', 'default', 'db'))!.subsets?.[0]?.addresses?.[0]?.ip).toBe('192.168.1.10');
    const mirrored = (await store.list('EndpointSlice', { labelSelector: { [LABEL_MANAGED_BY]: MIRRORING_CONTROLLER_NAME } })).items;
    expect(mirrored.map((s) => s.endpoints[0]!.addresses)).toEqual([['192.168.1.10']]);
    expect(await store.get('Endpoints', 'default', 'orphan')).toBeUndefined();
  });

  it('recomputes after a Conflict caused by a concurrent writer', async () => {
    const { store, c } = setup();
    await store.create({ ...web, kind: 'Service' });
    await putPod(store, pod(0));
    await c.start();
    await settle(c);
    // someone else rewrites the Endpoints by hand; the controller puts it back
    const ep = (await store.get('Endpoints', 'default', 'web'))!;
    await store.update({ ...ep, kind: 'Endpoints', subsets: [] });
    await settle(c);
    expect((await store.get('Endpoints', 'default', 'web'))!.subsets?.[0]?.addresses?.[0]?.ip).toBe('1.2.3.4');
  });

  it('several workers: every Service converges, no key is synced twice at once (no conflicts)', async () => {
    const { store, c } = setup({ workers: 4 });
    const svc = (i: number): Service => ({
      apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: `s${i}` },
      spec: { selector: { app: `a${i}` }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] },
    });
    const member = (i: number, j: number, ready: boolean): Pod => {
      const p = testPod('default', i * 2 + j, 0, ready);
      p.metadata!.name = `p${i}-${j}`;
      p.metadata!.labels = { app: `a${i}` };
      return p;
    };
    for (let i = 0; i < 12; i++) {
      await store.create({ ...svc(i), kind: 'Service' });
      for (let j = 0; j < 2; j++) await putPod(store, member(i, j, true));
    }
    await c.start();
    await settle(c);
    // a burst of changes across all Services, some Services changed twice while being synced
    await Promise.all(Array.from({ length: 12 }, (_, i) => putPod(store, member(i, 0, false))));
    await Promise.all(Array.from({ length: 6 }, (_, i) => putPod(store, member(i, 1, false))));
    await settle(c);
    for (let i = 0; i < 12; i++) {
      const ep = (await store.get('Endpoints', 'default', `s${i}`))!;
      const ready = ep.subsets?.flatMap((s) => s.addresses ?? []).length ?? 0;
      const notReady = ep.subsets?.flatMap((s) => s.notReadyAddresses ?? []).length ?? 0;
      expect([i, ready, notReady]).toEqual([i, i < 6 ? 0 : 1, i < 6 ? 2 : 1]);
      const slices = (await store.list('EndpointSlice', { labelSelector: { [LABEL_SERVICE_NAME]: `s${i}` } })).items;
      expect(slices.flatMap((s) => s.endpoints.map((e) => e.conditions?.ready)).sort()).toEqual(i < 6 ? [false, false] : [false, true]);
    }
    expect(c.stats()).toMatchObject({ queueDepth: 0, conflicts: 0, errors: 0 });
  });

  it('two controllers: only the lease holder writes, the other takes over after it stops', async () => {
    const { store, c: a } = setup({ holder: 'a' });
    const b = new EndpointsController(store, { random: seededRandom(2), leaseTtlMs: 300, holder: 'b' });
    controllers.push(b);
    await store.create({ ...web, kind: 'Service' });
    await a.start();
    await settle(a);
    await b.start();
    expect(b.isLeader).toBe(false);
    await putPod(store, pod(0));
    await settle(a);
    expect(b.stats().writes).toEqual({ create: 0, update: 0, delete: 0 });
    await a.stop();
    await putPod(store, pod(1));
    await b.whenIdle();
    await settle(b);
    expect((await store.get('Endpoints', 'default', 'web'))!.subsets?.[0]?.addresses).toHaveLength(2);
    expect(b.isLeader).toBe(true);
  });

  it('a Pod written around validation with an unparsable IP is skipped (logged once); valid Pods are published', async () => {
    const errors: { message: string; key?: string }[] = [];
    const { store, c } = setup({ onError: (e, key) => errors.push({ message: e.message, ...(key ? { key } : {}) }) });
    await store.create({ ...web, kind: 'Service' });
    await putPod(store, pod(0));
    const valid = pod(1);
    const bad: Pod = { ...valid, status: { ...valid.status, podIP: '999.1.2.3', podIPs: [] } };
    await store.create({ ...bad, kind: 'Pod' }, { trusted: true });
    await putPod(store, pod(2));
    await c.start();
    await settle(c);
    const ep = (await store.get('Endpoints', 'default', 'web'))!;
    expect(ep.subsets?.[0]?.addresses?.map((a) => a.ip)).toEqual(['1.2.3.4', '1.2.3.6']);
    const slices = (await store.list('EndpointSlice', { labelSelector: { [LABEL_SERVICE_NAME]: 'web' } })).items;
    expect(slices.flatMap((s) => s.endpoints.map((e) => e.addresses[0]))).toEqual(['1.2.3.4', '1.2.3.6']);
    expect(errors).toEqual([{ message: expect.stringContaining('skipping Pod "default/pod1": status.podIP: "999.1.2.3" is not a valid IP address'), key: 'default/pod1' }]);
    expect(c.stats().errors).toBe(0);

    // Another write of the same bad Pod is not logged again; fixing it publishes it.
    await store.apply({ ...bad, kind: 'Pod', metadata: { ...bad.metadata, labels: { app: 'web', touched: 'yes' } } }, { trusted: true });
    await settle(c);
    expect(errors).toHaveLength(1);
    await putPod(store, pod(1));
    await settle(c);
    expect((await store.get('Endpoints', 'default', 'web'))!.subsets?.[0]?.addresses?.map((a) => a.ip)).toEqual(['1.2.3.4', '1.2.3.5', '1.2.3.6']);
  });

  it('a Pod claiming a loopback IP never becomes an endpoint (issue 22); the other Pods still do', async () => {
    const errors: { message: string; key?: string }[] = [];
    const { store, c } = setup({ onError: (e, key) => errors.push({ message: e.message, ...(key ? { key } : {}) }) });
    await store.create({ ...web, kind: 'Service' });
    await putPod(store, pod(0));
    // Status validation refuses 127.0.0.1 on updateStatus; a trusted mirror of a cluster is the
    // way such a status still reaches the store (a raw Redis write is another).
    const local: Pod = { ...pod(1), status: { ...pod(1).status, podIP: '127.0.0.1', podIPs: [{ ip: '127.0.0.1' }] } };
    await store.create({ ...local, kind: 'Pod' }, { trusted: true });
    await putPod(store, pod(2));
    await c.start();
    await settle(c);
    expect((await store.get('Endpoints', 'default', 'web'))!.subsets?.[0]?.addresses?.map((a) => a.ip)).toEqual(['1.2.3.4', '1.2.3.6']);
    const slices = (await store.list('EndpointSlice', { labelSelector: { [LABEL_SERVICE_NAME]: 'web' } })).items;
    expect(slices.flatMap((s) => s.endpoints.flatMap((e) => e.addresses))).toEqual(['1.2.3.4', '1.2.3.6']);
    expect(errors).toEqual([
      { message: expect.stringContaining('skipping Pod "default/pod1": status.podIPs[0].ip: "127.0.0.1" may not be in the loopback range (127.0.0.0/8, ::1/128)'), key: 'default/pod1' },
    ]);
    expect(c.stats()).toMatchObject({ errors: 0, refused: 0 });
  });
});
