import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Pod, Service } from '@svcnet/model';
import type { InformerEvent } from './informer.js';
import { MemoryStore } from './memoryStore.js';
import { SharedInformerFactory } from './sharedInformerFactory.js';
import type { Store } from './types.js';

const service = (name: string, namespace = 'default'): Service & { kind: 'Service' } => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ port: 80 }] },
});
const slice = (name: string, svc: string, namespace = 'default', ip = '10.0.0.1'): EndpointSlice & { kind: 'EndpointSlice' } => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, namespace, labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4', endpoints: [{ addresses: [ip], conditions: { ready: true } }], ports: [{ name: '', port: 80, protocol: 'TCP' }],
});
const pod = (name: string, nodeName: string): Pod & { kind: 'Pod' } => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName, containers: [{ name: 'c', image: 'x' }] },
});

/** A store that counts the lists and watches it is asked for, per kind. */
function counting(store: Store): { store: Store; lists: Map<string, number>; watches: Map<string, number> } {
  const lists = new Map<string, number>();
  const watches = new Map<string, number>();
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'list' || prop === 'watch') {
        const tally = prop === 'list' ? lists : watches;
        return (kind: string, ...rest: unknown[]) => {
          tally.set(kind, (tally.get(kind) ?? 0) + 1);
          return (v as (...a: unknown[]) => unknown).call(target, kind, ...rest);
        };
      }
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { store: wrapped, lists, watches };
}

