import { joinHostPort } from '@svcnet/model';
import type { ProxyOptions } from '../core/proxyOptions.js';
import { cidrContainsIP, cidrFamily } from '../core/proxyOptions.js';
import { assertSafeEndpoints, assertSafeServicePort } from '../core/ruleValueGuard.js';
import { categorizeEndpoints } from '../core/topology.js';
import type { EndpointInfo, IPFamily, ServicePortInfo } from '../core/types.js';
import { externallyAccessible, usesClusterEndpoints, usesLocalEndpoints } from '../core/types.js';
import { nftFamily } from './nftablesBase.js';
import { NFTNameCache } from './nftNames.js';

/** One element of a set or verdict map owned by a service. */
export interface NFTElement {
  set: string;
  key: string;
  comment?: string;
  value?: string;
}

/** Everything one service port puts in the table: its chains, affinity sets and map elements. */
export interface NFTServiceArtifacts {
  chains: Map<string, string[]>;
  /** Affinity sets: name -> definition (`{ type ... ; }`). */
  sets: Map<string, string>;
  elements: NFTElement[];
  noLocalInternal: boolean;
  noLocalExternal: boolean;
}

/**
 * Renders one service port as upstream nftables proxier's syncProxyRules loop body: a
 * `service-` chain (Cluster policy), `local-` chain (Local policy), `external-` and `firewall-`
 * chains, one `endpoint-` chain per endpoint, `affinity-` sets, and elements in the dispatch maps.
 */
