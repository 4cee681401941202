import type { Clock } from '@svcnet/store';

/** Upstream checks its canaries every syncPeriod; svcnet's default is 30 s. */
export const DEFAULT_MONITOR_INTERVAL_MS = 30_000;

/**
 * A periodic task on the proxier's clock (upstream utiliptables Monitor's poll loop): runs
 * `tick` every `intervalMs`, one at a time; errors are handed to `onError`, never thrown.
 */
export class RuleMonitor {
  private timer: unknown;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly clock: Clock,
    readonly intervalMs: number,
    private readonly tick: () => Promise<void>,
    private readonly onError: (err: Error) => void,
  ) {
    if (!(intervalMs > 0)) throw new RangeError(`rule monitor interval must be > 0 ms, got ${intervalMs}`);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resolves when no check is running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.running = this.tick()
        .catch((err: unknown) => this.onError(err as Error))
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, this.intervalMs);
  }
}
