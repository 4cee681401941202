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
});
