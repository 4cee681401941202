import type { ProxyOptions } from '../core/proxyOptions.js';
import { cidrContainsIP } from '../core/proxyOptions.js';
import type { CachedFragment } from '../core/servicePortCache.js';
import { assertSafeEndpoints, assertSafeServicePort } from '../core/ruleValueGuard.js';
import { categorizeEndpoints } from '../core/topology.js';
import type { EndpointInfo, ServicePortInfo } from '../core/types.js';
import { externallyAccessible, usesClusterEndpoints, usesLocalEndpoints } from '../core/types.js';
import type { ChainNameCache, ServiceChainNames } from './chainNameCache.js';
import type { LocalDetector } from '../core/ruleHelpers.js';
import { probability } from '../core/ruleHelpers.js';

/** Per-render settings shared by every service (computed once per sync). */
export interface ServiceRulesContext {
  options: ProxyOptions;
  detect: LocalDetector | undefined;
  localhostNodePorts: boolean;
  nodeIP: string | undefined;
  largeClusterMode: boolean;
  names: ChainNameCache;
}

/**
 * What the render cache keeps of one service port between syncs: its rules in the top-level
 * chains as text (every line ends in "\n"; written on every sync), the names of its own chains and
 * the counts that feed the rules-total metrics. Not the text of its own SVC/SVL/EXT/FW/SEP chains:
 * those are written only in the sync that renders them (the service changed, or a full sync,
 * which renders every service again as upstream syncProxyRules does), so keeping them would hold
 * ~3 KB per port of 10 endpoints (~35 MB at 10,000 Services) for nothing.
 */
export interface IPTablesFragment extends CachedFragment {
  readonly large: boolean;
  readonly filter: string;
  readonly filterCount: number;
  /** KUBE-SERVICES / KUBE-NODEPORTS rules in the nat table. */
  readonly natTop: string;
  readonly natTopCount: number;
  readonly chainRuleCount: number;
  readonly chains: readonly string[];
  readonly epCount: number;
  readonly noLocalInternal: number;
  readonly noLocalExternal: number;
}

/** A rendered service port: the part the cache keeps, and the text of its own chains. */
export interface RenderedServicePort {
  readonly fragment: IPTablesFragment;
  /** `:CHAIN - [0:0]` lines of the service's own chains. */
  readonly chainLines: string;
  readonly chainRules: string;
}

const EMPTY: readonly EndpointInfo[] = [];

/**
 * Makes V8 flatten a string built by concatenation (a rope): the top-level texts are kept and
 * joined on every sync, and joining ropes walks them again each time (the own chains' text is
 * joined once, into one sync's output, so it stays a rope).
 */
function flat(s: string): string {
  if (s.length) s.charCodeAt(0);
  return s;
}
const chainLine = (c: string): string => `:${c} - [0:0]\n`;

