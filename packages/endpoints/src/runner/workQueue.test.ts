import { describe, expect, it } from 'vitest';
import { WorkQueue } from './workQueue.js';

describe('WorkQueue (client-go workqueue contract)', () => {
  it('de-duplicates waiting keys and hands them out in order', () => {
    const q = new WorkQueue(() => 0);
    for (const k of ['a', 'b', 'a', 'c', 'b']) q.add(k);
    expect(q.depth).toBe(3);
    expect([q.take(), q.take(), q.take(), q.take()]).toEqual(['a', 'b', 'c', undefined]);
    expect(q.inFlight).toBe(3);
  });

  it('never hands out a key being processed; a re-add waits for done and goes to the back', () => {
    const q = new WorkQueue(() => 0);
    q.add('a');
    q.add('b');
    expect(q.take()).toBe('a');
    q.add('a'); // changed while being synced
    expect(q.take()).toBe('b');
    expect(q.take()).toBeUndefined(); // 'a' is waiting but still in flight
    q.add('c');
    q.done('a');
    expect([q.take(), q.take()]).toEqual(['c', 'a']);
    q.done('a');
    q.done('b');
    q.done('c');
    expect({ depth: q.depth, inFlight: q.inFlight }).toEqual({ depth: 0, inFlight: 0 });
  });

  it('wakes one waiting consumer per available key', async () => {
    const q = new WorkQueue(() => 0);
    const woken: number[] = [];
    const waits = [0, 1, 2].map((i) => q.waitForWork().then(() => woken.push(i)));
    q.add('a');
    await Promise.resolve();
    expect(woken).toEqual([0]);
    q.add('b');
    await Promise.resolve();
    expect(woken).toEqual([0, 1]);
    q.shutDown();
    await Promise.all(waits);
    expect(woken).toEqual([0, 1, 2]);
  });

  it('counts retries per key until forget', () => {
    const q = new WorkQueue(() => 0);
    expect(q.numRequeues('a')).toBe(0);
    q.addRateLimited('a');
    q.addRateLimited('a');
    expect(q.numRequeues('a')).toBe(2);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
    q.shutDown();
  });

  it('ages a change until it is done with: waiting, in flight and between retries (liveness)', () => {
    let now = 1000;
    const q = new WorkQueue(() => now);
    q.add('a');
    now = 1500;
    q.add('b');
    expect(q.oldestUnfinishedMs()).toBe(500);
    expect(q.take()).toBe('a');
    now = 3000;
    // In flight for 1500 ms: still unfinished, and the longest-running sync.
    expect(q.oldestUnfinishedMs()).toBe(2000);
    expect(q.metrics()).toMatchObject({ adds: 2, retries: 0, longestRunningMs: 1500, unfinishedWorkMs: 1500 });
    q.addRateLimited('a');
    q.done('a');
    // Waiting for its retry: neither queued nor in flight, and still the oldest unfinished change.
    expect(q.oldestUnfinishedMs()).toBe(2000);
    expect(q.metrics().retries).toBe(1);
    q.forget('a');
    expect(q.oldestUnfinishedMs()).toBe(1500);
    // A key changed again during its sync is unfinished since that change, not since the first.
    expect(q.take()).toBe('b');
    now = 4000;
    q.add('b');
    q.forget('b');
    q.done('b');
    expect(q.oldestUnfinishedMs()).toBe(0);
    now = 4500;
    expect(q.oldestUnfinishedMs()).toBe(500);
    // A new leader's clock: what waited before is not its delay.
    now = 9000;
    q.restartClocks();
    expect(q.oldestUnfinishedMs()).toBe(0);
    q.shutDown();
  });
});
