import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memoryStore.js';

describe('writes with a malformed identity', () => {
  it.each([[''], [5], [true], [['a']]])('metadata %j is refused with a field error and nothing is stored', async (metadata) => {
    const store = new MemoryStore();
    const write = store.apply({ apiVersion: 'v1', kind: 'Service', metadata, spec: { ports: [{ port: 80 }] } } as never);
    await expect(write).rejects.toThrow(/Service "" is invalid: metadata: Invalid value: .*must be an object/);
    expect((await store.list('Service')).items).toEqual([]);
  });
});