/** Renders one service port: a transcription of the loop body of upstream syncProxyRules. */
export function renderIPTablesService(ctx: ServiceRulesContext, svc: ServicePortInfo, eps: readonly EndpointInfo[] | undefined): RenderedServicePort {
  // Every value below is pasted into iptables-restore input: re-check it here (defence in depth).
  assertSafeServicePort(svc);
  assertSafeEndpoints(eps);
  const { options, detect } = ctx;
  const protocol = svc.protocol.toLowerCase();
  const spn = svc.nameString;
  const n = ctx.names.service(svc);
  const { clusterEndpoints, localEndpoints, allReachableEndpoints, hasAnyEndpoints: hasEndpoints } = categorizeEndpoints(eps ?? EMPTY, svc, options.nodeLabels);

  const clusterPolicyChain = n.cluster;
  const usesClusterPolicyChain = clusterEndpoints.length > 0 && usesClusterEndpoints(svc);
  const localPolicyChain = n.local;
  const usesLocalPolicyChain = localEndpoints.length > 0 && usesLocalEndpoints(svc);
  const internalTrafficChain = svc.internalPolicyLocal ? localPolicyChain : clusterPolicyChain;
  const hasInternalEndpoints = svc.internalPolicyLocal ? hasEndpoints && localEndpoints.length > 0 : hasEndpoints;
  const externalPolicyChain = svc.externalPolicyLocal ? localPolicyChain : clusterPolicyChain;
  const hasExternalEndpoints = svc.externalPolicyLocal ? hasEndpoints && localEndpoints.length > 0 : hasEndpoints;
  const ext = n.external;
  const usesExternalTrafficChain = hasEndpoints && externallyAccessible(svc);
  const fwChain = n.firewall;
  const usesFWChain = hasEndpoints && svc.loadBalancerVIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;
  const lbChain = usesFWChain ? fwChain : ext;

  let internalFilterTarget = '';
  let internalFilterComment = '';
  let externalFilterTarget = '';
  let externalFilterComment = '';
  let noLocalInternal = 0;
  let noLocalExternal = 0;
  if (!hasEndpoints) {
    internalFilterTarget = externalFilterTarget = 'REJECT';
    internalFilterComment = externalFilterComment = `"${spn} has no endpoints"`;
  } else {
    if (!hasInternalEndpoints) {
      internalFilterTarget = 'DROP';
      internalFilterComment = `"${spn} has no local endpoints"`;
      noLocalInternal = 1;
    }
    if (!hasExternalEndpoints) {
      externalFilterTarget = 'DROP';
      externalFilterComment = `"${spn} has no local endpoints"`;
      noLocalExternal = 1;
    }
  }

  const pm = ` -m ${protocol} -p ${protocol}`;
  const dport = ` --dport ${svc.port}`;
  let filter = '';
  let filterCount = 0;
  let top = '';
  let topCount = 0;

  // Capture the clusterIP.
  if (hasInternalEndpoints) {
    top += `-A KUBE-SERVICES -m comment --comment "${spn} cluster IP"${pm} -d ${svc.clusterIP}${dport} -j ${internalTrafficChain}\n`;
    topCount++;
  } else {
    filter += `-A KUBE-SERVICES -m comment --comment ${internalFilterComment}${pm} -d ${svc.clusterIP}${dport} -j ${internalFilterTarget}\n`;
    filterCount++;
  }
  // Capture externalIPs.
  for (const ip of svc.externalIPs) {
    if (hasEndpoints) {
      top += `-A KUBE-SERVICES -m comment --comment "${spn} external IP"${pm} -d ${ip}${dport} -j ${ext}\n`;
      topCount++;
    }
    if (!hasExternalEndpoints) {
      filter += `-A KUBE-EXTERNAL-SERVICES -m comment --comment ${externalFilterComment}${pm} -d ${ip}${dport} -j ${externalFilterTarget}\n`;
      filterCount++;
    }
  }
  // Capture load-balancer ingress.
  for (const ip of svc.loadBalancerVIPs) {
    if (hasEndpoints) {
      top += `-A KUBE-SERVICES -m comment --comment "${spn} loadbalancer IP"${pm} -d ${ip}${dport} -j ${lbChain}\n`;
      topCount++;
    }
    if (usesFWChain) {
      filter += `-A KUBE-PROXY-FIREWALL -m comment --comment "${spn} traffic not accepted by ${fwChain}"${pm} -d ${ip}${dport} -j DROP\n`;
      filterCount++;
    }
  }
  if (!hasExternalEndpoints) {
    for (const ip of svc.loadBalancerVIPs) {
      filter += `-A KUBE-EXTERNAL-SERVICES -m comment --comment ${externalFilterComment}${pm} -d ${ip}${dport} -j ${externalFilterTarget}\n`;
      filterCount++;
    }
  }
  // Capture nodeports.
  if (svc.nodePort !== 0) {
    const np = ` --dport ${svc.nodePort}`;
    if (hasEndpoints) {
      if (ctx.localhostNodePorts && options.nfacct) {
        top += `-A KUBE-NODEPORTS -m comment --comment ${spn}${pm} -d 127.0.0.0/8${np} -m nfacct --nfacct-name localhost_nps_accepted_pkts -j ${ext}\n`;
        topCount++;
      }
      top += `-A KUBE-NODEPORTS -m comment --comment ${spn}${pm}${np} -j ${ext}\n`;
      topCount++;
    }
    if (!hasExternalEndpoints) {
      filter += `-A KUBE-EXTERNAL-SERVICES -m comment --comment ${externalFilterComment} -m addrtype --dst-type LOCAL${pm}${np} -j ${externalFilterTarget}\n`;
      filterCount++;
    }
  }
  // Capture healthCheckNodePorts.
  if (svc.healthCheckNodePort !== 0) {
    filter += `-A KUBE-NODEPORTS -m comment --comment "${spn} health check node port" -m tcp -p tcp --dport ${svc.healthCheckNodePort} -j ACCEPT\n`;
    filterCount++;
  }

  // The service's own chains.
  const chains: string[] = [];
  let lines = '';
  let rules = '';
  let ruleCount = 0;
  const add = (chain: string) => {
    lines += chainLine(chain);
    chains.push(chain);
  };
  if (hasInternalEndpoints) {
    const args = `-A ${internalTrafficChain} -m comment --comment "${spn} cluster IP"${pm} -d ${svc.clusterIP}${dport}`;
    if (options.masqueradeAll) {
      rules += `${args} -j KUBE-MARK-MASQ\n`;
      ruleCount++;
    } else if (detect) {
      rules += `${args} ! -s ${detect.cidr} -j KUBE-MARK-MASQ\n`;
      ruleCount++;
    }
  }
  if (usesExternalTrafficChain) {
    add(ext);
    if (!svc.externalPolicyLocal) {
      rules += `-A ${ext} -m comment --comment "masquerade traffic for ${spn} external destinations" -j KUBE-MARK-MASQ\n`;
      ruleCount++;
    } else {
      if (detect) {
        rules += `-A ${ext} -m comment --comment "pod traffic for ${spn} external destinations" -s ${detect.cidr} -j ${clusterPolicyChain}\n`;
        ruleCount++;
      }
      rules += `-A ${ext} -m comment --comment "masquerade LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ\n`;
      rules += `-A ${ext} -m comment --comment "route LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j ${clusterPolicyChain}\n`;
      ruleCount += 2;
    }
    if (hasExternalEndpoints) {
      rules += `-A ${ext} -j ${externalPolicyChain}\n`;
      ruleCount++;
    }
  }
  if (usesFWChain) {
    add(fwChain);
    const args = `-A ${fwChain} -m comment --comment "${spn} loadbalancer IP"`;
    let allowFromNode = false;
    for (const cidr of svc.loadBalancerSourceRanges) {
      rules += `${args} -s ${cidr} -j ${ext}\n`;
      ruleCount++;
      if (ctx.nodeIP && cidrContainsIP(cidr, ctx.nodeIP)) allowFromNode = true;
    }
    if (allowFromNode) {
      for (const ip of svc.loadBalancerVIPs) {
        rules += `${args} -s ${ip} -j ${ext}\n`;
        ruleCount++;
      }
    }
    rules += `-A ${fwChain} -m comment --comment "other traffic to ${spn} will be dropped by KUBE-PROXY-FIREWALL"\n`;
    ruleCount++;
  }
  const large = ctx.largeClusterMode;
  if (usesClusterPolicyChain) {
    add(clusterPolicyChain);
    const r = serviceToEndpointRules(svc, clusterPolicyChain, clusterEndpoints, n, ctx.names, large);
    rules += r;
    ruleCount += clusterEndpoints.length * (svc.sessionAffinityClientIP ? 2 : 1);
  }
  if (usesLocalPolicyChain) {
    add(localPolicyChain);
    rules += serviceToEndpointRules(svc, localPolicyChain, localEndpoints, n, ctx.names, large);
    ruleCount += localEndpoints.length * (svc.sessionAffinityClientIP ? 2 : 1);
  }
  const sepComment = large ? '' : ` -m comment --comment ${spn}`;
  for (const ep of allReachableEndpoints) {
    const epChain = ctx.names.endpointOf(n, svc, ep.endpoint);
    add(epChain);
    const args = `-A ${epChain}${sepComment}`;
    rules += `${args} -s ${ep.ip} -j KUBE-MARK-MASQ\n`;
    const recent = svc.sessionAffinityClientIP ? ` -m recent --name ${epChain} --set` : '';
    rules += `${args}${recent}${pm} -j DNAT --to-destination ${ep.endpoint}\n`;
    ruleCount += 2;
  }

  const fragment: IPTablesFragment = {
    svc,
    eps,
    large,
    filter: flat(filter),
    filterCount,
    natTop: flat(top),
    natTopCount: topCount,
    chainRuleCount: ruleCount,
    chains,
    epCount: eps?.length ?? 0,
    noLocalInternal,
    noLocalExternal,
  };
  return { fragment, chainLines: lines, chainRules: rules };
}

