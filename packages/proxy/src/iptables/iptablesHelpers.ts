import type { ProxyOptions } from '../core/proxyOptions.js';
import { cidrContainsIP, cidrFamily, familyOf } from '../core/proxyOptions.js';
import type { IPFamily } from '../core/types.js';

/** Upstream: masqueradeValue = 1 << masqueradeBit, printed in hex (0x4000 for bit 14). */
export function masqueradeMark(bit: number): string {
  return `0x${(1 << bit >>> 0).toString(16)}`;
}

const probabilities: string[] = [];
/** `%0.10f` of 1/n, as upstream proxier.probability (cached like precomputedProbabilities). */
export function probability(n: number): string {
  let p = probabilities[n];
  if (p === undefined) {
    p = (1 / n).toFixed(10);
    if (n < 1001) probabilities[n] = p;
  }
  return p;
}

export interface LocalDetector {
  ifLocal: string[];
  ifNotLocal: string[];
  cidr: string;
}

/** Upstream NewDetectLocalByCIDR for the family's cluster CIDR; undefined = not implemented. */
export function localDetector(clusterCIDRs: readonly string[], family: IPFamily): LocalDetector | undefined {
  const cidr = clusterCIDRs.map((c) => c.trim()).find((c) => cidrFamily(c) === family);
  if (!cidr) return undefined;
  return { cidr, ifLocal: ['-s', cidr], ifNotLocal: ['!', '-s', cidr] };
}

/**
 * Upstream NodePortAddresses for one family: `matchAll` when no CIDR of this family is given (or
 * a zero CIDR is), otherwise the node addresses inside the CIDRs (`primary` = the node IPs).
 */
export function nodePortDestinations(options: ProxyOptions, family: IPFamily): { matchAll: boolean; ips: string[] } {
  const cidrs = options.nodePortAddresses.filter((c) => c === 'primary' || cidrFamily(c) === family);
  if (cidrs.length === 0) return { matchAll: true, ips: [] };
  if (cidrs.some((c) => c === '0.0.0.0/0' || c === '::/0')) return { matchAll: true, ips: [] };
  const ips = new Set<string>();
  for (const c of cidrs) {
    if (c === 'primary') {
      for (const ip of options.nodeIPs) if (familyOf(ip) === family) ips.add(ip);
      continue;
    }
    for (const ip of options.nodeAddresses) if (cidrContainsIP(c, ip)) ips.add(ip);
  }
  return { matchAll: false, ips: [...ips] };
}
