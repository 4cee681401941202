import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { MemoryStore } from './memoryStore.js';
import { silentNodes } from './nodeStatus.js';

describe('silentNodes', () => {
  it('picks agents silent for longer than the grace period, by the store clock', async () => {
    const clock = new ManualClock(1_000_000);
    const store = new MemoryStore({ clock });
    await store.nodeStatus.heartbeat('a');
    clock.advance(30_000);
    await store.nodeStatus.heartbeat('b');
    clock.advance(15_000);
    const list = await store.nodeStatus.list();
    expect(silentNodes(list, clock.now()).map((s) => s.node)).toEqual(['a']);
    expect(silentNodes(list, clock.now(), 10_000).map((s) => s.node)).toEqual(['a', 'b']);
    expect(silentNodes(list, clock.now(), 60_000)).toEqual([]);
  });
});
