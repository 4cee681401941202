import { parseIPRange, type IPRange } from '../net/cidr.js';
import { formatIP, parseIP, type IPFamily } from '../net/ip.js';
import { notInRange } from './clusterIP.js';
import { AllocationError, rangeFull } from './errors.js';

export interface LoadBalancerIPOptions {
  /** Only pools of this family are considered for a dynamic allocation. */
  readonly family?: IPFamily;
}

/**
 * Allocates an external address for a LoadBalancer Service from bare-metal pools (CIDRs or `a-b`
 * ranges), as MetalLB does: a requested address must lie in a pool and be free; otherwise the lowest
 * free address of the first pool that has one. Every address of a pool is usable, network and
 * broadcast included (MetalLB's default without avoidBuggyIPs).
 */
export function allocateLoadBalancerIP(pools: readonly string[], used: ReadonlySet<string>, requested?: string, options: LoadBalancerIPOptions = {}): string {
  const ranges: IPRange[] = pools.map((p) => {
    const r = parseIPRange(p);
    if (!r) throw new AllocationError('InvalidRange', `invalid address pool ${JSON.stringify(p)}: want a CIDR (192.168.10.0/24) or a range (192.168.10.240-192.168.10.250)`);
    return r;
  });
  const taken = new Set<string>();
  for (const u of used) {
    const ip = parseIP(u);
    if (ip) taken.add(`${ip.family}/${ip.value}`);
  }
  if (requested !== undefined && requested !== '') {
    const ip = parseIP(requested);
    if (!ip || !ranges.some((r) => r.family === ip.family && ip.value >= r.first && ip.value <= r.last)) {
      throw notInRange(requested, pools.join(', ') || '<no pools configured>');
    }
    if (taken.has(`${ip.family}/${ip.value}`)) throw new AllocationError('AlreadyAllocated', `the provided IP (${requested}) is already allocated`);
    return formatIP(ip);
  }
  for (const r of ranges) {
    if (options.family && r.family !== options.family) continue;
    // At most used.size + 1 probes per pool.
    for (let v = r.first, n = 0; v <= r.last && n <= taken.size; v++, n++) {
      if (!taken.has(`${r.family}/${v}`)) return formatIP({ family: r.family, value: v });
    }
  }
  throw rangeFull();
}
