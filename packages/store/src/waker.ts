/**
 * What a watch waits on between events: a change (a listener in `listeners` is called), the bookmark
 * interval passing, or a signal aborting. One Waker serves a whole watch: it registers its listener
 * and abort handlers once and re-arms one timer per wait (`refresh`), so an event costs no
 * promise-plus-timer-plus-listeners set-up beyond one promise. `close()` removes everything it
 * registered (no timer or listener outlives the watch); so does any of the signals aborting. The
 * timer is never cleared before close (a cleared timer cannot be refreshed): one that fires while
 * nobody waits does nothing.
 */
export class Waker {
  private resolve: ((why: 'change' | 'timeout' | 'abort') => void) | undefined;
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly live: AbortSignal[];
  private readonly onChange = () => this.fire('change');
  // An abort releases everything at once, not only at close(): a watch generator abandoned while
  // paused at a `yield` never reaches its `finally`, and would otherwise leave its listener behind.
  private readonly onAbort = () => this.close();

  constructor(
    private readonly listeners: Set<() => void>,
    ms: number,
    signals: readonly (AbortSignal | undefined)[],
  ) {
    this.live = signals.filter((s): s is AbortSignal => s !== undefined);
    this.timer = setTimeout(() => this.fire('timeout'), ms);
    listeners.add(this.onChange);
    for (const s of this.live) s.addEventListener('abort', this.onAbort, { once: true });
    if (this.live.some((s) => s.aborted)) this.close(); // an already aborted signal fires no event
  }

  /** Resolves on the next change, abort, or after the interval without either. */
  wait(): Promise<'change' | 'timeout' | 'abort'> {
    if (this.live.some((s) => s.aborted)) return Promise.resolve('abort');
    this.timer.refresh();
    return new Promise((r) => (this.resolve = r));
  }

  /** Idempotent; also run by any of the signals aborting. */
  close(): void {
    clearTimeout(this.timer);
    this.listeners.delete(this.onChange);
    for (const s of this.live) s.removeEventListener('abort', this.onAbort);
    this.fire('abort');
  }

  private fire(why: 'change' | 'timeout' | 'abort'): void {
    const r = this.resolve;
    if (!r) return;
    this.resolve = undefined;
    r(why);
  }
}
