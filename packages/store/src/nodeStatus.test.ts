import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memoryStore.js';
import { silentNodes } from './nodeStatus.js';

describe('silentNodes', () => {
  it('picks agents silent for longer than the grace period, by the store clock', async () => {
    let now = 1_000_000;
    const store = new MemoryStore({ now: () => now });
    await store.nodeStatus.heartbeat('a');
    now += 30_000;
    await store.nodeStatus.heartbeat('b');
    now += 15_000;
    const list = await store.nodeStatus.list();
    expect(silentNodes(list, now).map((s) => s.node)).toEqual(['a']);
    expect(silentNodes(list, now, 10_000).map((s) => s.node)).toEqual(['a', 'b']);
    expect(silentNodes(list, now, 60_000)).toEqual([]);
  });
});
