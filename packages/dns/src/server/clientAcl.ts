import { type CIDR, type IP, cidrContains, formatCIDR, isLoopback, parseCIDR, parseIP } from '@svcnet/model';
import { DnsError } from './errors.js';

/** Distinct client addresses whose verdict is remembered; the memory is dropped when it fills. */
const VERDICT_CACHE = 4096;

/**
 * Which clients may query the server, as CoreDNS's acl plugin configured `allow net CIDR... ; block`:
 * a client inside one of the networks is served, any other gets REFUSED for every query (acl
 * `block` answers REFUSED; `filter` and `drop` are the plugin's other actions, not offered here).
 *
 * Every query, not only recursion, because the cluster zone is no more public than the forwarder:
 * Service names, ClusterIPs and Pod IPs are the cluster's internal map, and a SRV or headless A
 * answer is many times the size of its question, so an answering zone is an amplifier too. A
 * REFUSED is the size of the query and says nothing. (BIND's allow-recursion vs allow-query split
 * suits a server authoritative for public zones; this one has none.)
 *
 * Entries are CIDRs or single addresses (`10.0.0.11` means /32, or /128), as the acl plugin's
 * `net`. An IPv4-mapped IPv6 client (a dual-stack `::` socket) matches the IPv4 networks, as Go's
 * IPNet.Contains, which CoreDNS uses, treats it.
 */
export class ClientAcl {
  /** The networks, normalised (`10.244.0.0/16`), for logs. */
  readonly networks: readonly string[];
  private readonly rules: readonly CIDR[];
  // The hot path: most datagrams come from the client the last one came from, and a busy node
  // has a few thousand clients at most, so a verdict is a string compare or a Map lookup, and
  // the address is parsed (bigints) only the first time it is seen.
  private lastAddress = '';
  private lastVerdict = false;
  private readonly verdicts = new Map<string, boolean>();

  constructor(entries: readonly string[]) {
    this.rules = entries.map((e) => {
      const text = e.trim();
      const ip = text.includes('/') ? undefined : parseIP(text);
      const cidr = ip ? parseCIDR(`${text}/${ip.family === 'IPv4' ? 32 : 128}`) : parseCIDR(text);
      if (!cidr) throw new DnsError('BadAcl', `plugin/acl: ${JSON.stringify(e)} is not a CIDR or an IP address: write networks such as 10.244.0.0/16, fd00::/64 or 10.0.0.11`);
      return cidr;
    });
    this.networks = this.rules.map(formatCIDR);
  }

  /** True when a query from `address` (as a socket reports it) may be answered. */
  allows(address: string): boolean {
    if (address === this.lastAddress) return this.lastVerdict;
    let v = this.verdicts.get(address);
    if (v === undefined) {
      v = this.matches(address);
      if (this.verdicts.size >= VERDICT_CACHE) this.verdicts.clear();
      this.verdicts.set(address, v);
    }
    this.lastAddress = address;
    this.lastVerdict = v;
    return v;
  }

  private matches(address: string): boolean {
    let ip: IP | undefined = parseIP(address);
    if (!ip) return false;
    if (ip.family === 'IPv6' && ip.value >> 32n === 0xffffn) ip = { family: 'IPv4', value: ip.value & 0xffffffffn };
    for (const r of this.rules) if (cidrContains(r, ip)) return true;
    return false;
  }
}

/**
 * The warning to log when a server that forwards listens beyond loopback with no ACL: anyone who
 * can reach the address can use it as a recursive resolver (amplification, cache snooping and
 * poisoning attempts from outside). Undefined when there is nothing to warn about.
 */
export function openResolverWarning(listenHost: string, forwarding: boolean, acl: ClientAcl | undefined, allowSetting: string): string | undefined {
  if (acl || !forwarding || listenHost === 'localhost' || isLoopback(listenHost)) return undefined;
  return `plugin/acl: open resolver: this server forwards queries for any name to its upstreams and answers every client that can reach ${listenHost}; restrict it to the pod and node networks with ${allowSetting} CIDR,...`;
}
