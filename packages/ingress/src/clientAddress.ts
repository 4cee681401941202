import { BlockList, isIP } from 'node:net';

/**
 * Proxies whose X-Forwarded-For / -Proto / -Host / -Port we believe, as CIDRs or addresses
 * (nginx's set_real_ip_from with real_ip_recursive on).
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(entries: readonly string[] = []) {
    for (const e of entries) {
      const [addr, bits] = e.split('/');
      const family = isIP(addr ?? '');
      if (!family) throw new Error(`ingress: trusted proxy ${JSON.stringify(e)} is not an IP address or CIDR (use e.g. 10.0.0.0/8 or 127.0.0.1)`);
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(addr!, type);
      else this.list.addSubnet(addr!, Number(bits), type);
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
