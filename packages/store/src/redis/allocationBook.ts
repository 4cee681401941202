import type { Allocations, UsedResources } from '../admission.js';
import type { RedisClient } from './connection.js';
import type { KindKeys } from './keys.js';

/**
 * This client's view of the allocated ClusterIPs and NodePorts (the Redis sets, loaded once, then
 * kept up to date by our own writes and reloaded when the write script finds a value taken).
 * Only a hint for picking: the write script checks every claim against the sets atomically, so a stale
 * view costs a retry, never a duplicate. Pending claims of in-flight writes count as used, so
 * pipelined creates from one client do not pick the same address.
 */
export class AllocationBook implements UsedResources {
  ips = new Set<string>();
  nodePorts = new Set<number>();
  private loaded: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KindKeys,
  ) {}

  ensureLoaded(): Promise<void> {
    return (this.loaded ??= this.reload());
  }

  async reload(): Promise<void> {
    const [ips, ports] = await Promise.all([this.redis.smembers(this.keys.ips), this.redis.smembers(this.keys.ports)]);
    this.ips = new Set(ips);
    this.nodePorts = new Set(ports.map(Number));
    this.loaded = Promise.resolve();
  }

  /** Checks the exact values asked for against Redis (the view may think a released one is taken). */
  async refresh(values: Allocations): Promise<void> {
    if (!values.ips.length && !values.nodePorts.length) return;
    const [ips, ports] = await Promise.all([
      values.ips.length ? this.redis.smismember(this.keys.ips, ...values.ips) : Promise.resolve([] as number[]),
      values.nodePorts.length ? this.redis.smismember(this.keys.ports, ...values.nodePorts.map(String)) : Promise.resolve([] as number[]),
    ]);
    values.ips.forEach((ip, i) => (ips[i] ? this.ips.add(ip) : this.ips.delete(ip)));
    values.nodePorts.forEach((p, i) => (ports[i] ? this.nodePorts.add(p) : this.nodePorts.delete(p)));
  }

  claim(a: Allocations): void {
    for (const ip of a.ips) this.ips.add(ip);
    for (const p of a.nodePorts) this.nodePorts.add(p);
  }

  release(a: Allocations): void {
    for (const ip of a.ips) this.ips.delete(ip);
    for (const p of a.nodePorts) this.nodePorts.delete(p);
  }
}
