import { cidrsOverlap, parseCIDR } from '@svcnet/model';
import type { ProxyOptions } from './proxyOptions.js';
import { cidrContainsIP, cidrFamily, familyOf } from './proxyOptions.js';
import type { IPFamily } from './types.js';

const IPV4_LOOPBACK = parseCIDR('127.0.0.0/8')!;

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

/**
 * Whether NodePorts answer on 127.0.0.0/8 (upstream NewProxier): only for IPv4, only when asked
 * (iptables.localhostNodePorts), and only when --nodeport-addresses is unset or includes an IPv4
 * loopback address (NodePortAddresses.ContainsIPv4Loopback). This needs route_localnet=1, which
 * the applier sets, and the KUBE-FIREWALL DROP of non-local sources to 127.0.0.0/8 (issue 90259).
 */
export function localhostNodePortsEnabled(options: ProxyOptions, family: IPFamily): boolean {
  if (!options.localhostNodePorts || family !== 'IPv4') return false;
  const v4 = options.nodePortAddresses.filter((c) => c !== 'primary' && cidrFamily(c) === 'IPv4');
  // No IPv4 CIDR (and not "primary", the node IPs): upstream takes 0.0.0.0/0, which holds 127/8.
  if (v4.length === 0) return !options.nodePortAddresses.includes('primary');
  return v4.some((c) => {
    const cidr = parseCIDR(c.trim());
    return cidr !== undefined && cidrsOverlap(cidr, IPV4_LOOPBACK);
  });
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
