import type { Fence, Lease, Store } from '@svcnet/store';

export interface LeaderElectorOptions {
  /** Lease time-to-live; the holder renews every third of it, others retry as often. */
  ttlMs: number;
  onStartedLeading?: (lease: Lease) => void;
  onStoppedLeading?: () => void;
  onError?: (e: Error) => void;
}

/**
 * client-go's leaderelection in small: campaign for a lease, renew it every ttl/3, and stop acting
 * the moment a renewal fails. Writes made as leader carry `fence` so a deposed leader's late writes
 * are refused by the store.
 */
export class LeaderElector {
  private lease: Lease | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    readonly name: string,
    readonly holder: string,
    private readonly o: LeaderElectorOptions,
  ) {}

  get isLeader(): boolean {
    return this.lease !== undefined && !this.stopped;
  }

  get fence(): Fence | undefined {
    return this.lease ? { lease: this.lease.name, token: this.lease.token } : undefined;
  }

  /** Campaigns; resolves after the first attempt (isLeader then says whether it won). */
  start(): Promise<void> {
    return this.tick();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const period = Math.max(50, Math.floor(this.o.ttlMs / 3));
    let delay = period;
    try {
      if (this.lease) {
        const renewed = await this.store.leases.renew(this.lease, this.o.ttlMs);
        if (!renewed) this.lose();
        else this.lease = renewed;
      } else {
        const got = await this.store.leases.acquire(this.name, this.holder, this.o.ttlMs);
        if (got && !this.stopped) {
          this.lease = got;
          this.o.onStartedLeading?.(got);
        } else if (!got) {
          // Standing by: try again just after the holder's lease would lapse (if it stops renewing,
          // it is replaced within the lease duration, not up to a retry period later). expiresAt
          // is the store's clock: a skewed local clock only moves the attempt, the store decides.
          const held = await this.store.leases.get(this.name);
          if (held) delay = Math.min(period, Math.max(50, held.expiresAt - Date.now() + 50));
        }
      }
    } catch (e) {
      this.o.onError?.(e as Error);
      // A renewal we could not make may have lapsed: stop acting before another holder starts.
      if (this.lease && Date.now() >= this.lease.expiresAt - this.o.ttlMs / 3) this.lose();
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), delay);
  }

  /** Called when a fenced write was refused: someone else leads now. */
  lose(): void {
    if (!this.lease) return;
    this.lease = undefined;
    this.o.onStoppedLeading?.();
  }

  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const lease = this.lease;
    this.lease = undefined;
    if (lease) {
      this.o.onStoppedLeading?.();
      if (options.release !== false) await this.store.leases.release(lease).catch(() => undefined);
    }
  }
}
