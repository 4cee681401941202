import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { collectWhenQuiet } from './quietCollection.js';

// Decision 021: a worker collects once it is quiet and its old space grew; idle, it never collects
// again. Heap and collector are injected: what is tested is when, not what V8 frees (that is
// test/workerQuietCollection.test.ts).
describe('collectWhenQuiet', () => {
  const MB = 1048576;
  function harness(minGrowthBytes = 10 * MB) {
    let used = 0;
    const collected: { heapUsedBefore: number; heapUsedAfter: number }[] = [];
    const c = collectWhenQuiet({
      quietMs: 200,
      minGrowthBytes,
      heapUsed: () => used,
      collect: () => (used = Math.round(used / 2)),
      onCollected: (r) => collected.push(r),
    });
    return { c, collected, set: (b: number) => (used = b) };
  }

  it('collects once quiet after the heap grew, and not while messages keep coming', async () => {
    const h = harness();
    h.set(40 * MB);
    for (let i = 0; i < 5; i++) {
      h.c.touch();
      await sleep(10);
    }
    expect(h.collected).toEqual([]);
    await sleep(400);
    expect(h.collected).toEqual([{ heapUsedBefore: 40 * MB, heapUsedAfter: 20 * MB }]);
  });

  it('does not collect again while idle (growth below minGrowthBytes since the last collection)', async () => {
    const h = harness();
    h.set(40 * MB);
    h.c.touch();
    await sleep(400);
    h.set(25 * MB); // +5 MB since the collection left 20
    h.c.touch();
    await sleep(400);
    expect(h.collected.length).toBe(1);
    h.set(31 * MB); // +11 MB: a burst of changes, collected once over
    h.c.touch();
    await sleep(400);
    expect(h.collected.map((r) => r.heapUsedBefore)).toEqual([40 * MB, 31 * MB]);
  });

  it('counts growth from the lowest heap seen (V8 collected on its own)', async () => {
    const h = harness();
    h.set(30 * MB);
    h.c.touch();
    await sleep(400); // collected: 15 MB left
    h.set(5 * MB); // V8's own full collection
    h.c.touch();
    await sleep(400);
    h.set(16 * MB); // +11 MB since the lowest seen, +1 MB since the last collection
    h.c.touch();
    await sleep(400);
    expect(h.collected.map((r) => r.heapUsedBefore)).toEqual([30 * MB, 16 * MB]);
  });

  it('a collector that throws (no gc from V8) gives collecting up instead of killing the thread', async () => {
    let used = 40 * MB;
    let calls = 0;
    const collected: unknown[] = [];
    const c = collectWhenQuiet({
      quietMs: 50,
      minGrowthBytes: 10 * MB,
      heapUsed: () => used,
      collect: () => {
        calls++;
        throw new Error('V8 gave no gc function');
      },
      onCollected: (r) => collected.push(r),
    });
    c.touch();
    await sleep(150);
    used = 80 * MB;
    c.touch();
    await sleep(150);
    expect(calls).toBe(1);
    expect(collected).toEqual([]);
  });

  it('never collects once stopped', async () => {
    const h = harness();
    h.set(40 * MB);
    h.c.touch();
    h.c.stop();
    h.c.touch();
    await sleep(400);
    expect(h.collected).toEqual([]);
  });
});
