import * as crypto from 'node:crypto';

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

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Standard base32 (with the usual alphabet) of a buffer, without padding; `chars` stops early. */
export function base32(buf: Uint8Array, chars = Infinity): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    if (out.length >= chars) return out.slice(0, chars);
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out.length > chars ? out.slice(0, chars) : out;
}

type OneShotHash = (algorithm: string, data: string, encoding: 'buffer') => Buffer;
const oneShot = (crypto as { hash?: OneShotHash }).hash;

/** sha256 of a string: crypto.hash (one call, Node >= 20.12) where it exists. */
export function sha256(s: string): Uint8Array {
  return oneShot ? oneShot('sha256', s, 'buffer') : crypto.createHash('sha256').update(s).digest();
}

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