/** The SVC/SVL chain: affinity checks, then `statistic` probabilities 1/n, 1/(n-1), ..., last unconditional. */
function serviceToEndpointRules(
  svc: ServicePortInfo,
  svcChain: string,
  eps: readonly EndpointInfo[],
  n: ServiceChainNames,
  names: ChainNameCache,
  large: boolean,
): string {
  const spn = svc.nameString;
  const head = (ep: EndpointInfo) => (large ? `-A ${svcChain}` : `-A ${svcChain} -m comment --comment "${spn} -> ${ep.endpoint}"`);
  let out = '';
  if (svc.sessionAffinityClientIP) {
    for (const ep of eps) {
      const epChain = names.endpointOf(n, svc, ep.endpoint);
      out += `${head(ep)} -m recent --name ${epChain} --rcheck --seconds ${svc.stickyMaxAgeSeconds} --reap -j ${epChain}\n`;
    }
  }
  const count = eps.length;
  for (let i = 0; i < count; i++) {
    const ep = eps[i] as EndpointInfo;
    const stat = i < count - 1 ? ` -m statistic --mode random --probability ${probability(count - i)}` : '';
    out += `${head(ep)}${stat} -j ${names.endpointOf(n, svc, ep.endpoint)}\n`;
  }
  return out;
}