const until = async (cond: () => boolean, ms = 2000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('SharedInformerFactory', () => {
  it('lists and watches each kind once however many consumers ask, and every consumer sees every object', async () => {
    const base = new MemoryStore();
    await base.create(service('a'));
    const { store, lists, watches } = counting(base);
    const factory = new SharedInformerFactory(store);
    const seen: string[][] = [[], [], []];
    const views = [0, 1, 2].map((i) => {
      const v = factory.informer('Service');
      v.on((e) => seen[i]!.push(`${e.type} ${e.object.metadata?.name}`));
      return v;
    });
    await factory.waitForCacheSync();
    await Promise.all(views.map((v) => v.synced));
    await base.create(service('b'));
    await until(() => seen.every((s) => s.length === 2));
    expect(seen).toEqual([['ADDED a', 'ADDED b'], ['ADDED a', 'ADDED b'], ['ADDED a', 'ADDED b']]);
    expect(lists.get('Service')).toBe(1);
    expect(watches.get('Service')).toBe(1);
    expect(views[0]!.get('default/b')).toBe(views[1]!.get('default/b')); // one object, not a copy per consumer
    factory.stop();
  });

  it('a consumer that comes after the first list gets the cache as ADDED events, unsynced until they are in, and nothing twice', async () => {
    const store = new MemoryStore();
    await store.create(service('a'));
    await store.create(service('b'));
    const factory = new SharedInformerFactory(store);
    const first = factory.informer('Service');
    await first.synced;
    const late = factory.informer('Service');
    const events: string[] = [];
    late.on((e) => events.push(`${e.type} ${e.object.metadata?.name} synced=${late.hasSynced()}`));
    expect(late.hasSynced()).toBe(false);
    await late.synced;
    expect(late.hasSynced()).toBe(true);
    expect(events.sort()).toEqual(['ADDED a synced=false', 'ADDED b synced=false']);
    await store.delete('Service', 'default', 'a');
    await until(() => events.length === 3);
    expect(events[2]).toBe('DELETED a synced=true');
    factory.stop();
  });

  it('indexes by namespace, by the Service of an EndpointSlice and by the node of a Pod, kept current', async () => {
    const store = new MemoryStore();
    await store.create(slice('s1', 'web'), { trusted: true });
    await store.create(slice('s2', 'web', 'default', '10.0.0.2'), { trusted: true });
    await store.create(slice('s3', 'web', 'other'), { trusted: true });
    await store.create(pod('p1', 'node-1'));
    await store.create(pod('p2', 'node-2'));
    const factory = new SharedInformerFactory(store);
    const slices = factory.informer('EndpointSlice');
    const pods = factory.informer('Pod');
    await factory.waitForCacheSync();
    const names = (xs: readonly { metadata?: { name?: string } }[]) => xs.map((x) => x.metadata?.name ?? '').sort();
    expect(names(slices.byIndex('service', 'default/web'))).toEqual(['s1', 's2']);
    expect(names(slices.byIndex('service', 'other/web'))).toEqual(['s3']);
    expect(names(slices.byIndex('namespace', 'other'))).toEqual(['s3']);
    expect(names(pods.byIndex('node', 'node-1'))).toEqual(['p1']);
    // A handler reading the index sees the state its event describes.
    const atEvent: string[][] = [];
    slices.on(() => atEvent.push(names(slices.byIndex('service', 'default/web'))));
    const moved = { ...slice('s2', 'api', 'default', '10.0.0.2'), metadata: { ...slice('s2', 'api').metadata } };
    await store.update(moved, { trusted: true });
    await store.delete('EndpointSlice', 'default', 's1');
    await until(() => atEvent.length === 2);
    expect(atEvent).toEqual([['s1'], []]);
    expect(names(slices.byIndex('service', 'default/api'))).toEqual(['s2']);
    expect(slices.byIndex('service', 'default/web')).toEqual([]);
    await store.delete('Pod', 'default', 'p1');
    await until(() => pods.byIndex('node', 'node-1').length === 0);
    expect(names(pods.byIndex('node', 'node-2'))).toEqual(['p2']);
    factory.stop();
  });

  it('with freeze, hands out frozen objects: a consumer that mutates one throws, and no other consumer\'s view changes', async () => {
    const store = new MemoryStore();
    await store.create(slice('s1', 'web'), { trusted: true });
    const factory = new SharedInformerFactory(store, { freeze: true });
    const careless = factory.informer('EndpointSlice');
    const careful = factory.informer('EndpointSlice');
    await factory.waitForCacheSync();
    const got = careless.get('default/s1')!;
    expect(() => got.endpoints[0]!.addresses.push('10.9.9.9')).toThrow(TypeError);
    expect(() => { got.endpoints[0]!.conditions!.ready = false; }).toThrow(TypeError);
    expect(() => { got.metadata!.labels!['kubernetes.io/service-name'] = 'other'; }).toThrow(TypeError);
    expect(() => { (got as { endpoints: unknown[] }).endpoints = []; }).toThrow(TypeError);
    expect(careful.get('default/s1')?.endpoints).toEqual([{ addresses: ['10.0.0.1'], conditions: { ready: true } }]);
    expect(careful.byIndex('service', 'default/web')).toHaveLength(1);
    // Objects arriving by watch are frozen too.
    await store.create(slice('s2', 'web', 'default', '10.0.0.2'), { trusted: true });
    await until(() => careful.get('default/s2') !== undefined);
    expect(Object.isFrozen(careful.get('default/s2')!.endpoints[0]!.addresses)).toBe(true);
    factory.stop();
  });

  it('one consumer stopping (or its signal aborting) leaves the others watching; a handler error goes to its own consumer', async () => {
    const store = new MemoryStore();
    const factory = new SharedInformerFactory(store);
    const ac = new AbortController();
    const errors: string[][] = [[], []];
    const a = factory.informer('Service', { signal: ac.signal, onError: (e) => errors[0]!.push(e.message) });
    const b = factory.informer('Service', { onError: (e) => errors[1]!.push(e.message) });
    const got: InformerEvent<Service>[][] = [[], []];
    a.on((e) => {
      got[0]!.push(e);
      throw new Error('a broke');
    });
    b.on((e) => got[1]!.push(e));
    await factory.waitForCacheSync();
    await store.create(service('x'));
    await until(() => got[1]!.length === 1 && got[0]!.length === 1);
    expect(errors).toEqual([['a broke'], []]);
    ac.abort();
    await store.create(service('y'));
    await until(() => got[1]!.length === 2);
    expect(got[0]).toHaveLength(1);
    expect(b.list().map((s) => s.metadata?.name).sort()).toEqual(['x', 'y']);
    factory.stop();
  });
});
