import { isIP } from 'node:net';
import { cidrContains, ipFamily } from '@svcnet/model';
import type { IPFamily } from './types.js';

/**
 * Node settings of one proxy, shaped like KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1)
 * with the fields the renderers read. Durations are milliseconds here.
 */
export interface ProxyOptions {
  nodeName: string;
  /** The node's primary address per family (--node-ip); used for LB source-range self-access. */
  nodeIPs: string[];
  /** Pod CIDRs for local-traffic detection (--cluster-cidr); empty disables detection. */
  clusterCIDRs: string[];
  masqueradeAll: boolean;
  /** Bit of the fwmark used for SNAT; 14 gives upstream's 0x4000. */
  masqueradeBit: number;
  /** CIDRs whose local addresses accept NodePorts (--nodeport-addresses); empty means all. */
  nodePortAddresses: string[];
  /** Allow NodePorts on 127.0.0.0/8 (iptables only, IPv4 only). False by default here. */
  localhostNodePorts: boolean;
  minSyncPeriodMs: number;
  syncPeriodMs: number;
  /** Node labels (topology.kubernetes.io/zone drives topology hints). */
  nodeLabels: Record<string, string>;
  /**
   * Every local address of the node, used when nodePortAddresses is set (kube-proxy reads the
   * interfaces; the pure renderers take them as input). The shell fills it from the host.
   */
  nodeAddresses: string[];
  /** nf_conntrack_tcp_be_liberal is set: no INVALID drop rule (as upstream). */
  conntrackTCPLiberal: boolean;
  /** nfacct counters exist (upstream adds `-m nfacct` matches then). */
  nfacct: boolean;
  /** Service CIDRs: nftables drops traffic to unallocated ClusterIPs inside them. */
  serviceCIDRs: string[];
  /**
   * Accept loopback ClusterIPs, externalIPs, LoadBalancer IPs and endpoints (svcnet's own): only
   * for the userspace engine on one machine without root (tests, demos), where every portal and
   * "pod" lives on 127.0.0.0/8. Never on a node: a loopback endpoint from any writer of an
   * EndpointSlice reaches the node's localhost-only services. Unspecified, link-local and
   * multicast addresses are refused regardless.
   */
  allowLoopbackAddresses: boolean;
}

export const DEFAULT_PROXY_OPTIONS: ProxyOptions = {
  nodeName: '',
  nodeIPs: [],
  clusterCIDRs: [],
  masqueradeAll: false,
  masqueradeBit: 14,
  nodePortAddresses: [],
  localhostNodePorts: false,
  minSyncPeriodMs: 1000,
  syncPeriodMs: 30_000,
  nodeLabels: {},
  nodeAddresses: [],
  conntrackTCPLiberal: false,
  nfacct: false,
  serviceCIDRs: [],
  allowLoopbackAddresses: false,
};

export function proxyOptions(partial: Partial<ProxyOptions> = {}): ProxyOptions {
  return { ...DEFAULT_PROXY_OPTIONS, ...partial };
}

export class ProxyConfigError extends Error {
  readonly code = 'InvalidProxyConfig';
  constructor(message: string) {
    super(`proxy: ${message}`);
    this.name = 'ProxyConfigError';
  }
}

/** Parses a Go duration such as `1s`, `30s`, `1m0s`, `500ms`, `1h` into milliseconds. */
export function parseDuration(value: string | number, field: string): number {
  if (typeof value === 'number') return value * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = '';
  for (const m of value.matchAll(re)) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
    consumed += m[0];
  }
  if (!value || consumed !== value) throw new ProxyConfigError(`${field}: invalid duration "${value}" (use e.g. 1s, 30s, 1m0s)`);
  return total;
}

/** Reads a KubeProxyConfiguration object (parsed YAML) into ProxyOptions over `base`. */
export function optionsFromKubeProxyConfiguration(obj: unknown, base: Partial<ProxyOptions> = {}): ProxyOptions {
  if (!obj || typeof obj !== 'object') throw new ProxyConfigError('config: expected a KubeProxyConfiguration object');
  const c = obj as Record<string, unknown>;
  if (c['kind'] !== undefined && c['kind'] !== 'KubeProxyConfiguration') {
    throw new ProxyConfigError(`config: kind is "${String(c['kind'])}", expected KubeProxyConfiguration`);
  }
  const o = proxyOptions(base);
  const ipt = (c['iptables'] ?? {}) as Record<string, unknown>;
  if (typeof c['hostnameOverride'] === 'string' && c['hostnameOverride']) o.nodeName = c['hostnameOverride'];
  if (typeof c['clusterCIDR'] === 'string' && c['clusterCIDR']) o.clusterCIDRs = c['clusterCIDR'].split(',').map((s) => s.trim());
  if (Array.isArray(c['nodePortAddresses'])) o.nodePortAddresses = c['nodePortAddresses'].map(String);
  if (typeof ipt['masqueradeAll'] === 'boolean') o.masqueradeAll = ipt['masqueradeAll'];
  if (typeof ipt['masqueradeBit'] === 'number') o.masqueradeBit = ipt['masqueradeBit'];
  if (typeof ipt['localhostNodePorts'] === 'boolean') o.localhostNodePorts = ipt['localhostNodePorts'];
  const sync = (c['syncPeriod'] ?? ipt['syncPeriod']) as string | undefined;
  const minSync = (c['minSyncPeriod'] ?? ipt['minSyncPeriod']) as string | undefined;
  if (sync !== undefined) o.syncPeriodMs = parseDuration(sync, 'syncPeriod');
  if (minSync !== undefined) o.minSyncPeriodMs = parseDuration(minSync, 'minSyncPeriod');
  validateProxyOptions(o);
  return o;
}

export function validateProxyOptions(o: ProxyOptions): void {
  for (const ip of o.nodeIPs) if (!isIP(ip)) throw new ProxyConfigError(`nodeIPs: "${ip}" is not an IP address`);
  for (const c of [...o.clusterCIDRs, ...o.nodePortAddresses, ...o.serviceCIDRs]) {
    if (c === 'primary') continue;
    const [a, b] = c.split('/');
    if (!a || !isIP(a) || b === undefined || !/^\d+$/.test(b)) throw new ProxyConfigError(`"${c}" is not a CIDR (e.g. 10.244.0.0/16)`);
  }
  if (o.masqueradeBit < 0 || o.masqueradeBit > 31) throw new ProxyConfigError(`masqueradeBit ${o.masqueradeBit} must be in 0..31`);
  if (o.minSyncPeriodMs < 0 || o.syncPeriodMs <= 0) throw new ProxyConfigError('syncPeriod must be > 0 and minSyncPeriod >= 0');
}

/** The family of an address (surrounding spaces ignored), undefined when it is not one. */
export function familyOf(ip: string): IPFamily | undefined {
  return ipFamily(ip.trim());
}

/** CIDR string -> family of its address part, undefined when that is not an address. */
export function cidrFamily(cidr: string): IPFamily | undefined {
  const a = cidr.trim().split('/')[0];
  return a ? familyOf(a) : undefined;
}

/** Whether `ip` lies in `cidr` (same family only; false when either does not parse). */
export function cidrContainsIP(cidr: string, ip: string): boolean {
  return cidrContains(cidr.trim(), ip);
}
