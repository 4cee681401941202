import type { WorkQueue } from './workQueue.js';

export interface SyncWorkersOptions {
  queue: WorkQueue;
  /** Workers (client-go's worker goroutines): a key is never synced by two at the same time. */
  workers: number;
  /** Most keys one worker syncs together (their writes one store batch). */
  batchServices: number;
  isLeader(): boolean;
  sync(keys: readonly string[]): Promise<void>;
}

/**
 * The controller's workers: while leading, each takes keys no other worker holds (its share of the
 * backlog, depth / workers, at least 1 and at most batchServices: a single change is synced alone,
 * an initial pass or a burst in batches), syncs them and marks them done. Followers keep their
 * caches and queue current but write nothing: their workers wait for leadership.
 */
export class SyncWorkers {
  private stopped = false;
  private readonly leaderWaiters = new Set<() => void>();
  private idleWaiters: (() => void)[] = [];
  private lastYield = 0;

  constructor(private readonly o: SyncWorkersOptions) {}

  start(): void {
    for (let i = 0; i < this.o.workers; i++) void this.work();
  }

  stop(): void {
    this.stopped = true;
    this.wake();
  }

  /** Leadership began (or the controller stops): waiting workers look at the queue again. */
  wake(): void {
    const ws = [...this.leaderWaiters];
    this.leaderWaiters.clear();
    for (const w of ws) w();
  }

  /** Resolves when leading with nothing queued or in flight (for tests and benches). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private async work(): Promise<void> {
    const { queue, workers, batchServices } = this.o;
    while (!this.stopped) {
      if (!this.o.isLeader()) {
        await new Promise<void>((r) => this.leaderWaiters.add(r));
        continue;
      }
      const share = Math.min(batchServices, Math.max(1, Math.ceil(queue.depth / workers)));
      const keys: string[] = [];
      for (let key = queue.take(); key !== undefined; key = keys.length < share ? queue.take() : undefined) keys.push(key);
      if (keys.length === 0) {
        if (this.isIdle()) this.notifyIdle();
        await queue.waitForWork();
        continue;
      }
      try {
        await this.o.sync(keys);
      } finally {
        for (const key of keys) queue.done(key);
      }
      if (this.isIdle()) this.notifyIdle();
      await this.yieldToTimers();
    }
  }

  /**
   * With an in-process store every await resolves as a microtask, so a long backlog would starve
   * timers and I/O: the lease renewal would not run, the lease would lapse mid-reconcile and the
   * retake would queue every Service again. Give the event loop a turn every few milliseconds.
   */
  private async yieldToTimers(): Promise<void> {
    const now = performance.now();
    if (now - this.lastYield < 10) return;
    await new Promise<void>((r) => setImmediate(r));
    this.lastYield = performance.now();
  }

  private isIdle(): boolean {
    return this.o.isLeader() && this.o.queue.inFlight === 0 && this.o.queue.depth === 0;
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
