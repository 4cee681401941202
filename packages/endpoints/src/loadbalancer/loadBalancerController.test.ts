import { MemoryStore } from '@svcnet/store';
import { describe, expect, it } from 'vitest';
import { LoadBalancerController, type LoadBalancerLease } from './loadBalancerController.js';

const quiet = { info: () => {}, warn: () => {} };
const lb = (name: string) => ({ apiVersion: 'v1' as const, kind: 'Service' as const, metadata: { name, namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
const ingressOf = async (store: MemoryStore, name: string) => (await store.get('Service', 'default', name))?.status?.loadBalancer?.ingress;

describe('LoadBalancerController', () => {
  it('without a lease (the only writer, as the demo): assigns at start and on new Services, announcing through onAddresses', async () => {
    const store = new MemoryStore();
    await store.create(lb('svc1'));
    const told: string[][] = [];
    const c = new LoadBalancerController(store, { pools: ['203.0.113.10-203.0.113.11'], onAddresses: async (a) => void told.push(a), log: quiet });
    await c.start();
    await c.idle();
    expect(await ingressOf(store, 'svc1')).toEqual([{ ip: '203.0.113.10', ipMode: 'VIP' }]);
    await store.create(lb('svc2'));
    for (let i = 0; i < 50 && !(await ingressOf(store, 'svc2')); i++) await c.idle().then(() => new Promise((r) => setTimeout(r, 10)));
    expect(await ingressOf(store, 'svc2')).toEqual([{ ip: '203.0.113.11', ipMode: 'VIP' }]);
    expect(told.at(-1)).toEqual(['203.0.113.10', '203.0.113.11']);
    c.stop();
    await store.close();
  });

  it('under a lease it does not hold: writes nothing and is told to announce nothing', async () => {
    const store = new MemoryStore();
    await store.create(lb('svc1'));
    const lease: LoadBalancerLease = { isLeader: false, fence: undefined, lose: () => {} };
    const told: string[][] = [];
    const c = new LoadBalancerController(store, { pools: ['203.0.113.10/32'], elector: lease, onAddresses: async (a) => void told.push(a), log: quiet });
    await c.start();
    c.kick();
    await c.idle();
    expect(await ingressOf(store, 'svc1')).toBeUndefined();
    expect(told.length).toBeGreaterThan(0);
    expect(told.flat()).toEqual([]);
    c.stop();
    await store.close();
  });
});
