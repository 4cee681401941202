import { systemClock, type Clock } from '@svcnet/store';


export interface BoundedFrequencyRunnerOptions {
  /** Never run more often than this (upstream minSyncPeriod). */
  minIntervalMs: number;
  /** Run at least this often even with nothing requested (upstream's periodic resync). */
  maxIntervalMs: number;
  /** Runs allowed back to back before minInterval applies (upstream burstSyncs). */
  burst?: number;
  clock?: Clock;
  /** Called with a run's error; the runner then retries after `retryAfter` or the backoff. */
  onError?: (err: unknown) => void;
  /** First retry delay after a failure; doubles up to maxIntervalMs. */
  retryBackoffMs?: number;
}

/**
 * Runs a function on request, but at most once per minInterval (after a burst) and at least once
 * per maxInterval; failures are retried with exponential backoff. Matches upstream
 * async.BoundedFrequencyRunner in behaviour, with an injected clock. Runs never overlap.
 */
export class BoundedFrequencyRunner {
  private readonly clock: Clock;
  private readonly burst: number;
  private tokens: number;
  private lastRun = Number.NEGATIVE_INFINITY;
  private lastRefill: number;
  private timer: unknown;
  private timerAt = Number.POSITIVE_INFINITY;
  private running: Promise<void> | undefined;
  private rerun = false;
  private failures = 0;
  private stopped = true;

  constructor(
    readonly name: string,
    private readonly fn: () => void | Promise<void>,
    private readonly opts: BoundedFrequencyRunnerOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.burst = Math.max(1, opts.burst ?? 1);
    this.tokens = this.burst;
    this.lastRefill = this.clock.now();
  }

  /** Starts the periodic schedule (first run happens at once). */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  /** Asks for a run as soon as the rate limit allows. */
  run(): void {
    if (this.stopped) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.refill();
    const wait = this.tokens >= 1 ? 0 : Math.max(0, this.lastRun + this.opts.minIntervalMs - this.clock.now());
    this.schedule(wait);
  }

  /** Asks for a run after `ms` unless one happens sooner (upstream RetryAfter). */
  retryAfter(ms: number): void {
    if (!this.stopped) this.schedule(ms);
  }

  /** Resolves when the current run (if any) has finished. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private refill(): void {
    const now = this.clock.now();
    const interval = this.opts.minIntervalMs;
    if (interval <= 0) {
      this.tokens = this.burst;
    } else {
      this.tokens = Math.min(this.burst, this.tokens + (now - this.lastRefill) / interval);
    }
    this.lastRefill = now;
  }

  private schedule(ms: number): void {
    const at = this.clock.now() + ms;
    if (this.timer !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      void this.tick();
    }, ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.refill();
    this.tokens = Math.max(0, this.tokens - 1);
    const startedAt = (this.lastRun = this.clock.now());
    // Delays count from the start of the run, so a slow run does not stretch the schedule.
    const after = (ms: number) => Math.max(0, startedAt + ms - this.clock.now());
    let failed = false;
    this.running = (async () => {
      try {
        await this.fn();
        this.failures = 0;
      } catch (err) {
        failed = true;
        this.failures++;
        this.opts.onError?.(err);
      }
    })();
    await this.running;
    this.running = undefined;
    if (this.stopped) return;
    if (failed) {
      const base = this.opts.retryBackoffMs ?? Math.max(this.opts.minIntervalMs, 100);
      this.schedule(after(Math.min(this.opts.maxIntervalMs, base * 2 ** (this.failures - 1))));
    } else if (this.rerun) {
      this.rerun = false;
      this.run();
    }
    this.schedule(after(this.opts.maxIntervalMs));
  }
}
