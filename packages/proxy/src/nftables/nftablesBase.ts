import { isLoopback } from '@svcnet/model';
import type { ProxyOptions } from '../core/proxyOptions.js';
import { cidrFamily, familyOf } from '../core/proxyOptions.js';
import type { IPFamily } from '../core/types.js';
import { masqueradeMark } from '../core/ruleHelpers.js';
import { nodePortDestinations } from '../core/ruleHelpers.js';

export const TABLE = 'kube-proxy';

export interface NFTFamily {
  /** nft table family: ip or ip6. */
  nft: 'ip' | 'ip6';
  addrType: 'ipv4_addr' | 'ipv6_addr';
  /** Expression prefix for addresses: `ip daddr` / `ip6 daddr`. */
  ip: 'ip' | 'ip6';
  loopback: string;
}

export function nftFamily(family: IPFamily): NFTFamily {
  return family === 'IPv6'
    ? { nft: 'ip6', addrType: 'ipv6_addr', ip: 'ip6', loopback: '::1' }
    : { nft: 'ip', addrType: 'ipv4_addr', ip: 'ip', loopback: '127.0.0.0/8' };
}

/**
 * The fixed part of the table (upstream setupNFTables): sets, verdict maps, base chains hooked
 * into netfilter, and their dispatch rules. Returned as `nft -f` lines.
 */
export function baseRules(family: IPFamily, options: ProxyOptions): string[] {
  const f = nftFamily(family);
  const t = `${f.nft} ${TABLE}`;
  const mark = masqueradeMark(options.masqueradeBit);
  const svcKey = `${f.addrType} . inet_proto . inet_service`;
  const lines = [
    `add table ${t} { comment "rules for kube-proxy" ; }`,
    `add set ${t} cluster-ips { type ${f.addrType} ; comment "Active ClusterIPs" ; }`,
    `add set ${t} nodeport-ips { type ${f.addrType} ; comment "IPs that accept NodePort traffic" ; }`,
    `add map ${t} firewall-ips { type ${svcKey} : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }`,
    `add map ${t} no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }`,
    `add map ${t} no-endpoint-services { type ${svcKey} : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }`,
    `add map ${t} service-ips { type ${svcKey} : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }`,
    `add map ${t} service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }`,
    `add chain ${t} cluster-ips-check`,
    `add chain ${t} filter-prerouting-pre-dnat { type filter hook prerouting priority -110 ; }`,
    `add chain ${t} filter-output-pre-dnat { type filter hook output priority -110 ; }`,
    `add chain ${t} filter-forward { type filter hook forward priority 0 ; }`,
    `add chain ${t} filter-input { type filter hook input priority 0 ; }`,
    `add chain ${t} filter-output { type filter hook output priority 0 ; }`,
    `add chain ${t} firewall-check`,
    `add chain ${t} mark-for-masquerade`,
    `add chain ${t} masquerading`,
    `add chain ${t} nat-output { type nat hook output priority -100 ; }`,
    `add chain ${t} nat-postrouting { type nat hook postrouting priority 100 ; }`,
    `add chain ${t} nat-prerouting { type nat hook prerouting priority -100 ; }`,
    `add chain ${t} nodeport-endpoints-check`,
    `add chain ${t} reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }`,
    `add chain ${t} services`,
    `add chain ${t} service-endpoints-check`,
    `add rule ${t} cluster-ips-check ${f.ip} daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"`,
  ];
  const serviceCIDRs = options.serviceCIDRs.filter((c) => cidrFamily(c) === family);
  if (serviceCIDRs.length) lines.push(`add rule ${t} cluster-ips-check ${f.ip} daddr { ${serviceCIDRs.join(', ')} } drop comment "Drop traffic to unallocated ClusterIPs"`);
  lines.push(
    `add rule ${t} filter-prerouting-pre-dnat ct state new jump firewall-check`,
    `add rule ${t} filter-forward ct state new jump service-endpoints-check`,
    `add rule ${t} filter-forward ct state new jump cluster-ips-check`,
    `add rule ${t} filter-input ct state new jump nodeport-endpoints-check`,
    `add rule ${t} filter-input ct state new jump service-endpoints-check`,
    `add rule ${t} filter-output ct state new jump service-endpoints-check`,
    `add rule ${t} filter-output-pre-dnat ct state new jump firewall-check`,
    `add rule ${t} filter-output ct state new jump cluster-ips-check`,
    `add rule ${t} firewall-check ${f.ip} daddr . meta l4proto . th dport vmap @firewall-ips`,
    `add rule ${t} mark-for-masquerade mark set mark or ${mark}`,
    `add rule ${t} masquerading mark and ${mark} == 0 return`,
    `add rule ${t} masquerading mark set mark xor ${mark}`,
    `add rule ${t} masquerading masquerade fully-random`,
    `add rule ${t} nat-output jump services`,
    `add rule ${t} nat-postrouting jump masquerading`,
    `add rule ${t} nat-prerouting jump services`,
    `add rule ${t} reject-chain reject`,
    `add rule ${t} services ${f.ip} daddr . meta l4proto . th dport vmap @service-ips`,
    `add rule ${t} service-endpoints-check ${f.ip} daddr . meta l4proto . th dport vmap @no-endpoint-services`,
  );
  const np = nftNodePortIPs(family, options);
  if (np.matchAll) {
    lines.push(
      `add rule ${t} nodeport-endpoints-check fib daddr type local ${f.ip} daddr != ${f.loopback} meta l4proto . th dport vmap @no-endpoint-nodeports`,
      `add rule ${t} services fib daddr type local ${f.ip} daddr != ${f.loopback} meta l4proto . th dport vmap @service-nodeports`,
    );
  } else {
    lines.push(
      `add rule ${t} nodeport-endpoints-check ${f.ip} daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports`,
      `add rule ${t} services ${f.ip} daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports`,
    );
    for (const ip of np.ips) lines.push(`add element ${t} nodeport-ips { ${ip} }`);
  }
  return lines;
}

/**
 * NodePort addresses in nftables mode: upstream defaults to the node's primary IPs when
 * --nodeport-addresses is unset; an explicit zero CIDR means every local address. Loopback
 * addresses never: nftables mode does not do localhost NodePorts (KEP-3866; upstream logs
 * "--nodeport-addresses includes localhost but localhost NodePorts are not supported" and skips
 * them), so it never needs route_localnet.
 */
export function nftNodePortIPs(family: IPFamily, options: ProxyOptions): { matchAll: boolean; ips: string[] } {
  const d = nodePortDestinations(options, family);
  if (!d.matchAll) return { matchAll: false, ips: d.ips.filter((ip) => !isLoopback(ip)) };
  const explicit = options.nodePortAddresses.some((c) => c === '0.0.0.0/0' || c === '::/0');
  const primary = options.nodeIPs.filter((ip) => familyOf(ip) === family);
  if (explicit || primary.length === 0) return { matchAll: true, ips: [] };
  return { matchAll: false, ips: primary };
}
