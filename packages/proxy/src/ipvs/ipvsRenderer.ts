import { ipFamily, joinHostPort } from '@svcnet/model';
import type { EndpointsMap } from '../core/endpointsChangeTracker.js';
import type { ProxyOptions } from '../core/proxyOptions.js';
import type { ServicePortMap } from '../core/serviceChangeTracker.js';
import { assertSafeEndpoints, assertSafeServicePort } from '../core/ruleValueGuard.js';
import { categorizeEndpoints } from '../core/topology.js';
import type { EndpointInfo, IPFamily } from '../core/types.js';
import { localDetector, masqueradeMark, nodePortDestinations } from '../core/ruleHelpers.js';

export const KUBE_IPVS_DUMMY = 'kube-ipvs0';

/**
 * The ipsets IPVS mode creates (upstream ipsetInfo): name, type, comment. Cleanup destroys these
 * names only, as upstream's CleanupLeftovers, never any other set that merely starts with KUBE-.
 */
export const IPVS_IPSETS: readonly (readonly [name: string, type: string, comment: string])[] = [
  ['KUBE-CLUSTER-IP', 'hash:ip,port', 'Kubernetes service cluster ip + port for masquerade purpose'],
  ['KUBE-LOOP-BACK', 'hash:ip,port,ip', 'Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose'],
  ['KUBE-EXTERNAL-IP', 'hash:ip,port', 'Kubernetes service external ip + port for masquerade and filter purpose'],
  ['KUBE-LOAD-BALANCER', 'hash:ip,port', 'Kubernetes service lb portal'],
  ['KUBE-NODE-PORT-TCP', 'bitmap:port', 'Kubernetes nodeport TCP port for masquerade purpose'],
  ['KUBE-NODE-PORT-UDP', 'bitmap:port', 'Kubernetes nodeport UDP port for masquerade purpose'],
  ['KUBE-NODE-PORT-LOCAL-TCP', 'bitmap:port', 'Kubernetes nodeport TCP port with externalTrafficPolicy=local'],
  ['KUBE-NODE-PORT-LOCAL-UDP', 'bitmap:port', 'Kubernetes nodeport UDP port with externalTrafficPolicy=local'],
];

export interface IPVSRenderInput {
  family: IPFamily;
  services: ServicePortMap;
  endpoints: EndpointsMap;
  options: ProxyOptions;
}

export interface IPVSRenderResult {
  /** `ipset restore` input: the KUBE-* sets the iptables rules match on. */
  ipset: string;
  /** `ipvsadm-restore` input: one virtual server per address:port, rr scheduler, masquerading. */
  ipvsadm: string;
  /** The iptables rules IPVS mode still needs (masquerade, nodeport, hairpin). */
  iptables: string;
  /** Addresses bound to the kube-ipvs0 dummy interface so the kernel accepts them. */
  dummyAddresses: string[];
}

/**
 * Upstream pkg/proxy/ipvs in text form: virtual servers for ClusterIPs, externalIPs, LB IPs and
 * NodePorts (on each node address), real servers for endpoints, persistence for ClientIP affinity,
 * and the ipsets/iptables rules for SNAT and hairpin traffic.
 */
