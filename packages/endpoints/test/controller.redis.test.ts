import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore, isStoreError, type Store } from '@svcnet/store';
import { RedisServer, describeWith, redisServer } from '@svcnet/testkit';
import type { Pod, Service } from '@svcnet/model';
import { LABEL_SERVICE_NAME } from '@svcnet/model';
import { DEFAULT_LEASE_NAME, EndpointsController } from '../src/index.js';
import { seededRandom, testPod, putPod } from './fixtures.js';

const web: Service = {
  apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
};
const pod = (i: number): Pod => {
  const p = testPod('default', i, 0, true);
  p.metadata!.labels = { app: 'web' };
  return p;
};

async function until(cond: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describeWith('EndpointsController on RedisStore', [redisServer], () => {
  let server: RedisServer;
  const stores: Store[] = [];
  const open = () => {
    const s = openStore(server.url);
    stores.push(s);
    return s;
  };
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await server?.stop();
  });

  it('two runners race for the lease: one writes; after it dies the other takes over; the old fence is rejected', async () => {
    const admin = open();
    await admin.create({ ...web, kind: 'Service' });
    await putPod(admin, pod(0));
    const a = new EndpointsController(open(), { holder: 'a', leaseTtlMs: 600, random: seededRandom(1), watchNodes: false });
    const b = new EndpointsController(open(), { holder: 'b', leaseTtlMs: 600, random: seededRandom(2), watchNodes: false });
    await Promise.all([a.start(), b.start()]);
    await until(async () => a.isLeader || b.isLeader, 'a leader');
    const [leader, follower] = a.isLeader ? [a, b] : [b, a];
    await leader.whenIdle();
    expect(follower.isLeader).toBe(false);
    const ep = await admin.get('Endpoints', 'default', 'web');
    expect(ep?.subsets?.[0]?.addresses?.map((x) => x.ip)).toEqual(['1.2.3.4']);
    expect(follower.stats().writes).toEqual({ create: 0, update: 0, delete: 0 });

    const oldLease = (await admin.leases.get(DEFAULT_LEASE_NAME))!;
    await leader.stop({ release: false }); // crash: the lease lapses after its TTL
    await putPod(admin, pod(1));
    await until(async () => follower.isLeader, 'the follower to take the lease');
    await until(async () => (await admin.get('Endpoints', 'default', 'web'))?.subsets?.[0]?.addresses?.length === 2, 'the new leader to write');
    const newLease = (await admin.leases.get(DEFAULT_LEASE_NAME))!;
    expect(newLease.token).toBeGreaterThan(oldLease.token);

    // The old holder's late write is rejected by fencing.
    const slices = (await admin.list('EndpointSlice', { labelSelector: { [LABEL_SERVICE_NAME]: 'web' } })).items;
    const late = { ...slices[0]!, kind: 'EndpointSlice' as const, endpoints: [] };
    const err = await admin.update(late, { fence: { lease: oldLease.name, token: oldLease.token } }).catch((e: unknown) => e);
    expect(isStoreError(err, 'Fenced')).toBe(true);
    await follower.stop();
  });
});
