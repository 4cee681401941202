import { setImmediate as turn } from 'node:timers/promises';
import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { collectOnceReady, fullCollector } from './startupCollection.js';

// Decision 018: the agent runs one full collection once it is ready, so that start-up's garbage
// (~100 MB at 10,000 Services) does not stay in V8's old space for the life of an idle agent.

describe('fullCollector', () => {
  it('collects what nothing references, without --expose-gc and without leaving a global gc', async () => {
    const hadGlobalGc = 'gc' in globalThis;
    let ref: WeakRef<object> | undefined;
    (() => {
      ref = new WeakRef({ payload: new Array(1000).fill('start-up garbage') });
    })();
    // A WeakRef's target is kept until the end of the job that made it (ECMA-262 AddToKeptObjects).
    await turn();
    fullCollector()();
    expect(ref!.deref()).toBeUndefined();
    expect('gc' in globalThis).toBe(hadGlobalGc);
  });

  it('is a memory-reducing collection: the young generation shrinks to its minimum where V8 reads the option (V8 >= 13, Node 24)', () => {
    const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size;
    // Short-lived objects make V8 grow the young generation (to 32-64 MB): what start-up leaves.
    let made = 0;
    for (let round = 0; round < 200 && (round === 0 || newSpace() < 16 * 1048576); round++) {
      const young: object[] = [];
      for (let i = 0; i < 100_000; i++) young.push({ i });
      made += young.length;
    }
    const grown = newSpace();
    expect(made).toBeGreaterThan(0);
    fullCollector()();
    const after = newSpace();
    if (Number(process.versions.v8.split('.')[0]) >= 13) {
      expect(grown).toBeGreaterThanOrEqual(16 * 1048576);
      expect(after).toBeLessThan(grown / 4);
    } else {
      // V8 11.3 (Node 20) ignores `flavor`: the same full collection as before, nothing grows.
      expect(after).toBeLessThanOrEqual(grown);
    }
  });
});

describe('collectOnceReady', () => {
  const fast = { pollMs: 1, quietMs: 1 };

  it('waits for readiness, then collects exactly once', async () => {
    let polls = 0;
    let collections = 0;
    const c = collectOnceReady(() => ++polls >= 3, { ...fast, collect: () => collections++ });
    const r = await c.done;
    expect(r.collected).toBe(true);
    expect(polls).toBe(3);
    // Readiness stays true; nothing polls or collects again.
    for (let i = 0; i < 10; i++) await turn();
    expect([polls, collections]).toEqual([3, 1]);
    expect(r.heapUsedBefore).toBeGreaterThan(0);
    expect(r.heapUsedAfter).toBeGreaterThan(0);
  });

  it('a collection that throws leaves the agent running: done says nothing was collected', async () => {
    const c = collectOnceReady(() => true, {
      ...fast,
      collect: () => {
        throw new Error('V8 gave no gc function');
      },
    });
    expect(await c.done).toEqual({ collected: false });
  });

  it('never collects when stopped before the agent is ready', async () => {
    let collections = 0;
    const c = collectOnceReady(() => false, { ...fast, collect: () => collections++ });
    await turn();
    c.stop();
    expect(await c.done).toEqual({ collected: false });
    for (let i = 0; i < 10; i++) await turn();
    expect(collections).toBe(0);
  });

  it('gives up after maxWaitMs of polls when the agent never gets ready', async () => {
    let polls = 0;
    let collections = 0;
    const c = collectOnceReady(() => (polls++, false), { ...fast, maxWaitMs: 5, collect: () => collections++ });
    expect(await c.done).toEqual({ collected: false });
    expect(polls).toBe(5);
    expect(collections).toBe(0);
  });
});
