import { describe, expect, it } from 'vitest';
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
});
