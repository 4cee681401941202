import { base32, sha256 } from '../core/nameHash.js';

/**
 * Chain names exactly as upstream kube-proxy (pkg/proxy/iptables/proxier.go): the first 16
 * characters of the RFC 4648 base32 encoding of sha256(servicePortName + protocol [+ endpoint]),
 * behind a prefix that says what the chain is. Protocol is lower case ("tcp").
 */
export const SVC_PREFIX = 'KUBE-SVC-';
export const SVL_PREFIX = 'KUBE-SVL-';
export const FW_PREFIX = 'KUBE-FW-';
export const EXT_PREFIX = 'KUBE-EXT-';
export const SEP_PREFIX = 'KUBE-SEP-';

function hash16(s: string): string {
  return base32(sha256(s), 16);
}

/** Upstream portProtoHash. */
export function portProtoHash(servicePortName: string, protocol: string): string {
  return hash16(servicePortName + protocol);
}

export const servicePortPolicyClusterChain = (spn: string, proto: string): string => SVC_PREFIX + portProtoHash(spn, proto);
export const servicePortPolicyLocalChainName = (spn: string, proto: string): string => SVL_PREFIX + portProtoHash(spn, proto);
export const serviceFirewallChainName = (spn: string, proto: string): string => FW_PREFIX + portProtoHash(spn, proto);
export const serviceExternalChainName = (spn: string, proto: string): string => EXT_PREFIX + portProtoHash(spn, proto);
export const servicePortEndpointChainName = (spn: string, proto: string, endpoint: string): string =>
  SEP_PREFIX + hash16(spn + proto + endpoint);

/** Chains a proxier owns per service (upstream isServiceChainName): the only ones it deletes. */
export function isServiceChainName(chain: string): boolean {
  return [SVC_PREFIX, SVL_PREFIX, SEP_PREFIX, FW_PREFIX, EXT_PREFIX].some((p) => chain.startsWith(p));
}
