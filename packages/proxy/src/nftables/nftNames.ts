import { createHash } from 'node:crypto';
import { base32 } from '../iptables/chainNames.js';
import type { ServicePortInfo } from '../core/types.js';

/** nft chain names may be 256 characters (upstream chainNameLengthMax). */
const MAX = 256;

/** Upstream hashAndTruncate: 8 base32 characters of sha256(name), a dash, then the name. */
export function hashAndTruncate(name: string): string {
  const out = base32(createHash('sha256').update(name).digest(), 8) + '-' + name;
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
