import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { LeaderElector } from './leaderElector.js';
import { MemoryStore } from './memoryStore.js';

const TTL = 3000;

/** Lets the campaign's store calls (promises) finish after a timer fired; step() advances time in
 * periods no longer than a renew period, so no tick is still in flight when the next one is due. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

function setup() {
  const clock = new ManualClock(1_000_000);
  const store = new MemoryStore({ clock });
  const events: string[] = [];
  const elector = (holder: string, via: Pick<MemoryStore, 'leases'> = store) =>
    new LeaderElector(via, 'test-lease', holder, {
      ttlMs: TTL,
      clock,
      onStartedLeading: (l) => events.push(`${holder} started ${l.token}`),
      onStoppedLeading: () => events.push(`${holder} stopped`),
      onError: (e) => events.push(`${holder} error ${e.message}`),
    });
  const step = async (ms: number) => {
    clock.advance(ms);
    await settle();
  };
  return { clock, store, events, elector, step };
}

describe('LeaderElector', () => {
  it('leads, renews every ttl/3 and keeps the lease while renewals succeed', async () => {
    const { elector, events, step } = setup();
    const a = elector('a');
    await a.start();
    expect(a.isLeader).toBe(true);
    expect(a.fence).toEqual({ lease: 'test-lease', token: 1 });
    for (let i = 0; i < 10; i++) await step(TTL / 3);
    expect(a.isLeader).toBe(true);
    expect(events).toEqual(['a started 1']);
    await a.stop();
  });

  it('a renewal the store refuses ends the term at once', async () => {
    const { store, elector, events, step } = setup();
    const a = elector('a');
    await a.start();
    store.leases.renew = async () => undefined;
    await step(TTL / 3);
    expect(a.isLeader).toBe(false);
    expect(a.fence).toBeUndefined();
    expect(events).toEqual(['a started 1', 'a stopped']);
    await a.stop();
  });

  // The step-down the endpoints controller lacked: a holder cut off from the store went on
  // writing as leader while its lease lapsed and another took over.
  it('renewals that fail end the term before the lease can lapse, and another holder takes over after it', async () => {
    const { store, elector, events, step } = setup();
    // a reaches the store through a connection that goes down; b through its own.
    let down = false;
    const leases = store.leases;
    const reach = async <T>(call: () => Promise<T>): Promise<T> => {
      if (down) throw new Error('store unreachable');
      return call();
    };
    const cutOff = {
      leases: {
        acquire: (n: string, h: string, t: number) => reach(() => leases.acquire(n, h, t)),
        renew: (l: Parameters<typeof leases.renew>[0], t: number) => reach(() => leases.renew(l, t)),
        release: (l: Parameters<typeof leases.release>[0]) => reach(() => leases.release(l)),
        get: (n: string) => reach(() => leases.get(n)),
      },
    } as Pick<MemoryStore, 'leases'>;
    const a = elector('a', cutOff);
    await a.start();
    down = true;
    await step(TTL / 3);
    // One failed renewal: the lease still has two thirds of its time.
    expect(a.isLeader).toBe(true);
    await step(TTL / 3);
    expect(a.isLeader).toBe(false);
    expect(events).toEqual(['a started 1', 'a error store unreachable', 'a error store unreachable', 'a stopped']);

    const b = elector('b');
    await b.start();
    expect(b.isLeader).toBe(false); // a's lease has not lapsed yet: b stands by
    // In steps of a renew period: a campaign's store calls finish between timers, as they would.
    for (let i = 0; i < 3; i++) await step(TTL / 3);
    expect(b.isLeader).toBe(true);
    expect(b.fence?.token).toBe(2);
    expect(a.isLeader).toBe(false);
    down = false;
    await step(TTL / 3);
    expect([a.isLeader, b.isLeader]).toEqual([false, true]);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('stop releases the lease so a standby takes over without waiting for it to lapse', async () => {
    const { elector, step } = setup();
    const a = elector('a');
    const b = elector('b');
    await a.start();
    await b.start();
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    await a.stop();
    await step(TTL / 3);
    expect(b.isLeader).toBe(true);
    await b.stop({ release: false });
  });

  it('lose() ends the term (a fenced write was refused) and the campaign retakes a free lease', async () => {
    const { elector, events, step } = setup();
    const a = elector('a');
    await a.start();
    a.lose();
    expect(a.isLeader).toBe(false);
    await step(TTL / 3);
    // Still ours in the store: acquire gives it back, with the same token.
    expect(a.isLeader).toBe(true);
    expect(events).toEqual(['a started 1', 'a stopped', 'a started 1']);
    await a.stop();
  });
});
