import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memoryStore.js';
import { Waker } from './waker.js';

describe('Waker (one per memory watch)', () => {
  it('wakes on a change, times out again and again while idle, and ends with abort', async () => {
    const listeners = new Set<() => void>();
    const ac = new AbortController();
    const waker = new Waker(listeners, 15, [ac.signal, undefined]);
    expect(listeners.size).toBe(1);
    const changed = waker.wait();
    for (const l of listeners) l();
    expect(await changed).toBe('change');
    // the timer is re-armed for each wait, also after it fired
    expect(await waker.wait()).toBe('timeout');
    expect(await waker.wait()).toBe('timeout');
    const aborted = waker.wait();
    ac.abort();
    expect(await aborted).toBe('abort');
    expect(await waker.wait()).toBe('abort');
    waker.close();
    expect(listeners.size).toBe(0);
  });

  it('close() releases a pending wait and everything it registered', async () => {
    const listeners = new Set<() => void>();
    const waker = new Waker(listeners, 60_000, []);
    const pending = waker.wait();
    waker.close();
    expect(await pending).toBe('abort');
    expect(listeners.size).toBe(0);
  });

  it('aborting memory watches abandoned while paused at a yield leaves no listener behind', async () => {
    const store = new MemoryStore();
    await store.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'c' } });
    // Internal counts, read through the private fields: the kind's change listeners and the store's
    // closing-signal abort handlers (one of each per live watch).
    const changeListeners = () => store['kinds'].get('Secret')?.listeners.size ?? 0;
    const closingHandlers = () => getEventListeners(store['closing'].signal, 'abort').length;
    const before = closingHandlers();
    const watches = Array.from({ length: 200 }, () => new AbortController());
    for (const ac of watches) {
      const it = store.watch('Secret', { fromRevision: 0, signal: ac.signal })[Symbol.asyncIterator]();
      // After the first event the generator is paused at its `yield`; the consumer never resumes it.
      expect((await it.next()).value?.type).toBe('ADDED');
    }
    // The Waker is made before the first event, so each paused watch holds its listeners now.
    expect(changeListeners()).toBe(200);
    expect(closingHandlers()).toBe(before + 200);
    for (const ac of watches) ac.abort();
    expect(changeListeners()).toBe(0);
    expect(closingHandlers()).toBe(before);
    await store.close();
  });
});
