import { SIMULATED_ANNOTATION, type EndpointSlice, type Endpoints, type KubeObject, type Pod, type Service } from '@svcnet/model';
import { MemoryStore, SharedInformerFactory, dataPlaneObjects, type Informer } from '@svcnet/store';
import { afterEach, describe, expect, it } from 'vitest';
import { ingress, path, rule, service, slice } from '../../test/fixtures.js';
import type { BackendResolution } from '../routes/backends.js';
import { IngressView } from './ingressView.js';
import { storeBackendObjects } from './storeBackendObjects.js';
import { watchIngressInputs } from './watchIngressInputs.js';

const ref = (service: string) => ({ namespace: 'default', service, port: 8080 }) as const;
const upstreams = (r: BackendResolution) => (r.kind === 'ok' ? r.upstreams.map((u) => u.key) : r.reason);
const stops: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

/** Polls (bounded: 100 x 10 ms) until `f` holds. */
async function until(f: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
}

async function watched(store: MemoryStore, withFactory: boolean): Promise<IngressView> {
  const factory = new SharedInformerFactory(store);
  const view = new IngressView();
  const watch = watchIngressInputs(store, view, withFactory ? { informers: factory } : {});
  stops.push(() => factory.stop(), () => watch.stop());
  await watch.synced;
  return view;
}

describe('an IngressView fed by watchIngressInputs reads backends from the informers', () => {
  it.each([['the process\'s factory', true], ['a factory of its own', false]])('follows slices added, moved between Services and deleted (%s)', async (_name, withFactory) => {
    const store = new MemoryStore();
    stops.push(() => store.close());
    await store.apply(service('a', [{ port: 8080, name: 'http' }]), { trusted: true });
    await store.apply(service('b', [{ port: 8080, name: 'http' }]), { trusted: true });
    await store.apply(slice('a', 'http', 9376, [['10.0.0.1', true]], 'a-1'), { trusted: true });
    const view = await watched(store, withFactory);
    expect(upstreams(view.resolve(ref('a')))).toEqual(['10.0.0.1:9376']);
    expect(upstreams(view.resolve(ref('b')))).toBe('Service "default/b" port 8080 has no ready endpoints');

    // A second slice keeps the first one's place (the order the view kept them in before).
    await store.apply(slice('a', 'http', 9376, [['10.0.0.2', true]], 'a-2'), { trusted: true });
    await store.apply(slice('a', 'http', 9376, [['10.0.0.3', true]], 'a-1'), { trusted: true });
    await until(() => upstreams(view.resolve(ref('a'))).length === 2 && upstreams(view.resolve(ref('a')))[0] === '10.0.0.3:9376');
    expect(upstreams(view.resolve(ref('a')))).toEqual(['10.0.0.3:9376', '10.0.0.2:9376']);

    // Relabelled to b: both Services' cached resolutions are dropped.
    await store.apply(slice('b', 'http', 9376, [['10.0.0.2', true]], 'a-2'), { trusted: true });
    await until(() => view.resolve(ref('b')).kind === 'ok');
    expect(upstreams(view.resolve(ref('a')))).toEqual(['10.0.0.3:9376']);
    expect(upstreams(view.resolve(ref('b')))).toEqual(['10.0.0.2:9376']);

    await store.delete('Service', 'default', 'a');
    await until(() => view.resolve(ref('a')).kind === 'missing');
    expect(upstreams(view.resolve(ref('a')))).toBe('Service "default/a" not found');
  });

  it('keeps what it is given by hand beside what it reads (a slice of a watched Service)', async () => {
    const store = new MemoryStore();
    stops.push(() => store.close());
    await store.apply(service('a', [{ port: 8080, name: 'http' }]), { trusted: true });
    const factory = new SharedInformerFactory(store);
    const view = new IngressView();
    view.upsert(slice('a', 'http', 9376, [['10.0.0.9', true]], 'a-by-hand'));
    const watch = watchIngressInputs(store, view, { informers: factory });
    stops.push(() => factory.stop(), () => watch.stop());
    await watch.synced;
    expect(upstreams(view.resolve(ref('a')))).toEqual(['10.0.0.9:9376']);
  });

  it('routes to the data plane\'s filtered slices when given them with the factory (the agent)', async () => {
    const store = new MemoryStore();
    stops.push(() => store.close());
    const pod = (name: string, simulated: boolean): Pod & { kind: 'Pod' } => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', ...(simulated ? { annotations: { [SIMULATED_ANNOTATION]: 'true' } } : {}) }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    await store.apply(pod('real', false));
    await store.apply(pod('sim', true));
    await store.apply(service('a', [{ port: 8080, name: 'http' }]), { trusted: true });
    const s = slice('a', 'http', 9376, [['10.0.0.1', true], ['10.0.0.2', true]], 'a-1');
    s.endpoints = s.endpoints.map((e, i) => ({ ...e, targetRef: { kind: 'Pod', namespace: 'default', name: i === 0 ? 'real' : 'sim' } }));
    await store.apply(s, { trusted: true });
    await store.apply(ingress('a', { rules: [rule('a.test', path('/', 'Prefix', 'a'))] }), { trusted: true });
    const factory = new SharedInformerFactory(store);
    const dp = dataPlaneObjects(store, { informers: factory });
    const view = new IngressView();
    const watch = watchIngressInputs(store, view, { informers: factory, endpointSlices: dp.endpointSlices, endpoints: dp.endpoints });
    stops.push(() => factory.stop(), () => dp.stop(), () => watch.stop());
    await Promise.all([dp.synced, watch.synced]);
    expect(upstreams(view.resolve(ref('a')))).toEqual(['10.0.0.1:9376']);
    // The real Pod becomes simulated: the filtered informer hands the slice on again, the cache drops.
    await store.apply(pod('real', true));
    await until(() => view.resolve(ref('a')).kind === 'missing');
    expect(upstreams(view.resolve(ref('a')))).toContain('its 2 endpoints are simulated Pods');
  });
});

/** An informer's read side over plain objects (storeBackendObjects only calls get). */
function readOnly<T extends KubeObject>(objects: T[]): Informer<T> {
  const byKey = new Map(objects.map((o) => [`${o.metadata?.namespace}/${o.metadata?.name}`, o]));
  return { get: (key: string) => byKey.get(key) } as unknown as Informer<T>;
}

describe('storeBackendObjects (what a watching view reads)', () => {
  const web = service('web', [{ port: 8080, name: 'http' }]) as Service;
  const slices = [slice('web', 'http', 9376, [['10.0.0.1', true], ['127.0.0.1', true]], 'web-1'), slice('web', 'http', 9376, [['10.0.0.2', true]], 'web-bad')] as EndpointSlice[];
  const endpoints: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: '169.254.0.1' }, { ip: '10.0.0.3' }] }] };

  it('leaves out special addresses and what the view skipped for its shape', () => {
    const skipped = new Set(['EndpointSlice default/web-bad']);
    const objects = storeBackendObjects({ services: readOnly([web]), endpointSlices: readOnly(slices), slicesOfService: () => slices, endpoints: readOnly([endpoints]), skipped });
    expect([...objects.endpointSlices('default/web')].map((s) => s.endpoints?.flatMap((e) => e.addresses))).toEqual([['10.0.0.1']]);
    expect(objects.endpoints('default/web')?.subsets?.[0]?.addresses?.map((a) => a.ip)).toEqual(['10.0.0.3']);
    expect(objects.service('default/web')).toBe(web);
    skipped.add('Service default/web');
    expect(objects.service('default/web')).toBeUndefined();
  });
});
