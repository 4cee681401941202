import { afterEach, describe, expect, it } from 'vitest';
import type { Service } from '@svcnet/model';
import { MemoryStore } from '@svcnet/store';
import { EndpointsController } from '../src/index.js';
import { seededRandom } from './fixtures.js';

const stores: MemoryStore[] = [];
const controllers: EndpointsController[] = [];
afterEach(async () => {
  for (const c of controllers.splice(0)) await c.stop({ release: false });
  for (const s of stores.splice(0)) await s.close();
});

const TTL = 300;

/** Polls `cond` every 20 ms, at most `ms` long (a bound, not an assertion on time). */
async function eventually(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

const web: Service & { kind: 'Service' } = {
  apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
};

// issue 18: the controller kept its lease when a renewal errored, so a controller cut off from
// the store went on acting as leader while its lease lapsed and another took it over. Now it uses
// @svcnet/store's LeaderElector, which steps down before the lease can lapse.
describe('EndpointsController lease', () => {
  it('steps down when its renewals fail, and the standby takes over once the lease lapses', async () => {
    const store = new MemoryStore();
    stores.push(store);
    const errors: string[] = [];
    const a = new EndpointsController(store, { random: seededRandom(1), leaseTtlMs: TTL, holder: 'a', watchNodes: false, onError: (e) => errors.push(e.message) });
    controllers.push(a);
    await a.start();
    expect(await eventually(() => a.isLeader)).toBe(true);

    // a is cut off from the store's leases (its renewals and attempts error); b is not.
    const renew = store.leases.renew.bind(store.leases);
    const acquire = store.leases.acquire.bind(store.leases);
    let failing = true;
    store.leases.renew = async (lease, ttl) => {
      if (failing && lease.holder === 'a') throw new Error('store unreachable');
      return renew(lease, ttl);
    };
    store.leases.acquire = async (name, holder, ttl) => {
      if (failing && holder === 'a') throw new Error('store unreachable');
      return acquire(name, holder, ttl);
    };
    expect(await eventually(() => !a.isLeader)).toBe(true);
    expect(errors).toContain('store unreachable');

    const b = new EndpointsController(store, { random: seededRandom(2), leaseTtlMs: TTL, holder: 'b', watchNodes: false });
    controllers.push(b);
    await b.start();
    expect(await eventually(() => b.isLeader)).toBe(true);
    expect(a.isLeader).toBe(false);

    // The new leader writes the Service's objects; the old one stays a follower.
    await store.create(web);
    expect(await eventually(async () => (await store.get('Endpoints', 'default', 'web')) !== undefined)).toBe(true);
    failing = false;
    await new Promise((r) => setTimeout(r, TTL));
    expect([a.isLeader, b.isLeader]).toEqual([false, true]);
  });
});
