import type { Lease, LeaseManager } from '../types.js';
import type { RedisClient } from './connection.js';
import { leaseKey } from './keys.js';
import { LEASE_ACQUIRE, LEASE_GET, LEASE_RELEASE, LEASE_RENEW } from './scripts.js';
import type { WriteChannel } from './writeChannel.js';

type LeaseReply = [string, string, string] | null;

/**
 * Leases as hashes `{lease}:<name>` (holder, token, expiresAt) changed only by scripts that read the
 * server's clock. The token field is never deleted, so tokens grow strictly per lease name.
 */
export class RedisLeases implements LeaseManager {
  constructor(
    private readonly redis: RedisClient,
    private readonly guard: <T>(p: Promise<T>) => Promise<T>,
    private readonly prefix = '',
    /** Durable mode: an acquire waits for replicas too. */
    private readonly durable?: WriteChannel,
  ) {}

  /**
   * In durable mode the acquire waits for the replicas like an object write: a fencing token that a
   * failover lost would be handed out again, to the next holder, and two holders would share it.
   * Renewals and releases do not wait: a lost renewal only makes the lease lapse sooner (the next
   * holder gets a higher token), a lost release only later.
   */
  async acquire(name: string, holder: string, ttlMs: number): Promise<Lease | undefined> {
    const key = leaseKey(name, this.prefix);
    if (this.durable) {
      const [r] = await this.durable.submit(key, (p) => (p.eval(LEASE_ACQUIRE, 1, key, holder, Math.ceil(ttlMs)), 1));
      if ('error' in r!) throw r.error;
      return toLease(name, r.reply as LeaseReply);
    }
    const r = (await this.guard(this.redis.eval(LEASE_ACQUIRE, 1, key, holder, Math.ceil(ttlMs)))) as LeaseReply;
    return toLease(name, r);
  }

  async renew(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    const r = (await this.guard(
      this.redis.eval(LEASE_RENEW, 1, leaseKey(lease.name, this.prefix), lease.holder, String(lease.token), Math.ceil(ttlMs)),
    )) as LeaseReply;
    return toLease(lease.name, r);
  }

  async release(lease: Lease): Promise<void> {
    await this.guard(this.redis.eval(LEASE_RELEASE, 1, leaseKey(lease.name, this.prefix), String(lease.token)));
  }

  async get(name: string): Promise<Lease | undefined> {
    return toLease(name, (await this.guard(this.redis.eval(LEASE_GET, 1, leaseKey(name, this.prefix)))) as LeaseReply);
  }
}

function toLease(name: string, r: LeaseReply): Lease | undefined {
  if (!r) return undefined;
  return { name, holder: r[0], token: Number(r[1]), expiresAt: Number(r[2]) };
}
