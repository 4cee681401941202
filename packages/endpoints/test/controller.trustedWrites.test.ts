import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '@svcnet/store';
import { admit, validateObject, type Kind, type KubeObject, type Pod, type Service } from '@svcnet/model';
import { EndpointsController } from '../src/index.js';
import { seededRandom, testPod, putPod } from './fixtures.js';

/**
 * The controller writes its Endpoints and EndpointSlices `trusted` (admission skipped, see
 * EndpointsController.writeOptions). That is sound only while every object it builds is one admission
 * would accept unchanged: this replays every object it wrote, across the shapes it builds (named
 * ports, headless, publishNotReadyAddresses, hostnames, dual-stack, several slices, truncation,
 * mirroring, updates and deletes), through validation and defaulting.
 */
const stores: MemoryStore[] = [];
const controllers: EndpointsController[] = [];
afterEach(async () => {
  for (const c of controllers.splice(0)) await c.stop();
  for (const s of stores.splice(0)) await s.close();
});

const svc = (name: string, spec: Service['spec'], labels?: Record<string, string>): Service & { kind: 'Service' } => ({
  apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name, ...(labels ? { labels } : {}) }, spec,
});

function pod(i: number, app: string, ready: boolean, extra: (p: Pod) => void = () => undefined): Pod & { kind: 'Pod' } {
  const p = testPod('default', i, 2, ready, i % 2 ? ['IPv4', 'IPv6'] : ['IPv4']);
  p.metadata!.name = `${app}-${i}`;
  p.metadata!.labels = { app };
  p.status!.podIPs = p.status!.podIPs!.map((x) => ({ ip: x.ip!.replace(/\.(\d+)$/, (_, n) => `.${(Number(n) + i) % 250}`).replace('1.2.3', `10.${i >> 8}.${i & 255}`) }));
  p.status!.podIP = p.status!.podIPs[0]!.ip;
  p.spec!.nodeName = `node-${i % 3}`;
  extra(p);
  return { ...p, kind: 'Pod' };
}

async function settle(c: EndpointsController) {
  await c.whenIdle();
  await new Promise((r) => setTimeout(r, 20));
  await c.whenIdle();
}

async function everyWrite(store: MemoryStore, kind: Kind): Promise<{ object: KubeObject; old: KubeObject | undefined }[]> {
  const out: { object: KubeObject; old: KubeObject | undefined }[] = [];
  const last = new Map<string, KubeObject>();
  const ac = new AbortController();
  const { revision } = await store.list(kind);
  for await (const e of store.watch(kind, { fromRevision: 0, signal: ac.signal, bookmarkIntervalMs: 5 })) {
    if (e.type !== 'BOOKMARK') {
      const key = `${e.object.metadata?.namespace}/${e.object.metadata?.name}`;
      if (e.type !== 'DELETED') out.push({ object: e.object as KubeObject, old: last.get(key) });
      if (e.type === 'DELETED') last.delete(key);
      else last.set(key, e.object as KubeObject);
    }
    if (e.revision >= revision) ac.abort();
  }
  return out;
}

describe('objects the controller writes without admission', () => {
  it('are all valid and already defaulted', async () => {
    const store = new MemoryStore({ serviceCIDRs: ['10.96.0.0/12', 'fd00:10:96::/112'], freezeObjects: true });
    stores.push(store);
    const c = new EndpointsController(store, { random: seededRandom(3), leaseTtlMs: 300, holder: 'a' });
    controllers.push(c);
    await store.create(svc('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'port0' }, { name: 'alt', port: 81, targetPort: 8081, protocol: 'UDP' }] }, { tier: 'front' }));
    await store.create(svc('dual', { selector: { app: 'web' }, ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6', 'IPv4'], ports: [{ port: 80 }] }));
    await store.create(svc('sub', { selector: { app: 'sub' }, clusterIP: 'None', publishNotReadyAddresses: true }));
    await store.create(svc('big', { selector: { app: 'big' }, clusterIP: 'None', ports: [{ port: 9000, appProtocol: 'http' }] }));
    await store.create(svc('manual', { ports: [{ port: 5432 }] }));
    await store.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { namespace: 'default', name: 'manual' }, subsets: [{ addresses: [{ ip: '192.168.1.10', hostname: 'db-0' }], ports: [{ port: 5432 }] }] });
    for (let i = 0; i < 12; i++) await putPod(store, pod(i, 'web', i % 3 !== 0));
    for (let i = 0; i < 4; i++) await putPod(store, pod(100 + i, 'sub', i % 2 === 0, (p) => { p.spec!.hostname = `h${i}`; p.spec!.subdomain = 'sub'; }));
    for (let i = 0; i < 1005; i++) await putPod(store, pod(1000 + i, 'big', i % 7 !== 0));
    await c.start();
    await settle(c);
    // updates and deletes
    await putPod(store, pod(1, 'web', false));
    await store.delete('Pod', 'default', 'web-2');
    await putPod(store, pod(1001, 'big', false, (p) => { p.metadata = { ...p.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' }; }));
    await store.apply(svc('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'port1' }] }, { tier: 'back' }));
    await settle(c);
    expect(c.stats().errors).toBe(0);

    for (const kind of ['Endpoints', 'EndpointSlice'] as const) {
      const writes = await everyWrite(store, kind);
      expect(writes.length).toBeGreaterThan(kind === 'Endpoints' ? 5 : 17);
      for (const { object, old } of writes) {
        expect(validateObject(object, old), `${kind} ${object.metadata?.name}`).toEqual([]);
        expect(admit(object, old)).toEqual(object);
      }
    }
  });
});
