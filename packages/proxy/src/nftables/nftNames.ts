import { base32, sha256 } from '../core/nameHash.js';
import type { ServicePortInfo } from '../core/types.js';

/** nft chain names may be 256 characters (upstream chainNameLengthMax). */
const MAX = 256;

/** Upstream hashAndTruncate: 8 base32 characters of sha256(name), a dash, then the name. */
export function hashAndTruncate(name: string): string {
  const out = base32(sha256(name), 8) + '-' + name;
  return out.length > MAX ? out.slice(0, MAX - 3) + '...' : out;
}

/** `ns/name/proto/port`: upstream servicePortChainNameBase input. */
export function servicePortChainNameBase(svc: ServicePortInfo): string {
  const p = svc.portName;
  return hashAndTruncate(`${p.namespace}/${p.name}/${svc.protocol.toLowerCase()}/${p.port}`);
}

/** `ns/name/proto/port__ip/port` (IPv6 colons become dots so the name stays an identifier). */
export function servicePortEndpointChainNameBase(svc: ServicePortInfo, ip: string, port: number): string {
  const p = svc.portName;
  return hashAndTruncate(`${p.namespace}/${p.name}/${svc.protocol.toLowerCase()}/${p.port}__${ip.replaceAll(':', '.')}/${port}`);
}

export interface NFTServiceNames {
  service: string;
  local: string;
  external: string;
  firewall: string;
}

export function nftServiceNames(svc: ServicePortInfo): NFTServiceNames {
  const base = servicePortChainNameBase(svc);
  return { service: `service-${base}`, local: `local-${base}`, external: `external-${base}`, firewall: `firewall-${base}` };
}

/** Above this many cached endpoint chain names the cache starts over (bounds memory). */
const MAX_ENDPOINT_NAMES = 1_000_000;

/** Memoises hashed nft chain names per service port (looked up by the ServicePortInfo object). */
export class NFTNameCache {
  private readonly byInfo = new WeakMap<ServicePortInfo, { names: NFTServiceNames; eps: Map<string, string> }>();
  private readonly byName = new Map<string, { names: NFTServiceNames; eps: Map<string, string> }>();
  private endpointNames = 0;

  private entry(svc: ServicePortInfo): { names: NFTServiceNames; eps: Map<string, string> } {
    let e = this.byInfo.get(svc);
    if (e) return e;
    const p = svc.portName;
    const k = `${p.namespace}/${p.name}/${svc.protocol}/${p.port}`;
    e = this.byName.get(k);
    if (!e) this.byName.set(k, (e = { names: nftServiceNames(svc), eps: new Map() }));
    this.byInfo.set(svc, e);
    return e;
  }

  service(svc: ServicePortInfo): NFTServiceNames {
    return this.entry(svc).names;
  }

  /** servicePortEndpointChainNameBase, memoised. */
  endpoint(svc: ServicePortInfo, ip: string, port: number): string {
    const e = this.entry(svc);
    const k = `${ip}/${port}`;
    let name = e.eps.get(k);
    if (name === undefined) {
      if (this.endpointNames >= MAX_ENDPOINT_NAMES) {
        for (const x of this.byName.values()) x.eps.clear();
        this.endpointNames = 0;
      }
      name = servicePortEndpointChainNameBase(svc, ip, port);
      e.eps.set(k, name);
      this.endpointNames++;
    }
    return name;
  }
}
