import { openssl, describeWith } from '@svcnet/testkit';
import { MemoryStore } from '@svcnet/store';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { KubernetesSource, type KubernetesSourceStatus } from '../src/index.js';
import { eventually } from './eventually.js';
import { FakeApiServer, type FakeObject } from './fakeApiServer.js';

const svc = (name: string, port = 80): FakeObject => ({
  kind: 'Service',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: '2024-01-01T00:00:00Z', managedFields: [{ manager: 'kubectl' }] },
  spec: { selector: { app: name }, ports: [{ port, targetPort: 8080, protocol: 'TCP' }], clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], type: 'ClusterIP' },
});

const fixtures: FakeObject[] = [
  svc('web'),
  { kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ port: 8080 }] }] },
  {
    kind: 'EndpointSlice',
    metadata: { name: 'web-abc12', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true } }],
    ports: [{ port: 8080, protocol: 'TCP' }],
  },
  { kind: 'Pod', metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] }, status: { podIP: '10.244.1.5', phase: 'Running' } },
  { kind: 'Node', metadata: { name: 'node-1' }, spec: { podCIDR: '10.244.1.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.1.10' }] } },
  { kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } },
  { kind: 'Ingress', metadata: { name: 'web', namespace: 'default' }, spec: { ingressClassName: 'nginx', rules: [{ host: 'web.example.com' }] } },
  { kind: 'Secret', metadata: { name: 'web-tls', namespace: 'default' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'Y3J0', 'tls.key': 'a2V5' } },
  { kind: 'Secret', metadata: { name: 'db-password', namespace: 'default' }, type: 'Opaque', data: { password: 'c2VjcmV0' } },
];

let api: FakeApiServer;
let store: MemoryStore;
let source: KubernetesSource | undefined;
let statuses: KubernetesSourceStatus[];

async function startSource(extra: Partial<ConstructorParameters<typeof KubernetesSource>[1]> = {}): Promise<KubernetesSource> {
  statuses = [];
  source = new KubernetesSource(store, {
    kubeconfig: api.writeKubeconfig('fake'),
    context: 'fake',
    retry: { initialMs: 30, maxMs: 150 },
    onStatus: (s) => statuses.push(s),
    ...extra,
  });
  await source.start();
  return source;
}

const names = async (kind: 'Service' | 'Pod' | 'Secret') => (await store.list(kind)).items.map((o) => o.metadata!.name).sort();

