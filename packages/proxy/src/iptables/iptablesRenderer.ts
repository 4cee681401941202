import { categorizeEndpoints } from '../core/topology.js';
import type { EndpointsMap } from '../core/endpointsChangeTracker.js';
import type { ProxyOptions } from '../core/proxyOptions.js';
import { cidrContainsIP } from '../core/proxyOptions.js';
import type { ServicePortMap } from '../core/serviceChangeTracker.js';
import type { EndpointInfo, IPFamily, ServiceKey, ServicePortInfo } from '../core/types.js';
import { externallyAccessible, usesClusterEndpoints, usesLocalEndpoints } from '../core/types.js';
import { isServiceChainName } from './chainNames.js';
import { ChainNameCache } from './chainNameCache.js';
import { LineBuffer, makeChainLine } from './lineBuffer.js';
import { localDetector, masqueradeMark, nodePortDestinations, probability } from './iptablesHelpers.js';

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
export const KUBE_FIREWALL = 'KUBE-FIREWALL';
/** Upstream largeClusterEndpointsThreshold: above it, per-endpoint comments are dropped. */
export const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

export interface IPTablesRenderInput {
  family: IPFamily;
  services: ServicePortMap;
  endpoints: EndpointsMap;
  options: ProxyOptions;
  /** Full sync: every chain is written. Otherwise only chains of `changedServices`. */
  full: boolean;
  changedServices?: ReadonlySet<ServiceKey>;
  /** Service chains that exist in the kernel now; those no longer used are flushed and deleted. */
  existingNatChains?: ReadonlySet<string>;
  /** iptables supports `--random-fully` on MASQUERADE. */
  hasRandomFully?: boolean;
  /** Reused across renders to avoid rehashing chain names. */
  names?: ChainNameCache;
}

export interface IPTablesRenderResult {
  /** iptables-restore input (filter then nat), to be applied with --noflush. */
  text: string;
  /** Every service chain the ruleset uses (written or not, in a partial sync). */
  activeNatChains: Set<string>;
  deletedChains: string[];
  filterRules: number;
  /** NAT rules in the full ruleset (as upstream's iptables_rules_total metric). */
  natRulesTotal: number;
  natRulesWritten: number;
  largeClusterMode: boolean;
  noLocalEndpointsInternal: number;
  noLocalEndpointsExternal: number;
}

/**
 * Renders kube-proxy's iptables ruleset for one IP family: a transcription of upstream
 * syncProxyRules (v1.31+). Pure: state in, iptables-restore text out. Services are visited in
 * key order so output is deterministic.
 */
