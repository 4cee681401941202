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

/** `prefix` and the hash of `s`, as one flat string (the proxier keeps ~11 names per Service). */
function hash16(s: string, prefix = ''): string {
  return base32(sha256(s), 16, prefix);
}

/** Upstream portProtoHash. */
export function portProtoHash(servicePortName: string, protocol: string): string {
  return hash16(servicePortName + protocol);
}

export const servicePortPolicyClusterChain = (spn: string, proto: string): string => hash16(spn + proto, SVC_PREFIX);
export const servicePortPolicyLocalChainName = (spn: string, proto: string): string => hash16(spn + proto, SVL_PREFIX);
export const serviceFirewallChainName = (spn: string, proto: string): string => hash16(spn + proto, FW_PREFIX);
export const serviceExternalChainName = (spn: string, proto: string): string => hash16(spn + proto, EXT_PREFIX);
export const servicePortEndpointChainName = (spn: string, proto: string, endpoint: string): string => hash16(spn + proto + endpoint, SEP_PREFIX);

/** Chains a proxier owns per service (upstream isServiceChainName): the only ones it deletes. */
export function isServiceChainName(chain: string): boolean {
  return [SVC_PREFIX, SVL_PREFIX, SEP_PREFIX, FW_PREFIX, EXT_PREFIX].some((p) => chain.startsWith(p));
}