export function renderNFTService(
  svc: ServicePortInfo,
  all: readonly EndpointInfo[],
  family: IPFamily,
  options: ProxyOptions,
  names: NFTNameCache = new NFTNameCache(),
): NFTServiceArtifacts {
  // Every value below is pasted into `nft -f` input: re-check it here (defence in depth).
  assertSafeServicePort(svc);
  assertSafeEndpoints(all);
  const f = nftFamily(family);
  const out: NFTServiceArtifacts = { chains: new Map(), sets: new Map(), elements: [], noLocalInternal: false, noLocalExternal: false };
  const proto = svc.protocol.toLowerCase();
  const n = names.service(svc);
  const cidr = options.clusterCIDRs.map((c) => c.trim()).find((c) => cidrFamily(c) === family);
  const { clusterEndpoints, localEndpoints, allReachableEndpoints, hasAnyEndpoints: hasEndpoints } = categorizeEndpoints(all, svc, options.nodeLabels);
  const usesClusterPolicyChain = clusterEndpoints.length > 0 && usesClusterEndpoints(svc);
  const usesLocalPolicyChain = localEndpoints.length > 0 && usesLocalEndpoints(svc);
  const internalTrafficChain = svc.internalPolicyLocal ? n.local : n.service;
  const hasInternalEndpoints = svc.internalPolicyLocal ? hasEndpoints && localEndpoints.length > 0 : hasEndpoints;
  const externalPolicyChain = svc.externalPolicyLocal ? n.local : n.service;
  const hasExternalEndpoints = svc.externalPolicyLocal ? hasEndpoints && localEndpoints.length > 0 : hasEndpoints;
  const usesExternalTrafficChain = hasEndpoints && externallyAccessible(svc);
  const usesFWChain = hasEndpoints && svc.loadBalancerVIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;
  const internalVerdict = !hasEndpoints ? 'goto reject-chain' : 'drop';
  const externalVerdict = internalVerdict;
  if (hasEndpoints && !hasInternalEndpoints) out.noLocalInternal = true;
  if (hasEndpoints && !hasExternalEndpoints) out.noLocalExternal = true;
  const key = (ip: string, port: number) => `${ip} . ${proto} . ${port}`;

  out.elements.push({ set: 'cluster-ips', key: svc.clusterIP });
  if (hasInternalEndpoints) out.elements.push({ set: 'service-ips', key: key(svc.clusterIP, svc.port), value: `goto ${internalTrafficChain}` });
  else out.elements.push({ set: 'no-endpoint-services', key: key(svc.clusterIP, svc.port), comment: svc.nameString, value: internalVerdict });
  for (const ip of [...svc.externalIPs, ...svc.loadBalancerVIPs]) {
    if (hasEndpoints) out.elements.push({ set: 'service-ips', key: key(ip, svc.port), value: `goto ${n.external}` });
    if (!hasExternalEndpoints) out.elements.push({ set: 'no-endpoint-services', key: key(ip, svc.port), comment: svc.nameString, value: externalVerdict });
  }
  if (usesFWChain) for (const ip of svc.loadBalancerVIPs) out.elements.push({ set: 'firewall-ips', key: key(ip, svc.port), value: `goto ${n.firewall}` });
  if (svc.nodePort !== 0) {
    if (hasEndpoints) out.elements.push({ set: 'service-nodeports', key: `${proto} . ${svc.nodePort}`, value: `goto ${n.external}` });
    if (!hasExternalEndpoints) out.elements.push({ set: 'no-endpoint-nodeports', key: `${proto} . ${svc.nodePort}`, comment: svc.nameString, value: externalVerdict });
  }

  const epName = (ep: EndpointInfo) => names.endpoint(svc, ep.ip, ep.port);
  const writePolicyChain = (chain: string, eps: EndpointInfo[]) => {
    const rules = out.chains.get(chain) ?? [];
    out.chains.set(chain, rules);
    if (svc.sessionAffinityClientIP) for (const ep of eps) rules.push(`${f.ip} saddr @affinity-${epName(ep)} goto endpoint-${epName(ep)}`);
    rules.push(`numgen random mod ${eps.length} vmap { ${eps.map((ep, i) => `${i} : goto endpoint-${epName(ep)}`).join(' , ')} }`);
  };

  if (hasInternalEndpoints) {
    const rules = out.chains.get(internalTrafficChain) ?? [];
    out.chains.set(internalTrafficChain, rules);
    if (options.masqueradeAll) rules.push(`${f.ip} daddr ${svc.clusterIP} jump mark-for-masquerade`);
    else if (cidr) rules.push(`${f.ip} daddr ${svc.clusterIP} ${f.ip} saddr != ${cidr} jump mark-for-masquerade`);
  }
  if (usesClusterPolicyChain) writePolicyChain(n.service, clusterEndpoints);
  if (usesLocalPolicyChain) writePolicyChain(n.local, localEndpoints);

  if (usesExternalTrafficChain) {
    const rules: string[] = [];
    out.chains.set(n.external, rules);
    if (!svc.externalPolicyLocal) {
      rules.push('jump mark-for-masquerade');
    } else {
      if (cidr) rules.push(`${f.ip} saddr ${cidr} goto ${n.service} comment "short-circuit pod traffic"`);
      rules.push('fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"');
      rules.push(`fib saddr type local goto ${n.service} comment "short-circuit local traffic"`);
    }
    if (hasExternalEndpoints) rules.push(`goto ${externalPolicyChain}`);
  }

  if (usesFWChain) {
    const nodeIP = options.nodeIPs.find((ip) => cidrFamily(`${ip}/0`) === family);
    const allowFromNode = nodeIP !== undefined && svc.loadBalancerSourceRanges.some((c) => cidrContainsIP(c, nodeIP));
    const sources = [...svc.loadBalancerSourceRanges, ...(allowFromNode ? svc.loadBalancerVIPs : [])];
    out.chains.set(n.firewall, [`${f.ip} saddr != { ${sources.join(', ')} } drop`]);
  }

  for (const ep of allReachableEndpoints) {
    const base = epName(ep);
    const rules = [`${f.ip} saddr ${ep.ip} jump mark-for-masquerade`];
    if (svc.sessionAffinityClientIP) {
      out.sets.set(`affinity-${base}`, `{ type ${f.addrType} ; flags dynamic,timeout ; timeout ${svc.stickyMaxAgeSeconds}s ; }`);
      rules.push(`update @affinity-${base} { ${f.ip} saddr }`);
    }
    rules.push(`meta l4proto ${proto} dnat to ${joinHostPort(ep.ip, ep.port)}`);
    out.chains.set(`endpoint-${base}`, rules);
  }
  return out;
}

export function elementLine(table: string, e: NFTElement): string {
  const comment = e.comment !== undefined ? ` comment "${e.comment}"` : '';
  const value = e.value !== undefined ? ` : ${e.value}` : '';
  return `add element ${table} ${e.set} { ${e.key}${comment}${value} }`;
}
