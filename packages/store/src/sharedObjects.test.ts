import { describe, expect, it } from 'vitest';
import type { EndpointSlice } from '@svcnet/model';
import { MemoryStore } from './memoryStore.js';

const slice = (): EndpointSlice & { kind: 'EndpointSlice' } => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace: 'default', name: 's1', labels: { a: 'b' } },
  addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }], ports: [{ name: '', port: 80, protocol: 'TCP' }],
});

describe('zero-copy writes and shared reads (MemoryStore)', () => {
  it('an immutable trusted write keeps the nested values and returns the stored object; metadata is the store\'s own', async () => {
    const store = new MemoryStore({ freezeObjects: true });
    const given = slice();
    const written = await store.create(given, { trusted: true, immutable: true });
    expect(written.endpoints).toBe(given.endpoints);
    expect(written.metadata).not.toBe(given.metadata);
    expect(given.metadata?.resourceVersion).toBeUndefined();
    const listed = await store.list('EndpointSlice', { shared: true });
    expect(listed.items[0]).toBe(written);
    const updated = await store.update({ ...written, kind: 'EndpointSlice', endpoints: [{ addresses: ['10.0.0.2'] }] }, { trusted: true, immutable: true });
    expect(updated.metadata?.generation).toBe(2);
    expect(written.metadata?.resourceVersion).toBe('1'); // the earlier stored object is left as it was
  });

  it('without the options, writes and reads are copies', async () => {
    const store = new MemoryStore();
    const given = slice();
    const written = await store.create(given);
    expect(written.endpoints).not.toBe(given.endpoints);
    const a = await store.list('EndpointSlice');
    const b = await store.list('EndpointSlice');
    expect(a.items[0]).not.toBe(b.items[0]);
    // immutable without trusted still runs admission, which defaults a copy, never the caller's object
    const bare = { ...slice(), metadata: { namespace: 'default', name: 's2' }, ports: [{ port: 81 }] };
    const admitted = await store.create(bare, { immutable: true });
    expect(admitted.ports).toEqual([{ name: '', port: 81, protocol: 'TCP' }]);
    expect(bare.ports).toEqual([{ port: 81 }]);
  });

  it('a shared watch delivers the stored objects', async () => {
    const store = new MemoryStore({ freezeObjects: true });
    const written = await store.create(slice(), { trusted: true, immutable: true });
    const ac = new AbortController();
    for await (const e of store.watch('EndpointSlice', { fromRevision: 0, signal: ac.signal, shared: true })) {
      expect(e.type === 'ADDED' && e.object).toBe(written);
      ac.abort();
    }
  });

  it('with freezeObjects, mutating a shared or zero-copy written object in place throws', async () => {
    const store = new MemoryStore({ freezeObjects: true });
    const given = slice();
    const written = await store.create(given, { trusted: true, immutable: true });
    const [item] = (await store.list('EndpointSlice', { shared: true })).items;
    expect(() => item!.endpoints[0]!.addresses.push('10.0.0.9')).toThrow(TypeError);
    expect(() => { item!.endpoints[0]!.conditions = { ready: false }; }).toThrow(TypeError);
    expect(() => { (written.metadata as { labels?: object }).labels = {}; }).toThrow(TypeError);
    // the writer's own object shares the nested values, so its mutation is caught too
    expect(() => given.endpoints.push({ addresses: ['10.0.0.3'] })).toThrow(TypeError);
    expect((await store.get('EndpointSlice', 'default', 's1'))?.endpoints).toEqual([{ addresses: ['10.0.0.1'] }]);
    // copies handed out by default are the caller's own to change
    const copy = (await store.list('EndpointSlice')).items[0]!;
    copy.endpoints[0]!.addresses.push('10.0.0.9');
    const deleted = await store.delete('EndpointSlice', 'default', 's1');
    deleted.metadata!.name = 'mine';
  });

  it('objects are not frozen by default', async () => {
    const store = new MemoryStore();
    await store.create(slice(), { trusted: true, immutable: true });
    const [item] = (await store.list('EndpointSlice', { shared: true })).items;
    expect(Object.isFrozen(item)).toBe(false);
  });
});
