import { ipFamily } from '@svcnet/model';
import type { EndpointsMap } from '../core/endpointsChangeTracker.js';
import type { ProxyOptions } from '../core/proxyOptions.js';
import type { ServicePortMap } from '../core/serviceChangeTracker.js';
import type { IPFamily, ServiceKey } from '../core/types.js';
import { isServiceChainName } from './chainNames.js';
import type { ChainNameCache } from './chainNameCache.js';
import { LineBuffer, makeChainLine } from './lineBuffer.js';
import { localDetector, localhostNodePortsEnabled, masqueradeMark, nodePortDestinations } from '../core/ruleHelpers.js';
import { IPTablesRenderCache } from './iptablesRenderCache.js';

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
export const KUBE_FIREWALL = 'KUBE-FIREWALL';
export { LARGE_CLUSTER_ENDPOINTS_THRESHOLD } from './iptablesRenderCache.js';

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
  /**
   * Instead of `existingNatChains` (which costs a look at every chain), with a cache: chains that
   * were in the kernel at the last applied sync and have been dropped since (or were found by
   * iptables-save), and chains first added since then (not in the kernel). Chains this render
   * drops count as in the kernel unless in `addedNatChains`.
   */
  staleNatChains?: Iterable<string>;
  addedNatChains?: ReadonlySet<string>;
  /** The current service port keys of a Service, so a partial render visits only changed ones. */
  portKeysOf?: (service: ServiceKey) => Iterable<string>;
  /**
   * Per-service-port top-level text and chain names kept from earlier renders of the same state
   * (IPTablesSyncer keeps one), so a partial sync renders only changed services; without it (and
   * in every full sync) every service is rendered.
   */
  cache?: IPTablesRenderCache;
  /** iptables supports `--random-fully` on MASQUERADE. */
  hasRandomFully?: boolean;
  /** Reused across renders to avoid rehashing chain names. */
  names?: ChainNameCache;
}

