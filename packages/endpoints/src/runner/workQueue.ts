/**
 * A work queue keyed by Service, with client-go workqueue's contract for many consumers: adding a key
 * already waiting keeps its place and its first enqueue time, so a burst of changes to one Service
 * costs one sync; a key is handed to at most one consumer at a time (between `take` and `done`), and
 * a key re-added while it is being processed waits until `done`, then goes to the back of the queue.
 * Delayed adds (retries) use a timer.
 */
export class WorkQueue {
  /** Keys waiting, in enqueue order, with their first enqueue time; may include keys in processing (re-added). */
  private readonly pending = new Map<string, number>();
  private readonly processing = new Set<string>();
  private readonly retries = new Map<string, number>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly waiters = new Set<() => void>();
  /** Waiting keys that are not being processed: what `take` can hand out. */
  private ready = 0;
  /**
   * Keys added and not yet done with (`forget`: synced, or given up), with when they were first
   * added: pending, in processing or waiting for a retry. Insertion-ordered, so the first is the oldest.
   */
  private readonly unfinished = new Map<string, number>();
  /** Keys being processed, with when their processing started. */
  private readonly started = new Map<string, number>();
  private addCount = 0;
  private retryCount = 0;

  constructor(private readonly now: () => number) {}

  add(key: string): void {
    this.addCount++;
    if (!this.unfinished.has(key)) this.unfinished.set(key, this.now());
    if (this.pending.has(key)) return;
    this.pending.set(key, this.now());
    if (!this.processing.has(key)) {
      this.ready++;
      this.wakeOne();
    }
  }

  /** Re-adds after 5 ms * 2^n (client-go's default per-item backoff, capped at 10 s). */
  addRateLimited(key: string): number {
    const n = this.retries.get(key) ?? 0;
    this.retries.set(key, n + 1);
    this.retryCount++;
    const delay = Math.min(5 * 2 ** n, 10_000);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.add(key);
    }, delay);
    this.timers.add(t);
    return n + 1;
  }

  /** The key is done with: synced, or given up after too many retries. */
  forget(key: string): void {
    this.retries.delete(key);
    this.unfinished.delete(key);
    // A key changed again while it was being synced is unfinished again, since that change.
    const again = this.pending.get(key);
    if (again !== undefined) this.unfinished.set(key, again);
  }

  numRequeues(key: string): number {
    return this.retries.get(key) ?? 0;
  }

  /**
   * The oldest waiting key that no one is processing, removed from the queue and marked as being
   * processed until `done(key)`; undefined when there is none.
   */
  take(): string | undefined {
    if (this.ready === 0) return undefined;
    for (const key of this.pending.keys()) {
      // At most one skip per consumer: only keys re-added during processing are skipped.
      if (this.processing.has(key)) continue;
      this.pending.delete(key);
      this.processing.add(key);
      this.started.set(key, this.now());
      this.ready--;
      return key;
    }
    return undefined;
  }

  /** Ends processing of `key`; if it was re-added meanwhile, it becomes available again. */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    this.started.delete(key);
    const since = this.pending.get(key);
    if (since === undefined) return;
    // Back of the line, as client-go: the key is re-queued when processing ends.
    this.pending.delete(key);
    this.pending.set(key, since);
    this.ready++;
    this.wakeOne();
  }

  /** Resolves when a key can be taken (at once if one can). */
  waitForWork(): Promise<void> {
    if (this.ready > 0) return Promise.resolve();
    return new Promise((r) => this.waiters.add(r));
  }

  /** Unblocks every waiting consumer without work (used to stop). */
  interrupt(): void {
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }

  /** Keys waiting (including those re-added while being processed). */
  get depth(): number {
    return this.pending.size;
  }

  /** Keys handed out and not yet done. */
  get inFlight(): number {
    return this.processing.size;
  }

  /** Age of the oldest waiting key in ms (0 when empty). */
  oldestAgeMs(): number {
    const first = this.pending.values().next();
    return first.done ? 0 : Math.max(0, this.now() - first.value);
  }

  /**
   * Age of the oldest change not yet done with, in ms (0 when none): waiting, being synced, or
   * waiting for a retry after a failed sync. What "this controller is stuck" is measured by.
   */
  oldestUnfinishedMs(): number {
    const first = this.unfinished.values().next();
    return first.done ? 0 : Math.max(0, this.now() - first.value);
  }

  /** client-go's workqueue metrics: adds, retries, the longest-running and the summed running time of syncs in flight. */
  metrics(): { adds: number; retries: number; longestRunningMs: number; unfinishedWorkMs: number } {
    const now = this.now();
    let longest = 0;
    let sum = 0;
    for (const t of this.started.values()) {
      const ms = Math.max(0, now - t);
      longest = Math.max(longest, ms);
      sum += ms;
    }
    return { adds: this.addCount, retries: this.retryCount, longestRunningMs: longest, unfinishedWorkMs: sum };
  }

  /**
   * Restarts the clocks of everything waiting (a new leader: the time a change spent queued while
   * no one here was responsible for it is not time this controller was stuck).
   */
  restartClocks(): void {
    const now = this.now();
    for (const k of this.unfinished.keys()) this.unfinished.set(k, now);
    for (const k of this.pending.keys()) this.pending.set(k, now);
  }

  shutDown(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.interrupt();
  }

  private wakeOne(): void {
    const first = this.waiters.values().next();
    if (first.done) return;
    this.waiters.delete(first.value);
    first.value();
  }
}
