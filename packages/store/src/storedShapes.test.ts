import { getHeapStatistics } from 'node:v8';
import { exposedGc } from '@svcnet/testkit';
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@svcnet/model';
import { MemoryStore } from './memoryStore.js';

const slice = (i: number, endpoints = 10): EndpointSlice & { kind: 'EndpointSlice' } => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { namespace: 'default', name: `svc-${i}-abcde`, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: Array.from({ length: endpoints }, (_, e) => ({
    addresses: [`10.${100 + (i >> 16)}.${(i >> 8) & 255}.${((i & 255) * endpoints + e) % 250 + 2}`],
    conditions: { ready: true, serving: true, terminating: false },
    nodeName: `node-${e % 3}`,
  })),
});
const service = (i: number): Service & { kind: 'Service' } => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: 'default', name: `svc-${i}` },
  spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
});

describe('stored objects share their identical parts (issue 18)', () => {
  it('endpoint conditions and port entries are one frozen value; reads that are copies stay mutable; values are unchanged', async () => {
    const store = new MemoryStore();
    await store.create(slice(1));
    await store.create(slice(2), { trusted: true });
    const [a, b] = (await store.list('EndpointSlice', { shared: true })).items;
    expect(a!.endpoints[0]!.conditions).toBe(b!.endpoints[3]!.conditions);
    expect(a!.ports![0]).toBe(b!.ports![0]);
    // A holder that mutated a shared part in place would change every object holding it: it throws.
    expect(Object.isFrozen(a!.endpoints[0]!.conditions)).toBe(true);
    expect(() => { (a!.endpoints[0]!.conditions as { ready?: boolean }).ready = false; }).toThrow(TypeError);
    expect(() => { (a!.ports![0] as { port?: number }).port = 1; }).toThrow(TypeError);
    expect(b!.endpoints[3]!.conditions).toEqual({ ready: true, serving: true, terminating: false });
    // What was written is what is read, field for field and in the same key order.
    const expected = slice(2);
    expect(JSON.stringify({ ...b, metadata: undefined })).toBe(JSON.stringify({ ...expected, metadata: undefined }));
    const copy = await store.get('EndpointSlice', 'default', 'svc-1-abcde');
    copy!.endpoints[0]!.conditions!.ready = false;
    expect(a!.endpoints[0]!.conditions!.ready).toBe(true);
  });

  it('an immutable trusted write keeps its writer\'s nested values as given (they are the writer\'s, not the store\'s)', async () => {
    const store = new MemoryStore();
    const given = slice(3);
    const written = await store.create(given, { trusted: true, immutable: true });
    expect(written.endpoints[0]!.conditions).toBe(given.endpoints[0]!.conditions);
    expect(Object.isFrozen(given.endpoints[0]!.conditions)).toBe(false);
  });

  it('Services keep their values: defaulted and allocated fields read back as admission set them', async () => {
    const store = new MemoryStore();
    const first = await store.create(service(1));
    const second = await store.create(service(2));
    const stored = (await store.list('Service', { shared: true })).items;
    expect(stored[0]!.spec).toEqual(first.spec);
    expect(stored[1]!.spec).toEqual(second.spec);
    expect(stored[0]!.spec!.ports![0]).toBe(stored[1]!.spec!.ports![0]);
    expect(stored[0]!.spec).toMatchObject({ type: 'ClusterIP', ipFamilies: ['IPv4'], clusterIPs: [expect.any(String)] });
  });

  // Measured on Node 20.20 (V8 11.3): ~2,850 bytes per slice of 10 endpoints before (a conditions
  // object per endpoint, a ports array per slice, a uid kept as a rope of ~15 nodes), ~1,820 after.
  it('keeps < 2,100 bytes per EndpointSlice of 10 endpoints (10,000s of them at 10,000 Services)', async () => {
    const gc = exposedGc();
    const n = 5000;
    const inputs = Array.from({ length: n }, (_, i) => slice(i));
    // Other allocations of the runner only add to a sample: the least of three is the store's own share.
    const samples: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const store = new MemoryStore();
      gc();
      const before = getHeapStatistics().used_heap_size;
      for (const s of inputs) await store.create(s, { trusted: true });
      gc();
      samples.push((getHeapStatistics().used_heap_size - before) / n);
      expect((await store.list('EndpointSlice', { shared: true })).items).toHaveLength(n);
      await store.close();
    }
    expect(Math.min(...samples)).toBeLessThan(2100);
  });

  // Node 20.20: ~1,460-1,750 bytes per admitted Service before (the allocator's structuredClone
  // copies every string; clusterIPs, ipFamilies and ports grown by push to 17 slots), ~890 after.
  it('keeps < 1,200 bytes per admitted Service with one port', async () => {
    const gc = exposedGc();
    const n = 5000;
    const samples: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const store = new MemoryStore();
      gc();
      const before = getHeapStatistics().used_heap_size;
      for (let i = 0; i < n; i++) await store.create(service(i));
      gc();
      samples.push((getHeapStatistics().used_heap_size - before) / n);
      expect((await store.list('Service', { shared: true })).items).toHaveLength(n);
      await store.close();
    }
    expect(Math.min(...samples)).toBeLessThan(1200);
  });
});