export interface IPTablesRenderResult {
  /** iptables-restore input (filter then nat), to be applied with --noflush. */
  text: string;
  /**
   * Every service chain the ruleset uses (written or not, in a partial sync). With a cache this is
   * the cache's live set: read it before the next render.
   */
  activeNatChains: ReadonlySet<string>;
  /** Chains the cache dropped in this render, then those it added (in that order). */
  droppedNatChains: string[];
  addedNatChains: string[];
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
 * syncProxyRules (v1.31+). Pure with respect to its inputs: state in, iptables-restore text out
 * (the optional cache only remembers earlier output). Services are visited in key order so output
 * is deterministic. Each service port is rendered into its top-level rules (kept in the cache)
 * and its own chains' text (iptablesServiceRules.ts); the result is the fixed chains plus these
 * joined once.
 */
export function renderIPTables(input: IPTablesRenderInput): IPTablesRenderResult {
  const { family, services, endpoints, options } = input;
  const isIPv6 = family === 'IPv6';
  const cache = input.cache ?? new IPTablesRenderCache(input.names);
  const mark = masqueradeMark(options.masqueradeBit);
  const localhostNodePorts = localhostNodePortsEnabled(options, family);
  const nodeIP = options.nodeIPs.find((ip) => ipFamily(ip) === family);
  const update = cache.update({
    family,
    services,
    endpoints,
    full: input.full,
    ...(input.changedServices ? { changedServices: input.changedServices } : {}),
    ...(input.portKeysOf ? { portKeysOf: input.portKeysOf } : {}),
    context: (largeClusterMode, names) => ({ options, detect: localDetector(options.clusterCIDRs, family), localhostNodePorts, nodeIP, largeClusterMode, names }),
    options,
  });
  const { largeClusterMode } = update;

  const filterHead = new LineBuffer();
  const natHead = new LineBuffer();
  for (const c of [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL]) filterHead.writeLine(makeChainLine(c));
  for (const c of [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ]) natHead.writeLine(makeChainLine(c));
  const natFixed = new LineBuffer();
  natFixed.write('-A', KUBE_POSTROUTING, '-m', 'mark', '!', '--mark', `${mark}/${mark}`, '-j', 'RETURN');
  natFixed.write('-A', KUBE_POSTROUTING, '-j', 'MARK', '--xor-mark', mark);
  natFixed.write('-A', KUBE_POSTROUTING, '-m', 'comment', '--comment', '"kubernetes service traffic requiring SNAT"', '-j', 'MASQUERADE', ...(input.hasRandomFully ? ['--random-fully'] : []));
  natFixed.write('-A', KUBE_MARK_MASQ, '-j', 'MARK', '--or-mark', mark);
  const filterFixed = new LineBuffer();
  if (localhostNodePorts) {
    filterHead.writeLine(makeChainLine(KUBE_FIREWALL));
    filterFixed.write('-A', KUBE_FIREWALL, '-m', 'comment', '--comment', '"block incoming localnet connections"', '-d', '127.0.0.0/8', '!', '-s', '127.0.0.0/8', '-m', 'conntrack', '!', '--ctstate', 'RELATED,ESTABLISHED,DNAT', '-j', 'DROP');
  }

  // Top-level rules of every service (cached fragments), own chains of written services only.
  const filter: string[] = [];
  const natChains: string[] = [];
  const natRules: string[] = [];
  let filterCount = filterFixed.count;
  let writtenChainRules = 0;
  const written = update.written;
  const { chunks } = cache;
  // Chunks holding a port whose own chains are written this sync: there its top-level rules and
  // its chain rules interleave, port by port; elsewhere the chunk's cached text goes in whole.
  const writtenChunks = new Set(input.full ? chunks.chunks : [...written.keys()].map((k) => chunks.chunkFor(k)));
  for (const chunk of chunks.chunks) {
    filter.push(chunks.filterText(chunk));
    if (!writtenChunks.has(chunk)) {
      natRules.push(chunks.natTopText(chunk));
      continue;
    }
    // Joined now all the same, so the next sync can take it whole.
    chunks.natTopText(chunk);
    for (const key of chunk.keys) {
      const f = cache.ports.fragments.get(key)!;
      if (f.natTop) natRules.push(f.natTop);
      const own = written.get(key);
      if (own) {
        if (own.chainLines) natChains.push(own.chainLines);
        if (own.chainRules) natRules.push(own.chainRules);
        writtenChainRules += f.chainRuleCount;
      }
    }
  }
  filterCount += cache.totals.filter;

  // Delete service chains no longer in use (flush by chain line, then -X).
  const active = cache.active;
  const added = input.addedNatChains;
  const candidates = input.existingNatChains
    ? [...input.existingNatChains]
    : [...(input.staleNatChains ?? []), ...(added ? update.dropped.filter((c) => !added.has(c)) : update.dropped)];
  const deletedChains = [...new Set(candidates.filter((c) => !active.has(c) && isServiceChainName(c)))].sort();
  for (const chain of deletedChains) {
    natChains.push(`:${chain} - [0:0]\n`);
    natRules.push(`-X ${chain}\n`);
  }

  // Finally, tail-call to the nodePorts chain. This must be the last rule of KUBE-SERVICES.
  const natTail = new LineBuffer();
  const npComment = '"kubernetes service nodeports; NOTE: this must be the last rule in this chain"';
  const destinations = nodePortDestinations(options, family);
  if (destinations.matchAll) {
    const dst = ['-m', 'addrtype', '--dst-type', 'LOCAL'];
    if (isIPv6) dst.push('!', '-d', '::1/128');
    else if (!localhostNodePorts) dst.push('!', '-d', '127.0.0.0/8');
    natTail.write('-A', KUBE_SERVICES, '-m', 'comment', '--comment', npComment, dst, '-j', KUBE_NODEPORTS);
  } else {
    for (const ip of destinations.ips) {
      const loopback = isIPv6 ? ip === '::1' : ip.startsWith('127.');
      if (loopback && (isIPv6 || !localhostNodePorts)) continue;
      natTail.write('-A', KUBE_SERVICES, '-m', 'comment', '--comment', npComment, '-d', ip, '-j', KUBE_NODEPORTS);
    }
  }

  const forward = new LineBuffer();
  if (!options.conntrackTCPLiberal) {
    forward.write('-A', KUBE_FORWARD, '-m', 'conntrack', '--ctstate', 'INVALID', ...(options.nfacct ? ['-m', 'nfacct', '--nfacct-name', 'ct_state_invalid_dropped_pkts'] : []), '-j', 'DROP');
  }
  forward.write('-A', KUBE_FORWARD, '-m', 'comment', '--comment', '"kubernetes forwarding rules"', '-m', 'mark', '--mark', `${mark}/${mark}`, '-j', 'ACCEPT');
  forward.write('-A', KUBE_FORWARD, '-m', 'comment', '--comment', '"kubernetes forwarding conntrack rule"', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT');
  filterCount += forward.count;

  const lines = (b: LineBuffer) => (b.lines.length ? b.lines.join('\n') + '\n' : '');
  const text = [
    '*filter\n',
    lines(filterHead),
    lines(filterFixed),
    ...filter,
    lines(forward),
    'COMMIT\n*nat\n',
    lines(natHead),
    ...natChains,
    lines(natFixed),
    ...natRules,
    lines(natTail),
    'COMMIT\n',
  ].join('');
  const fixedNat = natFixed.count + natTail.count;
  return {
    text,
    activeNatChains: active,
    droppedNatChains: update.dropped,
    addedNatChains: update.added,
    deletedChains,
    filterRules: filterCount,
    natRulesTotal: fixedNat + cache.totals.natTop + cache.totals.chainRules,
    natRulesWritten: fixedNat + cache.totals.natTop + writtenChainRules,
    largeClusterMode,
    noLocalEndpointsInternal: cache.totals.noLocalInternal,
    noLocalEndpointsExternal: cache.totals.noLocalExternal,
  };
}