export function renderIPTables(input: IPTablesRenderInput): IPTablesRenderResult {
  const { family, services, endpoints, options } = input;
  const isIPv6 = family === 'IPv6';
  const names = input.names ?? new ChainNameCache();
  const mark = masqueradeMark(options.masqueradeBit);
  const detect = localDetector(options.clusterCIDRs, family);
  const localhostNodePorts = options.localhostNodePorts && !isIPv6;
  const nodeIP = options.nodeIPs.find((ip) => (ip.includes(':') ? 'IPv6' : 'IPv4') === family);

  const filterChains = new LineBuffer();
  const filterRules = new LineBuffer();
  const natChains = new LineBuffer();
  const natRules = new LineBuffer();
  const skippedNatChains = new LineBuffer(true);
  const skippedNatRules = new LineBuffer(true);

  for (const c of [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL]) filterChains.writeLine(makeChainLine(c));
  for (const c of [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ]) natChains.writeLine(makeChainLine(c));

  natRules.write('-A', KUBE_POSTROUTING, '-m', 'mark', '!', '--mark', `${mark}/${mark}`, '-j', 'RETURN');
  natRules.write('-A', KUBE_POSTROUTING, '-j', 'MARK', '--xor-mark', mark);
  natRules.write('-A', KUBE_POSTROUTING, '-m', 'comment', '--comment', '"kubernetes service traffic requiring SNAT"', '-j', 'MASQUERADE', ...(input.hasRandomFully ? ['--random-fully'] : []));
  natRules.write('-A', KUBE_MARK_MASQ, '-j', 'MARK', '--or-mark', mark);

  if (localhostNodePorts) {
    filterChains.writeLine(makeChainLine(KUBE_FIREWALL));
    filterRules.write('-A', KUBE_FIREWALL, '-m', 'comment', '--comment', '"block incoming localnet connections"', '-d', '127.0.0.0/8', '!', '-s', '127.0.0.0/8', '-m', 'conntrack', '!', '--ctstate', 'RELATED,ESTABLISHED,DNAT', '-j', 'DROP');
  }

  const activeNatChains = new Set<string>();
  let totalEndpoints = 0;
  for (const key of services.keys()) totalEndpoints += endpoints.get(key)?.length ?? 0;
  const largeClusterMode = totalEndpoints > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;
  const comment = (args: string[], text: string) => (largeClusterMode ? args : args.concat('-m', 'comment', '--comment', text));
  let noLocalInternal = 0;
  let noLocalExternal = 0;

  const keys = [...services.keys()].sort();
  for (const key of keys) {
    const svc = services.get(key) as ServicePortInfo;
    const protocol = svc.protocol.toLowerCase();
    const spn = svc.nameString;
    const n = names.service(svc);
    const port = String(svc.port);
    const all = endpoints.get(key) ?? [];
    const { clusterEndpoints, localEndpoints, allReachableEndpoints, hasAnyEndpoints: hasEndpoints } = categorizeEndpoints(all, svc, options.nodeLabels);

    const clusterPolicyChain = n.cluster;
    const usesClusterPolicyChain = clusterEndpoints.length > 0 && usesClusterEndpoints(svc);
    const localPolicyChain = n.local;
    const usesLocalPolicyChain = localEndpoints.length > 0 && usesLocalEndpoints(svc);

    const internalPolicyChain = svc.internalPolicyLocal ? localPolicyChain : clusterPolicyChain;
    const hasInternalEndpoints = svc.internalPolicyLocal ? hasEndpoints && localEndpoints.length > 0 : hasEndpoints;
    const internalTrafficChain = internalPolicyChain;
    const externalPolicyChain = svc.externalPolicyLocal ? localPolicyChain : clusterPolicyChain;
    const hasExternalEndpoints = svc.externalPolicyLocal ? hasEndpoints && localEndpoints.length > 0 : hasEndpoints;
    const externalTrafficChain = n.external;
    const usesExternalTrafficChain = hasEndpoints && externallyAccessible(svc);
    const fwChain = n.firewall;
    const usesFWChain = hasEndpoints && svc.loadBalancerVIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;
    const loadBalancerTrafficChain = usesFWChain ? fwChain : externalTrafficChain;

    let internalFilterTarget = '';
    let internalFilterComment = '';
    let externalFilterTarget = '';
    let externalFilterComment = '';
    if (!hasEndpoints) {
      internalFilterTarget = externalFilterTarget = 'REJECT';
      internalFilterComment = externalFilterComment = `"${spn} has no endpoints"`;
    } else {
      if (!hasInternalEndpoints) {
        internalFilterTarget = 'DROP';
        internalFilterComment = `"${spn} has no local endpoints"`;
        noLocalInternal++;
      }
      if (!hasExternalEndpoints) {
        externalFilterTarget = 'DROP';
        externalFilterComment = `"${spn} has no local endpoints"`;
        noLocalExternal++;
      }
    }

    // Capture the clusterIP.
    if (hasInternalEndpoints) {
      natRules.write('-A', KUBE_SERVICES, '-m', 'comment', '--comment', `"${spn} cluster IP"`, '-m', protocol, '-p', protocol, '-d', svc.clusterIP, '--dport', port, '-j', internalTrafficChain);
    } else {
      filterRules.write('-A', KUBE_SERVICES, '-m', 'comment', '--comment', internalFilterComment, '-m', protocol, '-p', protocol, '-d', svc.clusterIP, '--dport', port, '-j', internalFilterTarget);
    }
    // Capture externalIPs.
    for (const ip of svc.externalIPs) {
      if (hasEndpoints) {
        natRules.write('-A', KUBE_SERVICES, '-m', 'comment', '--comment', `"${spn} external IP"`, '-m', protocol, '-p', protocol, '-d', ip, '--dport', port, '-j', externalTrafficChain);
      }
      if (!hasExternalEndpoints) {
        filterRules.write('-A', KUBE_EXTERNAL_SERVICES, '-m', 'comment', '--comment', externalFilterComment, '-m', protocol, '-p', protocol, '-d', ip, '--dport', port, '-j', externalFilterTarget);
      }
    }
    // Capture load-balancer ingress.
    for (const ip of svc.loadBalancerVIPs) {
      if (hasEndpoints) {
        natRules.write('-A', KUBE_SERVICES, '-m', 'comment', '--comment', `"${spn} loadbalancer IP"`, '-m', protocol, '-p', protocol, '-d', ip, '--dport', port, '-j', loadBalancerTrafficChain);
      }
      if (usesFWChain) {
        filterRules.write('-A', KUBE_PROXY_FIREWALL, '-m', 'comment', '--comment', `"${spn} traffic not accepted by ${fwChain}"`, '-m', protocol, '-p', protocol, '-d', ip, '--dport', port, '-j', 'DROP');
      }
    }
    if (!hasExternalEndpoints) {
      for (const ip of svc.loadBalancerVIPs) {
        filterRules.write('-A', KUBE_EXTERNAL_SERVICES, '-m', 'comment', '--comment', externalFilterComment, '-m', protocol, '-p', protocol, '-d', ip, '--dport', port, '-j', externalFilterTarget);
      }
    }
    // Capture nodeports.
    if (svc.nodePort !== 0) {
      const nodePort = String(svc.nodePort);
      if (hasEndpoints) {
        if (localhostNodePorts && options.nfacct) {
          natRules.write('-A', KUBE_NODEPORTS, '-m', 'comment', '--comment', spn, '-m', protocol, '-p', protocol, '-d', '127.0.0.0/8', '--dport', nodePort, '-m', 'nfacct', '--nfacct-name', 'localhost_nps_accepted_pkts', '-j', externalTrafficChain);
        }
        natRules.write('-A', KUBE_NODEPORTS, '-m', 'comment', '--comment', spn, '-m', protocol, '-p', protocol, '--dport', nodePort, '-j', externalTrafficChain);
      }
      if (!hasExternalEndpoints) {
        filterRules.write('-A', KUBE_EXTERNAL_SERVICES, '-m', 'comment', '--comment', externalFilterComment, '-m', 'addrtype', '--dst-type', 'LOCAL', '-m', protocol, '-p', protocol, '--dport', nodePort, '-j', externalFilterTarget);
      }
    }
    // Capture healthCheckNodePorts.
    if (svc.healthCheckNodePort !== 0) {
      filterRules.write('-A', KUBE_NODEPORTS, '-m', 'comment', '--comment', `"${spn} health check node port"`, '-m', 'tcp', '-p', 'tcp', '--dport', String(svc.healthCheckNodePort), '-j', 'ACCEPT');
    }

    // Unchanged services keep their SVC/SVL/EXT/FW/SEP chains: counted, not written.
    const skip = !input.full && !(input.changedServices?.has(svc.serviceKey) ?? false);
    const chains = skip ? skippedNatChains : natChains;
    const rules = skip ? skippedNatRules : natRules;

    if (hasInternalEndpoints) {
      const args = ['-m', 'comment', '--comment', `"${spn} cluster IP"`, '-m', protocol, '-p', protocol, '-d', svc.clusterIP, '--dport', port];
      if (options.masqueradeAll) rules.write('-A', internalTrafficChain, args, '-j', KUBE_MARK_MASQ);
      else if (detect) rules.write('-A', internalTrafficChain, args, detect.ifNotLocal, '-j', KUBE_MARK_MASQ);
    }

    if (usesExternalTrafficChain) {
      chains.writeLine(makeChainLine(externalTrafficChain));
      activeNatChains.add(externalTrafficChain);
      if (!svc.externalPolicyLocal) {
        rules.write('-A', externalTrafficChain, '-m', 'comment', '--comment', `"masquerade traffic for ${spn} external destinations"`, '-j', KUBE_MARK_MASQ);
      } else {
        if (detect) {
          rules.write('-A', externalTrafficChain, '-m', 'comment', '--comment', `"pod traffic for ${spn} external destinations"`, detect.ifLocal, '-j', clusterPolicyChain);
        }
        rules.write('-A', externalTrafficChain, '-m', 'comment', '--comment', `"masquerade LOCAL traffic for ${spn} external destinations"`, '-m', 'addrtype', '--src-type', 'LOCAL', '-j', KUBE_MARK_MASQ);
        rules.write('-A', externalTrafficChain, '-m', 'comment', '--comment', `"route LOCAL traffic for ${spn} external destinations"`, '-m', 'addrtype', '--src-type', 'LOCAL', '-j', clusterPolicyChain);
      }
      if (hasExternalEndpoints) rules.write('-A', externalTrafficChain, '-j', externalPolicyChain);
    }

    if (usesFWChain) {
      chains.writeLine(makeChainLine(fwChain));
      activeNatChains.add(fwChain);
      const args = ['-A', fwChain, '-m', 'comment', '--comment', `"${spn} loadbalancer IP"`];
      let allowFromNode = false;
      for (const cidr of svc.loadBalancerSourceRanges) {
        rules.write(args, '-s', cidr, '-j', externalTrafficChain);
        if (nodeIP && cidrContainsIP(cidr, nodeIP)) allowFromNode = true;
      }
      if (allowFromNode) for (const ip of svc.loadBalancerVIPs) rules.write(args, '-s', ip, '-j', externalTrafficChain);
      rules.write('-A', fwChain, '-m', 'comment', '--comment', `"other traffic to ${spn} will be dropped by KUBE-PROXY-FIREWALL"`);
    }

    if (usesClusterPolicyChain) {
      chains.writeLine(makeChainLine(clusterPolicyChain));
      activeNatChains.add(clusterPolicyChain);
      writeServiceToEndpointRules(rules, spn, svc, clusterPolicyChain, clusterEndpoints, names, comment);
    }
    if (usesLocalPolicyChain) {
      chains.writeLine(makeChainLine(localPolicyChain));
      activeNatChains.add(localPolicyChain);
      writeServiceToEndpointRules(rules, spn, svc, localPolicyChain, localEndpoints, names, comment);
    }

    for (const ep of allReachableEndpoints) {
      const epChain = names.endpoint(svc, ep.endpoint);
      chains.writeLine(makeChainLine(epChain));
      activeNatChains.add(epChain);
      let args = comment(['-A', epChain], spn);
      rules.write(args, '-s', ep.ip, '-j', KUBE_MARK_MASQ);
      if (svc.sessionAffinityClientIP) args = args.concat('-m', 'recent', '--name', epChain, '--set');
      rules.write(args, '-m', protocol, '-p', protocol, '-j', 'DNAT', '--to-destination', ep.endpoint);
    }
  }

  // Delete service chains no longer in use (flush by chain line, then -X).
  const deletedChains: string[] = [];
  for (const chain of [...(input.existingNatChains ?? [])].sort()) {
    if (activeNatChains.has(chain) || !isServiceChainName(chain)) continue;
    natChains.writeLine(makeChainLine(chain));
    natRules.write('-X', chain);
    deletedChains.push(chain);
  }

  // Finally, tail-call to the nodePorts chain. This must be the last rule of KUBE-SERVICES.
  const npComment = '"kubernetes service nodeports; NOTE: this must be the last rule in this chain"';
  const destinations = nodePortDestinations(options, family);
  if (destinations.matchAll) {
    const dst = ['-m', 'addrtype', '--dst-type', 'LOCAL'];
    if (isIPv6) dst.push('!', '-d', '::1/128');
    else if (!localhostNodePorts) dst.push('!', '-d', '127.0.0.0/8');
    natRules.write('-A', KUBE_SERVICES, '-m', 'comment', '--comment', npComment, dst, '-j', KUBE_NODEPORTS);
  } else {
    for (const ip of destinations.ips) {
      const loopback = isIPv6 ? ip === '::1' : ip.startsWith('127.');
      if (loopback && (isIPv6 || !localhostNodePorts)) continue;
      natRules.write('-A', KUBE_SERVICES, '-m', 'comment', '--comment', npComment, '-d', ip, '-j', KUBE_NODEPORTS);
    }
  }

  if (!options.conntrackTCPLiberal) {
    filterRules.write('-A', KUBE_FORWARD, '-m', 'conntrack', '--ctstate', 'INVALID', ...(options.nfacct ? ['-m', 'nfacct', '--nfacct-name', 'ct_state_invalid_dropped_pkts'] : []), '-j', 'DROP');
  }
  filterRules.write('-A', KUBE_FORWARD, '-m', 'comment', '--comment', '"kubernetes forwarding rules"', '-m', 'mark', '--mark', `${mark}/${mark}`, '-j', 'ACCEPT');
  filterRules.write('-A', KUBE_FORWARD, '-m', 'comment', '--comment', '"kubernetes forwarding conntrack rule"', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT');

  const parts = ['*filter', ...filterChains.lines, ...filterRules.lines, 'COMMIT', '*nat', ...natChains.lines, ...natRules.lines, 'COMMIT', ''];
  return {
    text: parts.join('\n'),
    activeNatChains,
    deletedChains,
    filterRules: filterRules.count,
    natRulesTotal: natRules.count + skippedNatRules.count - deletedChains.length,
    natRulesWritten: natRules.count - deletedChains.length,
    largeClusterMode,
    noLocalEndpointsInternal: noLocalInternal,
    noLocalEndpointsExternal: noLocalExternal,
  };
}

function writeServiceToEndpointRules(
  rules: LineBuffer,
  spn: string,
  svc: ServicePortInfo,
  svcChain: string,
  eps: readonly EndpointInfo[],
  names: ChainNameCache,
  comment: (args: string[], text: string) => string[],
): void {
  if (svc.sessionAffinityClientIP) {
    for (const ep of eps) {
      const epChain = names.endpoint(svc, ep.endpoint);
      rules.write(comment(['-A', svcChain], `"${spn} -> ${ep.endpoint}"`), '-m', 'recent', '--name', epChain, '--rcheck', '--seconds', String(svc.stickyMaxAgeSeconds), '--reap', '-j', epChain);
    }
  }
  const n = eps.length;
  eps.forEach((ep, i) => {
    let args = comment(['-A', svcChain], `"${spn} -> ${ep.endpoint}"`);
    // matches kube-proxy: each rule but the last is a random match with p = 1/(remaining).
    if (i < n - 1) args = args.concat('-m', 'statistic', '--mode', 'random', '--probability', probability(n - i));
    rules.write(args, '-j', names.endpoint(svc, ep.endpoint));
  });
}

