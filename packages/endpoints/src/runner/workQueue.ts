/**
 * A work queue keyed by Service (client-go's workqueue, single consumer): adding a key already
 * waiting keeps its place and its first enqueue time, so a burst of changes to one Service costs one
 * sync. Keys re-added while being processed wait for the next turn. Delayed adds (retries) use the
 * injected timer.
 */
export class WorkQueue {
  private readonly pending = new Map<string, number>();
  private readonly retries = new Map<string, number>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private wake: (() => void) | undefined;

  constructor(private readonly now: () => number) {}

  add(key: string): void {
    if (!this.pending.has(key)) this.pending.set(key, this.now());
    this.wake?.();
  }

  /** Re-adds after 5 ms * 2^n (client-go's default per-item backoff, capped at 10 s). */
  addRateLimited(key: string): number {
    const n = this.retries.get(key) ?? 0;
    this.retries.set(key, n + 1);
    const delay = Math.min(5 * 2 ** n, 10_000);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.add(key);
    }, delay);
    this.timers.add(t);
    return n + 1;
  }

  forget(key: string): void {
    this.retries.delete(key);
  }

  numRequeues(key: string): number {
    return this.retries.get(key) ?? 0;
  }

  /** The oldest waiting key, removed from the queue. */
  take(): string | undefined {
    const first = this.pending.keys().next();
    if (first.done) return undefined;
    this.pending.delete(first.value);
    return first.value;
  }

  /** Resolves when a key is added (or at once if one is waiting). */
  waitForWork(): Promise<void> {
    if (this.pending.size > 0) return Promise.resolve();
    return new Promise((r) => {
      this.wake = () => {
        this.wake = undefined;
        r();
      };
    });
  }

  /** Unblocks a waiting consumer without work (used to stop). */
  interrupt(): void {
    this.wake?.();
  }

  get depth(): number {
    return this.pending.size;
  }

  /** Age of the oldest waiting key in ms (0 when empty). */
  oldestAgeMs(): number {
    const first = this.pending.values().next();
    return first.done ? 0 : Math.max(0, this.now() - first.value);
  }

  shutDown(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.interrupt();
  }
}
