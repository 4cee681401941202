import type { Lease, LeaseManager } from '../types.js';
import type { RedisClient } from './connection.js';
import { leaseKey } from './keys.js';
import { LEASE_ACQUIRE, LEASE_GET, LEASE_RELEASE, LEASE_RENEW } from './scripts.js';

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
  ) {}

  async acquire(name: string, holder: string, ttlMs: number): Promise<Lease | undefined> {
    const r = (await this.guard(this.redis.eval(LEASE_ACQUIRE, 1, leaseKey(name, this.prefix), holder, Math.ceil(ttlMs)))) as LeaseReply;
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
