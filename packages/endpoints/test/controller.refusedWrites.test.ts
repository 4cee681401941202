import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisStore, type StoreLogger } from '@svcnet/store';
import { RedisServer, describeWith, redisServer } from '@svcnet/testkit';
import type { Pod, Service } from '@svcnet/model';
import { LABEL_SERVICE_NAME } from '@svcnet/model';
import { EndpointsController } from '../src/index.js';
import { putPod, seededRandom, testPod } from './fixtures.js';

// The store refuses a trusted EndpointSlice with a loopback address (issue 22). The reconciler
// builds its slices from Pods it filters, but mirrors hand-written Endpoints as they are; one put
// into Redis around the store can still hold 127.0.0.1. Its mirrored slice is refused: the
// controller reports it, skips that object, keeps the lease and keeps writing everything else.
const PREFIX = 'refused:';
const quiet: StoreLogger = { error: () => undefined, warn: () => undefined };

const web: Service = {
  apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
};
const pod = (i: number): Pod => {
  const p = testPod('default', i, 0, true);
  p.metadata!.labels = { app: 'web' };
  return p;
};

async function until(cond: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describeWith('EndpointsController and a write the store refuses', [redisServer], () => {
  let server: RedisServer;
  let store: RedisStore;
  let controller: EndpointsController | undefined;
  beforeAll(async () => {
    server = await RedisServer.start();
    store = new RedisStore({ url: server.url, keyPrefix: PREFIX, logger: quiet });
  });
  afterAll(async () => {
    await controller?.stop();
    await store?.close();
    await server?.stop();
  });

  it('reports and skips the refused slice, and still writes the other Services', async () => {
    await store.create({ ...web, kind: 'Service' });
    await putPod(store, pod(0));
    await store.create({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'db' }, spec: { ports: [{ port: 5432 }] } });
    // Hand-written Endpoints for the selectorless Service, written around the store's validation.
    const rev = await store.redis.incr(`${PREFIX}{ep}:rev`);
    const raw = { apiVersion: 'v1', kind: 'Endpoints', metadata: { namespace: 'default', name: 'db', resourceVersion: String(rev), uid: 'raw' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 5432, protocol: 'TCP' }] }] };
    await store.redis.hset(`${PREFIX}{ep}:objs`, 'default/db', JSON.stringify(raw));

    const errors: { message: string; key?: string }[] = [];
    controller = new EndpointsController(store, { holder: 'a', leaseTtlMs: 5000, random: seededRandom(1), watchNodes: false, onError: (e, key) => errors.push({ message: e.message, ...(key ? { key } : {}) }) });
    await controller.start();
    await until(() => errors.some((e) => e.key === 'default/db'), 'the refusal to be reported');
    await until(async () => (await store.get('Endpoints', 'default', 'web'))?.subsets?.[0]?.addresses?.length === 1, 'web Endpoints');
    expect(errors.find((e) => e.key === 'default/db')?.message).toMatch(
      /^EndpointSlice "db-[a-z0-9]+" is invalid: endpoints\[0\]\.addresses\[0\]: Invalid value: "127\.0\.0\.1": may not be in the loopback range \(127\.0\.0\.0\/8, ::1\/128\)$/,
    );
    expect((await store.list('EndpointSlice', { labelSelector: { [LABEL_SERVICE_NAME]: 'db' } })).items).toEqual([]);

    // Still leading and still working: a new Pod is published.
    await putPod(store, pod(1));
    await until(async () => (await store.get('Endpoints', 'default', 'web'))?.subsets?.[0]?.addresses?.length === 2, 'the second Pod');
    const slices = (await store.list('EndpointSlice', { labelSelector: { [LABEL_SERVICE_NAME]: 'web' } })).items;
    expect(slices.flatMap((s) => s.endpoints.flatMap((e) => e.addresses)).sort()).toEqual(['1.2.3.4', '1.2.3.5']);
    expect(controller.isLeader).toBe(true);
    expect(controller.stats().refused).toBeGreaterThanOrEqual(1);
    expect(controller.stats().dropped).toBe(0);
  });
});
