import type { Clock } from './clock.js';
import { fencedError } from './errors.js';
import type { Fence, Lease, LeaseManager } from './types.js';

interface LeaseRecord {
  holder: string;
  token: number;
  expiresAt: number;
}

/**
 * Leases for one process. Tokens grow strictly per lease name across holders and releases, so a
 * write carrying an older token is always detectable; a lapsed lease counts as lost.
 */
export class MemoryLeases implements LeaseManager {
  private readonly records = new Map<string, LeaseRecord>();
  private readonly lastToken = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  async acquire(name: string, holder: string, ttlMs: number): Promise<Lease | undefined> {
    const t = this.clock.now();
    const rec = this.records.get(name);
    if (rec && rec.expiresAt > t && rec.holder !== holder) return undefined;
    if (rec && rec.expiresAt > t && rec.holder === holder) {
      rec.expiresAt = t + ttlMs;
      return { name, ...rec };
    }
    const token = (this.lastToken.get(name) ?? 0) + 1;
    this.lastToken.set(name, token);
    const fresh = { holder, token, expiresAt: t + ttlMs };
    this.records.set(name, fresh);
    return { name, ...fresh };
  }

  async renew(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    const t = this.clock.now();
    const rec = this.held(lease.name, lease.token, t);
    if (!rec || rec.holder !== lease.holder) return undefined;
    rec.expiresAt = t + ttlMs;
    return { name: lease.name, ...rec };
  }

  async release(lease: Lease): Promise<void> {
    const rec = this.records.get(lease.name);
    if (rec && rec.token === lease.token) this.records.delete(lease.name);
  }

  async get(name: string): Promise<Lease | undefined> {
    const rec = this.held(name, undefined, this.clock.now());
    return rec ? { name, ...rec } : undefined;
  }

  /** Throws FencedError unless `fence` names the live lease with this token. */
  check(fence: Fence | undefined): void {
    if (!fence) return;
    if (!this.held(fence.lease, fence.token, this.clock.now())) throw fencedError(fence.lease, fence.token);
  }

  private held(name: string, token: number | undefined, t: number): LeaseRecord | undefined {
    const rec = this.records.get(name);
    if (!rec || rec.expiresAt <= t) return undefined;
    return token === undefined || rec.token === token ? rec : undefined;
  }
}
