import type { Clock } from '@svcnet/store';
import type { EndpointInfo } from '../core/types.js';

/**
 * Round-robin endpoint choice with ClientIP affinity (upstream userspace LoadBalancerRR): a
 * client keeps its endpoint while it comes back within the timeout and the endpoint still exists.
 */
export class RoundRobin {
  private endpoints: readonly EndpointInfo[] = [];
  private next = 0;
  private readonly affinity = new Map<string, { endpoint: string; last: number }>();

  constructor(
    private readonly clock: Clock,
    private affinitySeconds = 0,
  ) {}

  update(endpoints: readonly EndpointInfo[], affinitySeconds: number): void {
    this.endpoints = endpoints;
    this.affinitySeconds = affinitySeconds;
    const live = new Set(endpoints.map((e) => e.endpoint));
    for (const [client, a] of this.affinity) if (!live.has(a.endpoint)) this.affinity.delete(client);
    if (this.next >= endpoints.length) this.next = 0;
  }

  size(): number {
    return this.endpoints.length;
  }

  /** The endpoint for a new connection from `clientIP`, skipping `exclude` (failed tries). */
  pick(clientIP: string, exclude: ReadonlySet<string> = new Set()): EndpointInfo | undefined {
    const now = this.clock.now();
    if (this.affinitySeconds > 0) {
      const a = this.affinity.get(clientIP);
      if (a && now - a.last < this.affinitySeconds * 1000 && !exclude.has(a.endpoint)) {
        const ep = this.endpoints.find((e) => e.endpoint === a.endpoint);
        if (ep) {
          a.last = now;
          return ep;
        }
      }
    }
    for (let i = 0; i < this.endpoints.length; i++) {
      const ep = this.endpoints[(this.next + i) % this.endpoints.length] as EndpointInfo;
      if (exclude.has(ep.endpoint)) continue;
      this.next = (this.next + i + 1) % this.endpoints.length;
      if (this.affinitySeconds > 0) this.affinity.set(clientIP, { endpoint: ep.endpoint, last: now });
      return ep;
    }
    return undefined;
  }
}
