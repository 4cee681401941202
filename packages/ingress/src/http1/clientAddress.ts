import { BlockList, isIP } from 'node:net';
import { formatCIDR, formatIP, parseCIDR, parseIP } from '@svcnet/model';

/** A trusted-proxy entry that is neither an IP address nor a CIDR. */
export class TrustedProxyError extends Error {
  readonly code = 'InvalidTrustedProxy';
  constructor(readonly entry: string) {
    super(`ingress: trusted proxy ${JSON.stringify(entry)} is not an IP address or CIDR (use e.g. 10.0.0.0/8 or 127.0.0.1)`);
  }
}

/**
 * Proxies whose X-Forwarded-For / -Proto / -Host / -Port we believe, as CIDRs or addresses
 * (nginx's set_real_ip_from with real_ip_recursive on; ingress-nginx's proxy-real-ip-cidr).
 * Entries are parsed as Kubernetes parses addresses and CIDRs (@svcnet/model: no leading zeros,
 * host bits of a CIDR masked off as Go's net.ParseCIDR does).
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  /** Throws TrustedProxyError for an entry that is not an address or CIDR. */
  constructor(entries: readonly string[] = []) {
    for (const e of entries) {
      const entry = e.trim();
      const cidr = entry.includes('/') ? parseCIDR(entry) : undefined;
      const ip = cidr ? undefined : parseIP(entry);
      if (cidr) {
        const [base] = formatCIDR(cidr).split('/');
        this.list.addSubnet(base!, cidr.prefix, cidr.family === 'IPv6' ? 'ipv6' : 'ipv4');
      } else if (ip) this.list.addAddress(formatIP(ip), ip.family === 'IPv6' ? 'ipv6' : 'ipv4');
      else throw new TrustedProxyError(e);
    }
    this.empty = entries.length === 0;
  }

  trusts(address: string | undefined): boolean {
    if (this.empty || !address) return false;
    const a = address.startsWith('::ffff:') ? address.slice(7) : address;
    const family = isIP(a);
    return family !== 0 && this.list.check(a, family === 6 ? 'ipv6' : 'ipv4');
  }

  /**
   * The client address: the peer, or, when the peer is trusted, the right-most address in
   * X-Forwarded-For that is not itself a trusted proxy.
   */
  clientAddress(peer: string, forwardedFor: string | undefined): string {
    if (!forwardedFor || !this.trusts(peer)) return peer;
    const hops = forwardedFor.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!.trim();
      if (!hop) continue;
      if (!this.trusts(hop)) return hop;
    }
    return hops[0]!.trim() || peer;
  }
}