export function renderIPVS(input: IPVSRenderInput): IPVSRenderResult {
  const { family, services, endpoints, options } = input;
  const inet = family === 'IPv6' ? 'inet6' : 'inet';
  const sets = new Map<string, { type: string; comment: string; entries: Set<string> }>();
  const set = (name: string, type: string, comment: string) => {
    let s = sets.get(name);
    if (!s) sets.set(name, (s = { type, comment, entries: new Set() }));
    return s;
  };
  for (const [n, t, c] of IPVS_IPSETS) set(n, t, c);

  const vs: string[] = [];
  const dummy = new Set<string>();
  const nodeIPs = nodePortDestinations(options, family);
  const nodeAddrs = nodeIPs.matchAll ? options.nodeIPs.filter((ip) => ipFamily(ip) === family) : nodeIPs.ips;

  for (const key of [...services.keys()].sort()) {
    const svc = services.get(key)!;
    if (svc.protocol === 'SCTP') continue;
    // Pasted into ipset and ipvsadm-restore input: re-check (defence in depth).
    assertSafeServicePort(svc);
    assertSafeEndpoints(endpoints.get(key));
    const proto = svc.protocol.toLowerCase();
    const flag = svc.protocol === 'UDP' ? '-u' : '-t';
    const c = categorizeEndpoints(endpoints.get(key) ?? [], svc, options.nodeLabels);
    const internal = svc.internalPolicyLocal ? c.localEndpoints : c.clusterEndpoints;
    const external = svc.externalPolicyLocal ? c.localEndpoints : c.clusterEndpoints;
    const persist = svc.sessionAffinityClientIP ? ` -p ${svc.stickyMaxAgeSeconds}` : '';
    const virtual = (ip: string, port: number, eps: EndpointInfo[]) => {
      vs.push(`-A ${flag} ${joinHostPort(ip, port)} -s rr${persist}`);
      for (const ep of eps) vs.push(`-a ${flag} ${joinHostPort(ip, port)} -r ${joinHostPort(ep.ip, ep.port)} -m -w 1`);
    };
    set('KUBE-CLUSTER-IP', '', '').entries.add(`${svc.clusterIP},${proto}:${svc.port}`);
    for (const ep of c.allReachableEndpoints) if (ep.isLocal) set('KUBE-LOOP-BACK', '', '').entries.add(`${ep.ip},${proto}:${ep.port},${ep.ip}`);
    dummy.add(svc.clusterIP);
    virtual(svc.clusterIP, svc.port, internal);
    for (const ip of svc.externalIPs) {
      set('KUBE-EXTERNAL-IP', '', '').entries.add(`${ip},${proto}:${svc.port}`);
      dummy.add(ip);
      virtual(ip, svc.port, external);
    }
    for (const ip of svc.loadBalancerVIPs) {
      set('KUBE-LOAD-BALANCER', '', '').entries.add(`${ip},${proto}:${svc.port}`);
      dummy.add(ip);
      virtual(ip, svc.port, external);
    }
    if (svc.nodePort) {
      set(`KUBE-NODE-PORT-${svc.protocol}`, '', '').entries.add(String(svc.nodePort));
      if (svc.externalPolicyLocal) set(`KUBE-NODE-PORT-LOCAL-${svc.protocol}`, '', '').entries.add(String(svc.nodePort));
      for (const ip of nodeAddrs) virtual(ip, svc.nodePort, external);
    }
  }

  const ipset: string[] = [];
  for (const [name, s] of sets) {
    const range = s.type === 'bitmap:port' ? ' range 0-65535' : ` family ${inet} hashsize 1024 maxelem 65536`;
    ipset.push(`create ${name} ${s.type}${range} comment -exist`);
    ipset.push(`flush ${name}`);
    for (const e of [...s.entries].sort()) ipset.push(`add ${name} ${e} comment "${s.comment}" -exist`);
  }

  const mark = masqueradeMark(options.masqueradeBit);
  const detect = localDetector(options.clusterCIDRs, family);
  const nat = [
    '*nat',
    ':KUBE-SERVICES - [0:0]',
    ':KUBE-POSTROUTING - [0:0]',
    ':KUBE-NODE-PORT - [0:0]',
    ':KUBE-LOAD-BALANCER - [0:0]',
    ':KUBE-MARK-MASQ - [0:0]',
    `-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE`,
    `-A KUBE-POSTROUTING -m mark ! --mark ${mark}/${mark} -j RETURN`,
    `-A KUBE-POSTROUTING -j MARK --xor-mark ${mark}`,
    `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE`,
    `-A KUBE-MARK-MASQ -j MARK --or-mark ${mark}`,
  ];
  if (options.masqueradeAll) nat.push(`-A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ`);
  else if (detect) nat.push(`-A KUBE-SERVICES ${detect.ifNotLocal.join(' ')} -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ`);
  nat.push(
    `-A KUBE-SERVICES -m comment --comment "Kubernetes service external ip + port for masquerade and filter purpose" -m set --match-set KUBE-EXTERNAL-IP dst,dst -j KUBE-MARK-MASQ`,
    `-A KUBE-SERVICES -m comment --comment "Kubernetes service lb portal" -m set --match-set KUBE-LOAD-BALANCER dst,dst -j KUBE-LOAD-BALANCER`,
    `-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT`,
    `-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT`,
    `-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ`,
    `-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port with externalTrafficPolicy=local" -m set --match-set KUBE-NODE-PORT-LOCAL-TCP dst -j RETURN`,
    `-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ`,
    `-A KUBE-NODE-PORT -p udp -m comment --comment "Kubernetes nodeport UDP port with externalTrafficPolicy=local" -m set --match-set KUBE-NODE-PORT-LOCAL-UDP dst -j RETURN`,
    `-A KUBE-NODE-PORT -p udp -m comment --comment "Kubernetes nodeport UDP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-UDP dst -j KUBE-MARK-MASQ`,
    'COMMIT',
    '',
  );
  return {
    ipset: ipset.join('\n') + '\n',
    ipvsadm: (vs.length ? vs.join('\n') + '\n' : ''),
    iptables: nat.join('\n'),
    dummyAddresses: [...dummy].sort(),
  };
}
