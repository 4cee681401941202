import type { KubeObject } from '@svcnet/model';

export interface StoredEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  revision: number;
}

/**
 * One kind's state in a MemoryStore: objects, revision counter and the last `limit` events (a deque
 * so trimming is O(1)); watchers are woken through `listeners`.
 */
export class KindState {
  revision = 0;
  readonly objects = new Map<string, KubeObject>();
  private events: StoredEvent[] = [];
  private head = 0;
  readonly listeners = new Set<() => void>();

  constructor(private readonly limit: number) {}

  append(e: StoredEvent): void {
    this.events.push(e);
    if (this.events.length - this.head > this.limit) this.head++;
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
    // Listeners (one Waker per watch) never add or remove listeners when called, so no copy.
    for (const l of this.listeners) l();
  }

  /** Revision of the oldest kept event (revision + 1 when none is kept). */
  get oldest(): number {
    return this.head < this.events.length ? this.events[this.head]!.revision : this.revision + 1;
  }

  /** The event at `revision`, which must be kept (oldest <= revision <= this.revision). */
  at(revision: number): StoredEvent {
    return this.events[this.head + (revision - this.oldest)]!;
  }

  /** Drops history up to and including `revision` (tests and `compact`). */
  trimThrough(revision: number): void {
    while (this.head < this.events.length && this.events[this.head]!.revision <= revision) this.head++;
  }
}
