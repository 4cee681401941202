import { systemClock, type Clock, type TimerHandle } from './clock.js';
import type { Fence, Lease, Store } from './types.js';

export interface LeaderElectorOptions {
  /** Lease time-to-live; the holder renews every third of it, others retry as often. */
  ttlMs: number;
  /** Shortest wait between attempts (default 50 ms), whatever ttlMs / 3 is. */
  minRetryMs?: number;
  /** Called once per term, after the lease is taken. */
  onStartedLeading?: (lease: Lease) => void;
  /** Called once per term, when it ends: a refused renewal, lose(), a lapsed lease or stop(). */
  onStoppedLeading?: () => void;
  /** An acquire, renew or read the store failed (the campaign goes on). */
  onError?: (e: Error) => void;
  clock?: Clock;
}

/**
 * client-go's leaderelection in small, the one lease campaigner of svcnet: campaign for a lease,
 * renew it every ttl/3, and stop acting the moment the lease may be someone else's. A renewal the
 * store refuses ends the term at once; a renewal that errors (the store unreachable) ends it once
 * the lease may have lapsed (less than a renew period left): a holder cut off from the store must
 * not go on writing while another takes over (client-go: the renew deadline is shorter than the
 * lease). Writes made as leader carry `fence`, so a deposed leader's late writes are refused.
 */
export class LeaderElector {
  private lease: Lease | undefined;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private readonly clock: Clock;

  constructor(
    private readonly store: Pick<Store, 'leases'>,
    readonly name: string,
    readonly holder: string,
    private readonly o: LeaderElectorOptions,
  ) {
    this.clock = o.clock ?? systemClock;
  }

  get isLeader(): boolean {
    return this.lease !== undefined && !this.stopped;
  }

  /** The fencing token to write with while leading. */
  get fence(): Fence | undefined {
    return this.lease ? { lease: this.lease.name, token: this.lease.token } : undefined;
  }

  /** Campaigns; resolves after the first attempt (isLeader then says whether it won). */
  start(): Promise<void> {
    return this.tick();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const floor = this.o.minRetryMs ?? 50;
    const period = Math.max(floor, Math.floor(this.o.ttlMs / 3));
    let delay = period;
    try {
      if (this.lease) {
        const renewed = await this.store.leases.renew(this.lease, this.o.ttlMs);
        if (!renewed) this.lose();
        else if (this.lease) this.lease = renewed;
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
          if (held) delay = Math.min(period, Math.max(floor, held.expiresAt - this.clock.now() + 50));
        }
      }
    } catch (e) {
      this.o.onError?.(e as Error);
      // A renewal we could not make may have lapsed: stop acting before another holder starts.
      if (this.lease && this.clock.now() >= this.lease.expiresAt - this.o.ttlMs / 3) this.lose();
    }
    if (!this.stopped) this.timer = this.clock.setTimeout(() => void this.tick(), delay);
  }

  /** Ends the term now: a fenced write was refused, so someone else leads. */
  lose(): void {
    if (!this.lease) return;
    this.lease = undefined;
    this.o.onStoppedLeading?.();
  }

  /** Stops campaigning; `release: false` leaves the lease to lapse, as a crashed process would. */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    const lease = this.lease;
    this.lease = undefined;
    if (lease) {
      this.o.onStoppedLeading?.();
      if (options.release !== false) await this.store.leases.release(lease).catch(() => undefined);
    }
  }
}
