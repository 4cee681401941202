/**
 * Time as an input (kube-proxy's and TanStack Query's habit: an injected clock), defined once, in
 * the lowest package that reads time (leases, write timestamps). Lease campaigns, the proxy's
 * bounded-frequency runner and the workload simulator take a Clock so tests control time with
 * ManualClock instead of waiting.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Opaque to callers: whatever the clock's setTimeout returned. */
export type TimerHandle = unknown;

/** Date.now and Node's timers; its timers never keep a process alive on their own (unref). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * A clock that only moves when told to: `advance(ms)` runs every timer due by then, in due order
 * (timers due at the same time in the order they were set), including timers they set within the
 * window. For tests and benchmarks that must not depend on wall-clock time.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, { due: number; fn: () => void }>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.#seq;
    this.#timers.set(id, { due: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing due timers (including ones they schedule within the window). */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (let guard = 0; guard < 1_000_000; guard++) {
      let next: [number, { due: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].due <= until && (!next || entry[1].due < next[1].due || (entry[1].due === next[1].due && entry[0] < next[0]))) next = entry;
      }
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].due);
      next[1].fn();
    }
    this.#now = until;
  }
}