describeWith('KubernetesSource against a fake API server', [openssl], () => {
  beforeEach(async () => {
    api = await FakeApiServer.start();
    store = new MemoryStore();
    for (const o of fixtures) api.upsert(o);
  });

  afterEach(async () => {
    await source?.stop();
    source = undefined;
    await store.close();
    await api.close();
  });

  it('mirrors the initial lists into the store, TLS Secrets only, from the kubeconfig context given', async () => {
    const s = await startSource();
    const status = s.status();
    expect(status).toMatchObject({ state: 'connected', connected: true, synced: true, server: api.url });
    expect(status.kinds.Service).toMatchObject({ synced: true, connected: true, objects: 1, lists: 1 });

    const web = await store.get('Service', 'default', 'web');
    // List items come without kind/apiVersion; the store gets them filled in, managedFields dropped.
    expect(web).toMatchObject({ apiVersion: 'v1', kind: 'Service', metadata: { uid: 'uid-web', annotations: { 'svcnet.io/source': 'kubernetes' } } });
    expect(web!.metadata!.managedFields).toBeUndefined();
    expect(web!.spec!.clusterIP).toBe('10.96.0.10');
    expect(await store.get('EndpointSlice', 'default', 'web-abc12')).toMatchObject({ apiVersion: 'discovery.k8s.io/v1', addressType: 'IPv4' });
    expect(await store.get('Endpoints', 'default', 'web')).toBeDefined();
    expect(await store.get('Node', undefined, 'node-1')).toBeDefined();
    expect(await store.get('IngressClass', undefined, 'nginx')).toBeDefined();
    expect(await store.get('Ingress', 'default', 'web')).toMatchObject({ apiVersion: 'networking.k8s.io/v1' });
    expect(await names('Secret')).toEqual(['web-tls']);
    expect(api.requests.some((r) => r.path === '/api/v1/secrets' && r.query['fieldSelector'] === 'type=kubernetes.io/tls')).toBe(true);
    // Watches ask for bookmarks and resume from the list's resourceVersion.
    const watch = api.requests.find((r) => r.watch && r.path === '/api/v1/services')!;
    expect(watch.query).toMatchObject({ allowWatchBookmarks: 'true', resourceVersion: String(api.resourceVersion) });
  });

  it('leaves Endpoints and EndpointSlices to svcnet when reconcileEndpoints is set', async () => {
    const s = await startSource({ reconcileEndpoints: true });
    expect(s.kinds).not.toContain('Endpoints');
    expect(s.kinds).not.toContain('EndpointSlice');
    expect(await store.get('Endpoints', 'default', 'web')).toBeUndefined();
    expect(api.requests.some((r) => r.path.includes('endpoint'))).toBe(false);
  });

  it('follows added, modified and deleted objects from the watch', async () => {
    await startSource();
    api.upsert(svc('api', 81));
    api.upsert(svc('web', 8080));
    api.remove('Pod', 'default', 'web-1');
    api.upsert({ kind: 'Secret', metadata: { name: 'other-tls', namespace: 'default' }, type: 'kubernetes.io/tls', data: {} });
    api.upsert({ kind: 'Secret', metadata: { name: 'token', namespace: 'default' }, type: 'Opaque', data: {} });
    await eventually(async () => {
      expect(await names('Service')).toEqual(['api', 'web']);
      expect((await store.get('Service', 'default', 'web'))!.spec!.ports![0]!.port).toBe(8080);
      expect(await names('Pod')).toEqual([]);
      expect(await names('Secret')).toEqual(['other-tls', 'web-tls']);
    });
  });

  it('resumes a dropped watch from its resourceVersion without relisting', async () => {
    const s = await startSource();
    const watchesBefore = api.requests.filter((r) => r.watch && r.path === '/api/v1/services').length;
    expect(api.dropWatches()).toBeGreaterThan(0);
    api.upsert(svc('after-drop'));
    await eventually(async () => expect(await names('Service')).toEqual(['after-drop', 'web']));
    const watches = api.requests.filter((r) => r.watch && r.path === '/api/v1/services');
    expect(watches.length).toBeGreaterThan(watchesBefore);
    expect(watches.at(-1)!.query['resourceVersion']).not.toBe('');
    expect(s.status().kinds.Service!.lists).toBe(1);
    await eventually(() => expect(s.status().connected).toBe(true));
  });

  it('keeps the last state while the API server is down, says so, and converges when it is back', async () => {
    const s = await startSource();
    await api.down();
    await eventually(() => expect(s.status()).toMatchObject({ state: 'disconnected', connected: false }));
    expect(s.status().lastError).toMatch(/kubernetes source: \w+: /);
    expect(statuses.some((x) => x.state === 'disconnected')).toBe(true);
    // The store still serves what it had.
    expect(await names('Service')).toEqual(['web']);
    expect(await names('Pod')).toEqual(['web-1']);

    api.upsert(svc('while-down'));
    api.remove('Pod', 'default', 'web-1');
    await api.listen();
    await eventually(async () => {
      expect(await names('Service')).toEqual(['web', 'while-down']);
      expect(await names('Pod')).toEqual([]);
      expect(s.status()).toMatchObject({ state: 'connected', connected: true });
    });
    // History was kept, so the watch resumed without a relist.
    expect(s.status().kinds.Service!.lists).toBe(1);
  });

  it('starts while the API server is unreachable, says so, and syncs once it answers', async () => {
    const kubeconfig = api.writeKubeconfig('fake');
    await api.down();
    const s = await startSource({ kubeconfig });
    expect(s.status()).toMatchObject({ state: 'disconnected', connected: false, synced: false });
    expect(s.status().kinds.Service!.lastError).toMatch(/ECONNREFUSED/);
    expect(await names('Service')).toEqual([]);
    await api.listen();
    await eventually(async () => {
      expect(s.status()).toMatchObject({ state: 'connected', synced: true });
      expect(await names('Service')).toEqual(['web']);
    });
  });

  it('relists on 410 Gone and leaves no stale object behind', async () => {
    const s = await startSource();
    await api.down();
    api.remove('Service', 'default', 'web');
    api.upsert(svc('fresh'));
    api.remove('Node', undefined, 'node-1');
    api.compact();
    await api.listen();
    await eventually(async () => {
      expect(await names('Service')).toEqual(['fresh']);
      expect(await store.get('Node', undefined, 'node-1')).toBeUndefined();
      expect(s.status().kinds.Service!.lists).toBe(2);
      expect(s.status().connected).toBe(true);
    });
    // The watch got the ERROR event (a Status with code 410) and the informer listed again.
    const servicesRequests = api.requests.filter((r) => r.path === '/api/v1/services');
    expect(servicesRequests.filter((r) => !r.watch)).toHaveLength(2);
  });

  it('prunes objects a previous run mirrored that the API server no longer has', async () => {
    await store.apply(
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'gone', namespace: 'default', annotations: { 'svcnet.io/source': 'kubernetes' } }, spec: { ports: [{ port: 80 }] } },
      { trusted: true },
    );
    await store.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'local', namespace: 'default' }, spec: { ports: [{ port: 80 }] } }, { trusted: true });
    await startSource();
    expect(await names('Service')).toEqual(['local', 'web']);
  });

  it('leaves no watch open when stopped, even in the middle of starting', async () => {
    const s = new KubernetesSource(store, { kubeconfig: api.writeKubeconfig('fake'), context: 'fake' });
    const starting = s.start();
    await s.stop();
    await starting;
    await new Promise((r) => setTimeout(r, 300));
    expect(api.openWatches).toBe(0);
    const s2 = await startSource();
    await eventually(() => expect(api.openWatches).toBe(8));
    await s2.stop();
    await eventually(() => expect(api.openWatches).toBe(0));
    const written = (await store.list('Service')).revision;
    api.upsert(svc('after-stop'));
    await new Promise((r) => setTimeout(r, 100));
    expect((await store.list('Service')).revision).toBe(written);
    expect(s2.status().state).toBe('stopped');
  });

  it('explains a context that is not in the kubeconfig', () => {
    expect(() => new KubernetesSource(store, { kubeconfig: api.writeKubeconfig('fake'), context: 'nope' })).toThrow(
      'context "nope" not found in kubeconfig; known contexts: fake, elsewhere',
    );
  });
});
